/** rollback: the last run undone (after a failure or a cancel). */
import { type DeploymentConfig } from '../../../shared/config';
import { rollback } from '../../engine/engine';
import { type CliIo, type Options } from '../options';
import { confirmChange, withHost } from '../session';

export async function rollbackCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    const refused = await confirmChange(o, io, 'rollback', 'Undo the last run of this deployment? [y/N] ');
    if (refused !== undefined) return refused;
    const r = await rollback(h, config.siteName, o.json ? undefined : (l) => io.out(`  ${l}`));
    if (o.json) io.out(JSON.stringify(r, null, 2));
    else if (!r.runId) io.out(`There is no run of "${config.siteName}" to roll back.`);
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
