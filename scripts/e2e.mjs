// Runs the Playwright end-to-end tests (wizard in Debian's Chromium; Electron where present).
import { spawnSync } from 'node:child_process';
const r = spawnSync('npx', ['playwright', 'test', '--config', 'playwright.config.ts', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
process.exit(r.status ?? 1);
