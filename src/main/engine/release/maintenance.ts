/**
 * "migrate": "maintenance" (issue #33): when Django says a new release's migrations break the live
 * release, the site answers 503 from just before they run until the new release serves.
 *
 * The window is plain IIS: a FastCGI application of the tool's own (the live release's venv and
 * wfastcgi, told apart by `-X django_iis_maintenance=<n>`) whose WSGI_HANDLER is a small module in
 * <root>\maintenance that answers every request 503 with Retry-After and a page (the project's own
 * static 503.html when it has one, else a plain one). The Django handler is pointed at it in one
 * commit (the switch script), so /static (its own handlers, static files only) keeps serving.
 * Migrations then run with no request writing to the database, so a failure restores the backup
 * taken at the start of the window without losing a row, and points the handler back at the live
 * release. The switch to the new release ends the window; the history records its measured length.
 */
import type { Action } from '../../../shared/plan';
import type { ReleaseRecord } from '../../../shared/release';
import type { Derived } from '../../../shared/config';
import { winJoin } from '../../../shared/winpath';
import { APPCMD, ICACLS, POWERSHELL, SWITCH_SCRIPT, appcmd, fastCgiIdentity, icacls, psArgs, switchEnv } from '../commands';
import { objectKey } from '../ownership';
import { findFastCgiApp, parseFastCgiApps } from '../parsers';
import { exec, type StepContext } from '../step';
import { liveReleaseContext } from './layout';
import { readRegistry } from './registry';
import { SQLITE_BACKUP_PY } from '../sqlite-py';

export const MAINTENANCE_MODULE = 'django_iis_maintenance';

/** The window's WSGI application: the standard library only, the page read once at start. */
export const MAINTENANCE_PY = [
  '"""Written by Django IIS Setup: the site answers 503 while a release\'s migrations run (removed with the deployment)."""',
  'import os',
  '',
  "_HERE = os.path.dirname(os.path.abspath(__file__))",
  "with open(os.path.join(_HERE, 'page.html'), 'rb') as _f:",
  '    _PAGE = _f.read()',
  "_RETRY = os.environ.get('DJANGO_IIS_RETRY_AFTER', '30')",
  '',
  '',
  'def application(environ, start_response):',
  "    start_response('503 Service Unavailable', [",
  "        ('Content-Type', 'text/html; charset=utf-8'),",
  "        ('Retry-After', _RETRY),",
  "        ('Cache-Control', 'no-store'),",
  "        ('Content-Length', str(len(_PAGE))),",
  '    ])',
  "    return [b''] if environ.get('REQUEST_METHOD') == 'HEAD' else [_PAGE]",
  '',
].join('\n');

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** The plain page, when the project has no static 503.html of its own. */
export function plainPage(site: string, release: number): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Down for maintenance</title></head>\n<body style="font-family: Segoe UI, sans-serif; margin: 3em"><h1>Down for a moment</h1>\n<p>${escapeHtml(site)} is being updated (release ${release}). Please try again in a minute.</p></body></html>\n`;
}

/** Where the window's module and page live: beside the release folders (the leftovers step removes it after the switch, uninstall with the rest). */
export const maintenanceDir = (root: string): string => winJoin(root, 'releases', 'maintenance');

/** The window is open on this release (started, not ended). */
export const inMaintenance = (rec: ReleaseRecord | undefined): boolean => rec?.maintenance !== undefined && rec.maintenance.until === undefined;

/** The live release's derived values (its venv, its wfastcgi), and the window's FastCGI identity made from them. */
function liveAndWindow(ctx: StepContext): { live: ReleaseRecord; liveD: Derived; windowD: Derived } {
  const r = ctx.release;
  const lc = liveReleaseContext(ctx);
  if (!r?.live || !lc) throw new Error('the maintenance window needs a live release');
  return { live: r.live, liveD: lc.d, windowD: { ...lc.d, maintenanceFor: r.target.number } };
}

/**
 * The page the window serves: the project's own 503.html (templates\503.html or <app>\templates\503.html
 * of the new release) when it is plain HTML; a Django template cannot be served (Django is not
 * running), so the plain page is used and the reason given.
 */
async function windowPage(ctx: StepContext): Promise<{ html: string; said: string }> {
  const { config, host } = ctx;
  const top = await host.readDir(config.appDir).catch(() => [] as string[]);
  const candidates = [winJoin(config.appDir, 'templates', '503.html'), ...top.map((t) => winJoin(config.appDir, t, 'templates', '503.html'))];
  for (const c of candidates) {
    if (!(await host.exists(c))) continue;
    const html = await host.readFile(c).catch(() => '');
    if (!html.trim()) continue;
    if (/\{%|\{\{/.test(html)) return { html: plainPage(config.siteName, ctx.release?.target.number ?? 0), said: `a plain page (${c} is a Django template, and Django does not run in the window)` };
    return { html, said: `the project's ${c}` };
  }
  return { html: plainPage(config.siteName, ctx.release?.target.number ?? 0), said: 'a plain page (the project has no templates\\503.html)' };
}

/** Retry-After: the last window's measured length rounded up (at least 10 s), else 30 s. */
function retryAfter(history: { releases: ReleaseRecord[] } | undefined): number {
  const last = [...(history?.releases ?? [])].filter((x) => x.maintenance?.seconds !== undefined).sort((a, b) => b.number - a.number)[0];
  return last?.maintenance?.seconds !== undefined ? Math.max(10, Math.ceil(last.maintenance.seconds)) : 30;
}

/** The handler back at the live release, in one commit, and the window recorded as ended. */
export function windowBack(ctx: StepContext, outcome: 'back', restore?: { backup: string; db: string; python: string; afterSwitch?: boolean }): Action[] {
  const { config } = ctx;
  const { live, liveD } = liveAndWindow(ctx);
  const n = ctx.release?.target.number ?? 0;
  return [
    ...(restore
      ? [exec(`Put the database back as it was when the window opened (${restore.backup}): ${restore.afterSwitch ? `only release ${n}'s check after the switch reached it since (what that wrote is lost)` : 'no request wrote to it since, the site answered 503'}`, restore.python, ['-c', SQLITE_BACKUP_PY, restore.backup, restore.db])]
      : []),
    exec(`End the maintenance window: point the handler back at release ${live.number} (${live.label}) in one commit`, POWERSHELL, psArgs(SWITCH_SCRIPT), { env: switchEnv(config.siteName, fastCgiIdentity(liveD).scriptProcessor, live.dir) }),
    { kind: 'release', description: `Record that release ${n}'s maintenance window ended with release ${live.number} serving again`, op: { op: 'maintenance', number: n, on: false, outcome } },
  ];
}


/**
 * The actions that open the window before the migrations run: the module and its page written,
 * the pool granted read on them, the window's FastCGI application registered (journaled: the
 * leftovers step removes it after the switch, uninstall if a run stops in between), the history
 * told, and the handler pointed at it in one commit (a failure puts the live release back).
 */
export async function windowOpen(ctx: StepContext): Promise<{ actions: Action[]; said: string; retryAfter: number }> {
  const { config, d, host } = ctx;
  const r = ctx.release;
  if (!r?.live || !config.layout) throw new Error('the maintenance window needs a live release');
  const { live, windowD } = liveAndWindow(ctx);
  const dir = maintenanceDir(config.layout.root);
  const page = await windowPage(ctx);
  const history = await readRegistry(host, config.siteName);
  const seconds = retryAfter(history);
  const id = fastCgiIdentity(windowD);
  const listed = await host.exec(APPCMD, appcmd.listFastCgi());
  const registered = listed.exitCode === 0 && findFastCgiApp(parseFastCgiApps(listed.stdout), id) !== undefined;
  const env: [string, string][] = [['WSGI_HANDLER', `${MAINTENANCE_MODULE}.application`], ['PYTHONPATH', dir], ['DJANGO_IIS_RETRY_AFTER', String(seconds)]];
  const actions: Action[] = [
    { kind: 'mkdir', description: `Create ${dir} for the maintenance window's page`, path: dir, creates: { object: objectKey.folder(dir), undo: [{ kind: 'remove', description: `Remove ${dir}`, path: dir }] } },
    { kind: 'writeFile', description: `Write the maintenance window's WSGI module ${winJoin(dir, `${MAINTENANCE_MODULE}.py`)} (503, Retry-After: ${seconds})`, path: winJoin(dir, `${MAINTENANCE_MODULE}.py`), content: MAINTENANCE_PY },
    { kind: 'writeFile', description: `Write the page it answers with: ${page.said}`, path: winJoin(dir, 'page.html'), content: page.html },
    exec(`Grant IIS APPPOOL\\${d.appPool} read/execute on ${dir}`, ICACLS, icacls.grant(dir, d.appPool, 'RX')),
    // One left by a run that stopped in its window is made again (its Retry-After may differ).
    ...(registered ? [exec('Remove the maintenance window\'s FastCGI application an earlier run left', APPCMD, appcmd.removeFastCgi(windowD), { okExitCodes: [0, 4312] })] : []),
    exec(`Add the maintenance window's FastCGI application ${id.scriptProcessor}`, APPCMD, appcmd.addFastCgi(config, windowD), {
      creates: { object: objectKey.fastCgi(windowD), undo: [exec('Remove the maintenance window\'s FastCGI application', APPCMD, appcmd.removeFastCgi(windowD))] },
    }),
    ...env.map(([k, v]) => exec(`Set ${k} for the maintenance window's FastCGI application`, APPCMD, appcmd.addFastCgiEnv(windowD, k, v))),
    { kind: 'release', description: `Record that release ${r.target.number}'s maintenance window opens`, op: { op: 'maintenance', number: r.target.number, on: true, retryAfter: seconds } },
    exec(`Open the maintenance window: the site answers 503 (Retry-After: ${seconds}) instead of release ${live.number}, static files keep serving (one commit)`, POWERSHELL, psArgs(SWITCH_SCRIPT), {
      env: switchEnv(config.siteName, id.scriptProcessor, live.dir),
      onFailure: windowBack(ctx, 'back'),
    }),
  ];
  return { actions, said: page.said, retryAfter: seconds };
}
