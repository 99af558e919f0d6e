// Bundles the command line (engine, hosts, simulator, CLI) into ONE CommonJS file with esbuild:
// out/cli/django-iis-setup.cjs. The same file runs under `npm run cli` (plain Node, no tsx) and
// inside the console exe (a Node single executable application can only hold one script and
// require only Node's built-in modules). Rebuilt only when a source file is newer than it.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = path.join(root, 'out', 'cli', 'django-iis-setup.cjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|mjs|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export async function buildCli({ force = false } = {}) {
  const sources = Math.max(newestSource(path.join(root, 'src', 'main')), newestSource(path.join(root, 'src', 'shared')), statSync(path.join(root, 'package.json')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (!force && existsSync(CLI_BUNDLE) && statSync(CLI_BUNDLE).mtimeMs >= sources) return CLI_BUNDLE;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  await build({
    entryPoints: [path.join(root, 'src', 'main', 'cli', 'index.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Nothing external: inside the exe only Node's own modules can be required.
    external: [],
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: `// Django IIS Setup ${pkg.version}: the command line, bundled by scripts/build-cli.mjs. Generated; do not edit.` },
  });
  return CLI_BUNDLE;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildCli({ force: process.argv.includes('--force') });
  console.log(`${path.relative(root, out)} (${Math.round(statSync(out).size / 1024)} KiB)`);
}
