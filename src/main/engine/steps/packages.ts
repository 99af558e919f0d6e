/**
 * Packages: the application's requirements (read as pip reads them: includes, markers for this
 * Windows server, extras, == pins), Django and wfastcgi, in the venv (offline wheelhouse when
 * configured). Done when every requirement that applies here is installed, and every == pin
 * has its version.
 */
import { winJoin } from '../../../shared/winpath';
import type { Action } from '../../../shared/plan';
import { pipIndexArgs } from '../commands';
import type { Host } from '../host';
import { parsePipList } from '../parsers';
import { canonicalName } from '../requirements';
import { readRequirementsFile } from '../requirements-read';
import { RefusedError } from '../refusal';
import { journalPath } from '../ownership';
import { blocked, done, exec, needed, psq, query, type Step } from '../step';
import { wheelhouseMissing } from '../../../shared/wheelhouse';

/**
 * The distributions installed in a venv, by their metadata folders (<name>-<version>.dist-info or
 * .egg-info in Lib\site-packages), as importlib.metadata and pip list find them; undefined when the
 * folder cannot be read.
 */
export async function installedDistributions(host: Host, venvDir: string): Promise<Record<string, string> | undefined> {
  const names = await host.readDir(winJoin(venvDir, 'Lib', 'site-packages')).catch(() => undefined);
  if (!names) return undefined;
  const out: Record<string, string> = {};
  for (const n of names) {
    const m = /^(.+?)-([^-]+?)(?:-py[\d.]+)?\.(?:dist|egg)-info$/i.exec(n);
    if (m) out[canonicalName(m[1] as string)] = m[2] as string;
  }
  return out;
}

/**
 * Whether an installed version is what an == pin asks (PEP 440): "==5.2.*" is a prefix match
 * (5.2, 5.2.18), "==5.2" equals 5.2.0 (zeros padded), "===" compares the strings.
 */
export function pinMatches(specifier: string, installed: string): boolean {
  const m = /^(===?)\s*([^,\s]+)$/.exec(specifier);
  if (!m) return true;
  const want = m[2] as string;
  if (m[1] === '===') return installed === want;
  const release = (v: string) => v.replace(/^v/i, '').split(/[+]/)[0]?.split('.') ?? [];
  if (want.endsWith('.*')) {
    const prefix = release(want.slice(0, -2));
    const have = release(installed);
    return prefix.every((p, i) => Number(p) === Number(have[i] ?? '0'));
  }
  const a = release(want);
  const b = release(installed);
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i).every((i) => (/^\d+$/.test(a[i] ?? '0') && /^\d+$/.test(b[i] ?? '0') ? Number(a[i] ?? '0') === Number(b[i] ?? '0') : (a[i] ?? '') === (b[i] ?? '')));
}

/** Where the requirements read from a lock or pyproject.toml are written for pip: beside the deployment's journal. */
export function derivedRequirementsPath(siteName: string, source: string): string {
  return `${journalPath(siteName).replace(/\.json$/i, '')}.requirements-from-${(source.split('\\').at(-1) ?? 'dependencies').replace(/[^A-Za-z0-9_.-]/g, '_')}.txt`;
}

export const packages: Step = {
  id: 'packages',
  title: 'Install Django and wfastcgi (or waitress)',
  section: 'venv',
  dependsOn: ['venv'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const read = config.requirementsFile ? await readRequirementsFile(host, config, config.requirementsFile, d.pythonVersion) : undefined;
    // Refused lines stop the step before pip runs (the plan refuses them already when it can read the file).
    if (read?.problems.length) throw new RefusedError(read.problems);
    const reqs = read?.reqs ?? [];
    // wfastcgi for FastCGI; waitress for HttpPlatformHandler.
    const server = d.server === 'httpplatform' ? 'waitress' : 'wfastcgi';
    const names = [...new Set([...reqs.map((r) => r.name), 'django', server])];
    let installed: Record<string, string> = {};
    if (await host.exists(d.venvPython)) {
      // What pip list itself reads: the distributions' metadata folders in site-packages (no process).
      const fromFolder = await installedDistributions(host, config.venvDir);
      if (fromFolder) installed = fromFolder;
      else {
        const r = await query(ctx, d.venvPython, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check']);
        if (r?.exitCode === 0) installed = Object.fromEntries(Object.entries(parsePipList(r.stdout)).map(([k, v]) => [canonicalName(k), v]));
      }
    }
    const missing = names.filter((n) => !installed[n]);
    // Offline: everything pip will be asked for must be in the wheelhouse, checked before anything runs.
    const serverFile = d.server === 'wfastcgi' ? await host.exists(d.wfastcgiScript) : true;
    if (config.wheelhouse && (missing.length || !serverFile)) {
      const files = await host.readDir(config.wheelhouse).catch(() => undefined);
      if (!files)
        return blocked(`the wheelhouse ${config.wheelhouse} does not exist`, {
          what: `The wheelhouse ${config.wheelhouse} does not exist on this server.`,
          why: 'With "wheelhouse" set, pip installs offline from that folder only (--no-index --find-links).',
          fix: `Copy the wheelhouse to ${config.wheelhouse}, or remove "wheelhouse" from the configuration to install from pypi.org.`,
        });
      const needs = [...reqs.filter((r) => missing.includes(r.name)), ...(['django', server].filter((n) => missing.includes(n) && !reqs.some((r) => r.name === n)).map((n) => ({ name: n, specifier: '' })))];
      if (!needs.some((n) => n.name === server) && !serverFile) needs.push({ name: server, specifier: '' });
      const lacks = wheelhouseMissing(files, needs, d.pythonVersion);
      if (lacks.length)
        return blocked(`the wheelhouse lacks ${lacks.length} distribution${lacks.length === 1 ? '' : 's'}`, {
          what: `The wheelhouse ${config.wheelhouse} lacks: ${lacks.join('; ')}.`,
          why: 'pip installs offline from the wheelhouse only; a missing file stops it half-way. (Dependencies of these packages are checked by pip itself when it runs.)',
          fix: `On a machine with internet access: pip download -d wheelhouse ${config.requirementsFile ? '-r requirements.txt ' : ''}django ${server === 'waitress' ? 'waitress ' : ''}setuptools --only-binary=:all: --platform win_amd64 --python-version ${d.pythonVersion.split('.').slice(0, 2).join('.')}${server === 'wfastcgi' ? ', then pip download -d wheelhouse wfastcgi --no-deps --no-binary=wfastcgi (it exists only as a source archive; a wider --no-binary=:all: keeps pip from building it with the setuptools wheel)' : ''}; copy the files into ${config.wheelhouse} and run again.`,
        });
    }
    const wrongPins = reqs.filter((r) => /^===?[^,]+$/.test(r.specifier) && installed[r.name] && !pinMatches(r.specifier, installed[r.name] ?? ''));
    if (missing.length === 0 && wrongPins.length === 0 && serverFile) return done(`installed: ${names.map((n) => `${n} ${installed[n] ?? ''}`).join(', ')}`);
    const actions: Action[] = [];
    if (config.requirementsFile && read?.derived !== undefined) {
      // A lock or pyproject.toml: pip is given the requirements read from it (exact pins and hashes), written in the tool's folder.
      const file = derivedRequirementsPath(config.siteName, config.requirementsFile);
      actions.push({ kind: 'writeFile', description: `Write the requirements read from ${config.requirementsFile} (${read.source.pinned} pinned) for pip`, path: file, content: read.derived.replace(/\r?\n/g, '\r\n') });
      actions.push(exec(`Install the application's requirements (from ${config.requirementsFile})`, d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), '-r', file]));
    } else if (config.requirementsFile) actions.push(exec(`Install the application's requirements (${config.requirementsFile})`, d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), '-r', config.requirementsFile]));
    actions.push(exec(`Install Django and ${server}`, d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), 'django', server]));
    const why = [missing.length ? `missing: ${missing.join(', ')}` : '', wrongPins.length ? `pinned versions differ: ${wrongPins.map((r) => `${r.name} ${installed[r.name] ?? ''} (wants ${r.specifier})`).join(', ')}` : '', !serverFile ? `${d.wfastcgiScript} is missing` : ''].filter((x) => x);
    return needed(why.join('; '), actions);
  },
  psCheck: ({ d }) =>
    `${d.server === 'wfastcgi' ? `(Test-Path ${psq(d.wfastcgiScript)}) -and ` : ''}((& ${psq(d.venvPython)} ${['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'].map(psq).join(' ')} | ConvertFrom-Json).name -contains ${psq(d.server === 'wfastcgi' ? 'Django' : 'waitress')})`,
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
