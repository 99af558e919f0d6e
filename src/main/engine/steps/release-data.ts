/**
 * Releases: the data every release shares (release/data.ts). The first release brings the
 * project's own SQLite file and media folder (when the source has them) into the shared folder;
 * later releases find them there and never copy theirs over. The release's history records which
 * of its paths are data, so the next release is compared by its code only.
 */
import type { Action } from '../../../shared/plan';
import { winDirname, winJoin } from '../../../shared/winpath';
import { projectView } from '../project';
import { readRegistry } from '../release/registry';
import { blocked, done, exec, needed, psq, type Step } from '../step';

export const releaseData: Step = {
  id: 'release-data',
  title: 'Keep the data in the shared folder',
  section: 'django',
  dependsOn: ['django-project', 'packages'],
  async check(ctx) {
    const { config, host } = ctx;
    const r = ctx.release;
    if (!r || !config.layout || config.layout.number === 0) return done(r ? 'the deployment made before releases keeps its data where it is' : 'not used: the project is deployed in place');
    const view = await projectView(ctx);
    const record: Action = { kind: 'release', description: `Record which paths of release ${r.target.number} are data`, op: { op: 'data', number: r.target.number, dataParts: view.dataParts ?? [], ...(view.staticParts ? { staticParts: view.staticParts } : {}) } };
    if (view.probeError) {
      const why = `the settings ${ctx.d.settingsModule} do not load, so the database and media folder are not known`;
      return blocked(why, { what: 'Where the data of the releases is kept cannot be decided yet.', why: `${why[0]?.toUpperCase() ?? ''}${why.slice(1)}.`, fix: 'Follow the fix of "Complete the Django settings for IIS"; this step runs once the settings load.' });
    }
    if (!view.facts) return needed('the project is not in place yet: its database and media folder are known once Django reads its settings', [record]);
    const actions: Action[] = [];
    const own = (parts: string) => winJoin(config.appDir, ...parts.split('/'));
    const edit = view.edit;
    const dbParts = view.dataParts?.find((p) => edit?.databaseName && edit.databaseName.toLowerCase().endsWith(`\\${p.replace(/\//g, '\\').toLowerCase()}`));
    if (edit?.databaseName && dbParts && !(await host.exists(edit.databaseName)) && (await host.exists(own(dbParts)))) {
      const file = dbParts.split('/').at(-1) as string;
      actions.push(exec(`Bring the project's database into the shared folder (${edit.databaseName})`, 'robocopy.exe', [winDirname(own(dbParts)), winDirname(edit.databaseName), file, '/NFL', '/NDL', '/NP'], { okExitCodes: [0, 1, 2, 3] }));
    }
    const mediaParts = view.dataParts?.find((p) => edit?.mediaRoot && edit.mediaRoot.toLowerCase().endsWith(`\\${p.replace(/\//g, '\\').toLowerCase()}`));
    if (edit?.mediaRoot && mediaParts && !(await host.exists(edit.mediaRoot)) && (await host.exists(own(mediaParts))))
      actions.push(exec(`Bring the project's media folder into the shared folder (${edit.mediaRoot})`, 'robocopy.exe', [own(mediaParts), edit.mediaRoot, '/E', '/XJ', '/NFL', '/NDL', '/NP'], { okExitCodes: [0, 1, 2, 3] }));
    // The folders exist before migrate opens the database (SQLite creates the file, not its folder). Never journaled: data outlives uninstall.
    for (const dir of [edit?.databaseName ? winDirname(edit.databaseName) : undefined, edit?.mediaRoot].filter((x): x is string => x !== undefined))
      if (!(await host.exists(dir)) && !actions.some((a) => a.kind === 'exec' && a.args[1] === dir)) actions.push({ kind: 'mkdir', description: `Create the shared folder ${dir}`, path: dir });
    // The shared database is the one used: a database the source brings too stays in the release folder, unread (said).
    const unused = edit?.databaseName && dbParts && (await host.exists(own(dbParts))) && !actions.some((a) => a.kind === 'exec' && a.description.startsWith("Bring the project's database")) ? `; the source's own ${dbParts} is not used (the shared ${edit.databaseName} is)` : '';
    const known = (await readRegistry(host, config.siteName))?.releases.find((x) => x.number === r.target.number);
    const sameParts = known && JSON.stringify(known.dataParts) === JSON.stringify(view.dataParts ?? []) && JSON.stringify(known.staticParts ?? null) === JSON.stringify(view.staticParts ?? null);
    if (!sameParts) actions.push(record);
    if (actions.length === 0) return done(`the data every release uses is in ${config.layout.shared}${edit?.databaseName ? ` (database ${edit.databaseName})` : ''}${unused}`);
    return needed(`the shared folder ${config.layout.shared} ${actions.length > 1 ? 'does not have the project\'s data yet' : 'is ready; the history records the data paths'}${unused}`, actions);
  },
  psCheck: ({ config }) => (config.layout ? `Test-Path ${psq(config.layout.shared)}` : '$true'),
};
