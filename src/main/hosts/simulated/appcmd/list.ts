/** appcmd list site|apppool|app|vdir|config. */
import { declaredSection } from '../apphost';
import { MODULE_SECTIONS, SECTION_DECLARATIONS } from '../iis-schema';
import { configPathLabel, effectiveSection, findSite, listPools, listSites, siteBindings, defaultAppPool, applications, poolsSection } from '../iisconfig';
import { type SimulatedServer } from '../server';
import { cloneEl, el, getAttr, serializeXml, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { attrsXml, elementXml, identifier, ok, param, siteState, xmlOut } from './support';

export function listSiteCmd(root: El, p: ParsedArgs, server: SimulatedServer): ProgramResult {
  const id = identifier(p, 'name', 'site.name');
  let sites = listSites(root);
  if (id !== undefined) {
    sites = sites.filter((s) => (getAttr(s, 'name') ?? '').toLowerCase() === id.toLowerCase());
    if (sites.length === 0) fail(`Cannot find SITE object with identifier "${id}".`, EXIT.NOT_FOUND);
  }
  const xml = p.params.some((x) => x.name === 'xml');
  const withConfig = p.params.some((x) => x.name === 'config');
  const rows = sites.map((s) => {
    const name = getAttr(s, 'name') ?? '';
    const bindings = siteBindings(s).map((b) => `${b.protocol}/${b.bindingInformation}`).join(',');
    const state = siteState(server, name);
    if (xml) {
      const head = `<SITE${attrsXml([['SITE.NAME', name], ['SITE.ID', getAttr(s, 'id') ?? ''], ['bindings', bindings], ['state', state]])}`;
      return withConfig ? `${head}>\r\n${elementXml(s, 2)}\r\n    </SITE>` : `${head} />`;
    }
    if (withConfig) return serializeXml(s, false).trimEnd();
    return `SITE "${name}" (id:${getAttr(s, 'id') ?? ''},bindings:${bindings},state:${state})`;
  });
  return ok(xml ? xmlOut(rows) : rows.join('\r\n'), false);
}

export function listPoolCmd(root: El, p: ParsedArgs, server: SimulatedServer): ProgramResult {
  const id = identifier(p, 'name', 'apppool.name');
  let pools = listPools(root);
  if (id !== undefined) {
    pools = pools.filter((s) => (getAttr(s, 'name') ?? '').toLowerCase() === id.toLowerCase());
    if (pools.length === 0) fail(`Cannot find APPPOOL object with identifier "${id}".`, EXIT.NOT_FOUND);
  }
  const defaults = poolsSection(root)?.children.find((c) => c.name === 'applicationPoolDefaults');
  const xml = p.params.some((x) => x.name === 'xml');
  const withConfig = p.params.some((x) => x.name === 'config');
  const rows = pools.map((s) => {
    const name = getAttr(s, 'name') ?? '';
    const mv = getAttr(s, 'managedRuntimeVersion') ?? (defaults ? getAttr(defaults, 'managedRuntimeVersion') : undefined) ?? '';
    const mode = getAttr(s, 'managedPipelineMode') ?? 'Integrated';
    const state = server.state.poolState[name.toLowerCase()] ?? 'Started';
    if (xml) {
      const head = `<APPPOOL${attrsXml([['APPPOOL.NAME', name], ['PipelineMode', mode], ['RuntimeVersion', mv], ['state', state]])}`;
      return withConfig ? `${head}>\r\n${elementXml(s, 2)}\r\n    </APPPOOL>` : `${head} />`;
    }
    return `APPPOOL "${name}" (MgdVersion:${mv},MgdMode:${mode},state:${state})`;
  });
  return ok(xml ? xmlOut(rows) : rows.join('\r\n'), false);
}

export function appId(site: El, app: El): string {
  const path = getAttr(app, 'path') ?? '/';
  return `${getAttr(site, 'name') ?? ''}${path}`;
}

export function findAppById(root: El, id: string): { site: El; app: El } | undefined {
  for (const s of listSites(root)) {
    for (const a of applications(s)) if (appId(s, a).toLowerCase() === id.toLowerCase()) return { site: s, app: a };
  }
  return undefined;
}

export function listAppCmd(root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'app.name');
  const siteFilter = param(p, 'site.name');
  const rows: string[] = [];
  const xml = p.params.some((x) => x.name === 'xml');
  for (const s of listSites(root)) {
    if (siteFilter && (getAttr(s, 'name') ?? '').toLowerCase() !== siteFilter.toLowerCase()) continue;
    for (const a of applications(s)) {
      const aid = appId(s, a);
      if (id !== undefined && aid.toLowerCase() !== id.toLowerCase()) continue;
      const pool = getAttr(a, 'applicationPool') ?? defaultAppPool(root);
      rows.push(xml ? `<APP${attrsXml([['APP.NAME', aid], ['APPPOOL.NAME', pool], ['SITE.NAME', getAttr(s, 'name') ?? ''], ['path', getAttr(a, 'path') ?? '/']])} />` : `APP "${aid}" (applicationPool:${pool})`);
    }
  }
  if (id !== undefined && rows.length === 0) fail(`Cannot find APP object with identifier "${id}".`, EXIT.NOT_FOUND);
  return ok(xml ? xmlOut(rows) : rows.join('\r\n'), false);
}

export function vdirId(site: El, app: El, vdir: El): string {
  const ap = (getAttr(app, 'path') ?? '/').replace(/\/$/, '');
  const vp = getAttr(vdir, 'path') ?? '/';
  return `${getAttr(site, 'name') ?? ''}${ap}${vp}`;
}

export function listVdirCmd(root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'vdir.name');
  const appFilter = param(p, 'app.name');
  const xml = p.params.some((x) => x.name === 'xml');
  const rows: string[] = [];
  for (const s of listSites(root)) {
    for (const a of applications(s)) {
      if (appFilter && appId(s, a).toLowerCase() !== appFilter.toLowerCase()) continue;
      for (const v of a.children.filter((c) => c.name === 'virtualDirectory')) {
        const vid = vdirId(s, a, v);
        if (id !== undefined && vid.toLowerCase() !== id.toLowerCase()) continue;
        const pp = getAttr(v, 'physicalPath') ?? '';
        rows.push(xml ? `<VDIR${attrsXml([['VDIR.NAME', vid], ['APP.NAME', appId(s, a)], ['path', getAttr(v, 'path') ?? '/'], ['physicalPath', pp]])} />` : `VDIR "${vid}" (physicalPath:${pp})`);
      }
    }
  }
  if (id !== undefined && rows.length === 0) fail(`Cannot find VDIR object with identifier "${id}".`, EXIT.NOT_FOUND);
  return ok(xml ? xmlOut(rows) : rows.join('\r\n'), false);
}

export function sectionParam(p: ParsedArgs, root: El): string {
  const s = param(p, 'section');
  if (!s) fail('Missing -section:NAME, e.g. -section:system.webServer/handlers.');
  // IIS's own sections, and a module's once its setup has declared it in <configSections>.
  const known = [...Object.keys(SECTION_DECLARATIONS), ...Object.keys(MODULE_SECTIONS).filter((k) => declaredSection(root, k))];
  const full = s.includes('/') ? known.find((k) => k.toLowerCase() === s.toLowerCase()) : known.find((k) => k.toLowerCase().endsWith(`/${s.toLowerCase()}`));
  if (!full) fail(`Unknown config section "${s}".`, EXIT.BAD_ARG);
  return full;
}

/** A config path as given to appcmd ("foo", "foo/static", "Default Web Site/"), normalised. */
export function configPathOf(p: ParsedArgs, root: El): string {
  const raw = (p.id ?? '').replace(/^MACHINE\/WEBROOT\/APPHOST\/?/i, '').replace(/\/+$/, '');
  if (!raw) return '';
  const siteName = raw.split('/')[0] as string;
  if (!findSite(root, siteName)) fail(`Cannot find SITE object with identifier "${siteName}". The config path "${raw}" must start with an existing site name.`, EXIT.NOT_FOUND);
  return raw;
}

export function listConfigCmd(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  const cp = configPathOf(p, root);
  const eff = effectiveSection(server, section, cp, root);
  if (eff.errors.length > 0) {
    const e = eff.errors[0] as (typeof eff.errors)[number];
    fail(`Configuration error \r\nFilename: \\\\?\\${e.file}\r\nLine Number: 0\r\nDescription: ${e.message}\r\n`, EXIT.INVALID_DATA);
  }
  const xml = p.params.some((x) => x.name === 'xml');
  const group = section.slice(0, section.lastIndexOf('/'));
  if (xml) {
    const renamed = cloneEl(eff.section);
    renamed.name = section.replace(/\//g, '-');
    const head = `<CONFIG${attrsXml([['CONFIG.SECTION', section], ['path', configPathLabel(cp)], ['overrideMode', 'Inherit'], ['locked', 'false']])}>`;
    return ok(xmlOut([`${head}\r\n${elementXml(renamed, 2)}\r\n    </CONFIG>`]), false);
  }
  const wrapped = el(group.split('/').at(-1) as string, {}, [eff.section]);
  return ok(serializeXml(wrapped, false), false);
}
