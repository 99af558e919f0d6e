/**
 * The hand-off bundle of a project shaped like a real one (test/unit/bundle-helpers.ts: wheels
 * made locally, a stand-in installer, no network): its size by part, the time to build it with
 * the real pip (Debian's), and the time to rehearse it offline on a fresh simulated server.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { main } from '../src/main/cli/cli';
import { PY, findLinks, installer, project } from '../test/unit/bundle-helpers';

const size = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((n, f) => n + size(path.join(p, f)), 0) : statSync(p).size);
const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

export async function bundleFigures(): Promise<string[]> {
  const dirs: string[] = [];
  process.env.DJANGO_IIS_PYTHON ??= PY;
  const quiet = { out: () => undefined, err: () => undefined };
  try {
    const root = mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
    dirs.push(root);
    const out = path.join(root, 'bundle');
    const args = ['bundle', '--project', project(dirs), '--out', out, '--find-links', findLinks(dirs), '--no-index', '--python-installer', installer(dirs)];
    let t = performance.now();
    const code = await main(args, quiet);
    const buildMs = performance.now() - t;
    if (code !== 0) return [`hand-off bundle:                  not measured (bundle exited ${code})`];
    t = performance.now();
    const r = await main(['rehearse', '--bundle', out, '--keep', path.join(root, 'server')], quiet);
    const rehearseMs = performance.now() - t;
    const total = size(out);
    return [
      `hand-off bundle:                  ${readdirSync(out).length} entries, ${kb(total)} (project.zip ${kb(size(path.join(out, 'project.zip')))}, wheels/ ${kb(size(path.join(out, 'wheels')))}; the wheels and the installer are test stand-ins: a real Django wheel is about 8 MiB, the Python installer about 28 MiB)`,
      `hand-off bundle:                  built in ${buildMs.toFixed(0)} ms with the real pip (offline, local find-links); rehearsed offline in ${rehearseMs.toFixed(0)} ms (exit ${r}); build/rehearsal ratio ${(buildMs / Math.max(1, rehearseMs)).toFixed(2)}`,
    ];
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
