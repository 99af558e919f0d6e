/**
 * The PowerShell export as the command line and the wizard call it: the engine plans against a
 * throw-away simulated Windows Server (a blank server: the script is what apply would run on a
 * fresh one) and renders the script. Kept out of the engine, which imports no host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentConfig } from '../../shared/config';
import { exportPowerShellWith, type ExportTarget } from '../engine/export-powershell';
import { SimulatedHost } from '../hosts/simulated/sim-host';

export { EXPORT_TARGETS, ExportError, legacyNativeArg, renderPowerShell, type ExportTarget } from '../engine/export-powershell';

export async function exportPowerShell(input: DeploymentConfig, opts: { windows?: ExportTarget } = {}): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'django-iis-export-'));
  const host = new SimulatedHost(dir);
  try {
    return await exportPowerShellWith(input, host, opts);
  } finally {
    await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
