/**
 * What a failed probe's answer shows, as evidence: the status line, the Location of a redirect,
 * the first lines of the body as text; and Django's own debug page (DEBUG on) read for its
 * exception, message and the project's frame.
 */
import { STATUS_CODES } from 'node:http';
import { redact } from '../../shared/problem';
import { isInside } from '../../shared/winpath';
import type { Host, HttpResult } from './host';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'", nbsp: ' ' };
export const decodeEntities = (s: string): string => s.replace(/&(amp|lt|gt|quot|#x27|#39|nbsp);/g, (_m, e: string) => ENTITIES[e] ?? '');

/** The body as lines of text: scripts and styles left out, tags as line breaks, entities decoded. */
export function bodyLines(body: string): string[] {
  const text = body
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '\n')
    .replace(/<[^>]+>/g, '\n');
  return decodeEntities(text)
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l);
}

/** Status line, Location, content type and the first lines of the body (each cut to 200 characters). */
export function responseEvidence(r: HttpResult, lines = 6): string[] {
  if (r.networkError) return [r.networkError];
  const out = [`HTTP ${r.status} ${STATUS_CODES[r.status] ?? ''}`.trim()];
  if (r.headers.location) out.push(`Location: ${r.headers.location}`);
  if (r.headers['content-type']) out.push(`Content-Type: ${r.headers['content-type']}`);
  const body = bodyLines(r.body).slice(0, lines);
  out.push(...(body.length ? body.map((l) => (l.length > 200 ? `${l.slice(0, 200)}...` : l)) : ['(empty body)']));
  return out.map((l) => redact(l));
}

export interface DebugPage {
  /** ZeroDivisionError */
  type: string;
  /** division by zero */
  value: string;
  /** The request path Django names in the title. */
  path: string;
  /** The innermost frame in the application folder ("C:\apps\foo\shop\views.py, line 5, in boom"), when there is one. */
  projectFrame?: string;
  /** The innermost frame of all. */
  lastFrame?: string;
}

/**
 * Django's technical 500 page (DEBUG on): "<title>Type at /path</title>", the exception value in
 * <pre class="exception_value">, one <code class="fname">file</code>, line N, in func per frame.
 */
export function parseDebugPage(body: string, appDir: string): DebugPage | undefined {
  if (!/id="traceback"|class="exception_value"/.test(body)) return undefined;
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  const m = title ? /^\s*([\w.]+)\s+at\s+(\S*)\s*$/.exec(decodeEntities(title)) : null;
  if (!m) return undefined;
  const value = decodeEntities(/<pre class="exception_value">([\s\S]*?)<\/pre>/.exec(body)?.[1] ?? '').trim();
  const frames = [...body.matchAll(/<code class="fname">([^<]+)<\/code>, line (\d+), in (\w+|&lt;\w+&gt;)/g)].map((f) => ({ file: decodeEntities(f[1] as string), line: f[2] as string, fn: decodeEntities(f[3] as string) }));
  const say = (f: { file: string; line: string; fn: string }) => `${f.file}, line ${f.line}, in ${f.fn}`;
  const own = [...frames].reverse().find((f) => isInside(f.file.replace(/\//g, '\\'), appDir));
  const last = frames.at(-1);
  return { type: m[1] as string, value: redact(value.split('\n')[0] ?? ''), path: m[2] as string, ...(own ? { projectFrame: say(own) } : {}), ...(last ? { lastFrame: say(last) } : {}) };
}

/**
 * One collected static file to ask IIS for when the project has no admin (whose CSS is the usual
 * check): the manifest's first entry (a hashed name, as {% static %} writes it), else the first
 * file found under STATIC_ROOT, a .css first; relative, with "/". Undefined when nothing is collected.
 */
export async function collectedSample(host: Host, staticRoot: string): Promise<string | undefined> {
  const manifest = await host.readFile(`${staticRoot}\\staticfiles.json`).catch(() => undefined);
  if (manifest) {
    try {
      const paths = (JSON.parse(manifest) as { paths?: Record<string, string> }).paths ?? {};
      const first = Object.entries(paths).find(([k]) => !k.startsWith('admin/'))?.[1] ?? Object.values(paths)[0];
      if (first) return first;
    } catch {
      /* not a manifest Django wrote: look at the files */
    }
  }
  const found: string[] = [];
  const walk = async (dir: string, rel: string[], depth: number): Promise<void> => {
    if (depth > 4 || found.length > 50) return;
    const names = (await host.readDir(dir).catch(() => [] as string[])).sort();
    for (const n of names) {
      if (depth === 0 && (n === 'admin' || n === 'staticfiles.json')) continue;
      const st = await host.stat(`${dir}\\${n}`);
      if (st?.dir) await walk(`${dir}\\${n}`, [...rel, n], depth + 1);
      else if (st) found.push([...rel, n].join('/'));
    }
  };
  await walk(staticRoot, [], 0);
  return found.find((f) => f.endsWith('.css')) ?? found[0];
}
