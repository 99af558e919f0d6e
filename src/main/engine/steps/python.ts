/** Python: detect an all-users install (PEP 514 registry); install silently when missing. */
import { samePath, winJoin } from '../../../shared/winpath';
import { PSF_SIGNER, PYMANAGER_EXE, REG, TOOL_LOG_DIR, hasFullInstaller, pymanagerMsiPath, pymanagerMsiUrl, pythonInstallerArgs, pythonInstallerPath, pythonInstallerUrl } from '../commands';
import { parsePythonInstalls, parsePyvenvCfg } from '../parsers';
import { blocked, done, exec, needed, psq, query, signatureCheck, type CheckResult, type Step, type StepContext } from '../step';
import type { Action } from '../../../shared/plan';

export const python: Step = {
  id: 'python',
  title: 'Install Python for all users',
  section: 'python',
  dependsOn: ['preflight'],
  async check(ctx) {
    const { config, d } = ctx;
    if (!hasFullInstaller(d.pythonVersion)) return checkInstallManager(ctx);
    // A deployed server: the venv was made from this Python (its pyvenv.cfg says so) after this
    // check found it installed for all users; python.exe still there is enough (no registry read).
    const home = parsePyvenvCfg(await ctx.host.readFile(winJoin(config.venvDir, 'pyvenv.cfg')).catch(() => '')).home;
    if (home && samePath(home, d.pythonDir) && (await ctx.host.exists(d.pythonExe))) return done(`Python ${d.pythonTag} is installed for all users in ${d.pythonDir} (the venv ${config.venvDir} was made from it)`);
    const hklm = await query(ctx, REG, ['query', 'HKLM\\SOFTWARE\\Python\\PythonCore', '/s']);
    const hkcu = await query(ctx, REG, ['query', 'HKCU\\SOFTWARE\\Python\\PythonCore', '/s']);
    const installs = [...parsePythonInstalls(hklm?.stdout ?? '', 'HKLM'), ...parsePythonInstalls(hkcu?.stdout ?? '', 'HKCU')];
    const same = installs.filter((i) => i.tag === d.pythonTag);
    const here = same.find((i) => i.hive === 'HKLM' && samePath(i.installPath, d.pythonDir));
    if (here && (await ctx.host.exists(d.pythonExe))) return done(`Python ${d.pythonTag} is installed for all users in ${d.pythonDir}`);
    const elsewhere = same.find((i) => !samePath(i.installPath, d.pythonDir));
    if (elsewhere)
      return blocked(`Python ${d.pythonTag} is installed in ${elsewhere.installPath}`, {
        what: `Python ${d.pythonTag} is already installed ${elsewhere.hive === 'HKCU' ? 'for one user only' : 'for all users'} in ${elsewhere.installPath}, not in ${d.pythonDir}.`,
        why:
          elsewhere.hive === 'HKCU'
            ? 'A per-user install lives under %LocalAppData%, which the IIS application pool identity cannot read ("The FastCGI process exited unexpectedly"); the installer also refuses a second install of the same version (exit 1638).'
            : 'The installer refuses a second install of the same Python version (exit 1638).',
        fix: elsewhere.hive === 'HKCU' ? `Uninstall that per-user Python (Settings > Apps), then run again.` : `Set pythonDir to "${elsewhere.installPath}" in the configuration, or uninstall that Python first.`,
      });
    const installer = pythonInstallerPath(config, d);
    const actions: Action[] = [{ kind: 'mkdir', description: 'Create the tool\'s log folder', path: TOOL_LOG_DIR }];
    if (!config.pythonInstaller) actions.push({ kind: 'download', description: `Download the official Python ${d.pythonVersion} installer`, url: pythonInstallerUrl(d.pythonVersion), path: installer });
    actions.push(signatureCheck(installer, PSF_SIGNER));
    actions.push(exec(`Install Python ${d.pythonVersion} for all users into ${d.pythonDir} (silent)`, installer, pythonInstallerArgs(d), { restartExitCodes: [3010] }));
    return needed(`Python ${d.pythonTag} is not installed in ${d.pythonDir}`, actions);
  },
  psCheck: ({ d }) =>
    !hasFullInstaller(d.pythonVersion)
      ? `(Test-Path ${psq(d.pythonExe)}) -and ((& ${psq(d.pythonExe)} --version) -like ${psq(`Python ${d.pythonTag}*`)})`
      : `(Test-Path ${psq(d.pythonExe)}) -and ((Get-ItemProperty -Path ${psq(`HKLM:\\SOFTWARE\\Python\\PythonCore\\${d.pythonTag}\\InstallPath`)} -ErrorAction SilentlyContinue).'(default)' -like ${psq(`${d.pythonDir}*`)})`,
  explain(action, r, { config }) {
    if (r.exitCode === 1638)
      return {
        what: 'The Python installer found another version of the same Python already installed (exit 1638).',
        why: 'Only one installation of each Python X.Y is allowed.',
        fix: `Set pythonDir to the existing installation, or uninstall it first, then run again.`,
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
      };
    if (r.exitCode === 1603)
      return {
        what: 'The Python installer failed (exit 1603, fatal error during installation).',
        why: 'Often: not elevated, a pending Windows restart, or a damaged earlier install.',
        fix: `Read ${TOOL_LOG_DIR}\\python-install.log, restart Windows if an update is pending, and run again.`,
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
      };
    if (r.exitCode === 1602)
      return { what: 'The Python installer was cancelled (exit 1602).', why: 'It did not run unattended.', fix: `Run again; if it persists, run ${config.pythonInstaller ?? 'the installer'} by hand with /quiet.`, command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};

/**
 * Python 3.16+: no full installer. The runtime is detected by its folder (python.exe answering
 * the right version), not the registry, and installed with the Python install manager.
 */
async function checkInstallManager(ctx: StepContext): Promise<CheckResult> {
  const { config, d, host } = ctx;
  if (await host.exists(d.pythonExe)) {
    const v = await query(ctx, d.pythonExe, ['--version']);
    const got = /Python (\d+\.\d+)/.exec(v?.stdout ?? '')?.[1];
    if (got === d.pythonTag) return done(`Python ${d.pythonTag} is in ${d.pythonDir} (installed with the Python install manager; found by its folder)`);
    return blocked(`${d.pythonExe} is Python ${got ?? '(unknown)'}`, {
      what: `${d.pythonExe} exists but is Python ${got ?? '(it did not answer --version)'}, not ${d.pythonTag}.`,
      why: 'The install manager would not install into a folder that holds another Python.',
      fix: `Set pythonDir to an empty folder (for example C:\\Python${d.pythonTag.replace('.', '')}), or remove that Python first.`,
    });
  }
  const actions: Action[] = [{ kind: 'mkdir', description: "Create the tool's log folder", path: TOOL_LOG_DIR }];
  if (!(await host.exists(PYMANAGER_EXE))) {
    actions.push({ kind: 'download', description: 'Download the Python install manager (MSI, per machine)', url: pymanagerMsiUrl(), path: pymanagerMsiPath() });
    actions.push(signatureCheck(pymanagerMsiPath(), PSF_SIGNER));
    actions.push(exec('Install the Python install manager for all users (msiexec, silent)', 'msiexec.exe', ['/i', pymanagerMsiPath(), '/qn', '/norestart', '/l*v', `${TOOL_LOG_DIR}\\pymanager-install.log`], { restartExitCodes: [3010] }));
  }
  actions.push(exec(`Install Python ${d.pythonTag} into ${d.pythonDir} with the install manager`, PYMANAGER_EXE, ['install', `--target=${d.pythonDir}`, d.pythonTag]));
  const manager = config.pythonInstaller ? ' (pythonInstaller is ignored: there is no full installer for this version)' : '';
  return needed(`Python ${d.pythonTag} is not in ${d.pythonDir}; NEW: ${d.pythonTag} has no full installer, so the Python install manager installs it (this path has not been tested on a Windows server yet)${manager}`, actions);
}
