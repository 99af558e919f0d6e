/** uninstall: what this deployment's journal says it created is removed, what it adopted restored. */
import { type DeploymentConfig } from '../../../shared/config';
import { readJournal, uninstall } from '../../engine/engine';
import { deploymentData, deploymentsOnServer } from '../../engine/undo';
import { type Host } from '../../engine/host';
import { type CliIo, type Options } from '../options';
import { confirmChange, withHost } from '../session';

/** Each data path, and for a folder what it holds (the database, media, backups, logs), as the prompt lists them. */
async function dataLines(h: Host, data: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of data) {
    const inside = (await h.stat(d).catch(() => undefined))?.dir ? await h.readDir(d).catch(() => [] as string[]) : [];
    out.push(`  - ${d}${inside.length ? ` (${inside.sort().join(', ')})` : ''}`);
  }
  return out;
}

export async function uninstallCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    const journal = await readJournal(h, config.siteName);
    if (journal.entries.length === 0) {
      const sites = await deploymentsOnServer(h);
      io.err(`There is no deployment "${config.siteName}" on this server: nothing was removed. ${sites.length ? `Deployed here by this tool: ${sites.map((x) => `"${x}"`).join(', ')}; give its configuration (--config, or its siteName).` : 'This tool has deployed nothing here.'}`);
      return 2;
    }
    const data = await deploymentData(h, config.siteName, journal.entries);
    const question = o.deleteData && data.length
      ? `Remove the site, pool, FastCGI application, grants and folders this tool created, AND DELETE THE APPLICATION'S DATA:\n${(await dataLines(h, data)).join('\n')}\n(this cannot be undone) [y/N] `
      : `Remove the site, pool, FastCGI application, grants and folders this tool created?${data.length ? ` The application's data is kept: ${data.join(', ')}.` : ''} [y/N] `;
    const refused = await confirmChange(o, io, 'uninstall', question);
    if (refused !== undefined) return refused;
    const r = await uninstall(h, config.siteName, o.json ? undefined : (l) => io.out(`  ${l}`), { deleteData: o.deleteData === true });
    io.out(
      o.json
        ? JSON.stringify(r, null, 2)
        : r.problems.length
          ? `Some things could not be removed:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`
          : `Removed ${r.removed.length} item(s)${r.restored.length ? `; restored ${r.restored.length} setting(s) of objects that existed before` : ''}.\n${r.data?.deleted.length ? `Deleted the application's data: ${r.data.deleted.join(', ')}.\n` : ''}${r.kept.join('\n')}`,
    );
    return r.problems.length ? 1 : 0;
  });
}
