/**
 * The bundle's wheels, fetched with the team's real pip for the server (win_amd64, the chosen
 * CPython), never for the machine it runs on. pip evaluates environment markers against the
 * machine that runs it, even with --platform: the requirement files are flattened first with the
 * markers evaluated for Windows (a Linux-only line is dropped, a Windows-only one kept), "--hash"
 * options kept on their lines (pip's hash-checking mode stays on). Markers of the dependencies
 * pip fetched are decided again afterwards, from each wheel's METADATA, for Windows and the
 * server's Python (completeForServer), and what pip skipped on this machine is fetched.
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

/** The markers' environment of the Windows server with that CPython (PEP 508). */
export function windowsEnv(pythonVersion: string): Record<string, string> {
  const [maj, min] = pythonVersion.split('.');
  return { os_name: 'nt', sys_platform: 'win32', platform_system: 'Windows', platform_machine: 'AMD64', platform_release: '10', python_version: `${maj ?? '3'}.${min ?? '0'}`, python_full_version: pythonVersion, implementation_name: 'cpython', implementation_version: pythonVersion, platform_python_implementation: 'CPython', extra: '' };
}

/** What the wheels in a folder require on the server (their METADATA's Requires-Dist, markers for Windows) that no file there satisfies. */
const NEEDS_PY = String.raw`
import json, os, re, sys, zipfile
try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version, InvalidVersion
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
    from pip._vendor.packaging.version import Version, InvalidVersion
args = json.loads(sys.argv[1])
env = args['env']
have, requires = {}, []
for f in sorted(os.listdir(args['dir'])):
    m = re.match(r'^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$', f) or re.match(r'^(.+)-(\d[^-]*?)\.(?:tar\.gz|zip)$', f)
    if not m:
        continue
    have.setdefault(canonicalize_name(m.group(1)), []).append(m.group(2))
    if not f.endswith('.whl'):
        continue
    with zipfile.ZipFile(os.path.join(args['dir'], f)) as z:
        meta = next((n for n in z.namelist() if re.match(r'^[^/]+\.dist-info/METADATA$', n)), None)
        text = z.read(meta).decode('utf-8', 'replace') if meta else ''
    head = re.split(r'\r?\n\r?\n', text, maxsplit=1)[0]
    for line in head.splitlines():
        if line.startswith('Requires-Dist:'):
            requires.append((m.group(1), line.split(':', 1)[1].strip()))
needs = []
for owner, text in requires:
    try:
        r = Requirement(text)
    except Exception:
        continue
    if r.marker is not None and not r.marker.evaluate(dict(env, extra='')):
        continue
    def fits(v):
        try:
            return r.specifier.contains(Version(v), prereleases=True)
        except InvalidVersion:
            return False
    if any(fits(v) for v in have.get(canonicalize_name(r.name), [])):
        continue
    line = r.name + str(r.specifier)
    if not any(n['requirement'] == line for n in needs):
        needs.append({'requirement': line, 'by': owner, 'marker': str(r.marker) if r.marker else None})
print(json.dumps(needs))
`;

export interface ServerNeed {
  requirement: string;
  /** The distribution whose wheel requires it. */
  by: string;
  marker: string | null;
}

export function serverNeeds(dir: string, pythonVersion: string): ServerNeed[] {
  return JSON.parse(execFileSync(teamPython(), ['-c', NEEDS_PY, JSON.stringify({ dir, env: windowsEnv(pythonVersion) })], { encoding: 'utf8' })) as ServerNeed[];
}

/**
 * pip decided the dependencies' markers for this machine (its Python, its OS), not the server's:
 * what the wheels require on Windows with that Python and pip skipped is fetched now, round after
 * round (what those require too). In pip's hash-checking mode nothing is added: each is named,
 * for the team to pin with its hash.
 */
export function completeForServer(dest: string, pythonVersion: string, src: PipSource, hashed: boolean): { fetched: ServerNeed[]; missing: { requirement: string; error: string }[] } {
  const fetched: ServerNeed[] = [];
  const missing: { requirement: string; error: string }[] = [];
  const tried = new Set<string>();
  for (let round = 0; round < 10; round++) {
    const needs = serverNeeds(dest, pythonVersion).filter((n) => !tried.has(n.requirement));
    if (!needs.length) break;
    for (const n of needs) {
      tried.add(n.requirement);
      const why = `required by ${n.by} on the server (Windows, Python ${pythonVersion.split('.').slice(0, 2).join('.')}${n.marker ? `: ${n.marker}` : ''}), which pip on this machine skipped`;
      if (hashed) {
        missing.push({ requirement: n.requirement, error: `${why}; in pip's hash-checking mode it must be in the requirements with its --hash` });
        continue;
      }
      const r = pip([...winWheelArgs(dest, pythonVersion, src), n.requirement]);
      if (r.ok) fetched.push(n);
      else missing.push({ requirement: n.requirement, error: `${why}: ${r.error ?? ''}` });
    }
  }
  return { fetched, missing };
}

export interface FlatRequirements {
  lines: { name: string; text: string }[];
  /** Lines pip download cannot fetch as wheels (a URL, a path): the bundle is incomplete without them. */
  unsupported: { requirement: string; error: string }[];
  dropped: { line: string; why: string }[];
  notes: string[];
}

/** The requirement lines as pip would read them on the Windows server with that Python. */
export function flattenForWindows(files: string[], pythonVersion: string): FlatRequirements {
  const out = execFileSync(teamPython(), ['-c', FLATTEN_PY, JSON.stringify({ files, env: windowsEnv(pythonVersion) })], { encoding: 'utf8' });
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

/**
 * What pip said went wrong: the output of the failed subprocess (between "╰─>" and "[end of
 * output]", where the real cause is: "invalid command 'bdist_wheel'"), then its ERROR lines;
 * never only its closing hint.
 */
export function pipError(text: string, status: number | null): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  const start = lines.findIndex((l) => /╰─>/.test(l));
  const end = lines.findIndex((l, i) => i > start && /\[end of output\]/.test(l));
  if (start >= 0 && end > start) out.push(...lines.slice(start + 1, end).map((l) => l.trim()).filter((l) => l && !/^\[\d+ lines of output\]$/.test(l)).slice(-8));
  const errors = lines.filter((l) => /^(ERROR|error):/.test(l.trim())).map((l) => l.trim());
  out.push(...errors.filter((e) => !out.includes(e)).slice(-4));
  if (!out.length) out.push(lines.map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l)).at(-1) ?? `exit ${String(status)}`);
  return out.join('\n      ');
}

export function pip(args: string[], cwd?: string): PipRun {
  const r = spawnSync(teamPython(), args, { encoding: 'utf8', ...(cwd ? { cwd } : {}), timeout: 15 * 60_000 });
  if (r.status === 0) return { ok: true };
  return { ok: false, error: pipError(`${r.stdout ?? ''}${r.stderr ?? ''}`, r.status) };
}

/** Whether the team's Python can build a source archive by itself (setuptools and wheel importable): else pip builds it in isolation, fetching them. */
function hasBuildTools(): boolean {
  return spawnSync(teamPython(), ['-c', 'import setuptools, wheel'], { stdio: 'ignore', timeout: 60_000 }).status === 0;
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
  // pip prepares an sdist's metadata by building it: with the team's own setuptools and wheel when it has them, else in
  // an isolated environment with the ones the same sources offer (a python.org 3.12+ venv has pip only). Only wfastcgi
  // is --no-binary: pip hands its format options to that environment, and ":all:" would refuse setuptools' wheel there.
  const sd = pip(['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '-d', dest, '--no-binary', 'wfastcgi', '--no-deps', ...(hasBuildTools() ? ['--no-build-isolation'] : []), ...sourceArgs(src), 'wfastcgi']);
  if (!sd.ok) missing.push({ requirement: 'wfastcgi (source archive)', error: sd.error ?? '' });
  const st = pip([...winWheelArgs(dest, pythonVersion, src), 'setuptools']);
  if (!st.ok) missing.push({ requirement: 'setuptools (builds wfastcgi on the server)', error: st.error ?? '' });
  return { missing };
}
