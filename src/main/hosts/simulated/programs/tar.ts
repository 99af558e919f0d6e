/** SIMULATED tar.exe (bsdtar, Windows 10 1803 / Server 2019 and later). */
import { mkdirSync } from 'node:fs';
import type { ExecOptions } from '../../../engine/host';
import { runProcess } from '../../process';
import { realPython } from '../python';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res } from './result';

/** tar -xf ZIP -C DIR (Windows 10+ bsdtar); the zip is extracted by the real Python's zipfile. */
export async function runTar(s: SimulatedServer, args: readonly string[], opts: ExecOptions): Promise<ProgramResult> {
  const f = args.indexOf('-xf');
  const c = args.indexOf('-C');
  const zip = f >= 0 ? args[f + 1] : undefined;
  const dir = c >= 0 ? args[c + 1] : undefined;
  if (!zip || !dir) return res(1, 'tar: the simulator models only: tar -xf ARCHIVE -C FOLDER\r\n');
  if (!s.existsWin(zip)) return res(1, `tar: Error opening archive: Failed to open '${zip}'\r\n`);
  mkdirSync(s.toReal(dir), { recursive: true });
  const r = await runProcess(realPython(), ['-m', 'zipfile', '-e', s.toReal(zip), s.toReal(dir)], { ...(opts.signal ? { signal: opts.signal } : {}) });
  return res(r.exitCode === 0 ? 0 : 1, s.mapOutput(r.stdout + r.stderr), r.exitCode === 0);
}
