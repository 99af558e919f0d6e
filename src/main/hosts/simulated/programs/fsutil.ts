/** SIMULATED fsutil.exe volume diskfree. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { words } from '../language';
import { res, lower } from './result';

export function runFsutil(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!(lower(args[0] ?? '') === 'volume' && lower(args[1] ?? '') === 'diskfree')) return res(1, 'The simulator models only "fsutil volume diskfree C:".\r\n');
  if (!s.state.elevated) return res(1, 'Error:  Access is denied.\r\n');
  const free = s.state.freeDiskBytes;
  const fmt = (n: number) => `${n.toLocaleString(s.state.language ?? 'en-US')} (${(n / 1024 ** 3).toFixed(1).padStart(5)} GB)`;
  const [l1, l2, l3] = words(s.state.language)?.freeBytes ?? ['Total free bytes                ', 'Total bytes                     ', 'Total quota free bytes          '];
  return res(0, `${l1}: ${fmt(free)}\r\n${l2}: ${fmt(136_363_114_496)}\r\n${l3}: ${fmt(free)}\r\n`);
}
