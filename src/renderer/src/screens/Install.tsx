/** 5. Install: each step's state and the overall progress; on failure what happened, why, what to do, with Retry and Roll back; Cancel. */
import { Body1, Button, Caption1, MessageBar, MessageBarBody, MessageBarTitle, ProgressBar } from '@fluentui/react-components';
import type { SectionId } from '../../../shared/steps';
import type { StepId } from '../../../shared/steps';
import { StepCard } from '../components/StepCard';
import { useShared } from '../components/styles';
import type { StepView, WizardState } from '../state';

export function Install({ state, sections, busy, onCancel, onRetry, onRollBack, rollbackSummary }: { state: WizardState; sections: readonly { id: SectionId; title: string; guide: string }[]; busy: boolean; onCancel: () => void; onRetry: (id: StepId) => void; onRollBack: () => void; rollbackSummary?: string[] }) {
  const s = useShared();
  const { completed, total } = state.progress;
  const views = state.order.map((id) => state.steps[id]).filter((v): v is StepView => !!v);
  const failed = views.filter((v) => v.state === 'failed');
  // While running: the steps at work and those that failed first; the rest below, grouped by section.
  const active = views.filter((v) => v.state === 'running' || v.state === 'checking');
  return (
    <div className={s.stack}>
      <ProgressBar value={total ? completed / total : 0} thickness="large" aria-label="Overall progress" />
      <Caption1 data-testid="run-status" role="status">
        {state.running ? `Installing: ${completed} of ${total} steps finished` : state.outcome ? `Deployment ${state.outcome}` : 'Not started yet.'}
        {state.restartRequired ? ' — Windows needs a restart to finish' : ''}
      </Caption1>
      {state.running ? (
        <div className={s.row}>
          <Button onClick={onCancel} data-testid="cancel">
            Cancel
          </Button>
          <Caption1>Stops after the command that is running; what finished stays, and can be rolled back.</Caption1>
        </div>
      ) : null}
      {failed.map((v) => (
        <StepCard key={`failed-${v.id}`} v={v} running={state.running} onRetry={() => onRetry(v.id)} />
      ))}
      {!state.running && (state.outcome === 'failed' || state.outcome === 'cancelled') ? (
        <div className={s.row}>
          <Button onClick={onRollBack} disabled={busy} data-testid="rollback">
            Roll back this run
          </Button>
          <Caption1>Puts the IIS configuration and the files back as they were before the run (IIS features and Python stay).</Caption1>
        </div>
      ) : null}
      {rollbackSummary ? (
        <MessageBar intent="info" layout="multiline" data-testid="rollback-summary">
          <MessageBarBody>
            <MessageBarTitle>Rolled back</MessageBarTitle>
            {rollbackSummary.map((l) => (
              <div key={l}>{l}</div>
            ))}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {state.outcome === 'succeeded' ? <Body1>Every step is done. Next: the verification of the site.</Body1> : null}
      {active.map((v) => (
        <StepCard key={`active-${v.id}`} v={v} running={state.running} />
      ))}
      {sections.map((sec) => {
        const vs = views.filter((v) => v.section === sec.id && v.state !== 'failed' && v.state !== 'running' && v.state !== 'checking');
        return vs.length ? (
          <section key={sec.id} aria-label={sec.title} className={s.stack}>
            <Caption1 as="h3" style={{ margin: 0, fontWeight: 600 }}>
              {sec.title}
            </Caption1>
            {vs.map((v) => (
              <StepCard key={v.id} v={v} running={state.running} />
            ))}
          </section>
        ) : null;
      })}
    </div>
  );
}
