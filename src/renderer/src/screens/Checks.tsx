/** 2. Checks: elevation, Windows, IIS/CGI, Python, the port, disk space, downloads: green, amber or red, with what to do. */
import { Body1, Button, Card, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { CheckLine } from '../../../shared/ipc';
import { useShared } from '../components/styles';

const useStyles = makeStyles({
  line: { display: 'grid', gridTemplateColumns: '24px 1fr', gap: '8px', alignItems: 'start' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  warn: { color: tokens.colorPaletteDarkOrangeForeground1 },
  error: { color: tokens.colorPaletteRedForeground1 },
});

const MARK = { ok: '✔', warn: '!', error: '✖' } as const;

export function Checks({ lines, busy, onRun }: { lines?: CheckLine[]; busy: boolean; onRun: () => void }) {
  const s = useShared();
  const c = useStyles();
  return (
    <div className={s.stack}>
      <Body1>What this server has and needs, read without changing anything.</Body1>
      {!lines && busy ? <Spinner size="small" label="Checking the server…" /> : null}
      {lines ? (
        <Card data-testid="checks">
          {lines.map((l) => (
            <div key={l.id + l.label} className={c.line} data-testid={`check-${l.id}`} data-level={l.level}>
              <Text className={c[l.level]} weight="bold" aria-label={l.level === 'ok' ? 'ready' : l.level === 'warn' ? 'to do' : 'problem'}>
                {MARK[l.level]}
              </Text>
              <div>
                <Text weight="semibold">{l.label}</Text>: {l.detail}
                {l.fix ? <div>What to do: {l.fix}</div> : null}
              </div>
            </div>
          ))}
        </Card>
      ) : null}
      <div>
        <Button onClick={onRun} disabled={busy} data-testid="run-checks">
          Check again
        </Button>
      </div>
    </div>
  );
}
