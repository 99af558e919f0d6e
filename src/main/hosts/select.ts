/** Chooses the host: the simulated server for --simulate DIR, the real one on Windows. */
import type { Host } from '../engine/host';
import { SimulatedHost } from './simulated/sim-host';
import type { Scenario } from './simulated/server';
import { WindowsHost } from './windows/windows-host';

export class HostSelectionError extends Error {}

export function selectHost(opts: { simulate?: string; scenario?: Scenario; lenientPackages?: boolean }): Host {
  if (opts.simulate) return new SimulatedHost(opts.simulate, opts.scenario ?? {}, { lenientPackages: opts.lenientPackages ?? false });
  if (process.platform !== 'win32')
    throw new HostSelectionError('This is not Windows, so there is no IIS to deploy to. Rehearse on the simulated Windows Server instead: add --simulate DIR (DIR is created fresh when empty).');
  return new WindowsHost();
}
