/** appcmd add|set|delete|start|stop site (and start|stop apppool), with binding conflicts. */
import { attributeValueProblem } from '../iis-schema';
import { findPool, findSite, listSites, siteBindings, sitesSection } from '../iisconfig';
import { type SimulatedServer } from '../server';
import { el, getAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { applyExpr } from './navigation';
import { applyAttributeParams, commit, identifier, ok, otherParams, param, parseBindings, siteItemSchema, siteState } from './support';

export function sameBinding(a: { protocol: string; bindingInformation: string }, b: { protocol: string; bindingInformation: string }): boolean {
  return a.protocol.toLowerCase() === b.protocol.toLowerCase() && a.bindingInformation.toLowerCase() === b.bindingInformation.toLowerCase();
}

/**
 * Why a site cannot start, as IIS says it: a port another (non-http.sys) process listens on is
 * 0x80070020 (exit 32); a binding another started site already serves is 0x800700B7 (exit 183).
 * Sites share a port when their host names (or IPs) differ: that is how port 80 carries many sites.
 */
export function startConflict(server: SimulatedServer, root: El, site: El): { code: number; message: string } | undefined {
  const name = (getAttr(site, 'name') ?? '').toLowerCase();
  const mine = siteBindings(site);
  if (mine.some((b) => server.state.listeners.some((l) => l.port === Number(b.bindingInformation.split(':')[1]) && l.pid !== 4)))
    return { code: 32, message: 'The process cannot access the file because it is being used by another process. (Exception from HRESULT: 0x80070020)' };
  const clash = listSites(root).some(
    (s) =>
      (getAttr(s, 'name') ?? '').toLowerCase() !== name &&
      siteState(server, getAttr(s, 'name') ?? '') === 'Started' &&
      siteBindings(s).some((b) => mine.some((m) => sameBinding(m, b))),
  );
  if (clash) return { code: 183, message: 'Cannot create a file when that file already exists. (Exception from HRESULT: 0x800700B7)' };
  return undefined;
}

export function refreshSiteState(server: SimulatedServer, root: El, site: El): void {
  const name = getAttr(site, 'name') ?? '';
  const conflict = startConflict(server, root, site) !== undefined;
  const autoStart = (getAttr(site, 'serverAutoStart') ?? 'true') === 'true';
  server.state.siteState[name.toLowerCase()] = !conflict && autoStart ? 'Started' : 'Stopped';
  server.save();
}

export function addSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = param(p, 'name');
  if (!name) fail('Missing required attribute "name". Use /name:SITE.');
  const n = name;
  const problem = attributeValueProblem({ name: 'name', type: 'string', validation: 'siteName' }, n);
  if (problem) fail(`${problem}: "${n}"`, EXIT.INVALID_DATA);
  if (findSite(root, n)) fail(`Failed to add duplicate collection element "${n}".`, EXIT.DUPLICATE);
  const ids = listSites(root).map((s) => Number(getAttr(s, 'id') ?? '0'));
  const id = param(p, 'id') ?? String(Math.max(0, ...ids) + 1);
  if (!/^\d+$/.test(id)) fail(`Invalid integer value "${id}" for attribute "id".`, EXIT.INVALID_DATA);
  if (ids.includes(Number(id))) fail(`Failed to add duplicate collection element "${id}".`, EXIT.DUPLICATE);
  const site = el('site', { name: n, id });
  const bindings = param(p, 'bindings');
  const physicalPath = param(p, 'physicalPath');
  const siteSchema = siteItemSchema();
  applyAttributeParams(site, siteSchema, otherParams(p, ['name', 'id', 'bindings', 'physicalPath']));
  const out = [`SITE object "${n}" added`];
  if (physicalPath !== undefined) {
    site.children.unshift(el('application', { path: '/' }, [el('virtualDirectory', { path: '/', physicalPath })]));
    out.push(`APP object "${n}/" added`, `VDIR object "${n}/" added`);
  }
  if (bindings !== undefined) {
    site.children.push(el('bindings', {}, parseBindings(bindings).map((b) => el('binding', { protocol: b.protocol, bindingInformation: b.info }))));
  }
  const sec = sitesSection(root) as El;
  const idx = sec.children.findIndex((c) => c.name !== 'site');
  if (idx >= 0) sec.children.splice(idx, 0, site);
  else sec.children.push(site);
  commit(server, root, ['system.applicationHost/sites']);
  refreshSiteState(server, root, site);
  return ok(out.join('\r\n'), true);
}

export function setSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'site.name');
  if (!name) fail('Missing the site: appcmd set site NAME /attribute:value.');
  const site = findSite(root, name);
  if (!site) fail(`Cannot find SITE object with identifier "${name}".`, EXIT.NOT_FOUND);
  const s = site;
  const bindings = param(p, 'bindings');
  if (bindings !== undefined) {
    s.children = s.children.filter((c) => c.name !== 'bindings');
    s.children.push(el('bindings', {}, parseBindings(bindings).map((b) => el('binding', { protocol: b.protocol, bindingInformation: b.info }))));
  }
  const siteSchema = siteItemSchema();
  applyAttributeParams(s, siteSchema, otherParams(p, ['site.name', 'bindings']));
  for (const e of p.exprs) applyExpr(s, siteSchema, e, s);
  commit(server, root, ['system.applicationHost/sites']);
  refreshSiteState(server, root, s);
  return ok(`SITE object "${getAttr(s, 'name')}" changed`, true);
}

export function deleteSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'site.name', 'name');
  const site = name ? findSite(root, name) : undefined;
  if (!site) fail(`Cannot find SITE object with identifier "${name ?? ''}".`, EXIT.NOT_FOUND);
  const sec = sitesSection(root) as El;
  sec.children = sec.children.filter((c) => c !== site);
  const siteName = getAttr(site, 'name') ?? '';
  root.children = root.children.filter((c) => !(c.name === 'location' && (getAttr(c, 'path') ?? '').toLowerCase().split('/')[0] === siteName.toLowerCase()));
  commit(server, root, ['system.applicationHost/sites']);
  delete server.state.siteState[siteName.toLowerCase()];
  server.save();
  return ok(`SITE object "${siteName}" deleted`, true);
}

export function startStop(server: SimulatedServer, root: El, p: ParsedArgs, object: string): ProgramResult {
  const name = identifier(p, `${object}.name`, 'name');
  if (!name) fail(`Missing the ${object} name.`);
  if (object === 'site') {
    const site = findSite(root, name);
    if (!site) fail(`Cannot find SITE object with identifier "${name}".`, EXIT.NOT_FOUND);
    if (p.verb === 'start') {
      const conflict = startConflict(server, root, site);
      if (conflict) fail(conflict.message, conflict.code);
    }
    server.state.siteState[(name).toLowerCase()] = p.verb === 'start' ? 'Started' : 'Stopped';
  } else {
    if (!findPool(root, name)) fail(`Cannot find APPPOOL object with identifier "${name}".`, EXIT.NOT_FOUND);
    server.state.poolState[(name).toLowerCase()] = p.verb === 'start' ? 'Started' : 'Stopped';
  }
  server.save();
  return ok(`"${name}" successfully ${p.verb === 'start' ? 'started' : 'stopped'}.`, true);
}
