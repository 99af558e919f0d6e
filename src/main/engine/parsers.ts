/**
 * Parsers for what the Windows tools print: dism feature state, appcmd /xml, reg query,
 * netstat, icacls, sc query, fsutil, pip list, pyvenv.cfg.
 */
import { XMLParser } from 'fast-xml-parser';

/**
 * `State : Enabled` in dism /Get-FeatureInfo (with /English): Enabled, Disabled, Enable Pending,
 * Disable Pending (a restart finishes them), Disabled with Payload Removed (its files are gone).
 */
export function parseDismState(out: string): string | undefined {
  return /^State : (.+?)\s*$/m.exec(out)?.[1];
}

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

type Raw = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses appcmd /xml output into a generic element tree (root: <appcmd>). */
export function parseAppcmdXml(out: string): XmlNode {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, ignoreDeclaration: true, parseAttributeValue: false, trimValues: true });
  const nodes = parser.parse(out) as Raw[];
  const conv = (n: Raw): XmlNode | null => {
    const name = Object.keys(n).find((k) => k !== ':@');
    if (!name || name.startsWith('#')) return null;
    return { name, attrs: { ...(n[':@'] ?? {}) }, children: ((n[name] as Raw[]) ?? []).map(conv).filter((x): x is XmlNode => x !== null) };
  };
  const root = nodes.map(conv).find((x) => x?.name === 'appcmd');
  if (!root) throw new Error('appcmd printed no <appcmd> XML document');
  return root;
}

export function findAll(n: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (x: XmlNode) => {
    if (x.name === name) out.push(x);
    x.children.forEach(walk);
  };
  walk(n);
  return out;
}

export interface FastCgiApp {
  fullPath: string;
  arguments: string;
  attrs: Record<string, string>;
  env: Record<string, string>;
}

export function parseFastCgiApps(out: string): FastCgiApp[] {
  return findAll(parseAppcmdXml(out), 'application').map((a) => ({
    fullPath: a.attrs.fullPath ?? '',
    arguments: a.attrs.arguments ?? '',
    attrs: a.attrs,
    env: Object.fromEntries(findAll(a, 'environmentVariable').map((e) => [e.attrs.name ?? '', e.attrs.value ?? ''])),
  }));
}

export interface HandlerEntry {
  name: string;
  path: string;
  verb: string;
  modules: string;
  scriptProcessor?: string;
  resourceType?: string;
}

export function parseHandlers(out: string): HandlerEntry[] {
  const root = parseAppcmdXml(out);
  const section = findAll(root, 'system.webServer-handlers')[0];
  return (section?.children ?? [])
    .filter((c) => c.name === 'add')
    .map((c) => ({
      name: c.attrs.name ?? '',
      path: c.attrs.path ?? '',
      verb: c.attrs.verb ?? '',
      modules: c.attrs.modules ?? '',
      ...(c.attrs.scriptProcessor !== undefined ? { scriptProcessor: c.attrs.scriptProcessor } : {}),
      ...(c.attrs.resourceType !== undefined ? { resourceType: c.attrs.resourceType } : {}),
    }));
}

export interface SiteInfo {
  name: string;
  state: string;
  bindings: { protocol: string; bindingInformation: string; sslFlags?: string }[];
  apps: { path: string; applicationPool?: string; vdirs: { path: string; physicalPath: string }[] }[];
}

/** `appcmd list site NAME /config /xml` */
export function parseSite(out: string): SiteInfo | undefined {
  const root = parseAppcmdXml(out);
  const s = findAll(root, 'SITE')[0];
  if (!s) return undefined;
  const site = findAll(s, 'site')[0];
  return {
    name: s.attrs['SITE.NAME'] ?? '',
    state: s.attrs.state ?? '',
    bindings: site ? findAll(site, 'binding').map((b) => ({ protocol: b.attrs.protocol ?? '', bindingInformation: b.attrs.bindingInformation ?? '', ...(b.attrs.sslFlags !== undefined ? { sslFlags: b.attrs.sslFlags } : {}) })) : [],
    apps: site
      ? findAll(site, 'application').map((a) => ({
          path: a.attrs.path ?? '/',
          ...(a.attrs.applicationPool !== undefined ? { applicationPool: a.attrs.applicationPool } : {}),
          vdirs: findAll(a, 'virtualDirectory').map((v) => ({ path: v.attrs.path ?? '/', physicalPath: v.attrs.physicalPath ?? '' })),
        }))
      : [],
  };
}

/** `appcmd list sites /xml` → name, bindings string and state. */
export function parseSiteList(out: string): { name: string; bindings: string; state: string }[] {
  return findAll(parseAppcmdXml(out), 'SITE').map((s) => ({ name: s.attrs['SITE.NAME'] ?? '', bindings: s.attrs.bindings ?? '', state: s.attrs.state ?? '' }));
}

export interface Binding {
  protocol: string;
  ip: string;
  port: number;
  host: string;
}

/** "http/*:80:,http/[::1]:81:app.example.com,https/*:443:" → bindings (IPv6 addresses are bracketed). */
export function parseBindingList(list: string): Binding[] {
  const out: Binding[] = [];
  for (const item of list.split(',')) {
    const m = /^\s*([^/\s]+)\/(\[[^\]]*\]|[^:]*):(\d+):(.*?)\s*$/.exec(item);
    if (m) out.push({ protocol: (m[1] as string).toLowerCase(), ip: m[2] as string, port: Number(m[3]), host: (m[4] as string).toLowerCase() });
  }
  return out;
}

/** IIS's rule: two bindings clash only when protocol, IP, port and host name (ignoring case) all match. */
export function sameBinding(a: Binding, b: Binding): boolean {
  return a.protocol === b.protocol && a.ip.toLowerCase() === b.ip.toLowerCase() && a.port === b.port && a.host === b.host;
}

export interface PoolInfo {
  name: string;
  state: string;
  managedRuntimeVersion: string;
}

/** `appcmd list apppool NAME /config /xml` */
export function parsePool(out: string): PoolInfo | undefined {
  const root = parseAppcmdXml(out);
  const p = findAll(root, 'APPPOOL')[0];
  if (!p) return undefined;
  const add = findAll(p, 'add')[0];
  return { name: p.attrs['APPPOOL.NAME'] ?? '', state: p.attrs.state ?? '', managedRuntimeVersion: add?.attrs.managedRuntimeVersion ?? p.attrs.RuntimeVersion ?? '' };
}

/** `reg query KEY /s` → key path → value name → data. */
export function parseRegQuery(out: string): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  let current: string | undefined;
  for (const line of out.split(/\r?\n/)) {
    if (/^HKEY_/.test(line)) {
      current = line.trim();
      result[current] ??= {};
      continue;
    }
    const m = /^ {4}(.+?) {4}(REG_\w+) {4}(.*)$/.exec(line);
    // The default value's name is localised ("(Default)", "(Standard)", "(默认)"): any name in
    // parentheses is it (reg.exe prints a named value without them).
    if (m && current) (result[current] as Record<string, string>)[/^\(.*\)$/.test(m[1] as string) ? '(Default)' : (m[1] as string)] = m[3] as string;
  }
  return result;
}

export interface PythonInstall {
  tag: string;
  installPath: string;
  executable?: string;
  hive: 'HKLM' | 'HKCU';
}

/** PEP 514 entries from `reg query HK??\Software\Python\PythonCore /s`. */
export function parsePythonInstalls(out: string, hive: 'HKLM' | 'HKCU'): PythonInstall[] {
  const keys = parseRegQuery(out);
  const installs: PythonInstall[] = [];
  for (const [key, values] of Object.entries(keys)) {
    const m = /\\PythonCore\\([^\\]+)\\InstallPath$/i.exec(key);
    if (!m) continue;
    const installPath = (values['(Default)'] ?? '').replace(/\\+$/, '');
    installs.push({ tag: m[1] as string, installPath, ...(values.ExecutablePath ? { executable: values.ExecutablePath } : {}), hive });
  }
  return installs;
}

/**
 * Listening TCP sockets (IPv4 and IPv6) from `netstat -ano`, whatever the display language: the
 * state word is localised (LISTENING, ABHÖREN), so a listener is a TCP row whose foreign address
 * is the unspecified one with port 0 (0.0.0.0:0 or [::]:0).
 */
export function parseNetstat(out: string): { port: number; pid: number; address: string }[] {
  const rows: { port: number; pid: number; address: string }[] = [];
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s*TCP\s+(\[[^\]]*\]|[^\s:]+):(\d+)\s+(?:0\.0\.0\.0|\[::\]|\*):0\s+\S+\s+(\d+)\s*$/i.exec(line);
    if (m) rows.push({ address: m[1] as string, port: Number(m[2]), pid: Number(m[3]) });
  }
  return rows;
}

/** The FastCGI entry with this fullPath and arguments, compared ignoring case as IIS does. */
export function findFastCgiApp(apps: FastCgiApp[], id: { fullPath: string; arguments: string }): FastCgiApp | undefined {
  return apps.find((a) => a.fullPath.toLowerCase() === id.fullPath.toLowerCase() && a.arguments.toLowerCase() === id.arguments.toLowerCase());
}

export interface AclLine {
  identity: string;
  flags: string[];
  inherited: boolean;
}

/** `icacls PATH` → its ACEs. */
export function parseIcacls(out: string, target: string): AclLine[] {
  const lines = out.split(/\r?\n/);
  const aces: AclLine[] = [];
  for (const raw of lines) {
    if (/^Successfully processed|^\s*$/.test(raw)) continue;
    const line = raw.startsWith(target) ? raw.slice(target.length) : raw;
    const m = /^\s*(.+?):((?:\([A-Z,]+\))+)\s*$/.exec(line);
    if (!m) continue;
    const flags = [...(m[2] as string).matchAll(/\(([A-Z,]+)\)/g)].map((x) => x[1] as string);
    aces.push({ identity: m[1] as string, flags: flags.filter((f) => f !== 'I'), inherited: flags.includes('I') });
  }
  return aces;
}

export function hasExplicitGrant(aces: AclLine[], identity: string, right: 'RX' | 'M'): boolean {
  const strength: Record<string, number> = { R: 1, RX: 2, M: 3, F: 4 };
  return aces.some(
    (a) =>
      !a.inherited &&
      a.identity.toLowerCase() === identity.toLowerCase() &&
      a.flags.includes('OI') &&
      a.flags.includes('CI') &&
      a.flags.some((f) => (strength[f] ?? 0) >= (strength[right] ?? 99)),
  );
}

const SERVICE_STATES: Record<string, string> = { '1': 'STOPPED', '2': 'START_PENDING', '3': 'STOP_PENDING', '4': 'RUNNING', '5': 'CONTINUE_PENDING', '6': 'PAUSE_PENDING', '7': 'PAUSED' };

/**
 * `sc query NAME` → RUNNING / STOPPED / ..., or undefined when the service does not exist. The
 * label is localised (STATE, STATUS, ÉTAT, 状态); the line is found by its value, the state's
 * number followed by its constant name, which sc prints the same in every language.
 */
export function parseScState(out: string): string | undefined {
  const m = /:\s+([1-7])\s+(STOPPED|START_PENDING|STOP_PENDING|RUNNING|CONTINUE_PENDING|PAUSE_PENDING|PAUSED)\b/.exec(out);
  return m ? SERVICE_STATES[m[1] as string] : undefined;
}

/** `fsutil volume diskfree C:` → free bytes: the first line's number (its label is localised). */
export function parseDiskFree(out: string): number | undefined {
  const first = out.split(/\r?\n/).find((l) => l.includes(':'));
  const m = first ? /:\s*([\d,.\u00a0\u202f ]*\d)/.exec(first) : null;
  return m ? Number((m[1] as string).replace(/[^\d]/g, '')) : undefined;
}

export function parsePipList(out: string): Record<string, string> {
  try {
    const rows = JSON.parse(out) as { name: string; version: string }[];
    return Object.fromEntries(rows.map((r) => [r.name.toLowerCase().replace(/_/g, '-'), r.version]));
  } catch {
    return {};
  }
}

export function parsePyvenvCfg(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  return out;
}

/** collectstatic prints "N static files copied to '…', M unmodified." */
export function parseCollectstatic(out: string): { copied: number; unmodified: number } | undefined {
  const m = /(\d+) static files? copied(?:[^,]*)?(?:, (\d+) unmodified)?/.exec(out);
  if (!m) {
    const only = /(\d+) static files? unmodified/.exec(out);
    return only ? { copied: 0, unmodified: Number(only[1]) } : undefined;
  }
  return { copied: Number(m[1]), unmodified: Number(m[2] ?? 0) };
}

/** Names of the global modules (appcmd list config -section:system.webServer/globalModules /xml). */
export function parseGlobalModules(out: string): string[] {
  const section = findAll(parseAppcmdXml(out), 'system.webServer-globalModules')[0];
  return (section?.children ?? []).filter((c) => c.name === 'add').map((c) => c.attrs.name ?? '');
}

export interface HttpPlatformSettings {
  /** Attributes as written at this config path (absent ones have IIS's defaults). */
  attrs: Record<string, string>;
  env: Record<string, string>;
}

/** The system.webServer/httpPlatform section in effect at a site (appcmd list config SITE -section:... /xml). */
export function parseHttpPlatform(out: string): HttpPlatformSettings | undefined {
  const section = findAll(parseAppcmdXml(out), 'system.webServer-httpPlatform')[0];
  if (!section) return undefined;
  return { attrs: section.attrs, env: Object.fromEntries(findAll(section, 'environmentVariable').map((e) => [e.attrs.name ?? '', e.attrs.value ?? ''])) };
}
