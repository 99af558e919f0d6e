/**
 * Releases: the switch. The release's FastCGI application is registered (the fastcgi step) before
 * the handler names it; the handler, the site's root and /static physical paths change in one
 * commit (IIS's configuration API, SWITCH_SCRIPT: the next request is the new release's, and no
 * request ever meets release 2's code with release 1's files); a failure or hang of that command
 * switches back by itself. The site is then asked for the verification URLs; when one
 * fails, the handler and the paths go back to the release that was live, at once, and the step
 * says so. The previous release's FastCGI application stays registered (its requests drain; going
 * back is instant); it is removed when the release leaves the kept ones (leftovers, keepReleases).
 */
import type { Action } from '../../../shared/plan';
import { samePath, winDirname, winJoin } from '../../../shared/winpath';
import { APPCMD, DJANGO_HANDLER_NAME, POWERSHELL, SWITCH_SCRIPT, appcmd, fastCgiIdentity, psArgs, switchEnv } from '../commands';
import { parseHandlers, parseSite } from '../parsers';
import { projectView } from '../project';
import { liveRelease, readRegistry } from '../release/registry';
import { inMaintenance, windowBack } from '../release/maintenance';
import { reverseActions } from '../release/reverse';
import { done, exec, needed, query, type Step, type StepContext } from '../step';
import { SQLITE_BACKUP_PY } from './migrate';

/** The rows each table holds now beyond the backup (counts: an edited row is not seen), read with the venv's Python. */
const SQLITE_COUNTS_PY = 'import json, sqlite3, sys\ndef counts(p):\n    c = sqlite3.connect(p)\n    names = [r[0] for r in c.execute("select name from sqlite_master where type=\'table\' and name not like \'sqlite_%\' and name != \'django_migrations\'")]\n    out = {n: c.execute(\'select count(*) from "%s"\' % n.replace(\'"\', \'""\')).fetchone()[0] for n in names}\n    c.close()\n    return out\na, b = counts(sys.argv[1]), counts(sys.argv[2])\nprint(json.dumps({t: b.get(t, 0) - a.get(t, 0) for t in sorted(set(a) | set(b)) if b.get(t, 0) != a.get(t, 0)}))\n';

/**
 * go-back --restore-backup: the current database is copied to the backups folder first (SQLite's
 * backup API, with the time in its name), then the backup taken before the leaving release's
 * migrations goes into the live file; the action says what the restore loses, counted per table.
 */
async function restoreActions(ctx: StepContext, backup: string, db: string): Promise<Action[]> {
  const { d, host } = ctx;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const keep = winJoin(winDirname(backup), `${db.split('\\').at(-1) ?? 'db.sqlite3'}.before-restore-${stamp}`);
  let lost = 'the rows written since it was taken';
  if ((await host.exists(backup)) && (await host.exists(db))) {
    const q = await host.exec(d.venvPython, ['-c', SQLITE_COUNTS_PY, backup, db], { timeoutMs: 120_000 });
    try {
      const diff = JSON.parse(q.stdout.trim().split(/\r?\n/).at(-1) ?? '') as Record<string, number>;
      const rows = Object.entries(diff).filter(([, n]) => n !== 0);
      lost = rows.length ? `the rows written since it was taken (by count: ${rows.map(([t, n]) => `${t} ${n > 0 ? '+' : ''}${n}`).join(', ')}; edits of existing rows are not counted)` : 'no rows by count (edits of existing rows are not counted)';
    } catch {
      // the counts are a courtesy: the restore is what was agreed
    }
  }
  return [
    exec(`Copy the current database to ${keep} before restoring (SQLite's backup API)`, d.venvPython, ['-c', SQLITE_BACKUP_PY, db, keep]),
    exec(`Restore the database from ${backup}: lost are ${lost}, as agreed; the database as it was is in ${keep}`, d.venvPython, ['-c', SQLITE_BACKUP_PY, backup, db]),
  ];
}

export const releaseSwitch: Step = {
  id: 'release-switch',
  title: 'Switch the site to the release',
  section: 'site',
  dependsOn: ['release-staging', 'app-pool', 'fastcgi', 'permissions'],
  async check(ctx) {
    const { config, d } = ctx;
    const r = ctx.release;
    if (!r) return done('not used: the project is deployed in place');
    const history = await readRegistry(ctx.host, config.siteName);
    const rec = history?.releases.find((x) => x.number === r.target.number);
    const markLive = (verified: boolean): Action => ({ kind: 'release', description: `Record release ${r.target.number} (${r.target.label}) as live`, op: { op: 'live', number: r.target.number, verified } });
    if (r.target.legacy) return done('the deployment made before releases is live');
    const live = liveRelease(history);
    const sr = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
    const site = sr?.exitCode === 0 ? parseSite(sr.stdout) : undefined;
    if (!site || (!live && r.summary.mode === 'first')) {
      // Nothing serves yet: the site steps create the site pointing at this release.
      if (rec?.state === 'live') return done(`release ${rec.number} (${rec.label}) is the live release`);
      return needed(`release ${r.target.number} (${r.target.label}) is the first: the site is made pointing at it`, [markLive(false)]);
    }
    const view = await projectView(ctx);
    const root = site.apps.find((a) => a.path === '/');
    const curRoot = root?.vdirs.find((v) => v.path === '/')?.physicalPath ?? '';
    const staticPath = view.staticVdirPath;
    const curStatic = staticPath ? root?.vdirs.find((v) => v.path.toLowerCase() === staticPath.toLowerCase())?.physicalPath : undefined;
    const hr = await query(ctx, APPCMD, appcmd.listHandlers(config.siteName));
    const cur = hr?.exitCode === 0 ? parseHandlers(hr.stdout).find((h) => h.name === DJANGO_HANDLER_NAME) : undefined;
    const curSp = cur?.scriptProcessor;
    const wantSp = fastCgiIdentity(d).scriptProcessor;
    const handlerOk = curSp === wantSp;
    // A deployment made before releases in httpplatform mode has waitress's handler: it is replaced (two commits, not one).
    const otherModule = cur !== undefined && cur.modules !== 'FastCgiModule';
    const pathsOk = samePath(curRoot, config.appDir) && (!staticPath || curStatic === undefined || samePath(curStatic, view.staticRoot));
    if (handlerOk && pathsOk) return rec?.state === 'live' ? done(`release ${r.target.number} (${r.target.label}) is live: the site serves ${config.appDir}`) : needed('the site serves the release; the history does not say so yet', [markLive(true)]);
    // "migrate": "maintenance": the handler points at the window's application (503) since the migrations; going
    // back is the live release with the database as it was when the window opened (nothing wrote to it since).
    // go-back --reverse-migrations: the leaving release's Django reverses its migrations in a window first.
    const reversing = r.reverseMigrations && r.live ? await reverseActions(ctx, view.sqliteFile) : undefined;
    if (reversing && !('said' in reversing)) return reversing;
    const reversal = reversing;
    const window = inMaintenance(rec) || reversal !== undefined;
    const from = r.live ? `release ${r.live.number} (${r.live.label})` : 'the live release';
    const staticDir = staticPath && curStatic !== undefined ? staticPath : undefined;
    const failed: Action = { kind: 'release', description: `Record that release ${r.target.number} failed after the switch`, op: { op: 'failed', number: r.target.number, why: `it failed its verification after the switch; ${from} was switched back to` } };
    // A FastCGI handler (every release's): the handler and the paths change in one commit, and back in one.
    const oneCommit = cur !== undefined && !otherModule && curSp !== undefined;
    const back: Action[] = reversal
      ? reversal.back
      : window
      ? [...windowBack(ctx, 'back', rec?.backup && view.sqliteFile ? { backup: rec.backup, db: view.sqliteFile, python: d.venvPython, afterSwitch: true } : undefined), failed]
      : oneCommit
      ? [exec(`Point the handler, the site${staticDir ? ` and ${staticDir}` : ''} back at ${from} in one commit`, POWERSHELL, psArgs(SWITCH_SCRIPT), { env: switchEnv(config.siteName, curSp, curRoot, staticDir ? [staticDir, curStatic ?? ''] : undefined) }), failed]
      : [
          ...(otherModule ? [exec('Remove the Django handler', APPCMD, appcmd.removeHandler(config.siteName)), exec(`Map the site to waitress again (${from})`, APPCMD, appcmd.addHttpPlatformHandler(config))] : []),
          ...(curSp && !handlerOk ? [exec(`Point the handler back at ${from}`, APPCMD, appcmd.setHandlerScriptProcessor(config.siteName, curSp))] : []),
          exec(`Point the site back at ${from}`, APPCMD, appcmd.setSitePaths(config.siteName, [['/', curRoot], ...(staticDir ? [[staticDir, curStatic ?? ''] as [string, string]] : [])])),
          failed,
        ];
    const switchActions: Action[] = oneCommit
      ? [exec(`Point the handler, the site${staticDir ? ` and ${staticDir}` : ''} at release ${r.target.number} in one commit`, POWERSHELL, psArgs(SWITCH_SCRIPT), { env: switchEnv(config.siteName, wantSp, config.appDir, staticDir ? [staticDir, view.staticRoot] : undefined), onFailure: back })]
      : [
          // A handler of another module (a deployment made before releases in httpplatform mode) is replaced: two commits, not one.
          ...(otherModule ? [exec(`Replace waitress's handler (${cur.modules}): the requests of that moment may fail`, APPCMD, appcmd.removeHandler(config.siteName), { onFailure: back }), exec(`Map every request to release ${r.target.number}'s FastCGI application`, APPCMD, appcmd.addDjangoHandler(config, d), { onFailure: back })] : []),
          ...(pathsOk ? [] : [exec(`Point the site${staticDir ? ` and ${staticDir}` : ''} at release ${r.target.number} in one commit`, APPCMD, appcmd.setSitePaths(config.siteName, [['/', config.appDir], ...(staticDir ? [[staticDir, view.staticRoot] as [string, string]] : [])]), { onFailure: back })]),
        ];
    const actions: Action[] = [
      ...(reversal ? reversal.actions : []),
      ...switchActions,
      ...(window ? [{ kind: 'release', description: `Record that release ${r.target.number}'s maintenance window ended with the switch`, op: { op: 'maintenance', number: r.target.number, on: false, outcome: 'switched' } } satisfies Action] : []),
      { kind: 'probe', description: `Release ${r.target.number} (${r.target.label}) on the site after the switch`, port: config.port, urls: ['/', '/admin/login/', `${view.staticUrl}admin/css/base.css`, ...config.verify.urls], onFailure: back },
      markLive(true),
      // go-back --restore-backup: the database as it was before the left release's migrations (SQLite's backup API, into the live file).
      ...(r.restoreBackup && view.sqliteFile ? await restoreActions(ctx, r.restoreBackup, view.sqliteFile) : []),
    ];
    return needed(`${from} is live${inMaintenance(rec) ? ' (the site answers 503: its maintenance window is open)' : ''}; release ${r.target.number} (${r.target.label}) replaces it${reversal ? `; its migrations are reversed first: ${reversal.said}` : ''}`, actions);
  },
  psCheck: () => '$true',
};
