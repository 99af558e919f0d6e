/**
 * The console exe's size and its start-up time under Wine (`django-iis-setup-cli.exe --version`):
 * a first start in a new Wine prefix, then warm starts with the prefix's wineserver kept up, and
 * the same bundle under this machine's Linux Node for comparison. Builds the exe when it is missing
 * (npm run package:cli); says why it measures nothing when Wine is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WinePrefix } from '../test/windows/wine';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXE = path.join(ROOT, 'dist', 'django-iis-setup-cli.exe');
const BUNDLE = path.join(ROOT, 'out', 'cli', 'django-iis-setup.cjs');

export interface ExeFigures {
  note?: string;
  exeBytes?: number;
  bundleBytes?: number;
  firstStartMs?: number;
  warmMs?: number[];
  linuxNodeMs?: number[];
}

export async function consoleExeFigures(): Promise<ExeFigures> {
  if (spawnSync('sh', ['-c', 'command -v wine'], { stdio: 'ignore' }).status !== 0) return { note: 'Wine is not installed (bash scripts/setup.sh installs it)' };
  if (!existsSync(EXE)) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package-cli.mjs')], { stdio: 'ignore' });
  // The Wine lane's own prefix handling (its own prefix, Windows 10, output to files).
  const wine = new WinePrefix(mkdtempSync(path.join(os.tmpdir(), 'bench-wine-')));
  const version = async () => {
    const r = await wine.run(EXE, ['--version']);
    if (r.code !== 0) throw new Error(`wine ${EXE} --version: exit ${r.code}: ${(r.stdout + r.stderr).slice(0, 500)}`);
    return r.ms;
  };
  try {
    wine.create();
    // First start: the prefix exists, its wineserver does not (as after a reboot).
    spawnSync('wineserver', ['-k'], { env: wine.env(), stdio: 'ignore' });
    const firstStartMs = await version();
    spawnSync('wineserver', ['-p'], { env: wine.env(), stdio: 'ignore' });
    const warmMs: number[] = [];
    for (let i = 0; i < 5; i++) warmMs.push(await version());
    const linuxNodeMs = Array.from({ length: 5 }, () => {
      const t = performance.now();
      execFileSync(process.execPath, [BUNDLE, '--version'], { stdio: 'ignore' });
      return performance.now() - t;
    });
    return { exeBytes: statSync(EXE).size, bundleBytes: existsSync(BUNDLE) ? statSync(BUNDLE).size : 0, firstStartMs, warmMs, linuxNodeMs };
  } finally {
    wine.dispose();
  }
}
