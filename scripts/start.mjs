// npm start: launches the Electron app where its binary exists. Never require('electron') here:
// from Electron 42 on that tries to download the binary under plain Node.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const pkg = path.resolve('node_modules/electron');
const rel = existsSync(path.join(pkg, 'path.txt')) ? readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim() : '';
const binary = rel ? path.join(pkg, 'dist', rel) : '';
if (!binary || !existsSync(binary)) {
  console.error(`The Electron binary is not installed, so the app cannot start here.

It is skipped on purpose where it cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
To get it, on a machine that can reach the Electron download:
    npm ci                      (without ELECTRON_SKIP_BINARY_DOWNLOAD)
    npm start
Meanwhile you can:
    npm run rehearse            rehearse a full deployment on the simulated Windows Server
    npm run test:e2e            drive the wizard in Chromium against the real engine`);
  process.exit(1);
}
const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(binary, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 0);
