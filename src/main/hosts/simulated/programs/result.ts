/** What every simulated program returns, and the helpers they share. */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProgramResult } from '../appcmd';

export const res = (exitCode: number, stdout: string, mutating = false, stderr = ''): ProgramResult => ({ exitCode, stdout, stderr, mutating });
export const lower = (s: string): string => s.toLowerCase();

export function countFiles(real: string): number {
  let n = 1;
  try {
    if (lstatSync(real).isDirectory()) for (const e of readdirSync(real)) n += countFiles(path.join(real, e));
  } catch {
    /* ignore */
  }
  return n;
}
