/** Shared test helpers: a deployed simulated server, cloned per test so each starts the same. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, parseConfig, type DeploymentConfig } from '../../src/shared/config';
import { run } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import type { Scenario } from '../../src/main/hosts/simulated/server';

export const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

export function config(input: Record<string, unknown> = {}): DeploymentConfig {
  const r = parseConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

let baseline: string | undefined;

/** A folder holding a simulated server where the default deployment succeeded (made once per file). */
export async function deployedBaseline(): Promise<string> {
  if (baseline) return baseline;
  const dir = tmp('baseline-');
  const host = new SimulatedHost(dir);
  try {
    const r = await run(defaultConfig(), host);
    if (r.outcome !== 'succeeded') throw new Error(`baseline deployment failed: ${JSON.stringify(r.problems)}`);
  } finally {
    await host.dispose();
  }
  baseline = dir;
  return dir;
}

/** A fresh copy of the deployed server, with its own host. */
export async function deployedCopy(): Promise<SimulatedHost> {
  const dir = tmp('copy-');
  cpSync(await deployedBaseline(), dir, { recursive: true });
  return new SimulatedHost(dir);
}

export function freshHost(scenario: Scenario = {}): SimulatedHost {
  return new SimulatedHost(tmp('fresh-'), scenario);
}

export const APPCMD = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';

export function editWin(host: SimulatedHost, winPath: string, f: (text: string) => string): void {
  const real = host.server.toReal(winPath);
  writeFileSync(real, f(readFileSync(real, 'utf8')));
}
