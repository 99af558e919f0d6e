/**
 * A handed-over project's web.config with a <handlers> section (Azure App Service and PTVS
 * templates have one at the root, and a static/web.config that collectstatic copies into
 * STATIC_ROOT). IIS locks system.webServer/handlers at server level (overrideModeDefault="Deny"),
 * so such a file makes every request under it fail with 500.19, and none of its entries ever took
 * effect on this server. The fix taken out of it is text-level: the <handlers> elements are cut out
 * and everything else in the file stays byte for byte (the edit is journaled for undo).
 */
import { XMLValidator } from 'fast-xml-parser';
import { parseAppcmdXml, findAll } from './parsers';

export interface WebConfigHandlerEntry {
  kind: 'add' | 'remove' | 'clear';
  name?: string;
  modules?: string;
  scriptProcessor?: string;
}

export interface WebConfigHandlers {
  entries: WebConfigHandlerEntry[];
}

/** <handlers ...>...</handlers> or <handlers/> inside <system.webServer> (also within <location>). */
const HANDLERS_RE = /[ \t]*<handlers\b[^>]*?(?:\/>|>[\s\S]*?<\/handlers\s*>)[ \t]*(?:\r?\n)?/g;

/** Removes XML comments (keeping their length would not matter: spans are found on the cleaned text). */
function withoutComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, (m) => ' '.repeat(m.length));
}

/**
 * The handler entries a web.config sets, or undefined when it sets none. Throws when the file is
 * not well-formed XML (IIS answers 500.19 for that too).
 */
export function webConfigHandlers(text: string): WebConfigHandlers | undefined {
  const clean = withoutComments(text);
  if (!/<configuration[\s>]/.test(clean)) throw new Error('it has no <configuration> element');
  const valid = XMLValidator.validate(clean.replace(/^\uFEFF/, ''));
  if (valid !== true) throw new Error(`it is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  let root;
  try {
    root = parseAppcmdXml(`<appcmd>${clean.replace(/^\uFEFF?\s*<\?xml[^>]*\?>/, '')}</appcmd>`);
  } catch (e) {
    throw new Error(`it is not well-formed XML (${e instanceof Error ? e.message : String(e)})`);
  }
  const sections = findAll(root, 'system.webServer').flatMap((s) => s.children.filter((c) => c.name === 'handlers'));
  if (sections.length === 0) return undefined;
  const entries: WebConfigHandlerEntry[] = [];
  for (const h of sections)
    for (const c of h.children) {
      if (c.name !== 'add' && c.name !== 'remove' && c.name !== 'clear') continue;
      entries.push({ kind: c.name, ...(c.attrs.name ? { name: c.attrs.name } : {}), ...(c.attrs.modules ? { modules: c.attrs.modules } : {}), ...(c.attrs.scriptProcessor ? { scriptProcessor: c.attrs.scriptProcessor } : {}) });
    }
  return { entries };
}

/** The file without its <handlers> elements under <system.webServer>; the rest unchanged. */
export function removeWebConfigHandlers(text: string): string {
  const clean = withoutComments(text);
  const spans: [number, number][] = [];
  for (const m of clean.matchAll(HANDLERS_RE)) {
    // Only a <handlers> whose nearest open parent is <system.webServer>.
    const before = clean.slice(0, m.index);
    const open = before.lastIndexOf('<system.webServer');
    const close = before.lastIndexOf('</system.webServer');
    if (open > close) spans.push([m.index, m.index + m[0].length]);
  }
  let out = text;
  for (const [a, b] of spans.reverse()) out = out.slice(0, a) + out.slice(b);
  return out;
}

/** One line per entry, for the plan. */
/** True when a web.config sets system.webServer/httpPlatform (outside comments). */
export function hasHttpPlatformSection(text: string): boolean {
  return /<httpPlatform\b/.test(withoutComments(text));
}

export function describeHandlerEntry(e: WebConfigHandlerEntry): string {
  if (e.kind === 'clear') return '<clear/>';
  if (e.kind === 'remove') return `<remove name="${e.name ?? ''}"/>`;
  return `<add name="${e.name ?? ''}"${e.modules ? ` modules="${e.modules}"` : ''}${e.scriptProcessor ? ` scriptProcessor="${e.scriptProcessor}"` : ''}/>`;
}
