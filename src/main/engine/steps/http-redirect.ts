/**
 * http → https with what IIS has (no URL Rewrite download): IIS's HTTP Redirection role service
 * (IIS-HttpRedirect, enabled with DISM like CGI) on a small site of its own that holds the plain
 * http binding ("<site>.http", an empty folder), answering every request with a permanent redirect
 * to the same path and query on https://hostName. The redirect lives at that site's location in
 * applicationHost.config, so the application's own web.config never carries it.
 */
import { winJoin } from '../../../shared/winpath';
import type { DeploymentConfig, Derived } from '../../../shared/config';
import { httpsOrigin } from '../../../shared/config-https';
import { APPCMD, ICACLS, appcmd, bindingInfo, icacls } from '../commands';
import { objectKey } from '../ownership';
import { parseSite } from '../parsers';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';
import { enableFeature, moduleRegistered, sectionTag } from './windows-auth';
import { REDIRECT_SUFFIX } from '../https/commands';

export const redirectSiteName = (c: DeploymentConfig): string => `${c.siteName}${REDIRECT_SUFFIX}`;
export const redirectFolder = (c: DeploymentConfig): string => winJoin(c.layout?.root ?? c.appDir, 'http-redirect');
/** Where plain http is sent: the site's HTTPS origin (redirectHttp needs hostName). */
export const redirectTarget = (c: DeploymentConfig): string => httpsOrigin(c) ?? '';

function redirectConfig(c: DeploymentConfig): string[] {
  return ['set', 'config', redirectSiteName(c), '-section:system.webServer/httpRedirect', '/enabled:true', `/destination:${redirectTarget(c)}`, '/exactDestination:false', '/httpResponseStatus:Permanent', '/commit:apphost'];
}

/** The redirect site's objects, for the journal (leftovers removes them when redirectHttp goes). */
export function redirectObjects(c: DeploymentConfig, d: Derived): string[] {
  return [objectKey.site(redirectSiteName(c)), objectKey.folder(redirectFolder(c)), objectKey.grant(redirectFolder(c), d.appPool)];
}

export const httpRedirect: Step = {
  id: 'http-redirect',
  title: 'Redirect plain http to HTTPS',
  section: 'https',
  dependsOn: ['https-binding', 'iis', 'app-pool'],
  async check(ctx) {
    const { config, d, host } = ctx;
    if (!config.https?.redirectHttp) return done(config.https ? `plain http on port ${config.port} is served as well (redirectHttp is off)` : 'HTTPS is not configured');
    const name = redirectSiteName(config);
    const folder = redirectFolder(config);
    const create: Action[] = [
      { kind: 'mkdir', description: `Create the empty folder of the redirect site, ${folder}`, path: folder, creates: { object: objectKey.folder(folder), undo: [{ kind: 'remove', description: `Remove ${folder}`, path: folder }] } },
      exec(`Let IIS AppPool\\${d.appPool} read ${folder}`, ICACLS, icacls.grant(folder, d.appPool, 'RX'), { creates: { object: objectKey.grant(folder, d.appPool), undo: [exec(`Remove ${d.appPool}'s access to ${folder}`, ICACLS, icacls.remove(folder, d.appPool))] } }),
      exec(`Add the site "${name}" on http/${bindingInfo(config)} (it only redirects)`, APPCMD, ['add', 'site', `/name:${name}`, `/bindings:http/${bindingInfo(config)}`, `/physicalPath:${folder}`], {
        creates: {
          object: objectKey.site(name),
          undo: [exec(`Clear the redirect of "${name}"`, APPCMD, ['clear', 'config', name, '-section:system.webServer/httpRedirect', '/commit:apphost'], { okExitCodes: [0, 1168, 4312] }), exec(`Delete the site "${name}"`, APPCMD, appcmd.deleteSite(name))],
        },
      }),
      exec(`Put "${name}" in the pool "${d.appPool}"`, APPCMD, ['set', 'app', `${name}/`, `/applicationPool:${d.appPool}`]),
      exec(`Redirect every request of "${name}" to ${redirectTarget(config)} (301, same path and query)`, APPCMD, redirectConfig(config)),
    ];
    const feature = (await moduleRegistered(ctx, 'HttpRedirectionModule')) ? [] : [enableFeature('IIS-HttpRedirect', 'HTTP Redirection')];
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [...feature, ...create]);
    const r = await query(ctx, APPCMD, appcmd.listSite(name));
    const site = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
    if (!site) return needed(`the redirect site "${name}" does not exist`, [...feature, ...create]);
    const actions: Action[] = [...feature];
    const tag = (await sectionTag(ctx, name, 'system.webServer/httpRedirect')) ?? '';
    if (!/enabled="true"/.test(tag) || !tag.includes(`destination="${redirectTarget(config)}"`) || !/httpResponseStatus="Permanent"/.test(tag)) actions.push(create[4] as Action);
    if (site.state.toLowerCase() !== 'started') actions.push(exec(`Start the site "${name}"`, APPCMD, appcmd.startSite(name)));
    if (actions.length === 0) return done(`http/${bindingInfo(config)} answers with a permanent redirect to ${redirectTarget(config)} (the site "${name}")`);
    return needed('the http redirect differs from the configuration', actions);
  },
  psCheck: ({ config }) => (config.https?.redirectHttp ? `(& $appcmd list site ${psq(redirectSiteName(config))}) -ne $null` : '$true'),
};
