/**
 * The static virtual directory, with only the static handler in force there: the inherited
 * Django handler is removed at <site>/static (the guide's "move StaticFile to the top", without
 * clicking), written to applicationHost.config since handlers is locked.
 */
import { samePath } from '../../../shared/winpath';
import { APPCMD, DJANGO_HANDLER_NAME, appcmd } from '../commands';
import { parseHandlers, parseSite } from '../parsers';
import { objectKey } from '../ownership';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const staticVdir: Step = {
  id: 'static-vdir',
  title: 'Serve static files from IIS',
  section: 'static',
  dependsOn: ['handler', 'collectstatic'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const vdirPath = `${config.siteName}${d.staticVdirPath}`;
    const addVdir = exec(`Add the virtual directory ${d.staticVdirPath} → ${d.staticRoot}`, APPCMD, appcmd.addStaticVdir(config, d), {
      creates: { object: objectKey.vdir(vdirPath), undo: [exec(`Delete the virtual directory ${d.staticVdirPath}`, APPCMD, appcmd.deleteStaticVdir(config, d))] },
    });
    const dropHandler = exec(`Let only the static file handler serve ${d.staticVdirPath}`, APPCMD, appcmd.removeHandler(vdirPath));
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [addVdir, dropHandler]);
    const r = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
    const info = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
    const vdir = info?.apps.find((a) => a.path === '/')?.vdirs.find((v) => v.path.toLowerCase() === d.staticVdirPath.toLowerCase());
    const actions: Action[] = [];
    if (!vdir) actions.push(addVdir);
    else if (!samePath(vdir.physicalPath, d.staticRoot)) actions.push(exec(`Point ${d.staticVdirPath} at ${d.staticRoot}`, APPCMD, appcmd.setStaticVdir(config, d)));
    const hr = info ? await query(ctx, APPCMD, appcmd.listHandlers(vdirPath)) : undefined;
    const handlers = hr?.exitCode === 0 ? parseHandlers(hr.stdout) : undefined;
    if (!handlers || handlers.some((h) => h.name === DJANGO_HANDLER_NAME)) actions.push(dropHandler);
    if (actions.length === 0) return done(`${d.staticVdirPath} → ${d.staticRoot}, served by ${handlers?.find((h) => h.path === '*' && h.verb === '*')?.name ?? 'StaticFile'}`);
    return needed(!vdir ? `the virtual directory ${d.staticVdirPath} does not exist` : `the Django handler is still in force at ${d.staticVdirPath}`, actions);
  },
  psCheck: ({ config, d }) => `-not ((& $appcmd list config ${psq(`${config.siteName}${d.staticVdirPath}`)} -section:system.webServer/handlers) -match ${psq(`name="${DJANGO_HANDLER_NAME}"`)}) -and ((& $appcmd list vdir ${psq(`${config.siteName}${d.staticVdirPath}`)}) -ne $null)`,
};
