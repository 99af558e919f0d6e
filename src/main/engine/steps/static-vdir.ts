/**
 * The static virtual directory (the project's STATIC_URL → STATIC_ROOT), with only the static
 * handler in force there: the inherited Django handler is removed at <site>/static (the guide's
 * "move StaticFile to the top", without clicking), written to applicationHost.config since
 * handlers is locked. The media virtual directory is the same shape (vdir-steps below).
 */
import { samePath } from '../../../shared/winpath';
import type { Action } from '../../../shared/plan';
import { APPCMD, DJANGO_HANDLER_NAME, appcmd } from '../commands';
import { objectKey } from '../ownership';
import { parseHandlers, parseSite } from '../parsers';
import { projectView } from '../project';
import { beforeSwitch } from '../release/pending';
import { done, exec, needed, psq, query, type CheckResult, type StepContext, type Step } from '../step';

/** A virtual directory served by IIS's static file handler only. */
export async function checkStaticVdir(ctx: StepContext, what: string, urlPath: string, physicalPath: string): Promise<CheckResult> {
  const { config, host } = ctx;
  const configPath = `${config.siteName}${urlPath}`;
  const addVdir = exec(`Add the virtual directory ${urlPath} → ${physicalPath} (${what})`, APPCMD, appcmd.addVdir(config.siteName, urlPath, physicalPath), {
    creates: { object: objectKey.vdir(configPath), undo: [exec(`Delete the virtual directory ${urlPath}`, APPCMD, appcmd.deleteVdir(config.siteName, urlPath))] },
  });
  const dropHandler = exec(`Let only the static file handler serve ${urlPath}`, APPCMD, appcmd.removeHandler(configPath), {
    // Undone by clearing the handlers settings at the path: URLs there reach Django again once the vdir is gone.
    creates: { object: objectKey.handlersAt(configPath), undo: [exec(`Let ${urlPath} inherit the site's handlers again`, APPCMD, appcmd.clearHandlers(configPath), { okExitCodes: [0, 1168] })] },
  });
  if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [addVdir, dropHandler]);
  const r = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
  const info = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
  const vdir = info?.apps.find((a) => a.path === '/')?.vdirs.find((v) => v.path.toLowerCase() === urlPath.toLowerCase());
  const actions: Action[] = [];
  if (!vdir) actions.push(addVdir);
  else if (!samePath(vdir.physicalPath, physicalPath)) actions.push(exec(`Point ${urlPath} at ${physicalPath}`, APPCMD, appcmd.setVdir(config.siteName, urlPath, physicalPath)));
  const hr = info ? await query(ctx, APPCMD, appcmd.listHandlers(configPath)) : undefined;
  const handlers = hr?.exitCode === 0 ? parseHandlers(hr.stdout) : undefined;
  if (!handlers || handlers.some((h) => h.name === DJANGO_HANDLER_NAME)) actions.push(dropHandler);
  if (actions.length === 0) return done(`${urlPath} → ${physicalPath}, served by ${handlers?.find((h) => h.path === '*' && h.verb === '*')?.name ?? 'StaticFile'}`);
  return needed(!vdir ? `the virtual directory ${urlPath} does not exist` : `the Django handler is still in force at ${urlPath}`, actions);
}

export const staticVdir: Step = {
  id: 'static-vdir',
  title: 'Serve static files from IIS',
  section: 'static',
  dependsOn: ['handler', 'collectstatic', 'release-switch'],
  async check(ctx) {
    const later = await beforeSwitch(ctx);
    if (later) return done(later);
    const view = await projectView(ctx);
    if (!view.staticVdirPath) return done(`STATIC_URL is ${view.staticUrl}: static files are served by that server, not by this site`);
    if (view.facts && !view.facts.staticfilesInstalled && !ctx.config.staticUrl) return done('django.contrib.staticfiles is not installed: no static files to serve');
    return checkStaticVdir(ctx, 'static files', view.staticVdirPath, view.staticRoot);
  },
  psCheck: ({ config, d }) => `-not ((& $appcmd list config ${psq(`${config.siteName}${(config.staticUrl ?? '/static/').replace(/\/$/, '')}`)} -section:system.webServer/handlers) -match ${psq(`name="${DJANGO_HANDLER_NAME}"`)}) -and (Test-Path ${psq(d.staticRoot)})`,
};
