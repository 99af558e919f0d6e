/** 4. Review: the plan grouped by the guide's sections, each step "will do" or "already done", the commands behind a disclosure. */
import { Body1, Button, Caption1, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Subtitle1 } from '@fluentui/react-components';
import type { SectionId } from '../../../shared/steps';
import { ProjectReportCard } from '../components/ProjectReportCard';
import { ReleaseCard } from '../components/ReleaseCard';
import { StepCard } from '../components/StepCard';
import { useShared } from '../components/styles';
import type { StepView, WizardState } from '../state';

export function Review({ state, sections, busy, onSavePowerShell, savedScript }: { state: WizardState; sections: readonly { id: SectionId; title: string; guide: string }[]; busy: boolean; onSavePowerShell: () => void; savedScript?: string }) {
  const s = useShared();
  const p = state.plan;
  if (!p) return busy ? <Spinner size="small" label="Checking every step against this server…" /> : <Body1>The plan appears here once the settings are valid.</Body1>;
  const needed = p.steps.filter((x) => x.status === 'needed').length;
  const blocked = p.steps.filter((x) => x.status === 'blocked').length;
  const stepsOf = (section: string) => state.order.map((id) => state.steps[id]).filter((v): v is StepView => !!v && v.section === section);
  return (
    <div className={s.stack} data-testid="plan">
      <Body1>
        {blocked ? `${blocked} step(s) cannot run as things are: see below. ` : ''}
        {needed === 0 ? 'Every step is already done: installing would change nothing.' : `${needed} step(s) will change the server; the others are already done. Nothing has changed yet.`}
      </Body1>
      {p.conflicts.length ? (
        <MessageBar intent="error" layout="multiline" data-testid="conflicts">
          <MessageBarBody>
            <MessageBarTitle>Objects of the same names that this tool did not create</MessageBarTitle>
            {p.conflicts.map((c) => (
              <div key={c.object}>
                {c.what} {c.fix}
              </div>
            ))}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {p.release ? <ReleaseCard release={p.release} /> : null}
      {p.move ? (
        <MessageBar intent="warning" layout="multiline" data-testid="move">
          <MessageBarBody>
            <MessageBarTitle>This configuration moves the live deployment</MessageBarTitle>
            <div>{p.move.summary}</div>
            {p.move.deletes.length ? (
              <ul>
                {p.move.deletes.map((x) => (
                  <li key={x}>
                    <Caption1>{x}</Caption1>
                  </li>
                ))}
              </ul>
            ) : null}
            {p.move.keeps ? <div>Kept (may hold data): {p.move.keeps}</div> : null}
            <div>{p.move.hint}</div>
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <ProjectReportCard plan={p} />
      {sections.map((sec) =>
        stepsOf(sec.id).length ? (
          <section key={sec.id} aria-label={sec.title} className={s.stack}>
            <Subtitle1 as="h3" style={{ margin: 0 }}>
              {sec.title} <Caption1>({sec.guide})</Caption1>
            </Subtitle1>
            {stepsOf(sec.id).map((v) => (
              <StepCard key={v.id} v={v} running={false} />
            ))}
          </section>
        ) : null,
      )}
      <div className={s.row}>
        <Button onClick={onSavePowerShell} disabled={busy} data-testid="export">
          Save as PowerShell…
        </Button>
        <Caption1>The same steps as a PowerShell 5.1 script, each guarded by its check (for servers where this program cannot run).</Caption1>
      </div>
      {savedScript ? (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody data-testid="export-saved">Saved to {savedScript}</MessageBarBody>
        </MessageBar>
      ) : null}
    </div>
  );
}
