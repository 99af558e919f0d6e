/** Packages: the app's requirements, Django and wfastcgi, in the venv (offline wheelhouse when configured). */
import { pipIndexArgs } from '../commands';
import { parsePipList, parseRequirements } from '../parsers';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const packages: Step = {
  id: 'packages',
  title: 'Install Django and wfastcgi',
  section: 'venv',
  dependsOn: ['venv'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const wanted = ['django', 'wfastcgi'];
    let reqNames: string[] = [];
    if (config.requirementsFile && (await host.exists(config.requirementsFile))) reqNames = parseRequirements(await host.readFile(config.requirementsFile));
    const all = [...new Set([...reqNames, ...wanted])];
    let installed: Record<string, string> = {};
    if (await host.exists(d.venvPython)) {
      const r = await query(ctx, d.venvPython, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check']);
      if (r?.exitCode === 0) installed = parsePipList(r.stdout);
    }
    const missing = all.filter((n) => !installed[n]);
    const wfastcgiFile = await host.exists(d.wfastcgiScript);
    if (missing.length === 0 && wfastcgiFile) return done(`installed: ${all.map((n) => `${n} ${installed[n]}`).join(', ')}`);
    const actions: Action[] = [];
    if (config.requirementsFile) actions.push(exec(`Install the application's requirements (${config.requirementsFile})`, d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), '-r', config.requirementsFile]));
    actions.push(exec('Install Django and wfastcgi', d.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...pipIndexArgs(config), 'django', 'wfastcgi']));
    return needed(missing.length ? `missing: ${missing.join(', ')}` : `${d.wfastcgiScript} is missing`, actions);
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

