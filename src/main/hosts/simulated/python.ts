/**
 * python.exe on the simulated server. A Windows-shaped install or venv (python.exe marker files,
 * pyvenv.cfg, Lib\site-packages) stands for one real Linux interpreter:
 *   - base installs and venvs run code with the machine's real Python (default /usr/bin/python3,
 *     override with DJANGO_IIS_SIM_PYTHON), each venv backed by a real
 *     `python3 -m venv --system-site-packages` under DIR/.sim/venvs, so Django's startproject,
 *     settings imports and collectstatic are real (Debian's python3-django);
 *   - pip is SIMULATED (no PyPI here): a requirement the real interpreter can import is recorded
 *     as installed; wfastcgi (Windows-only, not installable here) is recorded and its file written
 *     as a marked stand-in; anything else fails as pip does without an index.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecOptions } from '../../engine/host';
import { runProcess } from '../process';
import { wheelhouseMissing } from '../../../shared/wheelhouse';
import type { ProgramResult } from './appcmd';
import type { SimulatedServer } from './server';
import type { PythonPlaces } from './python-paths';
import { simPythonEnv } from './sim-pyhooks';
import { storeDists } from './python-store';
import { SIM_PIP_PY } from './sim-pip-py';
import { interpreterFor, MACHINE_PYTHON, type Interpreter } from './interpreters';

/** The machine's Python (Debian's): it runs the simulated pip's resolver and the simulator's helpers. */
export function realPython(): string {
  return process.env.DJANGO_IIS_SIM_PYTHON ?? MACHINE_PYTHON;
}

/** The real interpreter that plays a server Python of this version (interpreters.ts: the same minor, else the nearest). */
export function playedBy(serverVersion: string): Interpreter {
  return interpreterFor(serverVersion) ?? { path: realPython(), version: realPythonVersion(), machine: true };
}

/** The real interpreter behind a simulated base install (not a venv). */
export function realPythonForBase(s: SimulatedServer, exe: string): string {
  const base = s.pythonAt(exe);
  return base ? playedBy(base.version).path : realPython();
}

let realVersion: { py: string; version: string } | undefined;
/** The version of the real interpreter that plays every simulated Python (read once per interpreter). */
export function realPythonVersion(): string {
  const py = realPython();
  if (realVersion?.py !== py) {
    let version = 'unknown';
    try {
      version = execFileSync(py, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8', timeout: 30_000 }).trim();
    } catch {
      /* said as unknown */
    }
    realVersion = { py, version };
  }
  return realVersion.version;
}

const res = (exitCode: number, stdout: string, mutating = false, stderr = ''): ProgramResult => ({ exitCode, stdout, stderr, mutating });

/** Maps Windows absolute paths inside an argument (or a ;-separated list) to real paths under DIR. */
export function mapArg(s: SimulatedServer, a: string): string {
  if (/^[A-Za-z]:\\/.test(a)) return a.split(';').map((p) => (/^[A-Za-z]:\\/.test(p) ? s.toReal(p) : p)).join(path.delimiter);
  return a;
}

function pipVersionLine(venvDir: string, tag: string): string {
  return `pip 24.3.1 from ${venvDir}\\Lib\\site-packages\\pip (python ${tag})`;
}

/** --sim-lenient-packages' answer to a pin the rehearsal has no version for: the nearest it has (same major.minor, then major, then any). */
export interface Substitute {
  run: string;
  from: 'store' | 'machine';
  tier: string;
}

/** How a substitution note begins (the rehearsal lists these first, in its output and its report). */
export const SUBSTITUTION = '--sim-lenient-packages ran another version than pinned: ';

/** The line a substitution (or a package the rehearsal has no version of at all) is listed with. */
export function substitutionLine(r: { line: string; display: string; origin: string; substitute: Substitute | null; version: string | null; store: { version: string; debian: string } | null }, lenient = true): string {
  const of = r.origin.startsWith('a requirement of') ? ` (${r.origin})` : '';
  if (!r.substitute) return `${r.line}${of} → nothing: the rehearsal has no version of ${r.display} (not the machine's Python, not the store)${lenient ? '; pip records it as installed, and the run fails where the project imports it' : ''}`;
  return `${r.line}${of} → ${r.display} ${r.substitute.run} (${r.substitute.from === 'store' ? `real, Debian's ${r.store?.debian ?? ''}` : "the machine's own"}; ${r.substitute.tier})`;
}

interface SimPipResult {
  results: { name: string; display: string; line: string; specifier: string; marker: string | null; applies: boolean; version: string | null; satisfied: boolean; kept: boolean; missingExtras: string[]; store: { version: string; site: string; debian: string } | null; origin: string; machine: { base: string; top: string[]; compiled: boolean } | null; substitute: Substitute | null }[];
  unsupported: string[];
  errors: string[];
}

const WFASTCGI_STANDIN = `# SIMULATED wfastcgi.py (Django IIS Setup rehearsal).
# The real wfastcgi 3.0.0 is Windows-only (it calls ctypes.windll, _winapi and msvcrt) and
# cannot be installed here (no PyPI). The simulated server's HTTP front plays its part:
# it imports WSGI_HANDLER with the FastCGI entry's environment, as wfastcgi does.
`;

/**
 * What `python -m venv` puts in a new venv on Windows (ensurepip): pip, and setuptools before
 * Python 3.12 (3.12 stopped bundling it). SIMULATED: one pip and one setuptools version for every
 * Python, the ones 3.11's ensurepip bundles; wheel is never bundled.
 */
export function venvBundled(tag: string): Record<string, string> {
  const [maj = 3, min = 0] = tag.split('.').map(Number);
  return { pip: '24.3.1', ...(maj === 3 && min < 12 ? { setuptools: '65.5.0' } : {}) };
}

/**
 * pip, setuptools, wheel in a requirements file: what the venv has (bundled or recorded) answers
 * an unpinned line; a pin to another version, or a name the venv lacks, is installed as pip would
 * and recorded, so pip list (and the packages check) see what the line asked for. True when it
 * changed the venv.
 */
function pipTooling(s: SimulatedServer, venvDir: string, pkgs: Record<string, { version: string; simulated?: boolean }>, r: SimPipResult['results'][number], out: string[]): boolean {
  const n = r.name;
  const have = pkgs[n]?.version;
  const pin = /^===?([^,]+)$/.exec(r.specifier)?.[1];
  if (have && (!pin || have === pin) && (!r.specifier || pin || r.satisfied || !r.version)) {
    out.push(`Requirement already satisfied: ${r.display} in ${venvDir}\\Lib\\site-packages (${have})`);
    return false;
  }
  const version = pin ?? (r.version && r.satisfied ? r.version : have ?? r.version ?? '0+simulated');
  pkgs[n] = { version, simulated: true };
  s.noteSimulated(`pip: ${r.line} was recorded as installed (${r.display} ${version}); packaging tools come from the machine's Python in the rehearsal, not this version.`);
  out.push(`Collecting ${r.display}${pin ? `==${pin}` : ''}`, `Installing collected packages: ${r.display}`, ...(have ? [`  Attempting uninstall: ${r.display}`, `    Found existing installation: ${r.display} ${have}`, `    Successfully uninstalled ${r.display}-${have}`] : []), `Successfully installed ${r.display}-${version}`);
  return true;
}

type PipResult = SimPipResult['results'][number];

/**
 * The store's part of pip's answer (python-store.ts): a requirement the machine's Python does
 * not satisfy installed from the store's real code; tzdata (Windows-only) recorded. 'skip': already
 * there; 'changed': installed; undefined: not the store's to answer.
 */
function storeAnswer(s: SimulatedServer, venv: { winDir: string; playedBy?: string }, pkgs: Record<string, { version: string; simulated: boolean; site?: string }>, r: PipResult, pin: string | undefined, out: string[]): 'skip' | 'changed' | undefined {
  const n = r.name;
  if (n === 'tzdata' && !r.version && !r.store) {
    // Django 4+ requires tzdata on Windows (it has no zoneinfo database); the rehearsal's Linux reads /usr/share/zoneinfo.
    if (pkgs[n]) return (out.push(`Requirement already satisfied: ${r.display} in ${venv.winDir}\\Lib\\site-packages (${pkgs[n].version})`), 'skip');
    pkgs[n] = { version: pin ?? '0+simulated', simulated: true };
    s.noteSimulated(`pip: ${r.line} (${r.origin}) was recorded as installed: Windows needs the tzdata package for time zones, the rehearsal's Linux Python reads the system's zoneinfo instead.`);
    out.push(`Collecting ${r.display}`, `Successfully installed ${r.display}-${pkgs[n].version} (simulated)`);
    return 'changed';
  }
  if (r.store) {
    // Real code from the store (Debian's package of that version): the venv's interpreter imports it first.
    // A substitute (--sim-lenient-packages) is listed by pip under the pin, as the machine's is: the code run is the store's.
    const listed = r.substitute && pin ? pin : r.store.version;
    if (pkgs[n]?.version === listed && pkgs[n]?.site === r.store.site) {
      out.push(`Requirement already satisfied: ${r.display} in ${venv.winDir}\\Lib\\site-packages (${listed})`);
      return 'skip';
    }
    pkgs[n] = { version: listed, simulated: true, site: r.store.site };
    if (r.substitute) s.noteSimulated(`${SUBSTITUTION}${substitutionLine(r)}${listed !== r.store.version ? `, listed by pip as ${listed}` : ''}`);
    s.noteSimulated(`pip: real ${r.display} ${r.store.version} from Debian (${r.store.debian}) for \`${r.line}\`${r.origin.startsWith('a requirement of') ? ` (${r.origin})` : ''}: ${r.satisfied ? `the newest the store has that fits the server's Python (a venv of Python ${venv.playedBy ?? '?'} does not see the machine's Debian ${r.display} ${r.version ?? ''})` : `the machine's own ${r.version ? `${r.display} ${r.version} does not satisfy it` : `Python lacks ${r.display}`}`}.`);
    out.push(`Collecting ${r.display}`, `Installing collected packages: ${r.display}`, `Successfully installed ${r.display}-${r.store.version}`);
    return 'changed';
  }
  return undefined;
}

/** The machine's distribution answers the line (its version recorded; for a venv of another Python, its modules linked). */
function machineAnswer(s: SimulatedServer, venv: { playedBy?: string }, pkgs: Record<string, { version: string; simulated: boolean; machine?: { base: string; top: string[] } }>, r: PipResult, pin: string | undefined, machineVenv: boolean): void {
  const version = r.version ?? '0+simulated';
  const linked = machineVenv || !r.machine ? {} : { machine: { base: r.machine.base, top: r.machine.top } };
  if (!machineVenv && r.machine) s.noteSimulated(`pip: ${r.display} ${r.version} is the machine's (Debian's, for Python ${realPythonVersion()}), linked into the venv of Python ${venv.playedBy ?? '?'} by its modules (${r.machine.top.join(', ') || 'none'})${r.machine.compiled ? `; it has compiled parts built for Python ${realPythonVersion()}, which that Python may not load` : ''}; the rehearsal's store has no version of it.`);
  if (!r.satisfied) {
    pkgs[r.name] = { version: pin ?? version, simulated: true, ...linked };
    if (r.substitute) s.noteSimulated(`${SUBSTITUTION}${substitutionLine(r)}`);
    s.noteSimulated(`pip: ${r.line} asks for ${r.specifier}; the rehearsal runs ${r.display} ${r.version} (the machine's)${pin ? `, listed by pip as ${pin}` : ''}.`);
  } else {
    pkgs[r.name] = { version: version, simulated: true, ...linked };
    s.noteSimulated(`pip install ${r.display} was simulated: ${r.display} ${r.version} comes from the machine's real Python (system site-packages), not from PyPI.`);
  }
}

/**
 * Before the run: what the simulated pip will answer for these requirement lines on a venv of
 * that Python (the same resolver, nothing installed): each pin the rehearsal has no version for,
 * with the nearest one --sim-lenient-packages runs instead, or that it has none at all.
 */
export async function previewPins(pythonVersion: string, lines: string[], lenient: boolean): Promise<string[]> {
  const [maj, min] = pythonVersion.split('.');
  const env = { os_name: 'nt', sys_platform: 'win32', platform_system: 'Windows', platform_machine: 'AMD64', platform_release: '10', python_version: `${maj ?? '3'}.${min ?? '0'}`, python_full_version: pythonVersion, implementation_version: pythonVersion, implementation_name: 'cpython', platform_python_implementation: 'CPython' };
  const specs = lines.map((l) => l.replace(/(?<!\S)--hash[=\s]\S+/g, '').trim()).filter((l) => l);
  const r = await runProcess(realPython(), ['-c', SIM_PIP_PY, JSON.stringify({ files: [], specs, env, winpaths: {}, mapping: {}, root: '/nonexistent', store: storeDists(), prefer_store: !playedBy(pythonVersion).machine, lenient: true, installed: {} })], {});
  let parsed: SimPipResult;
  try {
    parsed = JSON.parse(r.stdout) as SimPipResult;
  } catch {
    return [];
  }
  return parsed.results
    .filter((x) => x.applies && !['pip', 'setuptools', 'wheel', 'wfastcgi', 'tzdata'].includes(x.name) && !x.satisfied && !(x.store && !x.substitute))
    .map((x) => substitutionLine(x, lenient));
}

/** A distribution the rehearsal has only in other versions (the machine's, the store's): pip's own answer, no version satisfies it. */
function storeRefusal(r: PipResult, out: string[]): ProgramResult | undefined {
  const n = r.name;
  const known = storeDists().filter((x) => x.name.toLowerCase().replace(/[-_.]+/g, '-') === n).map((x) => x.version);
  if (r.satisfied || r.store || !r.version) return undefined;
  const versions = [...new Set([r.version, ...known])].join(', ');
  return res(1, `${out.join('\r\n')}${out.length ? '\r\n' : ''}ERROR: Could not find a version that satisfies the requirement ${r.line} (from versions: ${versions})\r\nERROR: No matching distribution found for ${r.display}\r\n(The rehearsal has real ${r.display} ${versions} only (the machine's and Debian's, scripts/python-store.sh); add --sim-lenient-packages to run the nearest one instead.)\r\n`);
}

/** pip list (--format=json): the distributions the simulated pip recorded (with what the venv bundled). */
function pipList(pkgs: Record<string, { version: string; simulated?: boolean }>, rest: string[]): ProgramResult {
  const json = rest.includes('--format=json') || (rest.includes('--format') && rest[rest.indexOf('--format') + 1] === 'json');
  const rows = Object.entries(pkgs).map(([name, v]) => ({ name, version: v.version }));
  if (json) return res(0, `${JSON.stringify(rows)}\r\n`);
  return res(0, `Package    Version\r\n---------- -------\r\n${rows.map((r) => `${r.name.padEnd(10)} ${r.version}`).join('\r\n')}\r\n`);

}

/** --no-index: only what --find-links offers (file names, as pip reads them), resolved before anything installs; the failure pip would print, or undefined. */
function offlineMisses(s: SimulatedServer, parsed: SimPipResult, pkgs: Record<string, { version: string; simulated?: boolean }>, findLinks: string | undefined, fullVersion: string): ProgramResult | undefined {
  if (!findLinks) return res(1, `ERROR: Could not find a version that satisfies the requirement ${parsed.results[0]?.line ?? ''} (from versions: none)\r\nERROR: No matching distribution found for ${parsed.results[0]?.display ?? ''}\r\n`);
  const files = readdirSync(s.toReal(findLinks));
  const wanted = parsed.results.filter((r) => r.applies && !['pip', 'setuptools', 'wheel'].includes(r.name) && !(pkgs[r.name] && (!/^===?/.test(r.specifier) || pkgs[r.name]?.version === r.specifier.replace(/^===?/, ''))));
  const lacks = wheelhouseMissing(files, wanted.map((r) => ({ name: r.name, specifier: r.specifier })), fullVersion);
  if (lacks.length) {
    const first = lacks[0] as string;
    const name = first.split(/[ ,(]/)[0] as string;
    if (name === 'setuptools')
      return res(1, `Processing ${findLinks}\\wfastcgi-3.0.0.tar.gz\r\n  Installing build dependencies: started\r\n  Installing build dependencies: finished with status 'error'\r\n  error: subprocess-exited-with-error\r\n\r\n  × pip subprocess to install build dependencies did not run successfully.\r\n  │ exit code: 1\r\n  ╰─> [3 lines of output]\r\n      Looking in links: ${findLinks}\r\n      ERROR: Could not find a version that satisfies the requirement setuptools>=40.8.0 (from versions: none)\r\n      ERROR: No matching distribution found for setuptools>=40.8.0\r\n      [end of output]\r\n`);
    return res(1, `Looking in links: ${findLinks}\r\nERROR: Could not find a version that satisfies the requirement ${name} (from versions: none)\r\nERROR: No matching distribution found for ${name}\r\n`);
  }
  s.noteSimulated(`pip installed offline from the wheelhouse ${findLinks}: its file names were checked as pip would; the packages themselves still come from the machine's real Python.`);

  return undefined;
}

/** wfastcgi (Windows-only, no PyPI here): recorded as installed, its wfastcgi.py a marked stand-in. True when it changed the venv. */
function installWfastcgi(s: SimulatedServer, venvDir: string, pkgs: Record<string, { version: string; simulated: boolean }>, out: string[]): boolean {
  if (pkgs.wfastcgi) {
    out.push(`Requirement already satisfied: wfastcgi in ${venvDir}\\Lib\\site-packages (3.0.0)`);
    return false;
  }
  const sp = `${venvDir}\\Lib\\site-packages`;
  mkdirSync(s.toReal(sp), { recursive: true });
  writeFileSync(s.toReal(`${sp}\\wfastcgi.py`), WFASTCGI_STANDIN);
  s.writeProgram(`${venvDir}\\Scripts\\wfastcgi-enable.exe`, 'SIMULATED wfastcgi-enable.exe\r\n');
  pkgs.wfastcgi = { version: '3.0.0', simulated: true };
  s.noteSimulated('wfastcgi 3.0.0 was recorded as installed and its wfastcgi.py written as a marked stand-in (Windows-only; no PyPI here); the HTTP front runs Django as wfastcgi would.');
  out.push(`Collecting wfastcgi`, `Installing collected packages: wfastcgi`, `Successfully installed wfastcgi-3.0.0`);
  return true;
}

async function pip(s: SimulatedServer, venv: { winDir: string; realDir: string; basePython: string; machine?: boolean; playedBy?: string }, args: string[], opts: ExecOptions): Promise<ProgramResult> {
  const tag = (s.pythonAt(venv.basePython)?.version ?? '3.13.0').split('.').slice(0, 2).join('.');
  const [cmd, ...rest] = args;
  const pkgs = (s.state.pipPackages[venv.winDir.toLowerCase()] ??= {});
  if (cmd === '--version') return res(0, `${pipVersionLine(venv.winDir, tag)}\r\n`);
  if (cmd === 'list') return pipList(pkgs, rest);
  if (cmd === 'uninstall') return pipUninstall(s, venv.winDir, pkgs, rest.filter((a) => !a.startsWith('-')));
  if (cmd !== 'install') return res(1, `ERROR: the simulated pip knows install, uninstall, list and --version, not "${cmd ?? ''}".\r\n`);
  const specs: string[] = [];
  const files: string[] = [];
  let findLinks: string | undefined;
  let noIndex = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '-r' || a === '--requirement') {
      const file = rest[++i];
      if (!file || !s.existsWin(file)) return res(1, `ERROR: Could not open requirements file: [Errno 2] No such file or directory: '${file ?? ''}'\r\n`);
      files.push(file);
    } else if (a === '--no-index') noIndex = true;
    else if (a === '--find-links' || a === '-f') findLinks = rest[++i];
    else if (a === '--upgrade' || a === '-U' || a === '--disable-pip-version-check' || a === '--no-input' || a === '-q') continue;
    else if (a.startsWith('-')) return res(2, `ERROR: the simulated pip does not model the option ${a}.\r\n`);
    else specs.push(a);
  }
  if (findLinks && !s.existsWin(findLinks)) return res(1, `WARNING: Location '${findLinks}' is ignored: it is neither a file nor a directory.\r\nERROR: Could not find a version that satisfies the requirement ${specs[0] ?? ''} (from versions: none)\r\n`);
  const [maj, min] = (s.pythonAt(venv.basePython)?.version ?? '3.13.0').split('.');
  // A venv played by another Python than Debian's sees none of the machine's packages but those pip "installs" (linked by their modules).
  const machineVenv = venv.machine !== false;
  const fullVersion = s.pythonAt(venv.basePython)?.version ?? '3.13.0';
  const markerEnv = { os_name: 'nt', sys_platform: 'win32', platform_system: 'Windows', platform_machine: 'AMD64', platform_release: '10', python_version: `${maj}.${min}`, python_full_version: fullVersion, implementation_version: fullVersion, implementation_name: 'cpython', platform_python_implementation: 'CPython' };
  const winpaths: Record<string, string> = Object.fromEntries(files.map((f) => [s.toReal(f), f]));
  const r0 = await runProcess(realPython(), ['-c', SIM_PIP_PY, JSON.stringify({ files: files.map((f) => s.toReal(f)), specs, env: markerEnv, winpaths, mapping: {}, root: s.root, store: storeDists(), prefer_store: !machineVenv, lenient: s.lenientPackages, installed: Object.fromEntries(Object.entries(pkgs).map(([k, v]) => [k, v.version])) })], { signal: opts.signal });
  let parsed: SimPipResult;
  try {
    parsed = JSON.parse(r0.stdout) as SimPipResult;
  } catch {
    return res(1, `ERROR: the simulated pip could not read the requirements (${r0.stderr.trim().split(/\r?\n/).at(-1) ?? ''}). It needs Debian's python3-packaging.\r\n`);
  }
  if (parsed.errors.length) return res(1, `${parsed.errors.map((e) => `ERROR: ${e}`).join('\r\n')}\r\n`);
  // --no-index: only what --find-links offers (file names, as pip reads them), resolved before anything installs.
  if (noIndex) {
    const refused = offlineMisses(s, parsed, pkgs, findLinks, fullVersion);
    if (refused) return refused;
  }
  const out: string[] = [];
  const lenient = s.lenientPackages;
  let changed = false;
  for (const u of parsed.unsupported) s.noteSimulated(`pip: "${u}" (an editable or URL requirement) was not modelled by the simulated pip and was skipped.`);
  for (const r of parsed.results) {
    const n = r.name;
    if (!r.applies) {
      out.push(`Ignoring ${r.display}: markers '${r.marker ?? ''}' don't match your environment`);
      continue;
    }
    if (n === 'pip' || n === 'setuptools' || n === 'wheel') {
      changed = pipTooling(s, venv.winDir, pkgs, r, out) || changed;
      continue;
    }
    if (n === 'wfastcgi') {
      changed = installWfastcgi(s, venv.winDir, pkgs, out) || changed;
      continue;
    }
    if (r.missingExtras.length && !lenient) {
      s.save();
      return res(1, `${out.join('\r\n')}${out.length ? '\r\n' : ''}ERROR: Could not find a version that satisfies the requirement ${r.missingExtras[0] ?? ''} (from versions: none)\r\nERROR: No matching distribution found for ${r.missingExtras[0] ?? ''}\r\n(The simulated pip installs only what the machine's real Python has; add --sim-lenient-packages to list such misses as warnings.)\r\n`);
    }
    const pin = /^===?([^,*]+)$/.exec(r.specifier)?.[1];
    if (r.kept && pkgs[n]) {
      // What the venv has satisfies the line: pip leaves it (an unpinned `django` after `Django==5.2.*`).
      out.push(`Requirement already satisfied: ${r.display} in ${venv.winDir}\\Lib\\site-packages (${pkgs[n].version})`);
      continue;
    }
    const refusedPin = lenient ? undefined : storeRefusal(r, out);
    if (refusedPin) return (s.save(), refusedPin);
    const special = storeAnswer(s, venv, pkgs, r, pin, out);
    changed ||= special === 'changed';
    if (special) continue;
    if (pkgs[n] && (!pin || pkgs[n].version === pin)) {
      out.push(`Requirement already satisfied: ${r.display} in ${venv.winDir}\\Lib\\site-packages (${pkgs[n].version})`);
      continue;
    }
    if (!r.version) {
      if (!lenient) {
        s.save();
        return res(1, `${out.join('\r\n')}${out.length ? '\r\n' : ''}ERROR: Could not find a version that satisfies the requirement ${r.line} (from versions: none)\r\nERROR: No matching distribution found for ${r.display}\r\n(The simulated server has no package index: only distributions the machine's real Python has can be "installed"; add --sim-lenient-packages to list such misses as warnings.)\r\n`);
      }
      pkgs[n] = { version: pin ?? '0+simulated', simulated: true };
      s.noteSimulated(`${SUBSTITUTION}${substitutionLine(r)}`);
      out.push(`Successfully installed ${r.display}-${pkgs[n].version} (simulated, not on this machine)`);
      changed = true;
      continue;
    }
    machineAnswer(s, venv, pkgs, r, pin, machineVenv);
    out.push(`Collecting ${r.display}`, `Installing collected packages: ${r.display}`, `Successfully installed ${r.display}-${pkgs[n]?.version ?? ''}`);
    changed = true;
  }
  writeDistInfos(s, venv.winDir, pkgs);
  storePath(venv.realDir, pkgs);
  s.save();
  return res(0, `${out.join('\r\n')}\r\n`, changed);
}

/**
 * The store's folders of what pip installed from it, first on the real venv's sys.path (a .pth of
 * the real venv, which runs before Debian's dist-packages are reached), so `import django` is
 * the pinned version; rewritten at every install (none: the file is removed).
 */
function storePath(realDir: string, pkgs: Record<string, { site?: string; machine?: { base: string; top: string[] } }>): void {
  const lib = path.join(realDir, 'lib');
  const sp = existsSync(lib) ? readdirSync(lib).filter((d) => /^python3\.\d+$/.test(d)).map((d) => path.join(lib, d, 'site-packages'))[0] : undefined;
  if (!sp) return;
  const sites = [...new Set(Object.values(pkgs).map((p) => p.site).filter((x): x is string => x !== undefined))];
  // The machine's distributions pip answered, for a venv of another Python: exactly their modules, linked into one folder.
  const linkDir = path.join(realDir, 'machine-site');
  rmSync(linkDir, { recursive: true, force: true });
  const machine = Object.values(pkgs).flatMap((p) => (p.machine ? p.machine.top.map((t) => path.join(p.machine?.base ?? '', t)) : []));
  if (machine.length) {
    mkdirSync(linkDir, { recursive: true });
    for (const m of machine) if (existsSync(m) && !existsSync(path.join(linkDir, path.basename(m)))) symlinkSync(m, path.join(linkDir, path.basename(m)));
  }
  const pth = path.join(sp, '_django_iis_store.pth');
  if (sites.length === 0 && machine.length === 0) rmSync(pth, { force: true });
  else writeFileSync(pth, `import sys; sys.path[0:0] = [p for p in ${JSON.stringify(sites)} if p not in sys.path]${machine.length ? `; sys.path.append(${JSON.stringify(linkDir)})` : ''}\n`);
}

/**
 * What pip leaves in site-packages for each installed distribution: <name>-<version>.dist-info
 * with its METADATA (importlib.metadata and pip list read these). The simulated pip writes them
 * for what it recorded, and removes them on uninstall, so a reader of the folder sees what pip
 * would list.
 */
function writeDistInfos(s: SimulatedServer, venvDir: string, pkgs: Record<string, { version: string }>): void {
  const sp = s.toReal(`${venvDir}\\Lib\\site-packages`);
  mkdirSync(sp, { recursive: true });
  const have = new Set(readdirSync(sp).filter((n) => /\.dist-info$/i.test(n)));
  for (const [name, v] of Object.entries(pkgs)) {
    const dir = `${name.replace(/-/g, '_')}-${v.version}.dist-info`;
    if (have.has(dir)) continue;
    for (const old of have) if (old.toLowerCase().startsWith(`${name.replace(/-/g, '_').toLowerCase()}-`)) rmSync(path.join(sp, old), { recursive: true, force: true });
    mkdirSync(path.join(sp, dir), { recursive: true });
    writeFileSync(path.join(sp, dir, 'METADATA'), `Metadata-Version: 2.1\r\nName: ${name}\r\nVersion: ${v.version}\r\nSummary: SIMULATED record of the simulated pip\r\n`);
    writeFileSync(path.join(sp, dir, 'INSTALLER'), 'pip\r\n');
  }
}

/** pip uninstall -y NAME...: forgets the record, its dist-info folder (and wfastcgi.py for wfastcgi). */
function pipUninstall(s: SimulatedServer, venvDir: string, pkgs: Record<string, { version: string }>, names: string[]): ProgramResult {
  const out: string[] = [];
  const sp = s.toReal(`${venvDir}\\Lib\\site-packages`);
  for (const raw of names) {
    const n = raw.toLowerCase().replace(/[-_.]+/g, '-');
    const v = pkgs[n];
    if (!v) {
      out.push(`WARNING: Skipping ${raw} as it is not installed.`);
      continue;
    }
    delete pkgs[n];
    for (const d of existsSync(sp) ? readdirSync(sp) : []) if (d.toLowerCase().startsWith(`${n.replace(/-/g, '_')}-`) && /\.(dist|egg)-info$/i.test(d)) rmSync(path.join(sp, d), { recursive: true, force: true });
    if (n === 'wfastcgi') rmSync(path.join(sp, 'wfastcgi.py'), { force: true });
    out.push(`Found existing installation: ${raw} ${v.version}`, `Uninstalling ${raw}-${v.version}:`, `  Successfully uninstalled ${raw}-${v.version}`);
  }
  s.save();
  return res(0, `${out.join('\r\n')}\r\n`, true);
}

async function createVenv(s: SimulatedServer, basePython: string, target: string, opts: ExecOptions): Promise<ProgramResult> {
  const base = s.pythonAt(basePython);
  if (!base) return res(1, `The base interpreter ${basePython} is not a Python installation on this server.\r\n`);
  const key = target.toLowerCase().replace(/\\+$/, '');
  if (s.state.venvs[key] && s.existsWin(`${target}\\Scripts\\python.exe`)) return res(0, '', false);
  // A venv made again (its folder was deleted) starts with no packages, as a real one does.
  delete s.state.pipPackages[key];
  const slug = createHash('sha1').update(key).digest('hex').slice(0, 12);
  const realDir = path.join(s.root, '.sim', 'venvs', slug);
  // The server's minor version where the machine has it, else the nearest (interpreters.ts).
  const py = playedBy(base.version);
  const marker = path.join(realDir, '.django-iis-interpreter');
  if (existsSync(realDir) && (!existsSync(marker) || readFileSync(marker, 'utf8') !== py.path)) rmSync(realDir, { recursive: true, force: true });
  if (!existsSync(path.join(realDir, 'bin', 'python'))) {
    const r = await runProcess(py.path, ['-m', 'venv', ...(py.machine ? ['--system-site-packages'] : []), '--without-pip', realDir], { signal: opts.signal });
    if (r.exitCode !== 0)
      return res(1, `The simulator could not create the real virtual environment behind ${target} with ${py.path}: ${r.stderr || r.stdout}\r\nInstall Debian's python3-venv (apt-get install python3-venv).\r\n`);
    writeFileSync(marker, py.path);
  }
  const tag = base.version.split('.').slice(0, 2).join('.');
  for (const sub of ['Scripts', 'Lib\\site-packages', 'Include']) mkdirSync(s.toReal(`${target}\\${sub}`), { recursive: true });
  writeFileSync(s.toReal(`${target}\\pyvenv.cfg`), `home = ${base.dir}\r\ninclude-system-site-packages = false\r\nversion = ${base.version}\r\nexecutable = ${base.dir}\\python.exe\r\ncommand = ${base.dir}\\python.exe -m venv ${target}\r\n`);
  for (const f of ['python.exe', 'pythonw.exe', 'pip.exe']) s.writeProgram(`${target}\\Scripts\\${f}`, `SIMULATED ${f} (venv of Python ${tag}; runs the real interpreter in ${realDir})\r\n`);
  writeFileSync(s.toReal(`${target}\\Scripts\\activate.bat`), `@echo off\r\nset "VIRTUAL_ENV=${target}"\r\nset "PATH=%VIRTUAL_ENV%\\Scripts;%PATH%"\r\n`);
  s.state.venvs[key] = { winDir: target.replace(/\\+$/, ''), realDir, basePython, machine: py.machine, playedBy: py.version };
  // What ensurepip leaves in a new venv, with its metadata folders (pip list and the packages check read them).
  s.state.pipPackages[key] = Object.fromEntries(Object.entries(venvBundled(tag)).map(([n, version]) => [n, { version, simulated: true }]));
  writeDistInfos(s, target.replace(/\\+$/, ''), s.state.pipPackages[key]);
  s.noteSimulated(
    py.machine
      ? `The virtual environment ${target} (Python ${base.version}) is backed by a real venv of ${py.path} (Python ${py.version}) with --system-site-packages: the machine's Debian packages are visible, the store's pinned versions first.`
      : `The virtual environment ${target} (Python ${base.version}) is backed by a real venv of ${py.path} (Python ${py.version}) without the system's packages: it sees only what pip installed (the store's folders, the machine's distributions linked by name).`,
  );
  s.save();
  return res(0, '', true);
}

/** Where a simulated interpreter's libraries are on the server (for the paths in its tracebacks). */
export function pythonPlaces(s: SimulatedServer, exe: string): PythonPlaces {
  const venv = s.venvForPython(exe);
  const base = s.pythonAt(venv?.basePython ?? exe);
  return { ...(venv ? { venv: { winDir: venv.winDir, realDir: venv.realDir } } : {}), ...(base ? { baseDir: base.dir } : {}) };
}

/** Runs the real interpreter with Windows paths mapped, and maps paths in its output back. */
async function runReal(s: SimulatedServer, realPy: string, args: string[], opts: ExecOptions, mutating: boolean, places: PythonPlaces = {}): Promise<ProgramResult> {
  if (!existsSync(realPy)) return res(9009, `The simulator needs a real Python at ${realPy} (apt-get install python3 python3-django python3-venv).\r\n`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) env[k] = mapArg(s, v);
  const onLine = opts.onLine;
  const r = await runProcess(realPy, args.map((a) => mapArg(s, a)), {
    cwd: opts.cwd ? s.toReal(opts.cwd) : undefined,
    env: { PYTHONDONTWRITEBYTECODE: '1', ...env, ...simPythonEnv(s, env.PYTHONPATH) },
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    onLine: onLine ? (stream, line) => onLine(stream, s.mapOutput(line, places)) : undefined,
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
  });
  return { exitCode: r.exitCode, stdout: s.mapOutput(r.stdout, places), stderr: s.mapOutput(r.stderr, places), mutating };
}

/** Classifies a Django management command as changing the server or not. */
function manageMutates(args: string[]): boolean {
  const i = args.findIndex((a) => /manage\.py$/i.test(a));
  const cmd = i >= 0 ? args[i + 1] : args[args.indexOf('django') + 1];
  if (args.includes('--dry-run') || args.includes('--check')) return false;
  return ['collectstatic', 'startproject', 'startapp', 'migrate', 'createsuperuser'].includes(cmd ?? '');
}

export async function runPython(s: SimulatedServer, exe: string, args: string[], opts: ExecOptions): Promise<ProgramResult> {
  const base = s.pythonAt(exe);
  const venv = s.venvForPython(exe);
  if (!base && !venv) return res(9009, `${exe} is not a Python interpreter on this server.\r\n`);
  const version = base?.version ?? s.pythonAt(venv?.basePython ?? '')?.version ?? '3.13.0';
  if (args[0] === '--version' || args[0] === '-V') return res(0, `Python ${version}\r\n`);
  if (args[0] === '-m' && args[1] === 'venv') {
    const target = args.filter((a, i) => i > 1 && !a.startsWith('-')).at(-1);
    if (!target) return res(2, 'usage: venv [-h] [--system-site-packages] [--symlinks | --copies] [--clear] [--upgrade] [--without-pip] ENV_DIR [ENV_DIR ...]\r\nvenv: error: the following arguments are required: ENV_DIR\r\n');
    return createVenv(s, venv?.basePython ?? exe, target, opts);
  }
  if (args[0] === '-m' && args[1] === 'pip') {
    if (!venv) return res(1, 'The simulator models pip inside virtual environments only; run it with the venv\'s Scripts\\python.exe.\r\n');
    return pip(s, venv, args.slice(2), opts);
  }
  const realPy = venv ? path.join(venv.realDir, 'bin', 'python') : realPythonForBase(s, exe);
  return runReal(s, realPy, args, opts, manageMutates(args), pythonPlaces(s, exe));
}
