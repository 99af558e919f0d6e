/**
 * Releases: a new release is verified before it takes traffic. A staging site
 * ("<site>.staging", bound to 127.0.0.1 only, on stagingPort) serves the new release's folder
 * through IIS's own handlers (its FastCGI application, its /static folder, the shared media);
 * the verification URLs must answer there. Then the staging site is removed. The live release
 * serves throughout: nothing of the live site changes here.
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, STAGING_SUFFIX, appcmd } from '../commands';
import { NETSH, netsh } from '../https/commands';
import { chosenThumbprint } from './certificate';
import { objectKey } from '../ownership';
import { parseSite } from '../parsers';
import { projectView } from '../project';
import { readRegistry } from '../release/registry';
import { inMaintenance, windowBack } from '../release/maintenance';
import { samePath } from '../../../shared/winpath';
import { done, exec, needed, query, type Step, type StepContext } from '../step';

/** The physical path of the live site's static virtual directory. */
async function liveStaticFolder(ctx: StepContext, urlPath: string): Promise<string | undefined> {
  const r = await query(ctx, APPCMD, appcmd.listSite(ctx.config.siteName));
  const site = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
  return site?.apps.find((a) => a.path === '/')?.vdirs.find((v) => v.path.toLowerCase() === urlPath.toLowerCase())?.physicalPath;
}

export const releaseStaging: Step = {
  id: 'release-staging',
  title: 'Verify the new release on a staging site',
  section: 'verify',
  dependsOn: ['fastcgi', 'permissions', 'collectstatic', 'migrate', 'web-config', 'release-data', 'app-pool'],
  async check(ctx) {
    const { config, d } = ctx;
    const r = ctx.release;
    if (!r) return done('not used: the project is deployed in place (releases are for a project from a folder or a zip)');
    if (r.summary.mode === 'first' || r.summary.mode === 'current') return done(r.summary.mode === 'first' ? 'the first release: nothing is live yet, the verification step proves it' : 'no new release to stage');
    const rec = (await readRegistry(ctx.host, config.siteName))?.releases.find((x) => x.number === r.target.number);
    if (rec?.state === 'live') return done(`release ${rec.number} (${rec.label}) is live`);
    if (rec?.stagingVerifiedAt) return done(`release ${rec.number} (${rec.label}) answered every verification URL on the staging site (${rec.stagingVerifiedAt})`);
    const view = await projectView(ctx);
    const staging = `${config.siteName}${STAGING_SUFFIX}`;
    const sc = { ...config, siteName: staging };
    const listed = await query(ctx, APPCMD, appcmd.listSite(staging));
    const exists = listed?.exitCode === 0 && parseSite(listed.stdout) !== undefined;
    const vdirs = [view.staticVdirPath ? ([view.staticVdirPath, view.staticRoot] as const) : undefined, view.media ? ([view.media.vdirPath, view.media.root] as const) : undefined].filter((v): v is readonly [string, string] => v !== undefined);
    const remove: Action[] = [
      ...vdirs.map(([u]) => exec(`Clear the handlers of the staging site at ${u}`, APPCMD, appcmd.clearHandlers(`${staging}${u}`), { okExitCodes: [0, 1168, 4312] })),
      exec('Clear the staging site\'s handlers', APPCMD, appcmd.clearHandlers(staging), { okExitCodes: [0, 1168, 4312] }),
      exec(`Remove the staging site "${staging}"`, APPCMD, appcmd.deleteSite(staging), { okExitCodes: [0, 1168, 4312] }),
      { kind: 'forget', description: 'the staging site is gone', object: objectKey.site(staging) },
    ];
    // The live release's static files the new one lacks (hashed names of the old CSS) are copied
    // in, never over: a page the old release served just before the switch still finds its files.
    const liveStatic = view.staticVdirPath ? await liveStaticFolder(ctx, view.staticVdirPath) : undefined;
    // HTTPS: the staging site is served over HTTPS with the site's certificate too (127.0.0.1 only), so
    // a project that redirects plain http (SECURE_SSL_REDIRECT) is verified as it will run.
    const thumb = config.https ? await chosenThumbprint(ctx) : undefined;
    const tlsKey = `ipport=127.0.0.1:${r.stagingPort}`;
    const tlsBind: Action[] = thumb ? [exec(`Bind the certificate ${thumb} to 127.0.0.1:${r.stagingPort} for the staging site`, NETSH, netsh.add(tlsKey, thumb), { creates: { object: `sslcert:${tlsKey}`, undo: [exec('Remove the staging site\'s certificate binding', NETSH, netsh.delete(tlsKey))] } })] : [];
    const tlsUnbind: Action[] = thumb ? [exec('Remove the staging site\'s certificate binding', NETSH, netsh.delete(tlsKey)), { kind: 'forget', description: 'the staging certificate binding is gone', object: `sslcert:${tlsKey}` }] : [];
    // One left by a run that stopped half-way goes first.
    const stale = thumb && (await query(ctx, NETSH, netsh.show(tlsKey)))?.exitCode === 0 ? tlsUnbind : [];
    const carry = liveStatic && !samePath(liveStatic, view.staticRoot) && (await ctx.host.exists(liveStatic))
      ? [exec(`Copy the live release's static files that release ${r.target.number} does not have into ${view.staticRoot} (nothing is overwritten)`, 'robocopy.exe', [liveStatic, view.staticRoot, '/E', '/XC', '/XN', '/XO', '/XJ', '/NFL', '/NDL', '/NP'], { okExitCodes: [0, 1, 2, 3] })]
      : [];
    // "migrate": "maintenance": the site answers 503 while this runs; a failure ends the window with
    // the database as it was when it opened (nothing wrote to it since) and the live release serving.
    const windowEnd = inMaintenance(rec) ? windowBack(ctx, 'back', rec?.backup && view.sqliteFile ? { backup: rec.backup, db: view.sqliteFile, python: d.venvPython } : undefined) : [];
    const actions: Action[] = [
      ...(exists ? remove : []),
      ...stale,
      ...carry,
      ...tlsBind,
      exec(`Add the staging site "${staging}" on ${thumb ? 'https/' : ''}127.0.0.1:${r.stagingPort} for release ${r.target.number}`, APPCMD, appcmd.addStagingSite(staging, r.stagingPort, config.appDir, thumb ? 'https' : 'http'), {
        creates: { object: objectKey.site(staging), undo: [exec(`Remove the staging site "${staging}"`, APPCMD, appcmd.deleteSite(staging), { okExitCodes: [0, 1168, 4312] })] },
      }),
      exec(`Put the staging site in the pool "${d.appPool}"`, APPCMD, appcmd.setAppPool(sc, d)),
      exec(`Map the staging site to release ${r.target.number}'s FastCGI application`, APPCMD, appcmd.addDjangoHandler(sc, d)),
      ...vdirs.flatMap(([u, p]) => [exec(`Add ${u} → ${p} to the staging site`, APPCMD, appcmd.addVdir(staging, u, p)), exec(`Let only the static file handler serve ${u} on the staging site`, APPCMD, appcmd.removeHandler(`${staging}${u}`))]),
      {
        kind: 'probe',
        description: `Release ${r.target.number} (${r.target.label}) on the staging site`,
        port: r.stagingPort,
        urls: ['/', '/admin/login/', `${view.staticUrl}admin/css/base.css`, ...config.verify.urls],
        onFailure: [...remove, ...tlsUnbind, ...windowEnd, { kind: 'release', description: `Record that release ${r.target.number} failed on the staging site`, op: { op: 'failed', number: r.target.number, why: 'it failed its verification on the staging site; it never took traffic' } }],
      },
      { kind: 'release', description: `Record that release ${r.target.number} answered on the staging site`, op: { op: 'staging-verified', number: r.target.number } },
      ...remove,
      ...tlsUnbind,
    ];
    return needed(`release ${r.target.number} (${r.target.label}) must answer on a staging site before it takes traffic`, actions);
  },
  psCheck: () => '$true',
};
