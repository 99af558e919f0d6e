/** 6. Verify: each check with its evidence and, on failure, the diagnosis (Fix it); "Open the site". */
import { Body1, Button, Caption1, Card, Subtitle2, Text } from '@fluentui/react-components';
import { NoteList } from '../components/NoteList';
import { ProblemBar } from '../components/ProblemBar';
import { useShared } from '../components/styles';
import type { WizardState } from '../state';

export function Verify({ state, busy, onVerify, onFix, onOpenSite, openedUrl }: { state: WizardState; busy: boolean; onVerify: () => void; onFix: () => void; onOpenSite: () => void; openedUrl?: string }) {
  const s = useShared();
  const v = state.verification;
  return (
    <div className={s.stack}>
      {v ? (
        <Card data-testid="verification">
          <Subtitle2 as="h3" style={{ margin: 0 }}>
            {v.ok ? 'The site works.' : v.diagnoses.length > 1 ? `The site does not work yet: ${v.diagnoses.length} independent causes.` : 'The site does not work yet.'}
          </Subtitle2>
          {v.diagnoses.map((g, i) => (
            <div key={g.cause} data-testid={`diagnosis-${g.cause}`} className={s.stack}>
              <ProblemBar problem={{ what: g.what, why: g.why, fix: g.fix, ...(g.evidence.length ? { output: g.evidence.join('\n') } : {}) }} title={`${i + 1}. ${g.title}`} />
              <Caption1>Affects {g.urls.join(', ')}</Caption1>
              {g.fixable ? (
                <div className={s.row}>
                  <Button appearance="primary" disabled={busy || state.running} onClick={onFix} data-testid={`fix-${g.cause}`}>
                    Fix it
                  </Button>
                  <Caption1>shows the steps that repair it on the Review screen first; nothing changes until you install</Caption1>
                </div>
              ) : null}
            </div>
          ))}
          {v.probes.map((p) => (
            <div key={p.url}>
              <Text weight="semibold">
                {p.ok ? '✔' : '✖'} {p.name}
              </Text>
              <div className={s.mono}>
                {p.url} → {p.status ?? (p.url.startsWith('file:') ? (p.ok ? 'present' : 'missing') : 'no answer')} {p.contentType ?? ''} ({p.detail})
              </div>
              {p.diagnosis ? <Caption1>{p.diagnosis.what} (see above)</Caption1> : null}
            </div>
          ))}
          <NoteList items={v.warnings} title="Warnings" />
          <NoteList items={v.simulated} title="Simulated in this rehearsal" />
        </Card>
      ) : (
        <Body1>Verification runs at the end of the installation; you can also run it now.</Body1>
      )}
      <div className={s.row}>
        <Button onClick={onVerify} disabled={busy || state.running} data-testid="verify-again">
          Run verification
        </Button>
        <Button appearance={v?.ok ? 'primary' : 'secondary'} onClick={onOpenSite} disabled={busy} data-testid="open-site">
          Open the site
        </Button>
        {openedUrl ? <Caption1>Opened {openedUrl} in the default browser.</Caption1> : null}
      </div>
    </div>
  );
}
