/**
 * The bundle's wheels, fetched with the team's real pip for the server (win_amd64, the chosen
 * CPython), never for the machine it runs on. pip evaluates environment markers against the
 * machine that runs it, even with --platform: the requirement files are flattened first with the
 * markers evaluated for Windows (a Linux-only line is dropped, a Windows-only one kept), "--hash"
 * options kept on their lines (pip's hash-checking mode stays on). Markers of dependencies are
 * still pip's to evaluate (a limit the report says).
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** The team's Python (it has pip): DJANGO_IIS_PYTHON, else python on Windows and python3 elsewhere. */
export function teamPython(): string {
  return process.env.DJANGO_IIS_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
}

const FLATTEN_PY = String.raw`
import json, os, re, sys
try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.markers import Marker
    from pip._vendor.packaging.requirements import Requirement
args = json.loads(sys.argv[1])
env = args['env']
lines, dropped, notes, unsupported = [], [], [], []
def logical(text):
    buf = ''
    for raw in text.splitlines():
        s = re.sub(r'(^|\s)#.*$', '', raw).rstrip()
        if s.endswith('\\'):
            buf += s[:-1] + ' '
            continue
        yield (buf + s).strip()
        buf = ''
    if buf.strip():
        yield buf.strip()
def read(path, seen):
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    for line in logical(open(path, encoding='utf-8').read()):
        if not line:
            continue
        m = re.match(r'^(-r|--requirement)\s*=?\s*(\S+)$', line)
        if m:
            read(os.path.join(os.path.dirname(path), m.group(2)), seen)
            continue
        if line.startswith('-'):
            notes.append('%s: the option line "%s" is not passed to pip download (give pip options to bundle itself)' % (os.path.basename(path), line))
            continue
        hashes = re.findall(r'--hash[=\s](\S+)', line)
        spec = re.sub(r'\s*--hash[=\s]\S+', '', line).strip()
        try:
            req = Requirement(spec)
        except Exception as e:
            unsupported.append({'requirement': spec, 'error': 'not a requirement pip download can fetch as a wheel (%s): a URL, a path or an editable install; build a wheel of it and give it with --find-links' % str(e).splitlines()[0].strip()})
            continue
        if req.marker is not None and not req.marker.evaluate(env):
            dropped.append({'line': req.name + str(req.specifier), 'why': 'its marker is false on Windows (%s)' % req.marker})
            continue
        text = req.name + ('[%s]' % ','.join(sorted(req.extras)) if req.extras else '') + str(req.specifier)
        lines.append({'name': req.name, 'text': text + ''.join(' --hash=' + h for h in hashes)})
for f in args['files']:
    read(f, set())
print(json.dumps({'lines': lines, 'dropped': dropped, 'notes': notes, 'unsupported': unsupported}))
`;

export interface FlatRequirements {
  lines: { name: string; text: string }[];
  /** Lines pip download cannot fetch as wheels (a URL, a path): the bundle is incomplete without them. */
  unsupported: { requirement: string; error: string }[];
  dropped: { line: string; why: string }[];
  notes: string[];
}

/** The requirement lines as pip would read them on the Windows server with that Python. */
export function flattenForWindows(files: string[], pythonVersion: string): FlatRequirements {
  const [maj, min] = pythonVersion.split('.');
  const env = { os_name: 'nt', sys_platform: 'win32', platform_system: 'Windows', platform_machine: 'AMD64', platform_release: '10', python_version: `${maj ?? '3'}.${min ?? '0'}`, python_full_version: pythonVersion, implementation_name: 'cpython', implementation_version: pythonVersion, platform_python_implementation: 'CPython', extra: '' };
  const out = execFileSync(teamPython(), ['-c', FLATTEN_PY, JSON.stringify({ files, env })], { encoding: 'utf8' });
  return JSON.parse(out) as FlatRequirements;
}

export interface PipSource {
  findLinks: string[];
  indexUrl?: string;
  noIndex: boolean;
}

const sourceArgs = (s: PipSource) => [...s.findLinks.flatMap((f) => ['--find-links', f]), ...(s.indexUrl ? ['--index-url', s.indexUrl] : []), ...(s.noIndex ? ['--no-index'] : [])];

/** pip download for win_amd64 and the Python's minor version (CPython), binary only. */
export function winWheelArgs(dest: string, pythonVersion: string, src: PipSource): string[] {
  const xy = pythonVersion.split('.').slice(0, 2).join('.');
  return ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '-d', dest, '--only-binary=:all:', '--platform', 'win_amd64', '--python-version', xy, '--implementation', 'cp', ...sourceArgs(src)];
}

export interface PipRun {
  ok: boolean;
  /** pip's last error line, when it failed. */
  error?: string;
}

export function pip(args: string[], cwd?: string): PipRun {
  const r = spawnSync(teamPython(), args, { encoding: 'utf8', ...(cwd ? { cwd } : {}), timeout: 15 * 60_000 });
  if (r.status === 0) return { ok: true };
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const error = text.split(/\r?\n/).filter((l) => /^ERROR:/.test(l)).at(-1) ?? text.trim().split(/\r?\n/).at(-1) ?? `exit ${String(r.status)}`;
  return { ok: false, error };
}

/**
 * Every requirement as a win_amd64 wheel; when pip stops on one, each line is fetched alone so
 * that every one without such a wheel is named (pip stops at the first).
 */
export function downloadWheels(dest: string, pythonVersion: string, reqs: { name: string; text: string }[], src: PipSource, flatFile: string, writeFlat: (text: string) => void): { missing: { requirement: string; error: string }[] } {
  writeFlat(`${reqs.map((r) => r.text).join('\n')}\n`);
  const all = pip([...winWheelArgs(dest, pythonVersion, src), '-r', flatFile]);
  if (all.ok) return { missing: [] };
  const missing: { requirement: string; error: string }[] = [];
  const hashed = reqs.some((r) => r.text.includes('--hash='));
  for (const r of reqs) {
    writeFlat(`${r.text}\n`);
    // One line of a hash-checked file keeps its hashes; its dependencies then need theirs, as pip requires.
    const one = pip([...winWheelArgs(dest, pythonVersion, src), ...(hashed ? [] : ['--no-deps']), '-r', flatFile]);
    if (!one.ok) missing.push({ requirement: r.text.replace(/\s--hash=\S+/g, ''), error: one.error ?? '' });
  }
  if (!missing.length) missing.push({ requirement: '(the set as a whole)', error: all.error ?? '' });
  return { missing };
}

/** wfastcgi exists only as a source archive: fetched as one, with a setuptools wheel that builds it on the server. */
export function downloadWfastcgi(dest: string, pythonVersion: string, src: PipSource): { missing: { requirement: string; error: string }[] } {
  const missing: { requirement: string; error: string }[] = [];
  const sd = pip(['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '-d', dest, '--no-binary', ':all:', '--no-deps', '--no-build-isolation', ...sourceArgs(src), 'wfastcgi']);
  if (!sd.ok) missing.push({ requirement: 'wfastcgi (source archive)', error: sd.error ?? '' });
  const st = pip([...winWheelArgs(dest, pythonVersion, src), 'setuptools']);
  if (!st.ok) missing.push({ requirement: 'setuptools (builds wfastcgi on the server)', error: st.error ?? '' });
  return { missing };
}
