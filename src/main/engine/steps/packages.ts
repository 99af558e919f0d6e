/**
 * Packages: the application's requirements (read as pip reads them: includes, markers for this
 * Windows server, extras, == pins), Django and wfastcgi, in the venv (offline wheelhouse when
 * configured). Done when every requirement that applies here is installed, and every == pin
 * has its version.
 */
import { winDirname, winJoin, isAbsoluteWindowsPath } from '../../../shared/winpath';
import type { Action } from '../../../shared/plan';
import { pipIndexArgs } from '../commands';
import type { Host } from '../host';
import { parsePipList } from '../parsers';
import { canonicalName, markerApplies, parseRequirementsFile, windowsMarkerEnv, type Requirement } from '../requirements';
import { done, exec, needed, psq, query, type Step } from '../step';

/** Every requirement of a requirements file and its -r includes that applies on this server. */
export async function readRequirements(host: Host, file: string, pythonVersion: string, seen = new Set<string>()): Promise<{ reqs: Requirement[]; notes: string[] }> {
  const reqs: Requirement[] = [];
  const notes: string[] = [];
  if (seen.has(file.toLowerCase()) || !(await host.exists(file))) return { reqs, notes };
  seen.add(file.toLowerCase());
  const env = windowsMarkerEnv(pythonVersion);
  for (const l of parseRequirementsFile(await host.readFile(file))) {
    if (l.kind === 'include') {
      if (l.constraint) continue;
      const inc = isAbsoluteWindowsPath(l.path) ? l.path : winJoin(winDirname(file), ...l.path.split(/[\\/]/));
      const sub = await readRequirements(host, inc, pythonVersion, seen);
      reqs.push(...sub.reqs);
      notes.push(...sub.notes);
    } else if (l.kind === 'requirement') {
      if (markerApplies(l.req, env)) reqs.push(l.req);
      else notes.push(`${l.req.name} is not for this server (${l.req.marker ?? ''})`);
    } else if (l.kind === 'unsupported') notes.push(`"${l.text}" is installed by pip as written (not checked by name)`);
  }
  return { reqs, notes };
}

export const packages: Step = {
  id: 'packages',
  title: 'Install Django and wfastcgi',
  section: 'venv',
  dependsOn: ['venv'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const reqs = config.requirementsFile ? (await readRequirements(host, config.requirementsFile, d.pythonVersion)).reqs : [];
    const names = [...new Set([...reqs.map((r) => r.name), 'django', 'wfastcgi'])];
    let installed: Record<string, string> = {};
    if (await host.exists(d.venvPython)) {
      const r = await query(ctx, d.venvPython, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check']);
      if (r?.exitCode === 0) installed = Object.fromEntries(Object.entries(parsePipList(r.stdout)).map(([k, v]) => [canonicalName(k), v]));
    }
    const missing = names.filter((n) => !installed[n]);
    const wrongPins = reqs.filter((r) => /^===?[^,]+$/.test(r.specifier) && installed[r.name] && installed[r.name] !== r.specifier.replace(/^===?/, ''));
    const wfastcgiFile = await host.exists(d.wfastcgiScript);
    if (missing.length === 0 && wrongPins.length === 0 && wfastcgiFile) return done(`installed: ${names.map((n) => `${n} ${installed[n] ?? ''}`).join(', ')}`);
    const actions: Action[] = [];
    if (config.requirementsFile) actions.push(exec(`Install the application's requirements (${config.requirementsFile})`, d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), '-r', config.requirementsFile]));
    actions.push(exec('Install Django and wfastcgi', d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), 'django', 'wfastcgi']));
    const why = [missing.length ? `missing: ${missing.join(', ')}` : '', wrongPins.length ? `pinned versions differ: ${wrongPins.map((r) => `${r.name} ${installed[r.name] ?? ''} (wants ${r.specifier})`).join(', ')}` : '', !wfastcgiFile ? `${d.wfastcgiScript} is missing` : ''].filter((x) => x);
    return needed(why.join('; '), actions);
  },
  psCheck: ({ d }) => `(Test-Path ${psq(d.wfastcgiScript)}) -and ((& ${psq(d.venvPython)} ${['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'].map(psq).join(' ')} | ConvertFrom-Json).name -contains 'Django')`,
  explain(action, r, { config }) {
    if (/No matching distribution|Could not find a version/i.test(r.stdout + r.stderr))
      return {
        what: 'pip could not find a package.',
        why: config.wheelhouse ? `It is not in the wheelhouse ${config.wheelhouse}.` : 'The server may have no internet access, or the name or version does not exist.',
        fix: config.wheelhouse ? 'Add the missing wheel to the wheelhouse (pip download -d on a connected machine).' : 'Give the server access to pypi.org, or prepare a wheelhouse and set "wheelhouse" in the configuration.',
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
        output: (r.stdout + r.stderr).trim().split(/\r?\n/).slice(-6).join('\n'),
      };
    return undefined;
  },
};
