/**
 * npm run bench: speed and memory figures (printed, never asserted).
 *  - a full deployment on a fresh simulated server, and a second (idempotent) run: ratio
 *  - plan (check-only) on a deployed server
 *  - appcmd interpretation throughput
 *  - the simulated IIS front: static file vs Django request latency
 *  - resident memory of this process around a deployment
 *  - the hand-over fixture (test/fixtures/locallibrary) deployed from a folder
 *  - on Windows, estimated: a latency profile per program (bench/windows-latency.ts) scheduled on the
 *    steps' dependency graph: wall time, critical path, one-step-at-a-time sum, processes by kind
 *  - releases (bench/releases.ts): a code-only update and one changed requirement, estimated for
 *    Windows, the time from the switch to the first new response, failed requests under load
 *  - the fault sweep: a failure at every mutating command, re-run, rollback, the other site untouched
 *  - the console exe (bench/console-exe.ts): its size and its start-up under Wine (--version)
 *  - the hand-off bundle (bench/bundle.ts): its size, build time with the real pip, offline rehearsal
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultConfig, parseConfig } from '../src/shared/config';
import { faultSweep, formatSweep } from '../test/unit/fault-sweep';
import { plan, run } from '../src/main/engine/engine';
import { runAppcmd } from '../src/main/hosts/simulated/appcmd';
import { SimulatedHost } from '../src/main/hosts/simulated/sim-host';
import { ProfilingHost, WINDOWS_COSTS } from './windows-latency';
import { bundleSizes, logThroughput } from './renderer';
import { consoleExeFigures } from './console-exe';
import { releaseFigures } from './releases';
import { bundleFigures } from './bundle';

const c = defaultConfig();
const ms = (t: number) => `${t.toFixed(0)} ms`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const host = new SimulatedHost(dir);
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  const first = await run(c, host);
  const tFirst = performance.now() - t;
  const rss1 = process.memoryUsage().rss;
  t = performance.now();
  const second = await run(c, host);
  const tSecond = performance.now() - t;
  t = performance.now();
  await plan(c, host);
  const tPlan = performance.now() - t;
  console.log(`full deployment (fresh server):   ${ms(tFirst)}  (${first.outcome}, ${first.mutatingCommands} changes)`);
  console.log(`second run (nothing to change):   ${ms(tSecond)}  (${second.mutatingCommands} changes)  ratio second/first ${(tSecond / tFirst).toFixed(2)}`);
  console.log(`plan on a deployed server:        ${ms(tPlan)}`);

  const N = 300;
  t = performance.now();
  for (let i = 0; i < N; i++) runAppcmd(host.server, ['list', 'config', 'foo/static', '-section:system.webServer/handlers', '/xml']);
  const tAppcmd = (performance.now() - t) / N;
  console.log(`appcmd list config (effective):   ${tAppcmd.toFixed(2)} ms each, ${(1000 / tAppcmd).toFixed(0)}/s`);

  const lat = async (url: string) => {
    const xs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      await host.http(url);
      xs.push(performance.now() - s);
    }
    return xs;
  };
  const st = await lat('http://localhost:81/static/admin/css/base.css');
  const dj = await lat('http://localhost:81/admin/login/');
  console.log(`static file via IIS front:        p50 ${pct(st, 50).toFixed(1)} ms, p95 ${pct(st, 95).toFixed(1)} ms`);
  console.log(`Django page via FastCGI front:    p50 ${pct(dj, 50).toFixed(1)} ms, p95 ${pct(dj, 95).toFixed(1)} ms  ratio django/static ${(pct(dj, 50) / pct(st, 50)).toFixed(1)}`);
  console.log(`resident memory:                  ${mb(rss0)} before, ${mb(rss1)} after a deployment (+${mb(rss1 - rss0)}), ${mb(process.memoryUsage().rss)} at the end`);
  await host.dispose();
  rmSync(dir, { recursive: true, force: true });

  // The project a team hands over (its own settings, environment, SQLite, media).
  const hdir = mkdtempSync(path.join(os.tmpdir(), 'bench-handover-'));
  const hh = new SimulatedHost(hdir);
  cpSync(path.resolve('test/fixtures/locallibrary'), hh.server.toReal('C:\\drop\\locallibrary'), { recursive: true });
  const pc = parseConfig({ siteName: 'library', port: 8081, hostName: 'library.example.com', appDir: 'C:\\apps\\library', venvDir: 'C:\\virtualenvs\\library', djangoProject: { folder: 'C:\\drop\\locallibrary' }, requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt', environment: { DJANGO_DEBUG: 'False' }, secretKey: { env: 'DJANGO_SECRET_KEY' } });
  if (pc.ok) {
    t = performance.now();
    const hf = await run(pc.config, hh);
    const tH1 = performance.now() - t;
    t = performance.now();
    const hs = await run(pc.config, hh);
    const tH2 = performance.now() - t;
    console.log(`hand-over fixture, first run:     ${ms(tH1)}  (${hf.outcome}, ${hf.mutatingCommands} changes); second run ${ms(tH2)} (${hs.mutatingCommands} changes) ratio ${(tH2 / tH1).toFixed(2)}`);
  }
  await hh.dispose();
  rmSync(hdir, { recursive: true, force: true });

  // What it would take on Windows: the latency profile (bench/windows-latency.ts, estimates) applied
  // to every program each step runs, scheduled on the steps' dependency graph.
  console.log(`\nOn Windows, estimated (latency profile: ${WINDOWS_COSTS.length} rows in bench/windows-latency.ts, estimates, none measured on Windows):`);
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const line = (label: string, e: ReturnType<ProfilingHost['estimate']>) =>
    console.log(
      `${label.padEnd(40)} ${s(e.wallMs)} estimated wall time; critical path ${s(e.criticalMs)} + ${s(e.outsideMs)} outside the steps; one step at a time ${s(e.serialMs + e.outsideMs)} (ratio ${((e.serialMs + e.outsideMs) / Math.max(1, e.wallMs)).toFixed(2)}); wall/critical ${(e.wallMs / Math.max(1, e.criticalMs + e.outsideMs)).toFixed(2)}; ${e.processCount} processes (${Object.entries(e.processes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}); slowest steps ${e.slowest.map(([id, x]) => `${id} ${s(x)}`).join(', ')}`,
    );
  const estimateFor = async (label: string, cfg: ReturnType<typeof defaultConfig>, prepare?: (h: SimulatedHost) => void) => {
    const edir = mkdtempSync(path.join(os.tmpdir(), 'bench-windows-'));
    const eh = new SimulatedHost(edir);
    prepare?.(eh);
    const prof = new ProfilingHost(eh);
    await run(cfg, prof.host);
    line(`${label}, fresh deployment:`, prof.estimate('dag'));
    prof.reset();
    await run(cfg, prof.host);
    line(`${label}, re-run (no change):`, prof.estimate('dag'));
    prof.reset();
    await plan(cfg, prof.host);
    line(`${label}, plan on deployed:`, prof.estimate('parallel'));
    await eh.dispose();
    rmSync(edir, { recursive: true, force: true });
  };
  await estimateFor('sample', c);
  if (pc.ok) await estimateFor('hand-over fixture', pc.config, (h) => cpSync(path.resolve('test/fixtures/locallibrary'), h.server.toReal('C:\\drop\\locallibrary'), { recursive: true }));
  console.log('targets (issue #12, reported, not asserted): fresh within 1.05x of the critical path; re-run and plan under 3 s with at most 8 processes\n');
  // Releases: a code-only update and one with a changed requirement, under load (bench/releases.ts).
  if (pc.ok) for (const l of await releaseFigures(pc.config)) console.log(l);
  console.log('');
  // The hand-off bundle: its size, the time to build it (real pip) and to rehearse it offline.
  for (const l of await bundleFigures()) console.log(l);
  console.log('');

  // The wizard: its bundle, and the log view under load (Debian's Chromium).
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  if (!existsSync('out/renderer/index.html')) execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
  const sizes = bundleSizes();
  console.log(sizes ? `renderer bundle:                  ${kb(sizes.raw)} raw, ${kb(sizes.gzip)} gzip (${sizes.files} files in out/renderer/assets)` : 'renderer bundle:                  no build (npm run build)');
  const lt = await logThroughput();
  if (typeof lt === 'string') console.log(`log view:                         ${lt}`);
  else {
    for (const r of lt) console.log(`log view at ${String(r.rate).padStart(6)} lines/s:       ${r.delivered} lines in 2 s on top of 20,000, longest frame ${r.maxFrameMs.toFixed(0)} ms${r.maxFrameMs <= 50 ? '' : ' (over 50 ms)'}`);
    const ok = lt.filter((r) => r.maxFrameMs <= 50).map((r) => r.rate);
    console.log(`log view:                         takes ${ok.length ? `${Math.max(...ok)} lines/s` : 'none of the rates tried'} with no frame over 50 ms (20,000+ lines kept, target: every frame <= 50 ms)\n`);
  }

  // The console exe (a Node single executable) under Wine.
  const exe = await consoleExeFigures();
  if (exe.note) console.log(`console exe:                      not measured: ${exe.note}`);
  else {
    const med = (xs: number[]) => pct(xs, 50);
    console.log(`console exe:                      ${mb(exe.exeBytes ?? 0)} (Windows node.exe ${mb((exe.exeBytes ?? 0) - (exe.bundleBytes ?? 0))} + the bundle ${mb(exe.bundleBytes ?? 0)})`);
    console.log(`console exe --version under Wine: first start ${ms(exe.firstStartMs ?? 0)} (no wineserver yet), warm median ${ms(med(exe.warmMs ?? []))} of ${(exe.warmMs ?? []).length}; the bundle under Linux Node: median ${ms(med(exe.linuxNodeMs ?? []))}, ratio Wine/Linux ${(med(exe.warmMs ?? []) / Math.max(1, med(exe.linuxNodeMs ?? []))).toFixed(1)}\n`);
  }

  // The fault sweep (default configuration, on a server that hosts another site).
  const sweep = await faultSweep('fault sweep, default configuration', c);
  console.log(formatSweep(sweep));
  if (sweep.failures.length) console.log(sweep.failures.map((f) => `  ${f}`).join('\n'));
  console.log(`fault sweep, per injected fault:  ${ms(sweep.ms / Math.max(1, sweep.commands))} (failing run, rollback of a copy, re-run, verification)`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
