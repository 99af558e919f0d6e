/**
 * The console exe's size and its start-up time under Wine (`django-iis-setup-cli.exe --version`):
 * a first start in a new Wine prefix, then warm starts with the prefix's wineserver kept up, and
 * the same bundle under this machine's Linux Node for comparison. Builds the exe when it is missing
 * (npm run package:cli); says why it measures nothing when Wine is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

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

export function consoleExeFigures(): ExeFigures {
  if (spawnSync('sh', ['-c', 'command -v wine'], { stdio: 'ignore' }).status !== 0) return { note: 'Wine is not installed (bash scripts/setup.sh installs it)' };
  if (!existsSync(EXE)) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package-cli.mjs')], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-wine-'));
  const env = { ...process.env, WINEPREFIX: path.join(dir, 'prefix'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  const wine = (args: string[]) => {
    const out = openSync(path.join(dir, 'out.txt'), 'w');
    const t = performance.now();
    const r = spawnSync('wine', args, { env, stdio: ['ignore', out, out], timeout: 300_000 });
    closeSync(out);
    if (r.status !== 0) throw new Error(`wine ${args.join(' ')}: exit ${r.status}: ${readFileSync(path.join(dir, 'out.txt'), 'utf8').slice(0, 500)}`);
    return performance.now() - t;
  };
  try {
    execFileSync('wineboot', ['-i'], { env, stdio: 'ignore', timeout: 300_000 });
    wine(['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f']);
    spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
    // First start: the prefix exists, its wineserver does not (as after a reboot).
    const firstStartMs = wine([EXE, '--version']);
    spawnSync('wineserver', ['-p'], { env, stdio: 'ignore' });
    const warmMs = Array.from({ length: 5 }, () => wine([EXE, '--version']));
    const linuxNodeMs = Array.from({ length: 5 }, () => {
      const t = performance.now();
      execFileSync(process.execPath, [BUNDLE, '--version'], { stdio: 'ignore' });
      return performance.now() - t;
    });
    return { exeBytes: statSync(EXE).size, bundleBytes: existsSync(BUNDLE) ? statSync(BUNDLE).size : 0, firstStartMs, warmMs, linuxNodeMs };
  } finally {
    spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
