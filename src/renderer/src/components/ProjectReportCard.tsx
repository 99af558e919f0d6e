/** What the plan read from the project (Django's own answers), its overrides and warnings, and conflicts. */
import { Card, MessageBar, MessageBarBody, MessageBarTitle, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import type { Plan } from '../../../shared/plan';
import { NoteList } from './NoteList';

const useStyles = makeStyles({
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

export function ProjectReportCard({ plan }: { plan: Plan }) {
  const s = useStyles();
  const p = plan.project;
  return (
    <>
      {plan.conflicts.length > 0 ? (
        <MessageBar intent="error" layout="multiline" data-testid="conflicts">
          <MessageBarBody>
            <MessageBarTitle>Already on this server, and not this deployment's: nothing will change until this is resolved</MessageBarTitle>
            <ul className={s.list}>
              {plan.conflicts.map((c) => (
                <li key={c.object}>
                  {c.what} {c.differs.length ? `(${c.differs.join('; ')})` : ''} {c.fix}
                </li>
              ))}
            </ul>
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <Card data-testid="project-report">
        <Subtitle2>{p.inspected ? 'Read from the project (as Django reports it)' : 'The project (read from Django once it is in place)'}</Subtitle2>
        <ul className={s.list}>
          {p.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
        <NoteList items={p.warnings} />
      </Card>
    </>
  );
}
