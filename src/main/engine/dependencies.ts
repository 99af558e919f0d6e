/**
 * Where a project declares its dependencies (issue #36), read the same way on a real server, in
 * the rehearsal and for the bundle: requirements*.txt (pip's own format), pyproject.toml
 * ([project].dependencies, or [tool.poetry.dependencies]), uv.lock, poetry.lock, Pipfile.lock.
 * A lock wins over its declaration: its exact pins, its markers decided for the Windows server
 * (win32, the server's Python) and its hashes become a requirements file pip installs with -r
 * (pip's hash-checking mode then covers every package). TOML is parsed with smol-toml.
 */
import { parse as parseToml } from 'smol-toml';
import { winJoin } from '../../shared/winpath';
import type { Host } from './host';
import { canonicalName, evaluateMarker, windowsMarkerEnv } from './requirements';

export type DependencyKind = 'requirements' | 'uv.lock' | 'poetry.lock' | 'Pipfile.lock' | 'pyproject.toml';

/** The files a project may declare its dependencies in, in the order the tool prefers them (a lock first). */
export const DEPENDENCY_FILES: { file: string; kind: DependencyKind }[] = [
  { file: 'uv.lock', kind: 'uv.lock' },
  { file: 'poetry.lock', kind: 'poetry.lock' },
  { file: 'Pipfile.lock', kind: 'Pipfile.lock' },
  { file: 'requirements.txt', kind: 'requirements' },
  { file: 'pyproject.toml', kind: 'pyproject.toml' },
];

/** The kind of a dependency file by its name (anything else is a pip requirements file). */
export function dependencyKind(file: string): DependencyKind {
  const base = (file.split(/[\\/]/).at(-1) ?? file).toLowerCase();
  return DEPENDENCY_FILES.find((d) => d.file.toLowerCase() === base && d.kind !== 'requirements')?.kind ?? 'requirements';
}

export class DependencyFileError extends Error {}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function toml(text: string, file: string): Table {
  try {
    return parseToml(text);
  } catch (e) {
    throw new DependencyFileError(`${file} is not valid TOML: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

const applies = (marker: string | undefined, env: Record<string, string>): boolean => !marker || evaluateMarker(marker, env);
const pinLine = (name: string, version: string, hashes: string[]): string => [`${name}==${version}`, ...[...new Set(hashes)].map((h) => `--hash=${h}`)].join(' ');

export interface DerivedRequirements {
  /** pip's requirements format (one line a package). */
  text: string;
  /** How many packages are pinned exactly. */
  pinned: number;
  /** What was left out (markers for another platform or Python, dev groups). */
  notes: string[];
}

/** uv.lock: the packages reachable from the project's own entry (source virtual or editable "."), markers decided. */
function fromUvLock(text: string, env: Record<string, string>): DerivedRequirements {
  const lock = toml(text, 'uv.lock');
  const pkgs = arr(lock.package).filter(isTable);
  const byName = new Map(pkgs.map((p) => [canonicalName(str(p.name) ?? ''), p]));
  const root = pkgs.find((p) => isTable(p.source) && (str(p.source.virtual) === '.' || str(p.source.editable) === '.'));
  if (!root) throw new DependencyFileError('uv.lock has no entry for the project itself (a package whose source is { virtual = "." } or { editable = "." }), so which packages it needs is not known.');
  const notes: string[] = [];
  const lines: string[] = [];
  const seen = new Set<string>([canonicalName(str(root.name) ?? '')]);
  const queue = arr(root.dependencies).filter(isTable);
  for (const g of Object.keys(isTable(root['dev-dependencies']) ? root['dev-dependencies'] : {})) notes.push(`uv.lock's dev group "${g}" is not installed on the server`);
  while (queue.length) {
    const dep = queue.shift() as Table;
    const name = canonicalName(str(dep.name) ?? '');
    if (!applies(str(dep.marker), env)) {
      if (!seen.has(name)) notes.push(`${str(dep.name) ?? name} is not for this server (${str(dep.marker) ?? ''})`);
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    const p = byName.get(name);
    if (!p) throw new DependencyFileError(`uv.lock names ${name} as a dependency but has no [[package]] entry for it; run uv lock again.`);
    const source = isTable(p.source) ? p.source : {};
    if (!str(source.registry)) throw new DependencyFileError(`uv.lock takes ${name} from ${JSON.stringify(source)}, not from a package index; the server installs packages by name and version only (put it on the index, or in the wheelhouse by name).`);
    const hashes = [...arr(p.wheels), ...(isTable(p.sdist) ? [p.sdist] : [])].filter(isTable).map((w) => str(w.hash)).filter((h): h is string => !!h);
    lines.push(pinLine(str(p.name) ?? name, str(p.version) ?? '', hashes));
    for (const d of arr(p.dependencies).filter(isTable)) queue.push(d);
  }
  return { text: `${lines.join('\n')}\n`, pinned: lines.length, notes };
}

/** poetry.lock: every package of the main group (all groups' packages are in one list), markers decided. */
function fromPoetryLock(text: string, env: Record<string, string>): DerivedRequirements {
  const lock = toml(text, 'poetry.lock');
  const notes: string[] = [];
  const lines: string[] = [];
  for (const p of arr(lock.package).filter(isTable)) {
    const name = str(p.name) ?? '';
    const groups = arr(p.groups).map(String);
    const category = str(p.category);
    if ((groups.length && !groups.includes('main')) || (category && category !== 'main') || p.optional === true) {
      notes.push(`${name} is in poetry.lock's ${groups.length ? `group ${groups.join(', ')}` : category ? `category ${category}` : 'optional packages'}, not installed on the server`);
      continue;
    }
    const marker = isTable(p.markers) ? str(p.markers.main) : str(p.markers);
    if (!applies(marker, env)) {
      notes.push(`${name} is not for this server (${marker ?? ''})`);
      continue;
    }
    const hashes = arr(p.files).filter(isTable).map((f) => str(f.hash)).filter((h): h is string => !!h);
    lines.push(pinLine(name, str(p.version) ?? '', hashes));
  }
  return { text: `${lines.join('\n')}\n`, pinned: lines.length, notes };
}

/** Pipfile.lock (JSON): its "default" section; "develop" is not installed. */
function fromPipfileLock(text: string, env: Record<string, string>): DerivedRequirements {
  let lock: Table;
  try {
    lock = JSON.parse(text) as Table;
  } catch (e) {
    throw new DependencyFileError(`Pipfile.lock is not valid JSON: ${(e as Error).message}`);
  }
  const notes: string[] = [];
  const lines: string[] = [];
  const develop = isTable(lock.develop) ? Object.keys(lock.develop) : [];
  if (develop.length) notes.push(`Pipfile.lock's develop packages (${develop.join(', ')}) are not installed on the server`);
  for (const [name, v] of Object.entries(isTable(lock.default) ? lock.default : {})) {
    if (!isTable(v)) continue;
    const version = str(v.version)?.replace(/^==/, '');
    if (!version) throw new DependencyFileError(`Pipfile.lock's ${name} has no version (a path, VCS or editable entry); the server installs packages by name and version only.`);
    if (!applies(str(v.markers), env)) {
      notes.push(`${name} is not for this server (${str(v.markers) ?? ''})`);
      continue;
    }
    lines.push(pinLine(name, version, arr(v.hashes).map(String)));
  }
  return { text: `${lines.join('\n')}\n`, pinned: lines.length, notes };
}

/** Poetry's version constraints as PEP 440 (^1.2.3, ~1.2, 1.2.*, >=1,<2). */
export function poetryConstraint(c: string): string {
  return c
    .split(',')
    .map((part) => {
      const t = part.trim();
      const caret = /^\^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(t);
      if (caret) {
        const [maj, min, pat] = [Number(caret[1]), caret[2] === undefined ? undefined : Number(caret[2]), caret[3] === undefined ? undefined : Number(caret[3])];
        const upper = maj > 0 || min === undefined ? `${maj + 1}.0.0` : min > 0 || pat === undefined ? `0.${min + 1}.0` : `0.0.${pat + 1}`;
        return `>=${t.slice(1)},<${upper}`;
      }
      const tilde = /^~(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(t);
      if (tilde) return tilde[2] === undefined ? `>=${t.slice(1)},<${Number(tilde[1]) + 1}.0.0` : `>=${t.slice(1)},<${tilde[1]}.${Number(tilde[2]) + 1}.0`;
      if (t === '*' || t === '') return '';
      if (/^\d/.test(t)) return `==${t}`;
      return t;
    })
    .filter(Boolean)
    .join(',');
}

/** pyproject.toml: [project].dependencies (PEP 621), else [tool.poetry.dependencies]; not pinned, so pip resolves them. */
function fromPyproject(text: string, env: Record<string, string>): DerivedRequirements {
  const py = toml(text, 'pyproject.toml');
  const project = isTable(py.project) ? py.project : undefined;
  const notes: string[] = [];
  let lines: string[] = [];
  if (project && Array.isArray(project.dependencies)) {
    lines = project.dependencies.map(String);
    const optional = isTable(project['optional-dependencies']) ? Object.keys(project['optional-dependencies']) : [];
    if (optional.length) notes.push(`pyproject.toml's optional dependencies (${optional.join(', ')}) are not installed on the server`);
  } else {
    const poetry = isTable(py.tool) && isTable(py.tool.poetry) && isTable(py.tool.poetry.dependencies) ? py.tool.poetry.dependencies : undefined;
    if (!poetry) throw new DependencyFileError('pyproject.toml declares no dependencies ([project].dependencies or [tool.poetry.dependencies]).');
    for (const [name, v] of Object.entries(poetry)) {
      if (name.toLowerCase() === 'python') continue;
      const spec = typeof v === 'string' ? v : isTable(v) ? str(v.version) : undefined;
      if (spec === undefined) throw new DependencyFileError(`pyproject.toml's [tool.poetry.dependencies] ${name} is not a version (a path, git or url entry); the server installs packages by name and version only.`);
      const marker = isTable(v) ? str(v.markers) : undefined;
      lines.push(`${name}${poetryConstraint(spec)}${marker ? ` ; ${marker}` : ''}`);
    }
  }
  const kept = lines.filter((l) => {
    const m = /;(.*)$/.exec(l)?.[1]?.trim();
    if (applies(m, env)) return true;
    notes.push(`${l.split(/[\s;<>=!~[]/)[0] ?? l} is not for this server (${m ?? ''})`);
    return false;
  });
  return { text: `${kept.join('\n')}\n`, pinned: kept.filter((l) => /==[^,;]+\s*(;|$)/.test(l)).length, notes };
}

/** A dependency file other than pip's own, as pip's requirements format for the server's Python. */
export function deriveRequirements(kind: Exclude<DependencyKind, 'requirements'>, text: string, pythonVersion: string): DerivedRequirements {
  const env = windowsMarkerEnv(pythonVersion);
  if (kind === 'uv.lock') return fromUvLock(text, env);
  if (kind === 'poetry.lock') return fromPoetryLock(text, env);
  if (kind === 'Pipfile.lock') return fromPipfileLock(text, env);
  return fromPyproject(text, env);
}

/** Whether a pyproject.toml declares dependencies (a build-tools-only one does not count). */
export function pyprojectDeclares(text: string): boolean {
  try {
    const py = parseToml(text) as Table;
    return (isTable(py.project) && Array.isArray(py.project.dependencies)) || (isTable(py.tool) && isTable(py.tool.poetry) && isTable(py.tool.poetry.dependencies));
  } catch {
    return true;
  }
}

export interface DependencyChoice {
  /** The file the tool takes (undefined: the project declares none). */
  file?: string;
  kind?: DependencyKind;
  /** The other dependency files the project has, not used. */
  unused: string[];
}

/** The dependency file of a project folder on the server: the first of DEPENDENCY_FILES it has, the others named. */
export async function chooseDependencies(host: Host, folder: string): Promise<DependencyChoice> {
  const found: { file: string; kind: DependencyKind }[] = [];
  for (const d of DEPENDENCY_FILES) {
    const f = winJoin(folder, d.file);
    if (!(await host.exists(f))) continue;
    if (d.kind === 'pyproject.toml' && !pyprojectDeclares(await host.readFile(f))) continue;
    found.push({ file: f, kind: d.kind });
  }
  const [first, ...rest] = found;
  return { ...(first ? { file: first.file, kind: first.kind } : {}), unused: rest.map((r) => r.file) };
}
