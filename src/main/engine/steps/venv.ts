/** Virtual environment: created with the all-users Python; pip upgraded (or left as is offline). */
import { samePath, winJoin } from '../../../shared/winpath';
import { pipIndexArgs } from '../commands';
import { parsePyvenvCfg } from '../parsers';
import { objectKey } from '../ownership';
import { blocked, done, exec, needed, psq, type Step } from '../step';

export const venv: Step = {
  id: 'venv',
  title: 'Create the virtual environment',
  section: 'venv',
  dependsOn: ['python'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const cfgPath = winJoin(config.venvDir, 'pyvenv.cfg');
    if ((await host.exists(d.venvPython)) && (await host.exists(cfgPath))) {
      const home = parsePyvenvCfg(await host.readFile(cfgPath)).home ?? '';
      if (samePath(home, d.pythonDir)) return done(`${config.venvDir} exists and uses ${d.pythonDir}`);
      return blocked(`${config.venvDir} uses another Python (${home})`, {
        what: `The virtual environment ${config.venvDir} was made with ${home}, not ${d.pythonDir}.`,
        why: 'A venv is tied to the Python that created it; mixing them breaks package installs.',
        fix: `Delete ${config.venvDir} (or choose another venvDir) and run again.`,
      });
    }
    const actions = [
      exec(`Create the virtual environment ${config.venvDir}`, d.pythonExe, ['-m', 'venv', config.venvDir], {
        creates: { object: objectKey.folder(config.venvDir), undo: [{ kind: 'remove', description: `Remove the virtual environment ${config.venvDir}`, path: config.venvDir }] },
      }),
      ...(config.wheelhouse ? [] : [exec('Upgrade pip in the virtual environment', d.venvPython, ['-m', 'pip', 'install', '--upgrade', 'pip', ...pipIndexArgs(config)])]),
    ];
    return needed(`${config.venvDir} does not exist`, actions);
  },
  psCheck: ({ d, config }) => `(Test-Path ${psq(d.venvPython)}) -and ((Get-Content ${psq(winJoin(config.venvDir, 'pyvenv.cfg'))} -ErrorAction SilentlyContinue) -match [regex]::Escape(${psq(d.pythonDir)}))`,
};
