/**
 * The wizard in Debian's Chromium against the real engine on a simulated Windows Server:
 * the shell with the guide's sections and a log line from main, the plan, a full deployment
 * with verification, bad input refused, and recovery from a failed step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM } from '../../playwright.config';
import { bridgeScript, startHarness, type Harness } from './harness';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const ARTIFACTS = path.resolve(HERE, '../artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${CHROMIUM} is missing: apt-get install chromium`);
test.skip(!haveChromium, `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);

let h: Harness;
test.beforeEach(async ({ page }) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.addInitScript(bridgeScript());
});
test.afterEach(async () => {
  await h?.close();
});

async function open(page: Page, scenario = {}): Promise<void> {
  h = await startHarness({ scenario });
  await page.goto(h.url);
  await expect(page.getByTestId('host-badge')).toContainText('simulated');
}

test('the shell lists the guide sections and shows a log line from main', async ({ page }) => {
  await open(page);
  for (const id of ['prepare', 'python', 'iis', 'venv', 'django', 'fastcgi', 'site', 'static', 'verify']) await expect(page.getByTestId(`nav-${id}`)).toBeVisible();
  await expect(page.getByTestId('log')).toContainText('[main]');
  await expect(page.getByTestId('log')).toContainText('Django IIS Setup 0.1.0-e2e started on Windows Server 2022');
  await page.getByTestId('next').click();
  await expect(page.getByTestId('screen-python')).toBeVisible();
  await page.getByTestId('back').click();
  await expect(page.getByTestId('screen-prepare')).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, '01-shell.png') });
});

test('bad input gets a clear message and changes nothing', async ({ page }) => {
  await open(page);
  await page.getByTestId('field-port').fill('70000');
  await page.getByTestId('field-appDir').fill('apps/foo');
  await page.getByTestId('review').click();
  await expect(page.getByText('port must be from 1 to 65535.')).toBeVisible();
  await expect(page.getByText('uses "/"; write Windows paths with backslashes')).toBeVisible();
  await expect(page.getByTestId('start')).toBeDisabled();
  expect(h.host.commandLog().filter((c) => c.mutating)).toHaveLength(0);
  await page.screenshot({ path: path.join(ARTIFACTS, '02-bad-input.png') });
});

test('review, deploy and verify the sample app', async ({ page }) => {
  await open(page);
  await page.getByTestId('review').click();
  await expect(page.getByTestId('plan')).toContainText('will change the server');
  await expect(page.getByTestId('step-iis')).toContainText('/FeatureName:IIS-CGI');
  expect(h.host.commandLog().filter((c) => c.mutating)).toHaveLength(0);
  await page.screenshot({ path: path.join(ARTIFACTS, '03-plan.png'), fullPage: true });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('screen-python')).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await page.getByTestId('nav-site').click();
  await expect(page.getByTestId('state-handler')).toHaveText('done');
  await expect(page.getByTestId('state-site')).toHaveText('done');
  await page.screenshot({ path: path.join(ARTIFACTS, '04-site.png') });
  await page.getByTestId('nav-verify').click();
  await expect(page.getByTestId('verification')).toContainText('The site works.');
  await expect(page.getByTestId('verification')).toContainText('text/css');
  await page.screenshot({ path: path.join(ARTIFACTS, '05-verification.png'), fullPage: true });
});

test('HttpPlatformHandler with waitress, chosen in Settings: the plan installs the module, the deployment verifies through waitress', async ({ page }) => {
  await open(page);
  await expect(page.getByTestId('server')).toContainText('FastCGI with wfastcgi');
  await page.getByRole('radio', { name: /HttpPlatformHandler with waitress/ }).check();
  await page.getByTestId('review').click();
  await expect(page.getByTestId('step-httpplatform-module')).toContainText('msiexec.exe /i');
  await expect(page.getByTestId('step-httpplatform')).toContainText('waitress');
  await page.screenshot({ path: path.join(ARTIFACTS, '11-httpplatform-plan.png'), fullPage: true });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await page.getByTestId('nav-verify').click();
  await expect(page.getByTestId('verification')).toContainText('The site works.');
  await expect(page.getByTestId('verification')).toContainText("waitress's output is logged");
  expect(h.host.server.appHostText()).toContain('modules="httpPlatformHandler"');
});

test('a server broken in two ways: two diagnoses with evidence, and Fix it shows the repair, then deploys it', async ({ page }) => {
  await open(page);
  await page.getByTestId('review').click();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  // someone changes the server by hand: WSGI_HANDLER points at a missing module, and the static files are gone
  const appcmd = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';
  const fp = 'C:\\virtualenvs\\foo\\Scripts\\python.exe';
  const ar = 'C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py';
  expect((await h.host.exec(appcmd, ['set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${fp}',arguments='${ar}'].environmentVariables.[name='WSGI_HANDLER'].value:foo.missing.application`, '/commit:apphost'])).exitCode).toBe(0);
  await h.host.remove('C:\\apps\\foo\\foo\\static');
  await h.host.mkdir('C:\\apps\\foo\\foo\\static');
  await page.getByTestId('nav-verify').click();
  await page.getByTestId('verify-again').click();
  await expect(page.getByTestId('verification')).toContainText('2 independent causes');
  await expect(page.getByTestId('diagnosis-wsgi-import')).toContainText("module 'foo' has no attribute 'missing'");
  await expect(page.getByTestId('diagnosis-static-not-collected')).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, '06-diagnosis.png'), fullPage: true });
  await page.getByTestId('fix-wsgi-import').click();
  await expect(page.getByTestId('screen-prepare')).toBeVisible();
  await expect(page.getByTestId('step-fastcgi')).toContainText('WSGI_HANDLER');
  await expect(page.getByTestId('step-collectstatic')).toContainText('collectstatic');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await page.getByTestId('nav-verify').click();
  await expect(page.getByTestId('verification')).toContainText('The site works.');
});

test('a failed step explains itself and Retry recovers', async ({ page }) => {
  await open(page);
  h.host.server.addFault({ match: 'appcmd.exe add site', exitCode: 183, stdout: 'ERROR ( message:Failed to add duplicate collection element "foo". )\r\n' });
  await page.getByTestId('review').click();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment failed', { timeout: 150_000 });
  await page.getByTestId('nav-site').click();
  const site = page.getByTestId('step-site');
  await expect(site).toContainText('failed');
  await expect(site).toContainText('Failed to add duplicate collection element');
  await expect(page.getByTestId('state-handler')).toHaveText('skipped');
  await page.screenshot({ path: path.join(ARTIFACTS, '06b-failed-step.png'), fullPage: true });
  await site.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await expect(page.getByTestId('state-site')).toHaveText('done');
});

test('deploy a project the developers handed over (a folder), chosen in the wizard', async ({ page }) => {
  await open(page);
  const drop = h.host.server.toReal('C:\\drop\\shop');
  mkdirSync(drop, { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'django', 'startproject', 'shop', drop]);
  await page.getByTestId('field-siteName').fill('shop');
  await page.getByTestId('field-appDir').fill('C:\\apps\\shop');
  await page.getByTestId('field-venvDir').fill('C:\\venvs\\shop');
  await page.getByLabel('Copy a folder').check();
  await page.getByTestId('field-sourcePath').fill('C:\\drop\\shop');
  await page.getByTestId('field-settingsModule').fill('shop.settings');
  await page.getByTestId('review').click();
  await expect(page.getByTestId('step-django-project')).toContainText('robocopy.exe C:\\drop\\shop C:\\apps\\shop');
  await page.screenshot({ path: path.join(ARTIFACTS, '07-handed-over-folder.png') });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await page.getByTestId('nav-verify').click();
  await expect(page.getByTestId('verification')).toContainText('The site works.');
});

test('the Local Library handed over with its environment and a generated secret key; the wizard shows what Django reports', async ({ page }) => {
  await open(page);
  const { cpSync } = await import('node:fs');
  cpSync(path.resolve(HERE, '../fixtures/locallibrary'), h.host.server.toReal('C:\\drop\\locallibrary'), { recursive: true });
  await page.getByTestId('field-siteName').fill('library');
  await page.getByTestId('field-port').fill('8081');
  await page.getByTestId('field-hostName').fill('library.example.com');
  await page.getByTestId('field-appDir').fill('C:\\apps\\library');
  await page.getByTestId('field-venvDir').fill('C:\\virtualenvs\\library');
  await page.getByLabel('Copy a folder').check();
  await page.getByTestId('field-sourcePath').fill('C:\\drop\\locallibrary');
  await page.getByTestId('field-requirementsFile').fill('C:\\drop\\locallibrary\\requirements.txt');
  // a bad variable name is refused with the engine's message
  await page.getByTestId('env-add').click();
  await expect(page.getByTestId('env-name-0')).toHaveValue('DJANGO_SECRET_KEY');
  await page.getByTestId('env-add').click();
  await page.getByTestId('env-name-1').fill('DJANGO DEBUG');
  await page.getByTestId('env-value-1').fill('False');
  await page.getByTestId('review').click();
  await expect(page.getByTestId('environment')).toContainText('environment variable name');
  await page.getByTestId('env-name-1').fill('DJANGO_DEBUG');
  await page.getByTestId('review').click();
  await expect(page.getByTestId('project-report')).toContainText('Python 3.11.4 from runtime.txt');
  await expect(page.getByTestId('project-report')).toContainText('settingsModule locallibrary.settings');
  await page.screenshot({ path: path.join(ARTIFACTS, '08-handed-over-environment.png'), fullPage: true });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment succeeded', { timeout: 150_000 });
  await page.getByTestId('nav-prepare').click();
  await page.getByTestId('review').click();
  await expect(page.getByTestId('project-report')).toContainText('STATIC_ROOT C:\\apps\\library\\staticfiles (from the project)');
  await expect(page.getByTestId('project-report')).toContainText('MEDIA_ROOT C:\\apps\\library\\media');
  const key = /<environmentVariable name="DJANGO_SECRET_KEY" value="([^"]+)"/.exec(h.host.server.appHostText())?.[1] ?? '';
  expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
  expect(await page.content()).not.toContain(key);
  await page.screenshot({ path: path.join(ARTIFACTS, '09-project-report.png'), fullPage: true });
});

test('a failed run is rolled back from the wizard: the IIS configuration and the files go back', async ({ page }) => {
  await open(page, { iis: 'with-cgi' });
  const before = h.host.server.appHostText();
  h.host.server.addFault({ match: 'appcmd.exe set app foo/', exitCode: 13, stdout: 'ERROR ( message:Injected fault. )\r\n' });
  await page.getByTestId('review').click();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('Deployment failed', { timeout: 150_000 });
  await page.getByTestId('rollback').click();
  await expect(page.getByTestId('rollback-summary')).toContainText('restored from the backup');
  await expect(page.getByTestId('rollback-summary')).toContainText('Python are kept');
  expect(h.host.server.appHostText()).toBe(before);
  expect(existsSync(h.host.server.toReal('C:\\apps\\foo'))).toBe(false);
  await page.screenshot({ path: path.join(ARTIFACTS, '10-rolled-back.png'), fullPage: true });
});
