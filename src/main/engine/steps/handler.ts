/**
 * The Django handler mapping at the site (in applicationHost.config: handlers is locked): FastCGI
 * with the entry's scriptProcessor (server "wfastcgi"), or HttpPlatformHandler (server
 * "httpplatform"). Switching modes replaces the one handler with the other.
 */
import { APPCMD, DJANGO_HANDLER_NAME, HTTP_PLATFORM_MODULE, appcmd, fastCgiIdentity } from '../commands';
import { findFastCgiApp, parseFastCgiApps, parseHandlers } from '../parsers';
import { objectKey } from '../ownership';
import { beforeSwitch } from '../release/pending';
import { appcmdMessage, done, exec, needed, psq, query, type Step } from '../step';

export const handler: Step = {
  id: 'handler',
  title: 'Add the Django handler mapping',
  section: 'site',
  dependsOn: ['site', 'fastcgi', 'httpplatform', 'web-config', 'release-switch'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const later = await beforeSwitch(ctx);
    if (later) return done(later);
    const creates = { object: objectKey.handler(config.siteName), undo: [exec('Remove the Django handler', APPCMD, appcmd.removeHandler(config.siteName))] };
    if (d.server === 'httpplatform') {
      const addHp = exec(`Map every request of "${config.siteName}" to waitress (httpPlatformHandler)`, APPCMD, appcmd.addHttpPlatformHandler(config), { creates });
      if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [addHp]);
      const r = await query(ctx, APPCMD, appcmd.listHandlers(config.siteName));
      if (!r || r.exitCode !== 0) return needed(`the site's handlers cannot be read yet${r ? `: ${appcmdMessage(r)}` : ''}`, [addHp]);
      const handlers = parseHandlers(r.stdout);
      const h = handlers.find((x) => x.name === DJANGO_HANDLER_NAME);
      if (!h) return needed('the site has no Django handler', [addHp]);
      const first = handlers.find((x) => x.path === '*' && x.verb === '*');
      if (h.modules === HTTP_PLATFORM_MODULE && h.path === '*' && h.scriptProcessor === undefined && first?.name === DJANGO_HANDLER_NAME) return done(`"${DJANGO_HANDLER_NAME}" → ${HTTP_PLATFORM_MODULE}`);
      return needed(`the Django handler differs (modules ${h.modules})`, [exec('Remove the outdated Django handler', APPCMD, appcmd.removeHandler(config.siteName)), addHp]);
    }
    const add = exec(`Map every request of "${config.siteName}" to Django (FastCgiModule)`, APPCMD, appcmd.addDjangoHandler(config, d), { creates });
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [add]);
    const r = await query(ctx, APPCMD, appcmd.listHandlers(config.siteName));
    if (!r || r.exitCode !== 0) return needed(`the site's handlers cannot be read yet${r ? `: ${appcmdMessage(r)}` : ''}`, [add]);
    const handlers = parseHandlers(r.stdout);
    const h = handlers.find((x) => x.name === DJANGO_HANDLER_NAME);
    // IIS finds the FastCGI entry ignoring case; whether the handler's scriptProcessor must match its
    // case is unconfirmed, so the handler copies the entry's own text (an adopted entry may differ in case).
    const id = fastCgiIdentity(d);
    const fr = await query(ctx, APPCMD, appcmd.listFastCgi());
    const entry = fr?.exitCode === 0 ? findFastCgiApp(parseFastCgiApps(fr.stdout), id) : undefined;
    const want = entry ? `${entry.fullPath}|${entry.arguments}` : id.scriptProcessor;
    const addWanted = want === id.scriptProcessor ? add : { ...add, args: appcmd.addDjangoHandler(config, d, want) };
    if (!h) return needed('the site has no Django handler', [addWanted]);
    const first = handlers.find((x) => x.path === '*' && x.verb === '*');
    if (h.scriptProcessor === want && h.modules === 'FastCgiModule' && h.path === '*' && first?.name === DJANGO_HANDLER_NAME) return done(`"${DJANGO_HANDLER_NAME}" → ${want}`);
    return needed(`the Django handler differs (scriptProcessor ${h.scriptProcessor ?? '(none)'})`, [exec('Remove the outdated Django handler', APPCMD, appcmd.removeHandler(config.siteName)), addWanted]);
  },
  psCheck: ({ config, d }) => d.server === 'httpplatform' ? `(& $appcmd list config ${psq(config.siteName)} -section:system.webServer/handlers) -match [regex]::Escape(${psq(`modules="${HTTP_PLATFORM_MODULE}"`)})` : `(& $appcmd list config ${psq(config.siteName)} -section:system.webServer/handlers) -match [regex]::Escape(${psq(`scriptProcessor="${fastCgiIdentity(d).scriptProcessor.replace(/"/g, '&quot;')}"`)})`,
};
