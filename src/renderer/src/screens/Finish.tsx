/** 7. Finish: the summary, "Save report…" (one HTML file, secrets removed) and "Open logs folder". */
import { Body1, Button, Card, Caption1, MessageBar, MessageBarBody, Subtitle2 } from '@fluentui/react-components';
import { useShared } from '../components/styles';
import type { WizardState } from '../state';

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function Finish({ state, config, busy, onSaveReport, onOpenLogs, savedReport, logsFolder }: { state: WizardState; config: Record<string, unknown>; busy: boolean; onSaveReport: () => void; onOpenLogs: () => void; savedReport?: string; logsFolder?: string }) {
  const s = useShared();
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
          Address: http://{text(config.hostName) || 'localhost'}:{text(config.port)}/ · application in {text(config.appDir)} · virtual environment in {text(config.venvDir)}
        </Body1>
      </Card>
      <div className={s.row}>
        <Button appearance="primary" onClick={onSaveReport} disabled={busy} data-testid="save-report">
          Save report…
        </Button>
        <Button onClick={onOpenLogs} disabled={busy} data-testid="open-logs">
          Open logs folder
        </Button>
      </div>
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
