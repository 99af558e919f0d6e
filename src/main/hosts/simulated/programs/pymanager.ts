/** SIMULATED pymanager.exe (the Python install manager): install --target. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res, lower } from './result';

/** The install manager's runtimes: the newest release the simulator knows per version. */
const MANAGED_RUNTIMES: Record<string, string> = { '3.14': '3.14.6', '3.15': '3.15.0', '3.16': '3.16.0' };

/** pymanager install --target=DIR TAG (or -t DIR): a runtime in DIR, with no PEP 514 registry keys. */
export function runPymanager(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== 'install') return res(1, `The simulated install manager knows only "install --target=DIR TAG".\r\n`);
  let target: string | undefined;
  const tags: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    if (/^--target=/i.test(a)) target = a.slice('--target='.length);
    else if (a === '-t' || a === '--target') target = args[++i];
    else if (!a.startsWith('-')) tags.push(a);
  }
  const tag = tags[0];
  if (!target || !tag) return res(1, 'Usage: py install --target=DIR TAG\r\n');
  const version = MANAGED_RUNTIMES[tag] ?? (/^\d+\.\d+\.\d+$/.test(tag) ? tag : undefined);
  if (!version) return res(1, `No runtime matches '${tag}'.\r\n`);
  if (s.existsWin(`${target}\\python.exe`)) return res(1, `${target} already contains a Python runtime.\r\n`);
  s.registerPython(version, target, true, { registry: false });
  s.noteSimulated(`Python ${version} was "installed" into ${target} by the simulated install manager (no registry keys, as --target does; code runs on the machine's real Python).`);
  return res(0, `Installing Python ${version}.\r\nPython ${version} will be installed into ${target}\r\n`, true);
}
