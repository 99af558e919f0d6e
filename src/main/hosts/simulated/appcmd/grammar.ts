/** appcmd's command line: VERB OBJECT [ID] [/param:value | -param:value | /+expr | /-expr | /expr:value], its config-expression paths and selectors, and its error type and exit codes. */

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Whether the command changed the server (the simulator's own judgement, for tests). */
  mutating: boolean;
}

export const EXIT = { NOT_FOUND: 1168, DUPLICATE: 183, BAD_ARG: 87, INVALID_DATA: 13, ACCESS_DENIED: 5, UNSUPPORTED: 50 } as const;

export class AppcmdError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function fail(message: string, code: number = EXIT.BAD_ARG): never {
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
export function splitOutside(s: string, sep: string, max = Infinity): string[] {
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
