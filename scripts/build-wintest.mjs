// `npm run build:wintest`: what runs the real Windows host's own tests on a Windows runtime, into
// dist/wintest/: host-tests.cjs (test/windows/host.wintest.ts bundled into one file, run by Windows
// Node: `node host-tests.cjs`), and the mingw-compiled probe.exe and standin.exe
// (test/windows/standin/*.c). Used by the Wine lane and by .github/workflows/windows.yml.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildWinTests(outDir = path.join(root, 'dist', 'wintest')) {
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: [path.join(root, 'test', 'windows', 'host.wintest.ts')], outfile: path.join(outDir, 'host-tests.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  for (const name of ['probe', 'standin'])
    execFileSync('x86_64-w64-mingw32-gcc', ['-municode', '-O2', '-s', '-o', path.join(outDir, `${name}.exe`), path.join(root, 'test', 'windows', 'standin', `${name}.c`), '-lws2_32'], { stdio: 'inherit' });
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(await buildWinTests());
