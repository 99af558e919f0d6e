/** SIMULATED sc.exe: query and start of the simulated services. */
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { words } from '../language';
import { res, lower } from './result';

export function runSc(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [op, name] = args;
  const svcKey = Object.keys(s.state.services).find((k) => lower(k) === lower(name ?? ''));
  if (!svcKey) return res(1060, `[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n`);
  const svc = s.state.services[svcKey] as { displayName: string; state: 'RUNNING' | 'STOPPED' };
  const o = lower(op ?? '');
  if (o === 'start' || o === 'stop') {
    if (!s.state.elevated) return res(5, `[SC] StartService: OpenService FAILED 5:\r\n\r\nAccess is denied.\r\n\r\n`);
    // As Windows: starting a running service fails with 1056, stopping a stopped one with 1062.
    if (o === 'start' && svc.state === 'RUNNING') return res(1056, `[SC] StartService FAILED 1056:\r\n\r\nAn instance of the service is already running.\r\n\r\n`);
    if (o === 'stop' && svc.state === 'STOPPED') return res(1062, `[SC] ControlService FAILED 1062:\r\n\r\nThe service has not been started.\r\n\r\n`);
    svc.state = o === 'start' ? 'RUNNING' : 'STOPPED';
    s.save();
  } else if (o !== 'query') {
    return res(1, `[SC] The simulator knows query, start and stop.\r\n`);
  }
  const st = svc.state === 'RUNNING' ? '4  RUNNING' : '1  STOPPED';
  const label = (words(s.state.language)?.state ?? 'STATE').padEnd(19);
  return res(0, `\r\nSERVICE_NAME: ${svcKey}\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n        ${label}: ${st}\r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n`, o !== 'query');
}
