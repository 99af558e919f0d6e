/** SIMULATED net.exe: `net session`, which succeeds only elevated. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res, lower } from './result';

export function runNet(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== 'session') return res(1, 'The syntax of this command is: NET SESSION (the only form the simulator models).\r\n');
  if (!s.state.elevated) return res(2, 'System error 5 has occurred.\r\n\r\nAccess is denied.\r\n\r\n');
  return res(0, 'There are no entries in the list.\r\n\r\n');
}
