/** SIMULATED reg.exe: query, add and delete against the simulated registry. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { words } from '../language';
import { res, lower } from './result';

const HIVES: Record<string, string> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER', HKEY_LOCAL_MACHINE: 'HKEY_LOCAL_MACHINE', HKEY_CURRENT_USER: 'HKEY_CURRENT_USER' };

function normKey(k: string): string {
  const [hive, ...rest] = k.split('\\');
  const long = HIVES[(hive ?? '').toUpperCase()];
  const short = long === 'HKEY_LOCAL_MACHINE' ? 'HKLM' : long === 'HKEY_CURRENT_USER' ? 'HKCU' : (hive ?? '');
  return [short, ...rest].join('\\').toUpperCase();
}

function displayKey(stored: string): string {
  const [hive, ...rest] = stored.split('\\');
  return [HIVES[(hive ?? '').toUpperCase()] ?? hive, ...rest].join('\\');
}

export function runReg(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [op, key, ...rest] = args;
  if (lower(op ?? '') !== 'query' || !key) return res(1, 'ERROR: Invalid syntax.\r\nType "REG QUERY /?" for usage.\r\n');
  const k = normKey(key);
  const recursive = rest.some((a) => lower(a) === '/s');
  const vIdx = rest.findIndex((a) => lower(a) === '/v');
  const valueName = vIdx >= 0 ? rest[vIdx + 1] : undefined;
  const w = words(s.state.language);
  const notFound = res(1, `${w?.regNotFound ?? 'ERROR: The system was unable to find the specified registry key or value.'}\r\n`);
  const keys = Object.keys(s.state.registry)
    .filter((x) => x === k || (recursive && x.startsWith(`${k}\\`)))
    .sort();
  const exists = keys.length > 0 || Object.keys(s.state.registry).some((x) => x.startsWith(`${k}\\`));
  if (!exists) return notFound;
  const out: string[] = [''];
  let hits = 0;
  for (const kk of keys) {
    const entry = s.state.registry[kk];
    if (!entry) continue;
    const vals = Object.entries(entry.values).filter(([n]) => valueName === undefined || lower(n) === lower(valueName));
    if (valueName !== undefined && vals.length === 0) continue;
    out.push(displayKey(entry.key));
    for (const [n, v] of vals) {
      out.push(`    ${n === '(Default)' && w ? w.regDefault : n}    ${v.type}    ${v.data}`);
      hits++;
    }
    out.push('');
  }
  if (!recursive) {
    for (const sub of [...new Set(Object.keys(s.state.registry).filter((x) => x.startsWith(`${k}\\`)).map((x) => x.slice(0, x.indexOf('\\', k.length + 1) > 0 ? x.indexOf('\\', k.length + 1) : undefined)))]) {
      if (valueName === undefined) out.push(displayKey(s.state.registry[sub]?.key ?? sub));
    }
  }
  if (valueName !== undefined && hits === 0) return notFound;
  if (recursive) out.push(`End of search: ${hits} match(es) found.`);
  return res(0, `${out.join('\r\n')}\r\n`);
}
