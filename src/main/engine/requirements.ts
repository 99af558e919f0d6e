/**
 * requirements.txt as pip reads it (the subset real projects use): PEP 503 names, extras, PEP 508
 * markers evaluated for the Windows server (sys_platform win32, python_version of the venv),
 * version specifiers, -r/-c includes, line continuations, comments, --hash options. Used by the
 * packages step (what must be installed) and by the simulated pip (what it "installs").
 */
import { satisfies } from './python-support';

export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface Requirement {
  name: string;
  extras: string[];
  /** ">=3.2,<4" (empty: any version) */
  specifier: string;
  marker?: string;
  line: string;
}

export type RequirementLine = { kind: 'requirement'; req: Requirement } | { kind: 'include'; path: string; constraint: boolean } | { kind: 'option'; text: string } | { kind: 'unsupported'; text: string };

/** Parses one requirement specifier: name[extras] specifier ; marker */
export function parseRequirement(text: string): Requirement | undefined {
  const t = text.trim();
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(\(?[^;@]*?\)?)?\s*(?:;\s*(.*))?$/.exec(t);
  if (!m) return undefined;
  const spec = (m[3] ?? '').replace(/[()\s]/g, '');
  if (spec && !/^(?:(?:~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)(?:,(?:~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)*$/.test(spec)) return undefined;
  return {
    name: canonicalName(m[1] as string),
    extras: (m[2] ?? '')
      .split(',')
      .map((x) => canonicalName(x.trim()))
      .filter((x) => x),
    specifier: spec,
    ...(m[4] ? { marker: m[4].trim() } : {}),
    line: t,
  };
}

/** A requirement text longer than this is not parsed (no real requirement is; the regexes stay linear). */
const MAX_REQUIREMENT_TEXT = 2000;

/** Options that make pip reach another index or host; their values are what the plan shows. */
const SOURCE_OPTIONS = /^(-i|--index-url|--extra-index-url|--trusted-host|-f|--find-links)$/;

/** A line's tokens without pip's per-requirement --hash options (token by token: linear in the line's length). */
function withoutHashes(line: string): string {
  const tokens = line.split(/\s+/);
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === '--hash') {
      i++;
      continue;
    }
    if (t.startsWith('--hash=')) continue;
    if (t) kept.push(t);
  }
  return kept.join(' ');
}

export type RequirementLineAt = RequirementLine & { lineNo: number };

/** The logical lines of a requirements file (continuations joined, comments removed), with their first line numbers. */
export function parseRequirementsFileAt(text: string): RequirementLineAt[] {
  const out: RequirementLineAt[] = [];
  const physical = text.split(/\r?\n/);
  let lineNo = 0;
  for (let i = 0; i < physical.length; i++) {
    const start = i + 1;
    let raw = physical[i] as string;
    while (raw.endsWith('\\') && i + 1 < physical.length) raw = `${raw.slice(0, -1)} ${physical[++i] as string}`;
    lineNo = start;
    // A comment starts at a # at the line's start or after white space (pip's rule).
    const hash = raw.search(/(^|\s)#/);
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (!line) continue;
    const at = <T extends RequirementLine>(l: T) => ({ ...l, lineNo });
    const inc = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S.*)$/.exec(line);
    if (inc) {
      out.push(at({ kind: 'include', path: (inc[2] as string).trim(), constraint: (inc[1] as string).startsWith('-c') || inc[1] === '--constraint' }));
      continue;
    }
    if (/^(-e|--editable)(\s|=|$)/.test(line) || /^[a-z][a-z0-9+.-]*:/i.test(line) || /\s@\s|^[^\s]+@\s/.test(line)) {
      out.push(at({ kind: 'unsupported', text: line }));
      continue;
    }
    if (line.startsWith('-')) {
      out.push(at({ kind: 'option', text: line }));
      continue;
    }
    const text2 = withoutHashes(line);
    const req = text2.length <= MAX_REQUIREMENT_TEXT ? parseRequirement(text2) : undefined;
    out.push(at(req ? { kind: 'requirement', req } : { kind: 'unsupported', text: line.length > 200 ? `${line.slice(0, 200)}... (${line.length} characters)` : line }));
  }
  return out;
}

/** The logical lines of a requirements file (continuations joined, comments removed). */
export function parseRequirementsFile(text: string): RequirementLine[] {
  return parseRequirementsFileAt(text).map(({ lineNo: _lineNo, ...l }) => l);
}

/** What a requirement line or option makes pip reach beyond the project and the configured index, if anything. */
export function sourceOf(l: RequirementLine): string | undefined {
  if (l.kind === 'option') {
    const [opt = '', ...rest] = l.text.split(/[\s=]+/);
    if (!SOURCE_OPTIONS.test(opt)) return undefined;
    const value = rest.join(' ');
    if (/^(-f|--find-links)$/.test(opt)) return /^[a-z][a-z0-9+.-]+:\/\//i.test(value) || value.startsWith('\\\\') || value.startsWith('//') ? `${opt} ${value} (a link page on another host or share)` : undefined;
    return `${opt} ${value}`;
  }
  if (l.kind === 'unsupported') {
    if (/^(-e|--editable)(\s|=)/.test(l.text)) {
      const target = l.text.replace(/^(-e|--editable)[\s=]+/, '');
      return /^(git|hg|svn|bzr)\+|^[a-z][a-z0-9+.-]+:\/\//i.test(target) ? `${l.text} (an editable install from version control or a URL)` : undefined;
    }
    if (/^(git|hg|svn|bzr)\+/i.test(l.text) || /(^|\s|@\s*)(git|hg|svn|bzr)\+/i.test(l.text)) return `${l.text} (a version-control requirement)`;
    if (/[a-z][a-z0-9+.-]+:\/\//i.test(l.text)) return `${l.text} (a URL requirement)`;
  }
  return undefined;
}

/** The marker environment of the Windows server (PEP 508). */
export function windowsMarkerEnv(pythonVersion: string): Record<string, string> {
  const [maj, min] = pythonVersion.split('.');
  return {
    os_name: 'nt',
    sys_platform: 'win32',
    platform_system: 'Windows',
    platform_machine: 'AMD64',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    python_version: `${maj}.${min}`,
    python_full_version: pythonVersion,
    implementation_version: pythonVersion,
    platform_release: '10',
    extra: '',
  };
}

/** Evaluates a PEP 508 marker ("sys_platform == 'win32' and python_version >= '3.8'"). */
export function evaluateMarker(marker: string, env: Record<string, string>): boolean {
  const tokens = marker.match(/\(|\)|'[^']*'|"[^"]*"|===|==|!=|<=|>=|~=|<|>|\bnot in\b|\bin\b|\band\b|\bor\b|[A-Za-z_][A-Za-z0-9_.]*/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++] ?? '';
  const value = (): string => {
    const t = next();
    if (/^['"]/.test(t)) return t.slice(1, -1);
    if (!(t in env)) throw new Error(`unknown marker variable ${t}`);
    return env[t] as string;
  };
  const compare = (l: string, op: string, r: string): boolean => {
    const isVersion = /^\d+(\.\d+)*$/.test(l) && /^\d+(\.\d+)*(\.\*)?$/.test(r);
    switch (op) {
      case 'in':
        return r.includes(l);
      case 'not in':
        return !r.includes(l);
      case '==':
      case '===':
        return isVersion ? satisfies(l, `==${r}`) : l === r;
      case '!=':
        return isVersion ? !satisfies(l, `==${r}`) : l !== r;
      default:
        return isVersion ? satisfies(l, `${op}${r}`) : false;
    }
  };
  const atom = (): boolean => {
    if (peek() === '(') {
      next();
      const v = or();
      next();
      return v;
    }
    const l = value();
    const op = next();
    const r = value();
    return compare(l, op, r);
  };
  const and = (): boolean => {
    let v = atom();
    while (peek() === 'and') {
      next();
      v = atom() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === 'or') {
      next();
      v = and() || v;
    }
    return v;
  };
  return or();
}

export function markerApplies(req: Requirement, env: Record<string, string>): boolean {
  if (!req.marker) return true;
  try {
    return evaluateMarker(req.marker, env);
  } catch {
    return true; // an unknown marker: pip would say; assume it applies, so a missing package is reported
  }
}
