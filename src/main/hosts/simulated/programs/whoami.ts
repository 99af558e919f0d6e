/** SIMULATED whoami.exe. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res, lower } from './result';

export function runWhoami(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== '/groups') return res(0, 'win-sim\\administrator\r\n');
  const label = s.state.elevated ? 'Mandatory Label\\High Mandatory Level   Label            S-1-16-12288' : 'Mandatory Label\\Medium Mandatory Level Label            S-1-16-8192';
  return res(0, `\r\nGROUP INFORMATION\r\n-----------------\r\n\r\nGroup Name                             Type             SID          Attributes\r\n====================================== ================ ============ ==================================================\r\nEveryone                               Well-known group S-1-1-0      Mandatory group, Enabled by default, Enabled group\r\nBUILTIN\\Administrators                 Alias            S-1-5-32-544 ${s.state.elevated ? 'Mandatory group, Enabled by default, Enabled group, Group owner' : 'Group used for deny only'}\r\n${label}\r\n`);
}
