/** What appcmd's verbs share: collection schemas, parameters, the /xml output shapes, attribute parameters and bindings. */
import { findSection, sectionOrThrow, validateElement } from '../apphost';
import { attributeValueProblem, canonicalValue, type ElementSchema } from '../iis-schema';
import { type SimulatedServer } from '../server';
import { el, escapeAttr, serializeXml, setAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';

export function collectionItem(section: string, depth: number): ElementSchema {
  let cur: ElementSchema | undefined = sectionOrThrow(section);
  for (let i = 0; i < depth; i++) cur = cur?.collection?.item;
  if (!cur) throw new Error(`schema of ${section} has no collection at depth ${depth}`);
  return cur;
}
export const poolItemSchema = () => collectionItem('system.applicationHost/applicationPools', 1);
export const siteItemSchema = () => collectionItem('system.applicationHost/sites', 1);
export const appItemSchema = () => collectionItem('system.applicationHost/sites', 2);
export const vdirItemSchema = () => collectionItem('system.applicationHost/sites', 3);

export const OBJECT_ALIASES: Record<string, string> = {
  site: 'site', sites: 'site', apppool: 'apppool', apppools: 'apppool', app: 'app', apps: 'app', vdir: 'vdir', vdirs: 'vdir',
  config: 'config', configs: 'config', backup: 'backup', backups: 'backup',
};

export function param(p: ParsedArgs, name: string): string | undefined {
  return p.params.find((x) => x.name.toLowerCase() === name.toLowerCase())?.value;
}

export function ok(stdout: string, mutating: boolean): ProgramResult {
  return { exitCode: 0, stdout: stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\r\n`, stderr: '', mutating };
}

export function xmlOut(items: string[]): string {
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<appcmd>', ...items.map((i) => `    ${i}`), '</appcmd>', ''].join('\r\n');
}

export function attrsXml(attrs: [string, string][]): string {
  return attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
}

export function elementXml(e: El, depth: number): string {
  return serializeXml(e, false)
    .trimEnd()
    .split('\r\n')
    .map((l) => '    '.repeat(depth) + l)
    .join('\r\n');
}

/** Applies /attr:value (and /sub.attr:value) parameters to an element, validated by its schema. */
export function applyAttributeParams(target: El, schema: ElementSchema, params: { name: string; value: string | undefined }[]): void {
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

export function validateBinding(b: string): { protocol: string; info: string } {
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

export function parseBindings(v: string): { protocol: string; info: string }[] {
  return v.split(',').filter((x) => x).map(validateBinding);
}

export function commit(server: SimulatedServer, root: El, sections: string[]): void {
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

export function identifier(p: ParsedArgs, ...names: string[]): string | undefined {
  if (p.id !== undefined) return p.id;
  for (const n of names) {
    const v = param(p, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function otherParams(p: ParsedArgs, exclude: string[]): { name: string; value: string | undefined }[] {
  const ex = exclude.map((x) => x.toLowerCase());
  return p.params.filter((x) => !ex.includes(x.name.toLowerCase()));
}

export function siteState(server: SimulatedServer, name: string): string {
  return server.state.siteState[name.toLowerCase()] ?? 'Stopped';
}
