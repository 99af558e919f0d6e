/**
 * The simulated %windir%\system32\inetsrv\appcmd.exe: parses the same argv the real one gets
 * and applies it to applicationHost.config (or a web.config), validating against IIS's schema.
 *
 * Grammar (iis-docs "Getting started with AppCmd.exe"):
 *   appcmd VERB OBJECT [ID] [/param:value | -param:value | /+expr | /-expr | /expr:value]...
 * with config expressions like  [fullPath='x',arguments='y'].environmentVariables.[name='A',value='B'].
 *
 * The /xml shapes (<appcmd><SITE SITE.NAME=… SITE.ID=… bindings=… state=…/>, <APP APP.NAME=…
 * APPPOOL.NAME=…/>, <CONFIG CONFIG.SECTION=… path=… overrideMode="Inherit" locked="false">
 * <system.webServer-handlers>…) were checked against published appcmd output samples.
 * Messages on success and failure follow appcmd's; ERROR texts known from the reference are
 * exact, others are modelled on them. Exit codes other than 0 are UNCONFIRMED (the reference
 * says to decide by non-zero and the message): 1168 not found, 183 duplicate, 87 bad argument,
 * 13 invalid data, 5 access denied, 50 unsupported.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { localizeAppcmd } from './language';
import { APPHOST_ROOT, collectionKeyOf, declaredSection, findLocation, findSection, isSectionLockedAt, sectionOrThrow, validateElement } from './apphost';
import { attributeValueProblem, canonicalValue, keyAttributes, MODULE_SECTIONS, SECTION_DECLARATIONS, sectionDeclaration, type ElementSchema } from './iis-schema';
import { configPathLabel, effectiveSection, findPool, findSite, listPools, listSites, resolveUrl, siteBindings, defaultAppPool, applications, sitesSection, poolsSection } from './iisconfig';
import { APPHOST_PATH, type SimulatedServer } from './server';
import { cloneEl, el, escapeAttr, getAttr, parseXml, serializeXml, setAttr, type El } from './xml';

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Whether the command changed the server (the simulator's own judgement, for tests). */
  mutating: boolean;
}

export const EXIT = { NOT_FOUND: 1168, DUPLICATE: 183, BAD_ARG: 87, INVALID_DATA: 13, ACCESS_DENIED: 5, UNSUPPORTED: 50 } as const;

class AppcmdError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function fail(message: string, code: number = EXIT.BAD_ARG): never {
  throw new AppcmdError(message, code);
}

// ---------------------------------------------------------------- argument parsing

export interface ParsedArgs {
  verb: string;
  object: string;
  id?: string;
  params: { name: string; value: string | undefined; raw: string }[];
  /** Config expressions: /+expr, /-expr, /expr:value (set config and set OBJECT). */
  exprs: { op: '+' | '-' | '='; path: PathToken[]; value?: string; raw: string }[];
}

export type PathToken = { kind: 'name'; name: string } | { kind: 'select'; attrs: [string, string][]; raw: string } | { kind: 'index'; index: number };

/** Splits at a separator that is outside [...] and '...'. */
function splitOutside(s: string, sep: string, max = Infinity): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quote) {
      if (ch === "'") quote = false;
      cur += ch;
      continue;
    }
    if (ch === "'") quote = true;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    if (ch === sep && depth === 0 && out.length < max - 1) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (quote || depth !== 0) fail(`Malformed collection indexer. Check the quotes and brackets in "${s}".`);
  out.push(cur);
  return out;
}

export function parseSelector(raw: string): PathToken {
  const inner = raw.slice(1, -1);
  const idx = /^@(\d+)$/.exec(inner);
  if (idx) return { kind: 'index', index: Number(idx[1]) };
  const attrs: [string, string][] = [];
  for (const part of splitOutside(inner, ',')) {
    const m = /^\s*([A-Za-z][\w.]*)\s*=\s*(?:'([^']*)'|([^',\]]*))\s*$/.exec(part);
    if (!m) fail(`Malformed collection indexer "${raw}": expected [name='value',...].`);
    const mm = m;
    attrs.push([mm[1] as string, mm[2] ?? mm[3] ?? '']);
  }
  return { kind: 'select', attrs, raw };
}

export function parsePath(expr: string): PathToken[] {
  const tokens = splitOutside(expr, '.').filter((t) => t.length > 0);
  return tokens.map((t) => {
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) fail(`Malformed collection indexer "${t}".`);
      return parseSelector(t);
    }
    if (!/^[A-Za-z_][\w-]*$/.test(t)) fail(`Invalid element or attribute name "${t}".`);
    return { kind: 'name', name: t };
  });
}

export function parseAppcmdArgs(args: readonly string[]): ParsedArgs {
  const [verb, object, ...rest] = args;
  if (!verb || !object) fail('Syntax: appcmd VERB OBJECT [arguments]. Run "appcmd /?" for help.');
  const out: ParsedArgs = { verb: (verb).toLowerCase(), object: (object).toLowerCase(), params: [], exprs: [] };
  let i = 0;
  if (rest[0] !== undefined && !/^[/-]/.test(rest[0])) {
    out.id = rest[0];
    i = 1;
  }
  for (; i < rest.length; i++) {
    const raw = rest[i] as string;
    if (!/^[/-]/.test(raw)) fail(`Unexpected argument "${raw}". Named arguments start with / or -.`);
    const body = raw.slice(1);
    if (body.startsWith('+') || (raw.startsWith('/') && body.startsWith('-'))) {
      out.exprs.push({ op: body[0] === '+' ? '+' : '-', path: parsePath(body.slice(1)), raw });
      continue;
    }
    if (body.startsWith('[') || /^[A-Za-z_][\w]*\.\[/.test(body) || (/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+:/.test(body) && !/^(site|app|vdir|apppool)\.name:/i.test(body))) {
      const [p, v] = splitOutside(body, ':', 2);
      if (v === undefined) fail(`Expected a value after ":" in "${raw}".`);
      out.exprs.push({ op: '=', path: parsePath(p as string), value: v, raw });
      continue;
    }
    const colon = body.indexOf(':');
    if (colon < 0) out.params.push({ name: body.toLowerCase(), value: undefined, raw });
    else out.params.push({ name: body.slice(0, colon), value: body.slice(colon + 1), raw });
  }
  return out;
}

// ---------------------------------------------------------------- helpers

function collectionItem(section: string, depth: number): ElementSchema {
  let cur: ElementSchema | undefined = sectionOrThrow(section);
  for (let i = 0; i < depth; i++) cur = cur?.collection?.item;
  if (!cur) throw new Error(`schema of ${section} has no collection at depth ${depth}`);
  return cur;
}
const poolItemSchema = () => collectionItem('system.applicationHost/applicationPools', 1);
const siteItemSchema = () => collectionItem('system.applicationHost/sites', 1);
const appItemSchema = () => collectionItem('system.applicationHost/sites', 2);
const vdirItemSchema = () => collectionItem('system.applicationHost/sites', 3);

const OBJECT_ALIASES: Record<string, string> = {
  site: 'site', sites: 'site', apppool: 'apppool', apppools: 'apppool', app: 'app', apps: 'app', vdir: 'vdir', vdirs: 'vdir',
  config: 'config', configs: 'config', backup: 'backup', backups: 'backup',
};

function param(p: ParsedArgs, name: string): string | undefined {
  return p.params.find((x) => x.name.toLowerCase() === name.toLowerCase())?.value;
}

function ok(stdout: string, mutating: boolean): ProgramResult {
  return { exitCode: 0, stdout: stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\r\n`, stderr: '', mutating };
}

function xmlOut(items: string[]): string {
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<appcmd>', ...items.map((i) => `    ${i}`), '</appcmd>', ''].join('\r\n');
}

function attrsXml(attrs: [string, string][]): string {
  return attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
}

function elementXml(e: El, depth: number): string {
  return serializeXml(e, false)
    .trimEnd()
    .split('\r\n')
    .map((l) => '    '.repeat(depth) + l)
    .join('\r\n');
}

/** Applies /attr:value (and /sub.attr:value) parameters to an element, validated by its schema. */
function applyAttributeParams(target: El, schema: ElementSchema, params: { name: string; value: string | undefined }[]): void {
  for (const prm of params) {
    const parts = prm.name.split('.');
    let cur = target;
    let sch = schema;
    for (const part of parts.slice(0, -1)) {
      const sub = sch.elements?.[part];
      if (!sub) fail(`Unknown attribute "${prm.name}".  Replace with -? for help.`);
      sch = sub;
      let c = cur.children.find((x) => x.name === part);
      if (!c) {
        c = el(part);
        cur.children.push(c);
      }
      cur = c;
    }
    const attrName = parts.at(-1) as string;
    const a = sch.attributes.find((x) => x.name.toLowerCase() === attrName.toLowerCase());
    if (!a) fail(`Unknown attribute "${prm.name}".  Replace with -? for help.`);
    const attr = a;
    const value = prm.value ?? '';
    const problem = attributeValueProblem(attr, value);
    if (problem) fail(problem, EXIT.INVALID_DATA);
    setAttr(cur, attr.name, canonicalValue(attr, value));
  }
}

function validateBinding(b: string): { protocol: string; info: string } {
  const slash = b.indexOf('/');
  if (slash <= 0) fail(`Invalid binding "${b}": expected protocol/IP:port:host, e.g. http/*:81:`, EXIT.INVALID_DATA);
  const protocol = b.slice(0, slash);
  const info = b.slice(slash + 1);
  if (protocol === 'http' || protocol === 'https') {
    const m = /^(\*|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d+):([A-Za-z0-9.-]*)$/.exec(info);
    const port = m ? Number(m[2]) : NaN;
    if (!m || !(port >= 1 && port <= 65535)) fail(`The binding "${b}" is invalid: bindingInformation must be IP:port:hostname with a port from 1 to 65535, e.g. *:81:`, EXIT.INVALID_DATA);
  }
  return { protocol, info };
}

function parseBindings(v: string): { protocol: string; info: string }[] {
  return v.split(',').filter((x) => x).map(validateBinding);
}

// ---------------------------------------------------------------- config expressions

interface Cursor {
  el: El;
  schema: ElementSchema;
}

function matchesSelector(item: El, sel: [string, string][], schema: ElementSchema): boolean {
  return sel.every(([k, v]) => {
    const a = schema.attributes.find((x) => x.name.toLowerCase() === k.toLowerCase());
    const actual = getAttr(item, a?.name ?? k) ?? a?.default ?? '';
    return a?.caseSensitive ? actual === v : actual.toLowerCase() === v.toLowerCase();
  });
}

function selectorAttrs(sel: [string, string][], schema: ElementSchema): [string, string][] {
  return sel.map(([k, v]) => {
    const a = schema.attributes.find((x) => x.name.toLowerCase() === k.toLowerCase());
    if (!a) fail(`Unknown attribute "${k}".  Replace with -? for help.`);
    const attr = a;
    const problem = attributeValueProblem(attr, v);
    if (problem) fail(problem, EXIT.INVALID_DATA);
    return [attr.name, canonicalValue(attr, v)];
  });
}

function navigate(start: Cursor, tokens: PathToken[], effectiveItems?: El[]): Cursor {
  let cur = start;
  let first = true;
  for (const t of tokens) {
    if (t.kind === 'name') {
      const sub = cur.schema.elements?.[t.name];
      if (!sub) fail(`Unknown element "${t.name}".  Replace with -? for help.`);
      let c = cur.el.children.find((x) => x.name === t.name);
      if (!c) {
        c = el(t.name);
        cur.el.children.push(c);
      }
      cur = { el: c, schema: sub };
    } else {
      const col = cur.schema.collection;
      if (!col) fail(`The element does not hold a collection; "${t.kind === 'select' ? t.raw : `[@${t.index}]`}" selects nothing.`);
      const c = col;
      const items = cur.el.children.filter((x) => x.name === c.add);
      let found: El | undefined;
      if (t.kind === 'index') found = items[t.index];
      else found = items.find((x) => matchesSelector(x, t.attrs, c.item));
      if (!found && first && effectiveItems && t.kind === 'select' && effectiveItems.some((x) => matchesSelector(x, t.attrs, c.item))) {
        fail('Cannot change an element inherited from a parent level here; add it at this level or change it where it is defined.', EXIT.UNSUPPORTED);
      }
      if (!found) fail('Cannot find requested collection element.', EXIT.NOT_FOUND);
      cur = { el: found, schema: c.item };
    }
    first = false;
  }
  return cur;
}

function applyExpr(sectionEl: El, schema: ElementSchema, expr: ParsedArgs['exprs'][number], effective: El): void {
  const tokens = expr.path;
  if (expr.op === '=') {
    const last = tokens.at(-1);
    if (!last || last.kind !== 'name') fail(`Expected an attribute name at the end of "${expr.raw}".`);
    const cur = navigate({ el: sectionEl, schema }, tokens.slice(0, -1), effective.children);
    const attrName = (last as { name: string }).name;
    const a = cur.schema.attributes.find((x) => x.name.toLowerCase() === attrName.toLowerCase());
    if (!a) fail(`Unknown attribute "${attrName}".  Replace with -? for help.`);
    const attr = a;
    const problem = attributeValueProblem(attr, expr.value ?? '');
    if (problem) fail(problem, EXIT.INVALID_DATA);
    setAttr(cur.el, attr.name, canonicalValue(attr, expr.value ?? ''));
    return;
  }
  const last = tokens.at(-1);
  if (!last || last.kind !== 'select') fail(`Expected [attribute='value',...] at the end of "${expr.raw}".`);
  const sel = last;
  const parentTokens = tokens.slice(0, -1);
  const cur = navigate({ el: sectionEl, schema }, parentTokens, effective.children);
  const col = cur.schema.collection;
  if (!col) fail(`The element does not hold a collection; cannot ${expr.op === '+' ? 'add to' : 'remove from'} it.`);
  const c = col;
  // The collection as in effect at this path (with inherited entries), for duplicate checks.
  const effItems = parentTokens.length === 0 ? effective.children.filter((x) => x.name === c.add) : cur.el.children.filter((x) => x.name === c.add);
  const attrs = selectorAttrs(sel.attrs, c.item);
  if (expr.op === '+') {
    const entry = el(c.add);
    entry.attrs = attrs;
    for (const req of c.item.attributes.filter((a) => a.required)) {
      if (getAttr(entry, req.name) === undefined) fail(`Missing required attribute "${req.name}" in ${sel.raw}. An entry of this collection needs ${c.item.attributes.filter((a) => a.required).map((a) => `'${a.name}'`).join(', ')}.`, EXIT.INVALID_DATA);
    }
    const key = collectionKeyOf(c.item, entry);
    if (effItems.some((x) => collectionKeyOf(c.item, x) === key)) {
      const keys = keyAttributes(c.item);
      // appcmd prefixes these with "New <element> object missing required attributes. " (windows-iis.md §11).
      const prefix = `New ${c.add} object missing required attributes. `;
      if (keys.length > 1 || keys[0]?.key === 'combined')
        fail(`${prefix}Cannot add duplicate collection entry of type '${c.add}' with combined key attributes '${keys.map((k) => k.name).join(', ')}' respectively set to '${keys.map((k) => getAttr(entry, k.name) ?? '').join(', ')}'`, EXIT.DUPLICATE);
      fail(`${prefix}Cannot add duplicate collection entry of type '${c.add}' with unique key attribute '${keys[0]?.name ?? 'name'}' set to '${getAttr(entry, keys[0]?.name ?? 'name') ?? ''}'`, EXIT.DUPLICATE);
    }
    cur.el.children.push(entry);
    return;
  }
  // remove
  const local = cur.el.children.findIndex((x) => x.name === c.add && matchesSelector(x, sel.attrs, c.item));
  if (local >= 0) {
    cur.el.children.splice(local, 1);
    return;
  }
  const inherited = effItems.find((x) => matchesSelector(x, sel.attrs, c.item));
  if (!inherited) fail('Cannot find requested collection element.', EXIT.NOT_FOUND);
  if (!c.remove) fail(`This collection has no <remove> element; the inherited entry cannot be removed at this level.`, EXIT.UNSUPPORTED);
  const rm = el(c.remove);
  rm.attrs = keyAttributes(c.item).map((k) => [k.name, getAttr(inherited, k.name) ?? ''] as [string, string]);
  cur.el.children.push(rm);
}

// ---------------------------------------------------------------- commands

function notElevated(): ProgramResult {
  return { exitCode: EXIT.ACCESS_DENIED, stdout: 'ERROR ( hresult:80070005, message:Command execution failed.\r\nAccess is denied.\r\n )\r\n', stderr: '', mutating: false };
}

export function runAppcmd(server: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!server.state.elevated) return notElevated();
  let parsed: ParsedArgs;
  try {
    parsed = parseAppcmdArgs(args);
    const object = OBJECT_ALIASES[parsed.object];
    if (!object) fail(`Object type "${parsed.object}" is not supported. Supported: site, app, vdir, apppool, config, backup.`);
    const root = server.loadAppHost();
    const r = dispatch(server, root, parsed, object);
    return { ...r, stdout: localizeAppcmd(r.stdout, server.state.language) };
  } catch (e) {
    if (e instanceof AppcmdError) return { exitCode: e.exitCode, stdout: localizeAppcmd(`ERROR ( message:${e.message} )\r\n`, server.state.language), stderr: '', mutating: false };
    throw e;
  }
}

function commit(server: SimulatedServer, root: El, sections: string[]): void {
  // Validate the whole of every touched section at apphost level before writing, as IIS does.
  for (const s of sections) {
    const schema = sectionOrThrow(s);
    const rootSec = findSection(root, s);
    const problems = rootSec ? validateElement(schema, rootSec, s) : [];
    for (const loc of root.children.filter((c) => c.name === 'location')) {
      const ls = findSection(loc, s);
      if (ls) problems.push(...validateElement(schema, ls, s));
    }
    if (problems.length > 0) fail(problems.map((p) => p.message).join('; '), EXIT.INVALID_DATA);
  }
  server.saveAppHost(root);
}

function dispatch(server: SimulatedServer, root: El, p: ParsedArgs, object: string): ProgramResult {
  switch (`${p.verb} ${object}`) {
    case 'list site':
      return listSiteCmd(root, p, server);
    case 'list apppool':
      return listPoolCmd(root, p, server);
    case 'list app':
      return listAppCmd(root, p);
    case 'list vdir':
      return listVdirCmd(root, p);
    case 'list config':
      return listConfigCmd(server, root, p);
    case 'add apppool':
      return addPool(server, root, p);
    case 'set apppool':
      return setPool(server, root, p);
    case 'delete apppool':
      return deletePool(server, root, p);
    case 'add site':
      return addSite(server, root, p);
    case 'set site':
      return setSite(server, root, p);
    case 'delete site':
      return deleteSite(server, root, p);
    case 'add app':
      return addApp(server, root, p);
    case 'set app':
      return setApp(server, root, p);
    case 'delete app':
      return deleteApp(server, root, p);
    case 'add vdir':
      return addVdir(server, root, p);
    case 'set vdir':
      return setVdir(server, root, p);
    case 'delete vdir':
      return deleteVdir(server, root, p);
    case 'set config':
      return setConfig(server, root, p);
    case 'clear config':
      return clearConfig(server, root, p);
    case 'unlock config':
    case 'lock config':
      return lockConfig(server, root, p);
    case 'start site':
    case 'stop site':
    case 'start apppool':
    case 'stop apppool':
      return startStop(server, root, p, object);
    case 'recycle apppool': {
      const name = identifier(p, 'apppool.name', 'name');
      if (!name || !findPool(root, name)) fail(`Cannot find APPPOOL object with identifier "${name ?? ''}".`, EXIT.NOT_FOUND);
      if (server.state.poolState[name.toLowerCase()] === 'Stopped') fail('The object identifier does not represent a valid object. (Exception from HRESULT: 0x800710D8)', 4312);
      const recycles = (server.state.poolRecycles ??= {});
      recycles[name.toLowerCase()] = (recycles[name.toLowerCase()] ?? 0) + 1;
      server.save();
      return ok(`"${name}" successfully recycled`, true);
    }
    case 'add backup':
    case 'list backup':
    case 'restore backup':
    case 'delete backup':
      return backupCmd(server, p);
    default:
      return fail(`The verb "${p.verb}" is not supported on the object "${p.object}".`);
  }
}

function identifier(p: ParsedArgs, ...names: string[]): string | undefined {
  if (p.id !== undefined) return p.id;
  for (const n of names) {
    const v = param(p, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

function otherParams(p: ParsedArgs, exclude: string[]): { name: string; value: string | undefined }[] {
  const ex = exclude.map((x) => x.toLowerCase());
  return p.params.filter((x) => !ex.includes(x.name.toLowerCase()));
}

function siteState(server: SimulatedServer, name: string): string {
  return server.state.siteState[name.toLowerCase()] ?? 'Stopped';
}

function listSiteCmd(root: El, p: ParsedArgs, server: SimulatedServer): ProgramResult {
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

function listPoolCmd(root: El, p: ParsedArgs, server: SimulatedServer): ProgramResult {
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

function appId(site: El, app: El): string {
  const path = getAttr(app, 'path') ?? '/';
  return `${getAttr(site, 'name') ?? ''}${path}`;
}

function findAppById(root: El, id: string): { site: El; app: El } | undefined {
  for (const s of listSites(root)) {
    for (const a of applications(s)) if (appId(s, a).toLowerCase() === id.toLowerCase()) return { site: s, app: a };
  }
  return undefined;
}

function listAppCmd(root: El, p: ParsedArgs): ProgramResult {
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

function vdirId(site: El, app: El, vdir: El): string {
  const ap = (getAttr(app, 'path') ?? '/').replace(/\/$/, '');
  const vp = getAttr(vdir, 'path') ?? '/';
  return `${getAttr(site, 'name') ?? ''}${ap}${vp}`;
}

function listVdirCmd(root: El, p: ParsedArgs): ProgramResult {
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

function sectionParam(p: ParsedArgs, root: El): string {
  const s = param(p, 'section');
  if (!s) fail('Missing -section:NAME, e.g. -section:system.webServer/handlers.');
  // IIS's own sections, and a module's once its setup has declared it in <configSections>.
  const known = [...Object.keys(SECTION_DECLARATIONS), ...Object.keys(MODULE_SECTIONS).filter((k) => declaredSection(root, k))];
  const full = s.includes('/') ? known.find((k) => k.toLowerCase() === s.toLowerCase()) : known.find((k) => k.toLowerCase().endsWith(`/${s.toLowerCase()}`));
  if (!full) fail(`Unknown config section "${s}".`, EXIT.BAD_ARG);
  return full;
}

/** A config path as given to appcmd ("foo", "foo/static", "Default Web Site/"), normalised. */
function configPathOf(p: ParsedArgs, root: El): string {
  const raw = (p.id ?? '').replace(/^MACHINE\/WEBROOT\/APPHOST\/?/i, '').replace(/\/+$/, '');
  if (!raw) return '';
  const siteName = raw.split('/')[0] as string;
  if (!findSite(root, siteName)) fail(`Cannot find SITE object with identifier "${siteName}". The config path "${raw}" must start with an existing site name.`, EXIT.NOT_FOUND);
  return raw;
}

function listConfigCmd(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function addPool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = param(p, 'name');
  if (!name) fail('Missing required attribute "name". Use /name:POOL.');
  const n = name;
  const problem = attributeValueProblem({ name: 'name', type: 'string', validation: 'applicationPoolName' }, n);
  if (problem) fail(`${problem}: "${n}"`, EXIT.INVALID_DATA);
  if (findPool(root, n)) fail(`Failed to add duplicate collection element "${n}".`, EXIT.DUPLICATE);
  const schema = poolItemSchema();
  const pool = el('add', { name: n });
  applyAttributeParams(pool, schema, otherParams(p, ['name']));
  const section = poolsSection(root) ?? findSection(root, 'system.applicationHost/applicationPools', true);
  if (!section) fail('The applicationPools section is missing from applicationHost.config.', EXIT.INVALID_DATA);
  const defIdx = section.children.findIndex((c) => c.name !== 'add');
  if (defIdx >= 0) section.children.splice(defIdx, 0, pool);
  else section.children.push(pool);
  commit(server, root, ['system.applicationHost/applicationPools']);
  server.state.poolState[n.toLowerCase()] = 'Started';
  server.save();
  return ok(`APPPOOL object "${n}" added`, true);
}

function setPool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'apppool.name');
  if (!name) fail('Missing the application pool: appcmd set apppool NAME /attribute:value.');
  const pool = findPool(root, name);
  if (!pool) fail(`Cannot find APPPOOL object with identifier "${name}".`, EXIT.NOT_FOUND);
  const schema = poolItemSchema();
  applyAttributeParams(pool, schema, otherParams(p, ['apppool.name']));
  commit(server, root, ['system.applicationHost/applicationPools']);
  return ok(`APPPOOL object "${getAttr(pool, 'name')}" changed`, true);
}

function deletePool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'apppool.name', 'name');
  const pool = name ? findPool(root, name) : undefined;
  if (!pool) fail(`Cannot find APPPOOL object with identifier "${name ?? ''}".`, EXIT.NOT_FOUND);
  const sec = poolsSection(root) as El;
  sec.children = sec.children.filter((c) => c !== pool);
  commit(server, root, ['system.applicationHost/applicationPools']);
  delete server.state.poolState[(name as string).toLowerCase()];
  server.save();
  return ok(`APPPOOL object "${getAttr(pool, 'name')}" deleted`, true);
}

/** Same protocol, IP, port and host name (IIS compares host names ignoring case): http.sys cannot route both. */
function sameBinding(a: { protocol: string; bindingInformation: string }, b: { protocol: string; bindingInformation: string }): boolean {
  return a.protocol.toLowerCase() === b.protocol.toLowerCase() && a.bindingInformation.toLowerCase() === b.bindingInformation.toLowerCase();
}

/**
 * Why a site cannot start, as IIS says it: a port another (non-http.sys) process listens on is
 * 0x80070020 (exit 32); a binding another started site already serves is 0x800700B7 (exit 183).
 * Sites share a port when their host names (or IPs) differ: that is how port 80 carries many sites.
 */
function startConflict(server: SimulatedServer, root: El, site: El): { code: number; message: string } | undefined {
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

function refreshSiteState(server: SimulatedServer, root: El, site: El): void {
  const name = getAttr(site, 'name') ?? '';
  const conflict = startConflict(server, root, site) !== undefined;
  const autoStart = (getAttr(site, 'serverAutoStart') ?? 'true') === 'true';
  server.state.siteState[name.toLowerCase()] = !conflict && autoStart ? 'Started' : 'Stopped';
  server.save();
}

function addSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function setSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function deleteSite(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function addApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function setApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'app.name');
  const found = id ? findAppById(root, id) : undefined;
  if (!found) fail(`Cannot find APP object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const appSchema = appItemSchema();
  applyAttributeParams((found as { app: El }).app, appSchema, otherParams(p, ['app.name']));
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`APP object "${id}" changed`, true);
}

function deleteApp(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'app.name');
  const found = id ? findAppById(root, id) : undefined;
  if (!found) fail(`Cannot find APP object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const f = found;
  f.site.children = f.site.children.filter((c) => c !== f.app);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`APP object "${id}" deleted`, true);
}

function addVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
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

function findVdir(root: El, id: string): { site: El; app: El; vdir: El } | undefined {
  for (const s of listSites(root))
    for (const a of applications(s))
      for (const v of a.children.filter((c) => c.name === 'virtualDirectory')) if (vdirId(s, a, v).toLowerCase() === id.toLowerCase()) return { site: s, app: a, vdir: v };
  return undefined;
}

function setVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'vdir.name');
  const found = id ? findVdir(root, id) : undefined;
  if (!found) fail(`Cannot find VDIR object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const vSchema = vdirItemSchema();
  applyAttributeParams((found as { vdir: El }).vdir, vSchema, otherParams(p, ['vdir.name']));
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`VDIR object "${id}" changed`, true);
}

function deleteVdir(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const id = identifier(p, 'vdir.name');
  const found = id ? findVdir(root, id) : undefined;
  if (!found) fail(`Cannot find VDIR object with identifier "${id ?? ''}".`, EXIT.NOT_FOUND);
  const f = found as { app: El; vdir: El };
  f.app.children = f.app.children.filter((c) => c !== f.vdir);
  commit(server, root, ['system.applicationHost/sites']);
  return ok(`VDIR object "${id}" deleted`, true);
}

function setConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  const cp = configPathOf(p, root);
  const commitTo = (param(p, 'commit') ?? '').toLowerCase();
  if (commitTo && !['apphost', 'site', 'app', 'webroot', 'machine'].includes(commitTo) && !commitTo.startsWith('machine/')) fail(`Invalid /commit value "${commitTo}". Use /commit:apphost.`);
  const schema = sectionOrThrow(section);
  const decl = sectionDeclaration(section);
  const unknown = otherParams(p, ['section', 'commit']);
  const effective = effectiveSection(server, section, cp, root).section;
  if (cp === '' || commitTo === 'apphost') {
    const container = cp === '' ? root : (findLocation(root, cp, true) as El);
    if (cp !== '' && decl?.allowDefinition === 'AppHostOnly')
      fail(`This configuration section cannot be used at this path ("${configPathLabel(cp)}"): ${section} may only be set at server level (allowDefinition="AppHostOnly"). Leave out the site path.`, EXIT.UNSUPPORTED);
    const sec = findSection(container, section, true) as El;
    applyAttributeParams(sec, schema, unknown);
    for (const e of p.exprs) applyExpr(sec, schema, e, effective);
    commit(server, root, [section]);
    return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${APPHOST_ROOT}"`, true);
  }
  // web.config at the physical folder of the config path
  const [siteName, ...rest] = cp.split('/');
  const site = findSite(root, siteName as string) as El;
  const r = resolveUrl(site, `/${rest.join('/')}`);
  if (!r?.physicalPath) fail(`The config path "${cp}" does not map to a folder: no virtual directory covers it.`, EXIT.NOT_FOUND);
  const wc = `${r?.physicalPath}\\web.config`;
  const lockedMsg = `Configuration error \r\nFilename: \\\\?\\${wc}\r\nLine Number: 0\r\nDescription: This configuration section cannot be used at this path. This happens when the section is locked at a parent level. Locking is either by default (overrideModeDefault="Deny"), or set explicitly by a location tag with overrideMode="Deny" or the legacy allowOverride="false".\r\n`;
  if (decl?.allowDefinition === 'AppHostOnly') fail(lockedMsg, EXIT.UNSUPPORTED);
  if (isSectionLockedAt(root, section, cp)) fail(lockedMsg, EXIT.ACCESS_DENIED);
  const real = server.toReal(wc);
  const doc = existsSync(real) ? parseXml(readFileSync(real, 'utf8')) : el('configuration');
  const sec = findSection(doc, section, true) as El;
  applyAttributeParams(sec, schema, unknown);
  for (const e of p.exprs) applyExpr(sec, schema, e, effective);
  const problems = validateElement(schema, sec, section);
  if (problems.length) fail(problems.map((x) => x.message).join('; '), EXIT.INVALID_DATA);
  mkdirSync(path.dirname(real), { recursive: true });
  writeFileSync(`${real}.tmp`, serializeXml(doc));
  renameSync(`${real}.tmp`, real);
  return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${configPathLabel(cp)}"`, true);
}

/**
 * `appcmd clear config PATH -section:S /commit:apphost`: removes the section's settings made at
 * PATH (its <location> element), so PATH inherits again; an emptied <location> goes too.
 * Server-level clears and web.config clears are refused by the simulator (the tool never runs them).
 */
function clearConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  sectionOrThrow(section);
  const cp = configPathOf(p, root);
  if (cp === '' || (param(p, 'commit') ?? '').toLowerCase() !== 'apphost')
    fail('The simulator clears a section only at a site or URL path in applicationHost.config: appcmd clear config "SITE/PATH" -section:NAME /commit:apphost.', EXIT.UNSUPPORTED);
  const loc = findLocation(root, cp);
  if (loc) {
    const segs = section.split('/');
    const chain: El[] = [loc];
    for (const seg of segs) {
      const next = (chain.at(-1) as El).children.find((c) => c.name === seg);
      if (!next) break;
      chain.push(next);
    }
    if (chain.length === segs.length + 1) {
      for (let i = chain.length - 1; i >= 1; i--) {
        const parent = chain[i - 1] as El;
        const child = chain[i] as El;
        if (i === chain.length - 1 || (child.children.length === 0 && child.attrs.length === 0)) parent.children = parent.children.filter((c) => c !== child);
      }
      if (loc.children.length === 0 && !getAttr(loc, 'overrideMode')) root.children = root.children.filter((c) => c !== loc);
    }
  }
  commit(server, root, [section]);
  return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${APPHOST_ROOT}"`, true);
}

function lockConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  const cp = configPathOf(p, root);
  const loc = findLocation(root, cp, true) as El;
  setAttr(loc, 'overrideMode', p.verb === 'unlock' ? 'Allow' : 'Deny');
  findSection(loc, section, true);
  commit(server, root, [section]);
  const verb = p.verb === 'unlock' ? 'Unlocked' : 'Locked';
  return ok(`${verb} section "${section}" at configuration path "${configPathLabel(cp)}".`, true);
}

function startStop(server: SimulatedServer, root: El, p: ParsedArgs, object: string): ProgramResult {
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

function backupCmd(server: SimulatedServer, p: ParsedArgs): ProgramResult {
  const dir = server.toReal('C:\\Windows\\System32\\inetsrv\\backup');
  const name = p.id ?? param(p, 'name');
  if (p.verb === 'list') {
    const names = existsSync(dir) ? readdirSync(dir) : [];
    return ok(names.filter((n) => !name || n.toLowerCase() === name.toLowerCase()).map((n) => `BACKUP "${n}"`).join('\r\n'), false);
  }
  if (!name) fail('Missing the backup name.');
  const target = path.join(dir, name);
  if (p.verb === 'add') {
    if (existsSync(target)) fail(`Failed to add duplicate collection element "${name}".`, EXIT.DUPLICATE);
    mkdirSync(target, { recursive: true });
    copyFileSync(server.toReal(APPHOST_PATH), path.join(target, 'applicationHost.config'));
    return ok(`BACKUP object "${name}" added`, true);
  }
  if (!existsSync(target)) fail(`Cannot find BACKUP object with identifier "${name}".`, EXIT.NOT_FOUND);
  if (p.verb === 'restore') {
    copyFileSync(path.join(target, 'applicationHost.config'), server.toReal(APPHOST_PATH));
    return ok(`Restored configuration from backup "${name}"`, true);
  }
  rmSync(target, { recursive: true, force: true });
  return ok(`BACKUP object "${name}" deleted`, true);
}
