/** What the plan says about the release (Review): which release replaces which, what it changes, where the data lives. */
import { Badge, Card, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import type { ReleaseSummary } from '../../../shared/plan';
import { verdictLine } from '../../../shared/migration-verdict';

const useStyles = makeStyles({
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

export function ReleaseCard({ release: r }: { release: ReleaseSummary }) {
  const s = useStyles();
  const files = r.files;
  const q = r.requirements;
  const reqs = q ? [...q.added.map((x) => `+ ${x}`), ...q.removed.map((x) => `− ${x}`), ...q.changed.map((x) => `~ ${x}`)] : [];
  const title = r.mode === 'update' ? `Release ${r.target.number} (${r.target.label}) replaces release ${r.live?.number ?? '?'} (${r.live?.label ?? ''})` : r.mode === 'go-back' ? `Going back to release ${r.target.number} (${r.target.label})` : r.mode === 'first' ? `Release ${r.target.number} (${r.target.label}), the first` : `Release ${r.target.number} (${r.target.label}) is live; the project is unchanged`;
  return (
    <Card data-testid="release">
      <Subtitle2>
        {title} <Badge appearance="outline">{r.target.hash}</Badge>
      </Subtitle2>
      <ul className={s.list}>
        {files ? <li data-testid="release-files">Files: {files.added} added, {files.changed} changed, {files.removed} removed{files.examples.length ? ` (${files.examples.join(', ')})` : ''}</li> : null}
        {reqs.length ? <li data-testid="release-requirements">Requirements: {reqs.join('; ')}</li> : null}
        {r.packages ? <li>{r.packages === 'reused' ? "Packages: the live release's virtual environment (nothing is installed)" : 'Packages: a virtual environment of its own, installed before the switch'}</li> : null}
        {r.newMigrations?.length ? <li data-testid="release-migrations">Migrations that will run: {r.newMigrations.join(', ')}</li> : null}
        {r.migrations?.length ? (
          <li data-testid="release-migration-verdicts">
            What Django says each does to release {r.live?.number ?? ''} while it still serves:
            <ul className={s.list}>
              {r.migrations.map((v) => (
                <li key={v.migration}>
                  <Badge appearance="tint" color={v.verdict === 'additive' ? 'success' : 'danger'}>{v.verdict === 'additive' ? 'additive' : v.verdict === 'unknown' ? 'unknown' : `breaks ${v.verdict}`}</Badge> {verdictLine(v)}
                </li>
              ))}
            </ul>
          </li>
        ) : null}
        {r.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </Card>
  );
}
