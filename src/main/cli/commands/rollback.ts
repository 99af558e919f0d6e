/** rollback: the last run undone (after a failure or a cancel). */
import { type DeploymentConfig } from '../../../shared/config';
import { rollback, rollbackPreview } from '../../engine/engine';
import { type CliIo, type Options } from '../options';
import { confirmChange, withHost } from '../session';

export async function rollbackCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    // Said first: which run, what it changed, what stays (nothing is asked when there is nothing to undo).
    const preview = await rollbackPreview(h, config.siteName);
    if (preview.nothing && !o.json) {
      io.out(preview.nothing);
      return 0;
    }
    if (preview.run && !o.json && !o.yes)
      io.out(
        [
          `The run of ${preview.run.startedAt}${preview.run.outcome ? ` (${preview.run.outcome})` : ' (it did not finish)'} made ${preview.changes.length} change(s) that rollback undoes:`,
          ...preview.changes.slice(0, 12).map((c) => `  - ${c}`),
          ...(preview.changes.length > 12 ? [`  - and ${preview.changes.length - 12} more`] : []),
          'Kept:',
          ...preview.keeps.map((k) => `  - ${k}`),
        ].join('\n'),
      );
    const refused = preview.nothing ? undefined : await confirmChange(o, io, 'rollback', `Undo the run of ${preview.run?.startedAt ?? ''}? [y/N] `);
    if (refused !== undefined) return refused;
    const r = await rollback(h, config.siteName, o.json ? undefined : (l) => io.out(`  ${l}`));
    if (o.json) io.out(JSON.stringify(r, null, 2));
    else if (!r.runId) io.out(r.nothing ?? `There is no run of "${config.siteName}" to roll back.`);
    else
      io.out(
        [
          `Rolled back run ${r.runId}: IIS configuration ${r.iisConfig === 'restored-from-backup' ? `restored from the backup "${r.backup ?? ''}"` : r.iisConfig === 'entries-removed' ? "this tool's entries removed" : 'not touched by the run'}; ${r.removed.length + r.restored.length} change(s) undone.`,
          ...r.kept,
          ...(r.problems.length ? ['Some things could not be undone:', ...r.problems.map((p) => `  - ${p}`)] : []),
        ].join('\n'),
      );
    return r.problems.length ? 1 : 0;
  });
}
