/** 7. Finish: the summary, "Save report…" (one HTML file, secrets removed) and "Open logs folder". */
import { httpsOrigin } from '../../../shared/config-https';
import { Body1, Button, Card, Caption1, MessageBar, MessageBarBody, Subtitle2 } from '@fluentui/react-components';
import { useShared } from '../components/styles';
import type { WizardState } from '../state';
import type { ConfigProblem } from '../../../shared/config';
import type { GoBackChoice } from '../../../shared/ipc';
import { reversalDrops, verdictLine } from '../../../shared/migration-verdict';

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The address people open: HTTPS when the configuration has it. */
function siteAddress(config: Record<string, unknown>): string {
  const host = typeof config.hostName === 'string' && config.hostName ? config.hostName : 'localhost';
  const https = config.https as { port?: unknown } | undefined;
  if (https) return `${httpsOrigin({ hostName: host, https: { port: typeof https.port === 'number' ? https.port : 443 } }) ?? ''}/`;
  return `http://${host}:${typeof config.port === 'number' || typeof config.port === 'string' ? config.port : ''}/`;
}

export function Finish({ state, config, busy, onSaveReport, onOpenLogs, onGoBack, savedReport, logsFolder, problems = [] }: { state: WizardState; config: Record<string, unknown>; busy: boolean; onSaveReport: () => void; onOpenLogs: () => void; onGoBack: (choice?: GoBackChoice) => void; savedReport?: string; logsFolder?: string; problems?: ConfigProblem[] }) {
  const s = useShared();
  const rel = state.plan?.release;
  const replaced = rel?.mode === 'update' && state.outcome === 'succeeded' ? rel.live : undefined;
  // The migrations the update ran that break the release it replaced (Django's verdicts): going back needs a choice.
  const breaks = (rel?.migrations ?? []).filter((v) => v.verdict !== 'additive');
  const reversible = breaks.length > 0 && (rel?.migrations ?? []).every((v) => v.reversible);
  const drops = reversalDrops(rel?.migrations ?? []);
  const v = state.verification;
  const changed = Object.values(state.steps).filter((x) => x?.state === 'done').length;
  const already = Object.values(state.steps).filter((x) => x?.state === 'already-done').length;
  return (
    <div className={s.stack}>
      <Card data-testid="summary">
        <Subtitle2 as="h3" style={{ margin: 0 }}>
          {v?.ok ? `The site "${text(config.siteName)}" works.` : state.outcome === 'succeeded' ? `The site "${text(config.siteName)}" is installed; the verification found problems.` : `The installation ${state.outcome ?? 'has not run'}.`}
        </Subtitle2>
        <Body1>
          {state.outcome ? `${changed} step(s) changed the server, ${already} were already done.` : 'Nothing was installed in this session.'}
          {state.restartRequired ? ' Windows needs a restart to finish.' : ''}
        </Body1>
        <Body1>
          Address: {siteAddress(config)} · application in {text(config.appDir)} · virtual environment in {text(config.venvDir)}
        </Body1>
      </Card>
      <div className={s.row}>
        <Button appearance="primary" onClick={onSaveReport} disabled={busy} data-testid="save-report">
          Save report…
        </Button>
        <Button onClick={onOpenLogs} disabled={busy} data-testid="open-logs">
          Open logs folder
        </Button>
        {replaced && !breaks.length ? (
          <Button onClick={() => onGoBack()} disabled={busy} data-testid="go-back">
            Go back to {replaced.label}
          </Button>
        ) : null}
      </div>
      {replaced && !breaks.length ? <Caption1>Release {rel?.target.number} ({rel?.target.label}) is live; release {replaced.number} ({replaced.label}) is kept beside it. Going back switches the site to it and verifies it; the database stays as it is.</Caption1> : null}
      {replaced && breaks.length ? (
        <Card data-testid="go-back-choices">
          <Subtitle2 as="h3" style={{ margin: 0 }}>
            Going back to {replaced.label} needs a choice
          </Subtitle2>
          <Body1>
            Release {rel?.target.number}&apos;s migrations break release {replaced.number}, by Django&apos;s account: {breaks.map(verdictLine).join('; ')}. With them in place, release {replaced.number} fails as that says.
          </Body1>
          <div className={s.row}>
            {reversible ? (
              <Button appearance="primary" onClick={() => onGoBack('reverse-migrations')} disabled={busy} data-testid="go-back-reverse">
                Reverse the migrations and go back
              </Button>
            ) : null}
            <Button onClick={() => onGoBack('restore-backup')} disabled={busy} data-testid="go-back-restore">
              Restore the backup and go back
            </Button>
            <Button onClick={() => onGoBack('keep-migrations')} disabled={busy} data-testid="go-back-keep">
              Go back, keep the new schema
            </Button>
          </div>
          <Caption1>
            {reversible ? `Reverse: release ${rel?.target.number}'s own Django undoes them after a fresh backup while the site answers 503 (drops ${drops.length ? drops.join(', ') : 'no stored values'}). ` : 'Django cannot reverse every one of them. '}
            Restore: the backup taken before them is put back; every row written since is lost (the database as it is now is copied first). Keep: release {replaced.number} runs on the new schema.
          </Caption1>
        </Card>
      ) : null}
      {problems.length ? (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody data-testid="finish-problems">{problems.map((p) => p.message).join(' ')}</MessageBarBody>
        </MessageBar>
      ) : null}
      <Caption1>The report is one HTML file: the settings, the plan, the log and the verification, with secrets removed.</Caption1>
      {savedReport ? (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody data-testid="report-saved">Report saved to {savedReport} and opened.</MessageBarBody>
        </MessageBar>
      ) : null}
      {logsFolder ? <Caption1 data-testid="logs-opened">Opened {logsFolder}.</Caption1> : null}
    </div>
  );
}
