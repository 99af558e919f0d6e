/**
 * Resolution over the simulated server's IIS configuration: sites, applications, virtual
 * directories, URL → physical path, and the configuration in effect at a config path (the
 * levels IIS reads: applicationHost.config root, <location> tags, web.config files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { APPHOST_ROOT, findLocation, findSection, isSectionLockedAt, mergeLevels, sectionOrThrow, validateElement } from './apphost';
import { SECTION_DECLARATIONS } from './iis-schema';
import type { SimulatedServer } from './server';
import { getAttr, parseXml, XmlSyntaxError, type El } from './xml';

export function expandEnv(p: string): string {
  return p.replace(/%SystemDrive%/gi, 'C:').replace(/%windir%|%SystemRoot%/gi, 'C:\\Windows');
}

export function sitesSection(root: El): El | undefined {
  return findSection(root, 'system.applicationHost/sites');
}

export function poolsSection(root: El): El | undefined {
  return findSection(root, 'system.applicationHost/applicationPools');
}

export function listSites(root: El): El[] {
  return sitesSection(root)?.children.filter((c) => c.name === 'site') ?? [];
}

export function findSite(root: El, name: string): El | undefined {
  return listSites(root).find((s) => (getAttr(s, 'name') ?? '').toLowerCase() === name.toLowerCase());
}

export function listPools(root: El): El[] {
  return poolsSection(root)?.children.filter((c) => c.name === 'add') ?? [];
}

export function findPool(root: El, name: string): El | undefined {
  return listPools(root).find((s) => (getAttr(s, 'name') ?? '').toLowerCase() === name.toLowerCase());
}

export function siteBindings(site: El): { protocol: string; bindingInformation: string }[] {
  const b = site.children.find((c) => c.name === 'bindings');
  return (b?.children ?? []).filter((c) => c.name === 'binding').map((c) => ({ protocol: getAttr(c, 'protocol') ?? '', bindingInformation: getAttr(c, 'bindingInformation') ?? '' }));
}

export function bindingPort(info: string): number | undefined {
  const m = /^([^:]*):(\d+):(.*)$/.exec(info);
  return m ? Number(m[2]) : undefined;
}

export function applications(site: El): El[] {
  return site.children.filter((c) => c.name === 'application');
}

export function defaultAppPool(root: El): string {
  const d = sitesSection(root)?.children.find((c) => c.name === 'applicationDefaults');
  return getAttr(d ?? { name: '', attrs: [], children: [] }, 'applicationPool') ?? 'DefaultAppPool';
}

const lower = (s: string) => s.toLowerCase();

function startsWithPath(url: string, prefix: string): boolean {
  const u = lower(url.replace(/\/+$/, ''));
  const p = lower(prefix.replace(/\/+$/, ''));
  return p === '' || u === p || u.startsWith(`${p}/`);
}

export interface UrlResolution {
  site: El;
  app: El;
  appPath: string;
  vdir: El | undefined;
  /** Physical path (Windows) of the URL, or undefined when no virtual directory maps it. */
  physicalPath: string | undefined;
}

/** Maps a URL path on a site to its application, virtual directory and physical path. */
export function resolveUrl(site: El, urlPath: string): UrlResolution | undefined {
  const apps = applications(site)
    .filter((a) => startsWithPath(urlPath, getAttr(a, 'path') ?? '/'))
    .sort((a, b) => (getAttr(b, 'path') ?? '').length - (getAttr(a, 'path') ?? '').length);
  const app = apps[0];
  if (!app) return undefined;
  const appPath = (getAttr(app, 'path') ?? '/').replace(/\/+$/, '');
  const within = urlPath.slice(appPath.length) || '/';
  const vdirs = app.children
    .filter((v) => v.name === 'virtualDirectory' && startsWithPath(within, getAttr(v, 'path') ?? '/'))
    .sort((a, b) => (getAttr(b, 'path') ?? '').length - (getAttr(a, 'path') ?? '').length);
  const vdir = vdirs[0];
  if (!vdir) return { site, app, appPath: appPath || '/', vdir: undefined, physicalPath: undefined };
  const vPath = (getAttr(vdir, 'path') ?? '/').replace(/\/+$/, '');
  const rest = decodeURIComponent(within.slice(vPath.length)).split('/').filter((x) => x);
  const base = expandEnv(getAttr(vdir, 'physicalPath') ?? '').replace(/\\+$/, '');
  return { site, app, appPath: appPath || '/', vdir, physicalPath: [base, ...rest].join('\\') };
}

export interface EffectiveSection {
  section: El;
  /** Configuration errors IIS would report (HTTP 500.19) at this path. */
  errors: { file: string; message: string; hresult: string }[];
}

/**
 * The configuration of a section in effect at a config path such as "foo/static/admin"
 * ('' = server level), with the errors IIS would raise reading it.
 */
export function effectiveSection(server: SimulatedServer, section: string, configPath: string, root = server.loadAppHost()): EffectiveSection {
  const schema = sectionOrThrow(section);
  const levels: El[] = [];
  const errors: EffectiveSection['errors'] = [];
  const rootSec = findSection(root, section);
  if (rootSec) levels.push(rootSec);
  const segs = configPath.split('/').filter((x) => x);
  const emptyLoc = findLocation(root, '');
  const emptySec = emptyLoc ? findSection(emptyLoc, section) : undefined;
  if (emptySec) levels.push(emptySec);
  const site = segs[0] ? findSite(root, segs[0]) : undefined;
  for (let i = 1; i <= segs.length; i++) {
    const cp = segs.slice(0, i).join('/');
    const loc = findLocation(root, cp);
    const locSec = loc ? findSection(loc, section) : undefined;
    if (locSec) levels.push(locSec);
    if (!site) continue;
    const url = `/${segs.slice(1, i).join('/')}`;
    const r = resolveUrl(site, url);
    if (!r?.physicalPath) continue;
    const wc = `${r.physicalPath}\\web.config`;
    const real = server.toReal(wc);
    if (!existsSync(real)) continue;
    let doc: El;
    try {
      doc = parseXml(readFileSync(real, 'utf8'));
    } catch (e) {
      errors.push({ file: wc, message: `Configuration file is not well-formed XML${e instanceof XmlSyntaxError ? ` (line ${e.line}: ${e.message})` : ''}`, hresult: '0x8007000d' });
      continue;
    }
    const sec = findSection(doc, section);
    if (!sec) continue;
    const decl = SECTION_DECLARATIONS[section];
    if (decl && decl.allowDefinition === 'AppHostOnly') {
      errors.push({ file: wc, message: 'This configuration section cannot be used at this path. This happens when the site administrator has locked access to this section using <location allowOverride="false"> from an inherited configuration file.', hresult: '0x80070021' });
      continue;
    }
    if (isSectionLockedAt(root, section, cp)) {
      errors.push({
        file: wc,
        message: 'This configuration section cannot be used at this path. This happens when the section is locked at a parent level. Locking is either by default (overrideModeDefault="Deny"), or set explicitly by a location tag with overrideMode="Deny" or the legacy allowOverride="false".',
        hresult: '0x80070021',
      });
      continue;
    }
    const problems = validateElement(schema, sec, section);
    if (problems.length > 0) {
      errors.push({ file: wc, message: problems.map((p) => p.message).join('; '), hresult: '0x8007000d' });
      continue;
    }
    levels.push(sec);
  }
  const name = section.slice(section.lastIndexOf('/') + 1);
  return { section: mergeLevels(schema, levels, name), errors };
}

export function configPathLabel(configPath: string): string {
  return configPath ? `${APPHOST_ROOT}/${configPath}` : APPHOST_ROOT;
}
