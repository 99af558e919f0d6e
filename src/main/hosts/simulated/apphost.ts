/**
 * IIS configuration as IIS keeps it: applicationHost.config (plus web.config files in site
 * folders), read and written as XML. Computes the configuration in effect at a path the way
 * IIS does (root section, <location> tags, web.config files, <add>/<remove>/<clear/>, the
 * collection's mergeAppend order) and enforces section locking and the schema.
 */
import { cloneEl, el, getAttr, type El } from './xml';
import {
  SECTION_DECLARATIONS,
  attributeValueProblem,
  keyAttributes,
  sectionDeclaration,
  sectionSchema,
  type CollectionSchema,
  type ElementSchema,
} from './iis-schema';

/** Attributes every configuration element may carry (locking, transforms). */
const GENERIC_ATTRS = new Set(['lockAttributes', 'lockAllAttributesExcept', 'lockElements', 'lockAllElementsExcept', 'lockItem', 'configSource']);

export const BASE_MODULES = [
  ['HttpLoggingModule', '%windir%\\System32\\inetsrv\\loghttp.dll'],
  ['UriCacheModule', '%windir%\\System32\\inetsrv\\cachuri.dll'],
  ['TokenCacheModule', '%windir%\\System32\\inetsrv\\cachtokn.dll'],
  ['RequestFilteringModule', '%windir%\\System32\\inetsrv\\modrqflt.dll'],
  ['CustomErrorModule', '%windir%\\System32\\inetsrv\\custerr.dll'],
  ['ProtocolSupportModule', '%windir%\\System32\\inetsrv\\protsup.dll'],
  ['StaticFileModule', '%windir%\\System32\\inetsrv\\static.dll'],
  ['AnonymousAuthenticationModule', '%windir%\\System32\\inetsrv\\authanon.dll'],
  ['DefaultDocumentModule', '%windir%\\System32\\inetsrv\\defdoc.dll'],
  ['DirectoryListingModule', '%windir%\\System32\\inetsrv\\dirlist.dll'],
] as const;

export const CGI_MODULES = [
  ['CgiModule', '%windir%\\System32\\inetsrv\\cgi.dll'],
  ['FastCgiModule', '%windir%\\System32\\inetsrv\\iisfcgi.dll'],
] as const;

const MIME_MAP: [string, string][] = [
  ['.css', 'text/css'],
  ['.js', 'application/javascript'],
  ['.json', 'application/json'],
  ['.htm', 'text/html'],
  ['.html', 'text/html'],
  ['.txt', 'text/plain'],
  ['.xml', 'text/xml'],
  ['.png', 'image/png'],
  ['.gif', 'image/gif'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.svg', 'image/svg+xml'],
  ['.ico', 'image/x-icon'],
  ['.woff', 'font/x-woff'],
  ['.woff2', 'application/font-woff2'],
  ['.ttf', 'application/octet-stream'],
  ['.eot', 'application/vnd.ms-fontobject'],
  ['.map', 'application/octet-stream'],
  ['.pdf', 'application/pdf'],
  ['.zip', 'application/x-zip-compressed'],
];

export const APPHOST_ROOT = 'MACHINE/WEBROOT/APPHOST';

/** A fresh IIS 10 applicationHost.config, trimmed to the sections the simulator models. */
export function freshAppHostConfig(withCgi: boolean): El {
  // Section groups nest as in IIS's own file (system.webServer/security/authentication/...).
  const declGroup = (group: string): El => {
    const entries = Object.entries(SECTION_DECLARATIONS).filter(([k]) => k.startsWith(`${group}/`)).map(([k, d]) => [k.slice(group.length + 1), d] as const);
    const sections = entries.filter(([k]) => !k.includes('/'));
    const subgroups = [...new Set(entries.filter(([k]) => k.includes('/')).map(([k]) => k.split('/')[0] as string))];
    return el('sectionGroup', { name: group.split('/').at(-1) ?? group }, [
      ...sections.map(([k, d]) => el('section', { name: k, ...(d.allowDefinition !== 'Everywhere' ? { allowDefinition: d.allowDefinition } : {}), overrideModeDefault: d.overrideModeDefault })),
      ...subgroups.map((g) => declGroup(`${group}/${g}`)),
    ]);
  };
  const modules = [...BASE_MODULES, ...(withCgi ? CGI_MODULES : [])];
  const handlers: El[] = [];
  if (withCgi) handlers.push(el('add', { name: 'CGI-exe', path: '*.exe', verb: '*', modules: 'CgiModule', resourceType: 'File', requireAccess: 'Execute', allowPathInfo: 'true' }));
  handlers.push(
    el('add', { name: 'TRACEVerbHandler', path: '*', verb: 'TRACE', modules: 'ProtocolSupportModule', requireAccess: 'None' }),
    el('add', { name: 'OPTIONSVerbHandler', path: '*', verb: 'OPTIONS', modules: 'ProtocolSupportModule', requireAccess: 'None' }),
    el('add', { name: 'StaticFile', path: '*', verb: '*', modules: 'StaticFileModule,DefaultDocumentModule,DirectoryListingModule', resourceType: 'Either', requireAccess: 'Read' }),
  );
  const webServer = el('system.webServer', {}, [
    el('cgi', {}),
    el('defaultDocument', { enabled: 'true' }, [
      el('files', {}, ['Default.htm', 'Default.asp', 'index.htm', 'index.html', 'iisstart.htm'].map((v) => el('add', { value: v }))),
    ]),
    el('directoryBrowse', { enabled: 'false' }),
    ...(withCgi ? [el('fastCgi', {})] : []),
    el('globalModules', {}, modules.map(([name, image]) => el('add', { name, image }))),
    el('handlers', { accessPolicy: 'Read, Script' }, handlers),
    el('httpErrors', { lockAttributes: 'allowAbsolutePathsWhenDelegated,defaultPath' }, [
      ...['401', '403', '404', '405', '406', '412', '500', '501', '502'].map((code) =>
        el('error', { statusCode: code, prefixLanguageFilePath: '%SystemDrive%\\inetpub\\custerr', path: `${code}.htm` }),
      ),
    ]),
    el('modules', {}, modules.map(([name]) => el('add', { name, lockItem: 'true' }))),
    // Anonymous access on for every site (the schema's default is off; IIS's file turns it on for IUSR).
    el('security', {}, [el('authentication', {}, [el('anonymousAuthentication', { enabled: 'true', userName: 'IUSR' })])]),
    el('staticContent', { lockAttributes: 'isDocFooterFileName' }, MIME_MAP.map(([ext, type]) => el('mimeMap', { fileExtension: ext, mimeType: type }))),
  ]);
  return el('configuration', {}, [
    el('configSections', {}, [declGroup('system.applicationHost'), declGroup('system.webServer')]),
    el('system.applicationHost', {}, [
      el('applicationPools', {}, [
        el('add', { name: 'DefaultAppPool' }),
        el('applicationPoolDefaults', { managedRuntimeVersion: 'v4.0' }, [el('processModel', { identityType: 'ApplicationPoolIdentity' })]),
      ]),
      el('sites', {}, [
        el('site', { name: 'Default Web Site', id: '1' }, [
          el('application', { path: '/' }, [el('virtualDirectory', { path: '/', physicalPath: '%SystemDrive%\\inetpub\\wwwroot' })]),
          el('bindings', {}, [el('binding', { protocol: 'http', bindingInformation: '*:80:' })]),
        ]),
        el('siteDefaults', {}, [
          el('logFile', { logFormat: 'W3C', directory: '%SystemDrive%\\inetpub\\logs\\LogFiles' }),
          el('traceFailedRequestsLogging', { directory: '%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles' }),
        ]),
        el('applicationDefaults', { applicationPool: 'DefaultAppPool' }),
        el('virtualDirectoryDefaults', { allowSubDirConfig: 'true' }),
      ]),
    ]),
    webServer,
  ]);
}

/** Adds what enabling IIS-CGI adds to an existing configuration. */
export function addCgiToConfig(root: El): void {
  const ws = root.children.find((c) => c.name === 'system.webServer');
  if (!ws) return;
  const gm = ws.children.find((c) => c.name === 'globalModules');
  const mods = ws.children.find((c) => c.name === 'modules');
  for (const [name, image] of CGI_MODULES) {
    if (gm && !gm.children.some((c) => getAttr(c, 'name') === name)) gm.children.push(el('add', { name, image }));
    if (mods && !mods.children.some((c) => getAttr(c, 'name') === name)) mods.children.push(el('add', { name, lockItem: 'true' }));
  }
  if (!ws.children.some((c) => c.name === 'fastCgi')) ws.children.push(el('fastCgi', {}));
  const h = ws.children.find((c) => c.name === 'handlers');
  if (h && !h.children.some((c) => getAttr(c, 'name') === 'CGI-exe'))
    h.children.unshift(el('add', { name: 'CGI-exe', path: '*.exe', verb: '*', modules: 'CgiModule', resourceType: 'File', requireAccess: 'Execute', allowPathInfo: 'true' }));
}

/** The modules an optional IIS role service registers when DISM enables it (the simulator's list). */
export const FEATURE_MODULES: Record<string, [string, string][]> = {
  'IIS-WindowsAuthentication': [['WindowsAuthenticationModule', '%windir%\\System32\\inetsrv\\authsspi.dll']],
  'IIS-HttpRedirect': [['HttpRedirectionModule', '%windir%\\System32\\inetsrv\\redirect.dll']],
};

/** Registers a role service's modules (globally and for every site), as enabling it does. */
export function addFeatureModules(root: El, feature: string): void {
  const ws = root.children.find((c) => c.name === 'system.webServer');
  const gm = ws?.children.find((c) => c.name === 'globalModules');
  const mods = ws?.children.find((c) => c.name === 'modules');
  for (const [name, image] of FEATURE_MODULES[feature] ?? []) {
    if (gm && !gm.children.some((c) => getAttr(c, 'name') === name)) gm.children.push(el('add', { name, image }));
    if (mods && !mods.children.some((c) => getAttr(c, 'name') === name)) mods.children.push(el('add', { name, lockItem: 'true' }));
  }
  if (feature === 'IIS-WindowsAuthentication' && ws) {
    const auth = findSection(ws, 'security/authentication', true) as El;
    if (!auth.children.some((c) => c.name === 'windowsAuthentication')) auth.children.push(el('windowsAuthentication', { enabled: 'false' }, [el('providers', {}, [el('add', { value: 'Negotiate' }), el('add', { value: 'NTLM' })])]));
  }
}

/** Removes what disabling IIS-CGI removes: its modules and the CGI-exe handler. */
export function removeCgiFromConfig(root: El): void {
  const ws = root.children.find((c) => c.name === 'system.webServer');
  if (!ws) return;
  const names = new Set<string>(CGI_MODULES.map(([n]) => n));
  for (const sec of ['globalModules', 'modules']) {
    const e = ws.children.find((c) => c.name === sec);
    if (e) e.children = e.children.filter((c) => !names.has(getAttr(c, 'name') ?? ''));
  }
  const h = ws.children.find((c) => c.name === 'handlers');
  if (h) h.children = h.children.filter((c) => getAttr(c, 'name') !== 'CGI-exe');
}

export function sectionSegments(section: string): string[] {
  return section.split('/');
}

/** The section element under a configuration-shaped container (configuration or location). */
export function findSection(container: El, section: string, create = false): El | undefined {
  let cur: El = container;
  for (const seg of sectionSegments(section)) {
    let next = cur.children.find((c) => c.name === seg);
    if (!next) {
      if (!create) return undefined;
      next = el(seg);
      cur.children.push(next);
    }
    cur = next;
  }
  return cur;
}

export function findLocation(root: El, path: string, create = false): El | undefined {
  const norm = (p: string) => p.replace(/^\/+|\/+$/g, '').toLowerCase();
  let loc = root.children.find((c) => c.name === 'location' && norm(getAttr(c, 'path') ?? '') === norm(path));
  if (!loc && create) {
    loc = el('location', { path });
    root.children.push(loc);
  }
  return loc;
}

/** A level of configuration that applies at a config path, outermost first. */
export interface ConfigLevel {
  /** 'apphost' or the Windows path of a web.config file. */
  file: string;
  /** The config path the level applies to ('' = server). */
  path: string;
  section: El;
}

export interface SchemaProblem {
  message: string;
  element: string;
}

/** Checks an element (and its children) against the schema. */
export function validateElement(schema: ElementSchema, e: El, where: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const [k, v] of e.attrs) {
    if (GENERIC_ATTRS.has(k) || k.startsWith('xmlns') || k.startsWith('xdt:')) continue;
    const a = schema.attributes.find((x) => x.name === k);
    if (!a) {
      problems.push({ message: `Unrecognized attribute '${k}'`, element: where });
      continue;
    }
    const p = attributeValueProblem(a, v);
    if (p) problems.push({ message: p, element: where });
  }
  const col = schema.collection;
  for (const c of e.children) {
    if (col && c.name === col.add) {
      problems.push(...validateElement(col.item, c, `${where}/${c.name}`));
      for (const req of col.item.attributes.filter((a) => a.required)) {
        if (getAttr(c, req.name) === undefined) problems.push({ message: `Missing required attribute '${req.name}'`, element: `${where}/${c.name}` });
      }
    } else if (col && (c.name === col.remove || c.name === col.clear)) {
      continue;
    } else if (schema.elements?.[c.name]) {
      problems.push(...validateElement(schema.elements[c.name] as ElementSchema, c, `${where}/${c.name}`));
    } else {
      problems.push({ message: `Unrecognized element '${c.name}'`, element: `${where}/${c.name}` });
    }
  }
  return problems;
}

export function collectionKeyOf(item: ElementSchema, e: El): string {
  const keys = keyAttributes(item);
  return keys
    .map((k) => {
      const v = getAttr(e, k.name) ?? k.default ?? '';
      return k.caseSensitive ? v : v.toLowerCase();
    })
    .join('\u0000');
}

/**
 * Merges levels of one section into the configuration in effect: attributes of deeper levels win,
 * collections follow <add>/<remove>/<clear/> and mergeAppend (false: a deeper level's entries
 * come before the inherited ones, which is why a site's Django handler precedes StaticFile).
 */
export function mergeLevels(schema: ElementSchema, levels: El[], name: string): El {
  const out = el(name);
  for (const lvl of levels) {
    for (const [k, v] of lvl.attrs) {
      if (GENERIC_ATTRS.has(k)) continue;
      const i = out.attrs.findIndex(([x]) => x === k);
      if (i >= 0) out.attrs[i] = [k, v];
      else out.attrs.push([k, v]);
    }
  }
  const col = schema.collection;
  if (col) out.children.push(...mergeCollection(col, levels));
  for (const [childName, childSchema] of Object.entries(schema.elements ?? {})) {
    const childLevels = levels.map((l) => l.children.find((c) => c.name === childName)).filter((x): x is El => !!x);
    if (childLevels.length > 0) out.children.push(mergeLevels(childSchema, childLevels, childName));
  }
  return out;
}

function mergeCollection(col: CollectionSchema, levels: El[]): El[] {
  let items: El[] = [];
  for (const lvl of levels) {
    const added: El[] = [];
    for (const c of lvl.children) {
      if (c.name === col.clear) {
        items = [];
      } else if (c.name === col.remove) {
        const key = collectionKeyOf(col.item, c);
        items = items.filter((x) => collectionKeyOf(col.item, x) !== key);
      } else if (c.name === col.add) {
        added.push(cloneEl(c));
      }
    }
    items = col.mergeAppend ? [...items, ...added] : [...added, ...items];
  }
  return items;
}

/** The locking in force for a section at a config path, from <location overrideMode> or configSections. */
export function isSectionLockedAt(root: El, section: string, configPath: string): boolean {
  const decl = sectionDeclaration(section);
  let locked = (declaredOverrideMode(root, section) ?? decl?.overrideModeDefault ?? 'Allow') === 'Deny';
  const segments = configPath.split('/').filter((x) => x);
  const candidates = [''];
  for (let i = 1; i <= segments.length; i++) candidates.push(segments.slice(0, i).join('/'));
  // A web.config at path P is governed by <location> tags for P and its ancestors in
  // applicationHost.config; the deepest one that names the section wins.
  for (const c of candidates) {
    const loc = findLocation(root, c);
    if (!loc) continue;
    const mode = getAttr(loc, 'overrideMode');
    if (mode && findSection(loc, section)) locked = mode === 'Deny';
  }
  return locked;
}

function declaredOverrideMode(root: El, section: string): string | undefined {
  const s = declaredSection(root, section);
  return s ? getAttr(s, 'overrideModeDefault') : undefined;
}

/** The section's <section> element in applicationHost.config's <configSections>, if declared there. */
export function declaredSection(root: El, section: string): El | undefined {
  const cs = root.children.find((c) => c.name === 'configSections');
  if (!cs) return undefined;
  const [group, name] = [section.slice(0, section.lastIndexOf('/')), section.slice(section.lastIndexOf('/') + 1)];
  let cur: El | undefined = cs;
  for (const g of group.split('/')) cur = cur?.children.find((c) => c.name === 'sectionGroup' && getAttr(c, 'name') === g);
  return cur?.children.find((c) => c.name === 'section' && getAttr(c, 'name') === name);
}

export function sectionOrThrow(section: string): ElementSchema {
  const s = sectionSchema(section);
  if (!s) throw new Error(`Unknown config section "${section}"`);
  return s;
}
