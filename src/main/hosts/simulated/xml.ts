/**
 * A small ordered XML element model for applicationHost.config and web.config: parse with
 * fast-xml-parser (order kept), serialize with IIS's indentation. Comments are not kept.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface El {
  name: string;
  attrs: [string, string][];
  children: El[];
}

export function el(name: string, attrs: Record<string, string> = {}, children: El[] = []): El {
  return { name, attrs: Object.entries(attrs), children };
}

export function getAttr(e: El, name: string): string | undefined {
  return e.attrs.find(([k]) => k === name)?.[1];
}

export function setAttr(e: El, name: string, value: string): void {
  const i = e.attrs.findIndex(([k]) => k === name);
  if (i >= 0) e.attrs[i] = [name, value];
  else e.attrs.push([name, value]);
}

export function removeAttr(e: El, name: string): void {
  e.attrs = e.attrs.filter(([k]) => k !== name);
}

export function child(e: El, name: string): El | undefined {
  return e.children.find((c) => c.name === name);
}

export function ensureChild(e: El, name: string): El {
  let c = child(e, name);
  if (!c) {
    c = el(name);
    e.children.push(c);
  }
  return c;
}

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

export function parseXml(text: string): El {
  const v = XMLValidator.validate(text);
  if (v !== true) throw new XmlSyntaxError(v.err.msg, v.err.line);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    ignoreDeclaration: true,
    commentPropName: '#comment',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
  });
  const nodes = parser.parse(text) as Node[];
  const conv = (n: Node): El | null => {
    const name = Object.keys(n).find((k) => k !== ':@');
    if (!name || name === '#text' || name === '#comment') return null;
    const kids = (n[name] as Node[] | undefined) ?? [];
    return {
      name,
      attrs: Object.entries(n[':@'] ?? {}).map(([k, val]) => [k, String(val)] as [string, string]),
      children: kids.map(conv).filter((x): x is El => x !== null),
    };
  };
  const roots = nodes.map(conv).filter((x): x is El => x !== null);
  if (roots.length !== 1 || !roots[0]) throw new XmlSyntaxError('expected exactly one root element', 1);
  return roots[0];
}

export function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function serializeXml(root: El, declaration = true): string {
  const lines: string[] = declaration ? ['<?xml version="1.0" encoding="UTF-8"?>'] : [];
  const walk = (e: El, depth: number) => {
    const pad = '    '.repeat(depth);
    const attrs = e.attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
    if (e.children.length === 0) {
      lines.push(`${pad}<${e.name}${attrs} />`);
      return;
    }
    lines.push(`${pad}<${e.name}${attrs}>`);
    for (const c of e.children) walk(c, depth + 1);
    lines.push(`${pad}</${e.name}>`);
  };
  walk(root, 0);
  return lines.join('\r\n') + '\r\n';
}

export function cloneEl(e: El): El {
  return { name: e.name, attrs: e.attrs.map(([k, v]) => [k, v] as [string, string]), children: e.children.map(cloneEl) };
}
