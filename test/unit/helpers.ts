/** Shared test helpers: a deployed simulated server, cloned per test so each starts the same. */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/** Hash of every file under DIR (paths and bytes), leaving out the simulator's own command log and counter. */
export function treeHash(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const rel = path.relative(root, full);
      if (rel === path.join('.sim', 'commands.jsonl') || rel === path.join('.sim', 'state.json')) continue;
      const st = statSync(full);
      h.update(`${rel}\n`);
      if (st.isDirectory()) walk(full);
      else h.update(readFileSync(full));
    }
  };
  walk(root);
  const state = path.join(root, '.sim', 'state.json');
  if (existsSync(state)) {
    const s = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
    delete s.commandCount;
    delete s.faults;
    h.update(JSON.stringify(s));
  }
  return h.digest('hex');
}


/** The Local Library fixture as the tests hand it over: copied to C:\drop\locallibrary on the server. */
export const LOCAL_LIBRARY = path.resolve('test/fixtures/locallibrary');

/** The Local Library's deployment as a team writes it (a site with a host name, its requirements, env, a generated key), with overrides. */
export function localLibraryInput(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteName: 'library',
    port: 8081,
    hostName: 'library.example.com',
    appDir: 'C:\\apps\\library',
    venvDir: 'C:\\virtualenvs\\library',
    djangoProject: { folder: 'C:\\drop\\locallibrary' },
    requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt',
    environment: { DJANGO_DEBUG: 'False' },
    secretKey: { env: 'DJANGO_SECRET_KEY' },
    verify: { urls: ['/catalog/'] },
    ...extra,
  };
}

/** The Local Library's deployment, parsed (see localLibraryInput). */
export function localLibraryConfig(extra: Record<string, unknown> = {}): DeploymentConfig {
  return config(localLibraryInput(extra));
}

/** A fresh simulated server with the Local Library at `drop` (C:\\drop\\locallibrary), its settings ending with `tail`. The caller disposes it and removes its root. */
export function libraryServer(tail: string, drop = 'C:\\drop\\locallibrary'): SimulatedHost {
  const h = new SimulatedHost(tmp('hostile-'));
  const real = h.server.toReal(drop);
  mkdirSync(path.dirname(real), { recursive: true });
  cpSync(LOCAL_LIBRARY, real, { recursive: true });
  if (tail) appendFileSync(path.join(real, 'locallibrary', 'settings.py'), `\n${tail}\n`);
  return h;
}

/** Every path the pool identity was granted something on (the simulated ACLs). */
export function grantedPaths(h: SimulatedHost): string[] {
  const state = JSON.parse(readFileSync(path.join(h.server.root, '.sim', 'state.json'), 'utf8')) as { acls: Record<string, { path: string; aces: { identity: string }[] }> };
  return Object.values(state.acls)
    .filter((a) => a.aces.some((x) => x.identity.toLowerCase().startsWith('iis apppool\\')))
    .map((a) => a.path);
}
