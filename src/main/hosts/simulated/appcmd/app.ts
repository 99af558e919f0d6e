/** appcmd add|set|delete app and vdir. */
import { findSite, listSites, applications } from '../iisconfig';
import { type SimulatedServer } from '../server';
import { el, getAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { findAppById, vdirId } from './list';
import { appItemSchema, applyAttributeParams, commit, identifier, ok, otherParams, param, vdirItemSchema } from './support';

export function addApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const siteName = param(p, 'site.name');
  const appPath = param(p, 'path');
  if (!siteName || !appPath) fail('Missing required attributes: /site.name:SITE /path:/APP.');
  const site = findSite(root, siteName);
  if (!site) fail(`Cannot find SITE object with identifier "${siteName}".`, EXIT.NOT_FOUND);
  if (!appPath.startsWith('/')) fail('Invalid application path', EXIT.INVALID_DATA);
  if (applications(site).some((a) => (getAttr(a, 'path') ?? '').toLowerCase() === appPath.toLowerCase()))
    fail(`New application object missing required attributes. Failed to add duplicate collection element "${siteName}${appPath}".`, EXIT.DUPLICATE);
  const app = el('application', { path: appPath });
  const pp = param(p, 'physicalPath');
  const appSchema = appItemSchema();
  applyAttributeParams(app, appSchema, otherParams(p, ['site.name', 'path', 'physicalPath']));
  if (pp !== undefined) app.children.push(el('virtualDirectory', { path: '/', physicalPath: pp }));
  site.children.push(app);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`APP object "${siteName}${appPath}" added${pp !== undefined ? `\r\nVDIR object "${siteName}${appPath}" added` : ''}`, true);
}

export function setApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'app.name');
  const found = id ? findAppById(root, id) : undefined;
  if (!found) fail(`Cannot find APP object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const appSchema = appItemSchema();
  applyAttributeParams((found as { app: El }).app, appSchema, otherParams(p, ['app.name']));
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`APP object "${id}" changed`, true);
}

export function deleteApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'app.name');
  const found = id ? findAppById(root, id) : undefined;
  if (!found) fail(`Cannot find APP object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const f = found;
  f.site.children = f.site.children.filter((c) => c !== f.app);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`APP object "${id}" deleted`, true);
}

export function addVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const appName = param(p, 'app.name');
  const vpath = param(p, 'path');
  if (!appName || !vpath) fail('Missing required attributes: /app.name:SITE/ /path:/VDIR.');
  const found = findAppById(root, appName);
  if (!found) fail(`Cannot find APP object with identifier "${appName}".`, EXIT.NOT_FOUND);
  if (!vpath.startsWith('/')) fail('Invalid virtual directory path', EXIT.INVALID_DATA);
  const f = found;
  const vdir = el('virtualDirectory', { path: vpath });
  const vSchema = vdirItemSchema();
  applyAttributeParams(vdir, vSchema, otherParams(p, ['app.name', 'path']));
  const vid = vdirId(f.site, f.app, vdir);
  if (f.app.children.some((c) => c.name === 'virtualDirectory' && (getAttr(c, 'path') ?? '').toLowerCase() === vpath.toLowerCase()))
    fail(`Failed to add duplicate collection element "${vid}".`, EXIT.DUPLICATE);
  f.app.children.push(vdir);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`VDIR object "${vid}" added`, true);
}

export function findVdir(root: El, id: string): { site: El; app: El; vdir: El } | undefined {
  for (const s of listSites(root))
    for (const a of applications(s))
      for (const v of a.children.filter((c) => c.name === 'virtualDirectory')) if (vdirId(s, a, v).toLowerCase() === id.toLowerCase()) return { site: s, app: a, vdir: v };
  return undefined;
}

export function setVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'vdir.name');
  const found = id ? findVdir(root, id) : undefined;
  if (!found) fail(`Cannot find VDIR object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const vSchema = vdirItemSchema();
  applyAttributeParams((found as { vdir: El }).vdir, vSchema, otherParams(p, ['vdir.name']));
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`VDIR object "${id}" changed`, true);
}

export function deleteVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'vdir.name');
  const found = id ? findVdir(root, id) : undefined;
  if (!found) fail(`Cannot find VDIR object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const f = found as { app: El; vdir: El };
  f.app.children = f.app.children.filter((c) => c !== f.vdir);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`VDIR object "${id}" deleted`, true);
}
