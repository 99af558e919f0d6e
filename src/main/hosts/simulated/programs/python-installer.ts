/** SIMULATED CPython Windows installer: its switches and properties, registry entries and marker files. */
import { existsSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import type { ProgramResult } from '../appcmd';
import { APPHOST_PATH, type SimulatedServer } from '../server';
import { installerFileVersion } from '../../../../shared/config';
import { res, lower } from './result';

const INSTALLER_PROPERTIES = new Set(
  'InstallAllUsers TargetDir DefaultAllUsersTargetDir DefaultJustForMeTargetDir DefaultCustomTargetDir AssociateFiles CompileAll PrependPath AppendPath Shortcuts Include_doc Include_debug Include_dev Include_exe Include_launcher InstallLauncherAllUsers Include_lib Include_pip Include_symbols Include_tcltk Include_test Include_tools Include_freethreaded LauncherOnly SimpleInstall SimpleInstallDescription'
    .split(' ')
    .map(lower),
);

/**
 * The CPython Windows installer (Doc/using/windows.rst, "Installing without UI"): switches,
 * properties, registry (PEP 514) and exit codes 0, 3010, 1638, 1603, 1602 (UNCONFIRMED).
 */
export function runPythonInstaller(s: SimulatedServer, file: string, args: readonly string[]): ProgramResult {
  const version = installerFileVersion(file);
  if (!version) return res(1603, `${file} is not a CPython installer the simulator recognises (expected python-3.X.Y-amd64.exe).\r\n`);
  const props: Record<string, string> = {};
  let quiet = false;
  let logFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (/^\/(quiet|passive)$/i.test(a)) quiet = true;
    else if (/^\/log$/i.test(a)) logFile = args[++i];
    else if (/^\/(uninstall|layout|repair|modify|simple)$/i.test(a)) return res(87, `The switch ${a} is not modelled by the simulator.\r\n`);
    else if (/^[A-Za-z_]+=/.test(a)) {
      const [k, ...v] = a.split('=');
      if (!INSTALLER_PROPERTIES.has(lower(k as string))) return res(87, `Unknown installer property "${k}". Known properties are listed in the CPython docs (Installing without UI).\r\n`);
      props[lower(k as string)] = v.join('=');
    } else return res(87, `Unknown argument "${a}".\r\n`);
  }
  const log = (line: string) => {
    if (!logFile) return;
    try {
      mkdirSync(path.dirname(s.toReal(logFile)), { recursive: true });
      appendFileSync(s.toReal(logFile), `${line}\r\n`);
    } catch {
      /* the real installer ignores an unwritable log too */
    }
  };
  log(`[SIMULATED] Python ${version} installer started with: ${args.join(' ')}`);
  if (!quiet) {
    log('The installer window waits for a person; the simulator stands in for one who cancels.');
    return res(1602, 'The installer needs /quiet or /passive to run unattended; without it, it waits for a click (exit 1602, user cancel).\r\n');
  }
  const allUsers = props.installallusers === '1';
  if (allUsers && !s.state.elevated) {
    log('Error 0x80070005: Access is denied (all-users install without elevation).');
    return res(1603, 'Fatal error during installation (0x80070005: Access is denied).\r\n');
  }
  const [maj, min] = version.split('.');
  const tagDir = `Python${maj}${min}`;
  const target = props.targetdir || (allUsers ? `C:\\Program Files\\${tagDir}` : `C:\\Users\\Administrator\\AppData\\Local\\Programs\\Python\\${tagDir}`);
  const existing = Object.values(s.state.pythons).find((p) => p.version.split('.').slice(0, 2).join('.') === `${maj}.${min}`);
  if (existing) {
    const cmp = (a: string, b: string) => {
      const x = a.split('.').map(Number);
      const y = b.split('.').map(Number);
      for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    };
    if (cmp(existing.version, version) > 0 || lower(existing.dir) !== lower(target)) {
      log(`A newer or other installation of Python ${maj}.${min} exists at ${existing.dir}.`);
      return res(1638, `Another version of this product is already installed (Python ${existing.version} at ${existing.dir}). Installation of this version cannot continue.\r\n`);
    }
    if (cmp(existing.version, version) === 0) return res(0, `Python ${version} is already installed at ${existing.dir}.\r\n`, false);
  }
  s.registerPython(version, target, allUsers);
  if (props.prependpath === '1') {
    const envKey = allUsers ? 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment' : 'HKCU\\Environment';
    const cur = s.state.registry[envKey.toUpperCase()]?.values.Path?.data ?? '';
    s.setReg(envKey, 'Path', 'REG_EXPAND_SZ', `${target}\\Scripts\\;${target}\\;${cur}`);
  }
  if (props.include_pip === '0') writeFileSync(s.toReal(`${target}\\Scripts\\pip.exe.removed`), '');
  s.noteSimulated(`Python ${version} was "installed" by the simulated CPython installer (registry entries and marker files; code runs on the machine's real Python).`);
  s.save();
  log(`Installed Python ${version} to ${target}`);
  return res(0, '', true);
}

export function appHostExists(s: SimulatedServer): boolean {
  return existsSync(s.toReal(APPHOST_PATH));
}
