/** What every command that touches a server shares: the confirmation before a change, and the host (the real server, or --simulate DIR). */
import type { Host } from '../engine/host';
import { selectHost } from '../hosts/select';
import { SimulatedHost } from '../hosts/simulated/sim-host';
import { type CliIo, NotElevatedError, type Options, UsageError } from './options';

/** Asks before a command changes the server (unless --yes): undefined to go on, else the exit code. */
export async function confirmChange(o: Options, io: CliIo, command: string, question: string): Promise<number | undefined> {
  if (o.yes) return undefined;
  const ok = io.confirm ? await io.confirm(question) : undefined;
  if (ok === undefined) {
    io.err(`${command} changes the server and there is no terminal to ask on: add --yes to confirm.`);
    return 2;
  }
  return ok ? undefined : 1;
}

export async function withHost<T>(o: Options, fn: (h: Host) => Promise<T>): Promise<T> {
  if (o.faults && !o.simulate) throw new UsageError('--sim-fault needs --simulate DIR.');
  if (o.lenientPackages && !o.simulate) throw new UsageError('--sim-lenient-packages needs --simulate DIR (it changes only the simulated pip).');
  const host = selectHost({ ...(o.simulate ? { simulate: o.simulate } : {}), scenario: o.scenario, lenientPackages: o.lenientPackages });
  if (host instanceof SimulatedHost) for (const f of o.faults ?? []) host.server.addFault(f);
  try {
    // IIS's configuration, DISM, icacls and the services need an administrator; reading them does too.
    // Said first and plainly (a console exe cannot raise its own rights), before anything is read or changed.
    const info = await host.info();
    if (!info.elevated) throw new NotElevatedError(info.kind === 'simulated' ? 'The simulated server runs this tool without administrator rights (--sim-not-elevated).' : 'This command prompt is not elevated.');
    return await fn(host);
  } finally {
    await host.dispose();
  }
}
