/// <reference lib="dom" />
/**
 * The real Electron app through Playwright's _electron. Runs where an Electron binary is
 * installed (Windows, or any machine with the download allowed); reports itself skipped,
 * with the reason, where it is not (this project's Linux machines cannot download it).
 * The binary is located from node_modules/electron/path.txt, never by require('electron'),
 * which would try to download it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const pkg = path.resolve(HERE, '../../node_modules/electron');
const rel = existsSync(path.join(pkg, 'path.txt')) ? readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim() : '';
const binary = rel ? path.join(pkg, 'dist', rel) : '';
const reason = 'the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1; this machine cannot download it). Run where it can: npm ci without the skip, then npm run test:e2e';

test.skip(!binary || !existsSync(binary), reason);

test('the packaged app opens the wizard with the guide sections', async () => {
  const app = await electron.launch({ executablePath: binary, args: [path.resolve(HERE, '../../out/main/index.js')], env: { ...process.env, DJANGO_IIS_SIMULATE: path.resolve(HERE, '../artifacts/electron-sim') } });
  const win = await app.firstWindow();
  await expect(win.getByTestId('nav-verify')).toBeVisible();
  await expect(win.getByTestId('log')).toContainText('started on');
  const exposed = await win.evaluate(() => Object.keys((window as unknown as { djangoIIS: object }).djangoIIS).sort());
  expect(exposed).toContain('startDeployment');
  expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  await win.screenshot({ path: path.resolve(HERE, '../artifacts/electron-shell.png') });
  await app.close();
});
