/** SIMULATED robocopy.exe. */
import { copyFileSync, cpSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res, countFiles } from './result';

/** robocopy SRC DST /E: exit codes are bit flags; 0 nothing copied, 1 files copied, 8+ failure. */
export function runRobocopy(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [src, dst] = args;
  if (!src || !dst) return res(16, 'ERROR : Invalid Parameter: robocopy SOURCE DESTINATION [options]\r\n');
  if (!s.isDirWin(src)) return res(16, `ERROR 2 (0x00000002) Accessing Source Directory ${src}\\\r\nThe system cannot find the file specified.\r\n`);
  // robocopy SRC DST file [file]...: only the files named (wildcards allowed) at the top of SRC.
  const files = args.slice(2).filter((a) => !a.startsWith('/'));
  if (files.length) {
    const res0 = files.map((f) => new RegExp(`^${f.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
    const real = s.toReal(src);
    const hits = readdirSync(real, { withFileTypes: true }).filter((e) => e.isFile() && res0.some((r) => r.test(e.name)));
    mkdirSync(s.toReal(dst), { recursive: true });
    for (const e of hits) copyFileSync(path.join(real, e.name), path.join(s.toReal(dst), e.name));
    return res(hits.length > 0 ? 1 : 0, `\r\n   ROBOCOPY     ::     Robust File Copy for Windows (simulated)\r\n  Source : ${src}\\\r\n    Dest : ${dst}\\\r\n   Files : ${files.join(' ')}\r\n  Copied : ${hits.length}\r\n`, true);
  }
  const n = countFiles(s.toReal(src)) - 1;
  // As robocopy: a junction or a symbolic link to a folder is followed (its files copied) unless
  // /XJ, which skips every junction and link (/XJD folders, /XJF files).
  const flags = args.slice(2).map((a) => a.toUpperCase());
  const skipLinks = flags.includes('/XJ');
  const isLink = (p: string) => {
    try {
      return lstatSync(p).isSymbolicLink();
    } catch {
      return false;
    }
  };
  // /XC /XN /XO together: only files the destination lacks are copied (nothing there is overwritten).
  const onlyMissing = ['/XC', '/XN', '/XO'].every((f) => flags.includes(f));
  cpSync(s.toReal(src), s.toReal(dst), { recursive: true, force: !onlyMissing, errorOnExist: false, ...(skipLinks ? { filter: (p: string) => !isLink(p) } : { dereference: true }) });
  return res(n > 0 ? 1 : 0, `\r\n-------------------------------------------------------------------------------\r\n   ROBOCOPY     ::     Robust File Copy for Windows (simulated)\r\n-------------------------------------------------------------------------------\r\n  Source : ${src}\\\r\n    Dest : ${dst}\\\r\n   Files : ${n}\r\n`, true);
}
