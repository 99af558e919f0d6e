/**
 * Server "httpplatform": HttpPlatformHandler v1.2 starts waitress (the machine's real Debian
 * python3-waitress, in the venv backed by a real venv) on the port it chooses and IIS forwards to
 * it; /static stays with IIS's static handler. On fresh simulated servers: the sample and the Local
 * Library deploy and verify, a second apply changes nothing, switching modes both ways converges
 * (keeping the generated secret key), uninstall leaves no trace of either mode (the module itself
 * stays, like IIS and Python), and each failure mode of the module is diagnosed and fixed.
 */
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../src/shared/config';
import { plan, run, uninstall, verifyWithFixes } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { commandLineToArgv } from '../../src/shared/winargv';
import { waitressArguments } from '../../src/main/engine/commands';
import { APPCMD, LOCAL_LIBRARY, config, localLibraryConfig, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function server(opts: { drop?: boolean; iis?: boolean } = {}): SimulatedHost {
  const dir = tmp('httpplatform-');
  dirs.push(dir);
  const h = new SimulatedHost(dir, opts.iis ? { iis: 'with-cgi' } : {});
  hosts.push(h);
  if (opts.drop) {
    const drop = h.server.toReal('C:\\drop');
    mkdirSync(drop, { recursive: true });
    cpSync(LOCAL_LIBRARY, path.join(drop, 'locallibrary'), { recursive: true });
  }
  return h;
}

const library = (extra: Record<string, unknown> = {}): DeploymentConfig => localLibraryConfig({ server: 'httpplatform', ...extra });

async function deployOk(c: DeploymentConfig, h: SimulatedHost) {
  const r = await run(c, h);
  expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  expect(r.verification?.ok, JSON.stringify(r.verification?.probes.filter((p) => !p.ok))).toBe(true);
  return r;
}

/** The site's httpPlatform element and its environment, from applicationHost.config. */
function httpPlatformOf(h: SimulatedHost): { attrs: string; env: Record<string, string> } | undefined {
  const m = /<httpPlatform ([^>]*)>([\s\S]*?)<\/httpPlatform>/.exec(h.server.appHostText());
  if (!m) return undefined;
  const env: Record<string, string> = {};
  for (const e of (m[2] ?? '').matchAll(/<environmentVariable name="([^"]+)" value="([^"]*)"/g)) env[e[1] as string] = e[2] as string;
  return { attrs: m[1] ?? '', env };
}

const fastCgiApps = (h: SimulatedHost) => [...h.server.appHostText().matchAll(/<application fullPath="([^"]+)"/g)].map((m) => m[1]);
const logsOf = (h: SimulatedHost, dir: string) => readdirSync(h.server.toReal(dir)).filter((n) => /^waitress_\d+_\d+\.log$/.test(n));

describe('waitress arguments and the module\'s command line', () => {
  it('turns WSGI_APPLICATION into module:object and listens on the loopback port IIS gives', () => {
    expect(waitressArguments('foo.wsgi.application')).toBe('-m waitress --listen=127.0.0.1:%HTTP_PLATFORM_PORT% foo.wsgi:application');
    expect(waitressArguments('config.wsgi.app')).toBe('-m waitress --listen=127.0.0.1:%HTTP_PLATFORM_PORT% config.wsgi:app');
    expect(commandLineToArgv('-m waitress "--listen=127.0.0.1:5000" a\\"b  c')).toEqual(['-m', 'waitress', '--listen=127.0.0.1:5000', 'a"b', 'c']);
  });
});

describe('the sample in httpplatform mode', () => {
  it('installs the module, serves Django through waitress and /static from IIS, logs, and changes nothing the second time', async () => {
    const h = server();
    const c = config({ server: 'httpplatform' });
    const p = await plan(c, h);
    const mod = p.steps.find((s) => s.id === 'httpplatform-module');
    expect(mod?.status).toBe('needed');
    expect(mod?.actions.map((a) => (a.kind === 'exec' ? [a.file, ...a.args].join(' ') : a.kind))).toContain('msiexec.exe /i C:\\ProgramData\\DjangoIISSetup\\downloads\\httpPlatformHandler_amd64.msi /quiet /norestart /log C:\\ProgramData\\DjangoIISSetup\\logs\\httpplatformhandler-install.log');
    await deployOk(c, h);
    const cfg = h.server.appHostText();
    expect(cfg).toContain('<add name="httpPlatformHandler" image="%SystemRoot%\\system32\\inetsrv\\httpPlatformHandler.dll" />');
    expect(cfg).toContain('modules="httpPlatformHandler"');
    expect(cfg).not.toContain('modules="FastCgiModule" scriptProcessor');
    expect(fastCgiApps(h)).toEqual([]);
    const hp = httpPlatformOf(h);
    expect(hp?.attrs).toContain('processPath="C:\\virtualenvs\\foo\\Scripts\\python.exe"');
    expect(hp?.attrs).toContain('arguments="-m waitress --listen=127.0.0.1:%HTTP_PLATFORM_PORT% foo.wsgi:application"');
    expect(hp?.attrs).toContain('stdoutLogEnabled="true" stdoutLogFile="C:\\apps\\foo\\logs\\waitress"');
    expect(hp?.env).toEqual({ DJANGO_SETTINGS_MODULE: 'foo.settings', PYTHONPATH: 'C:\\apps\\foo' });
    // the page comes from Django through the module; the CSS from IIS's static handler
    const home = await h.http('http://localhost:81/');
    expect(home.body).toContain('The install worked successfully');
    expect(home.headers['x-simulated-handler']).toBe('Django Handler');
    const css = await h.http('http://localhost:81/static/admin/css/base.css');
    expect([css.status, css.headers['content-type'], css.headers['x-simulated-handler']]).toEqual([200, 'text/css', 'StaticFile']);
    // waitress's output is in the log folder the pool can write
    const logs = logsOf(h, 'C:\\apps\\foo\\logs');
    expect(logs.length).toBe(1);
    expect(readFileSync(h.server.toReal(`C:\\apps\\foo\\logs\\${logs[0] ?? ''}`), 'utf8')).toMatch(/Serving on http:\/\/127\.0\.0\.1:\d+/);
    expect((await h.exec('icacls.exe', ['C:\\apps\\foo\\logs'])).stdout).toContain('IIS APPPOOL\\foo:(OI)(CI)(M)');
    // second apply: nothing to do
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
    expect(again.verification?.ok).toBe(true);
    expect((await plan(c, h)).steps.every((s) => s.status === 'done')).toBe(true);
  });

  it('the module without IIS fails as its MSI does (1603) and says what to do', async () => {
    const h = server();
    await h.mkdir('C:\\ProgramData\\DjangoIISSetup\\downloads');
    await h.download('https://go.microsoft.com/fwlink/?LinkID=690721', 'C:\\ProgramData\\DjangoIISSetup\\downloads\\httpPlatformHandler_amd64.msi');
    const r = await h.exec('msiexec.exe', ['/i', 'C:\\ProgramData\\DjangoIISSetup\\downloads\\httpPlatformHandler_amd64.msi', '/quiet', '/norestart', '/log', 'C:\\ProgramData\\DjangoIISSetup\\logs\\hp.log']);
    expect(r.exitCode).toBe(1603);
    expect(readFileSync(h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\logs\\hp.log'), 'utf8')).toContain('IIS Version 7.5 or greater is required');
    // appcmd does not know the section before the module is installed
    const unknown = await server({ iis: true }).exec(APPCMD, ['list', 'config', '-section:system.webServer/httpPlatform']);
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stdout).toContain('Unknown config section');
  });
});

describe('the Local Library in httpplatform mode', () => {
  it('deploys with its own wsgi.py, database, media and generated secret key; a second apply changes nothing', async () => {
    const h = server({ drop: true });
    const c = library();
    const r = await deployOk(c, h);
    expect(r.verification?.probes.find((p) => p.name.includes('CSS'))?.url).toMatch(/\/static\/admin\/css\/base\.[0-9a-f]{12}\.css$/);
    const catalog = await h.http('http://localhost:8081/catalog/', { headers: { host: 'library.example.com:8081' } });
    expect(catalog.status).toBe(200);
    expect(catalog.body).toContain('The library has <strong>0</strong> books.');
    expect(catalog.headers['x-local-library']).toBe('wsgi.py');
    const hp = httpPlatformOf(h);
    expect(hp?.attrs).toContain('locallibrary.wsgi:application');
    expect(hp?.env.DJANGO_DEBUG).toBe('False');
    expect(hp?.env.DJANGO_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(hp?.env.WSGI_HANDLER).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain(hp?.env.DJANGO_SECRET_KEY);
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
    expect(httpPlatformOf(h)?.env.DJANGO_SECRET_KEY).toBe(hp?.env.DJANGO_SECRET_KEY);
  });

  it('switches httpplatform (in place) → wfastcgi (taken into releases) with the same key and data; back to httpplatform is refused, saying why; uninstall leaves no trace of either mode', async () => {
    const h = server({ drop: true, iis: true });
    const before = h.server.appHostText();
    await deployOk(library(), h);
    const key = httpPlatformOf(h)?.env.DJANGO_SECRET_KEY;
    expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(fastCgiApps(h)).toEqual([]);
    expect((await run(library(), h)).mutatingCommands).toBe(0);

    const toFcgi = await deployOk(library({ server: 'wfastcgi' }), h);
    expect(toFcgi.mutatingCommands).toBeGreaterThan(0);
    expect(httpPlatformOf(h)).toBeUndefined();
    expect(h.server.appHostText()).not.toContain('modules="httpPlatformHandler"');
    expect(fastCgiApps(h)).toHaveLength(1);
    expect(h.server.appHostText()).toContain(`name="DJANGO_SECRET_KEY" value="${key ?? ''}"`);
    // the same project: the deployment made before releases stays in place (release 0) with the new mode
    expect(h.server.appHostText()).toContain('physicalPath="C:\\apps\\library"');
    expect((await run(library({ server: 'wfastcgi' }), h)).mutatingCommands).toBe(0);
    // its next version is taken into releases; its database stays where it was, every release uses it
    const tpl = h.server.toReal('C:\\drop\\locallibrary\\catalog\\templates\\catalog\\index.html');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('The library has', 'Our library holds'));
    await deployOk(library({ server: 'wfastcgi' }), h);
    expect(h.server.appHostText()).toContain('physicalPath="C:\\apps\\library\\releases\\1"');
    expect(readFileSync(h.server.toReal('C:\\apps\\library\\releases\\1\\locallibrary\\settings.py'), 'utf8')).toContain("DATABASES['default']['NAME'] = 'C:\\\\apps\\\\library\\\\db.sqlite3'");
    expect((await run(library({ server: 'wfastcgi' }), h)).mutatingCommands).toBe(0);

    await expect(plan(library(), h)).rejects.toThrow(/keeps releases/);
    const u = await uninstall(h, 'library', undefined, { deleteData: true });
    expect(u.problems).toEqual([]);
    // Only the module's own registration stays (a server component, like IIS and Python).
    const after = h.server.appHostText();
    const withoutModule = after
      .split(/\r?\n/)
      .filter((l) => !/<section name="httpPlatform"|<add name="httpPlatformHandler"/.test(l))
      .join('\n');
    expect(withoutModule).toBe(before.split(/\r?\n/).join('\n'));
    expect(after).toContain('<add name="httpPlatformHandler" image=');
    for (const p of ['C:\\apps\\library', 'C:\\virtualenvs\\library']) expect(await h.exists(p)).toBe(false);
  });
});

describe('failure modes of HttpPlatformHandler: each diagnosed, each fixed by the deployment\'s own steps', () => {
  async function deployed(extra: Record<string, unknown> = {}) {
    const h = server();
    const c = config({ server: 'httpplatform', httpPlatform: { startupTimeLimit: 3, startupRetryCount: 1 }, ...extra });
    await deployOk(c, h);
    return { h, c };
  }
  const appcmd = (h: SimulatedHost, args: string[]) => h.exec(APPCMD, args);
  /** Diagnoses (verify), then repairs with the deployment's steps (a run) and verifies again. */
  async function diagnoseAndFix(c: DeploymentConfig, h: SimulatedHost) {
    const before = await verifyWithFixes(c, h);
    const r = await run(c, h);
    return { before, fixed: r.outcome === 'succeeded', after: r.verification };
  }

  it('the process exits at start (a wrong settings module): 502.3, waitress-exited with the import as evidence; the fix puts the variable back', async () => {
    const { h, c } = await deployed();
    expect((await appcmd(h, ['set', 'config', 'foo', '-section:system.webServer/httpPlatform', "/environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:nope.settings", '/commit:apphost'])).exitCode).toBe(0);
    const page = await h.http('http://localhost:81/');
    expect(page.status).toBe(502);
    expect(page.body).toContain('HTTP Error 502.3');
    expect(page.body).toContain('0x8007042b');
    const { before, fixed, after } = await diagnoseAndFix(c, h);
    const d = before.diagnoses.find((x) => x.cause === 'httpplatform-exited');
    expect(d, JSON.stringify(before.diagnoses)).toBeDefined();
    expect(d?.evidence.join('\n')).toContain("No module named 'nope'");
    expect(d?.evidence.join('\n')).toMatch(/The end of waitress's log \(C:\\apps\\foo\\logs\\waitress_\d+_\d+\.log\)/);
    expect(fixed).toBe(true);
    expect(after?.ok).toBe(true);
  });

  it('an error in the project\'s own settings is the project\'s: project-code names the file and line', async () => {
    const { h, c } = await deployed();
    appendFileSync(h.server.toReal('C:\\apps\\foo\\foo\\settings.py'), '\nraise RuntimeError("broken by hand")\n');
    await h.exec(APPCMD, ['recycle', 'apppool', '/apppool.name:foo']);
    const before = await verifyWithFixes(c, h);
    const d = before.diagnoses.find((x) => x.cause === 'project-code');
    expect(d, JSON.stringify(before.diagnoses)).toBeDefined();
    expect(d?.what).toMatch(/RuntimeError: broken by hand at C:\\apps\\foo\\foo\\settings\.py, line \d+/);
    expect(d?.fixable).toBe(false);
  });

  it('the process does not listen on its port in time: 502.3 0x80072ee2, waitress-timeout; the fix writes the arguments back', async () => {
    const { h, c } = await deployed();
    expect((await appcmd(h, ['set', 'config', 'foo', '-section:system.webServer/httpPlatform', '/arguments:-c "import time; time.sleep(60)"', '/commit:apphost'])).exitCode).toBe(0);
    const page = await h.http('http://localhost:81/');
    expect([page.status, /0x80072ee2/.test(page.body)]).toEqual([502, true]);
    const { before, fixed, after } = await diagnoseAndFix(c, h);
    expect(before.diagnoses.map((x) => x.cause)).toContain('httpplatform-timeout');
    expect(fixed).toBe(true);
    expect(after?.ok).toBe(true);
  });

  it('the log folder is gone (cleaned up by hand): the site runs but logs nothing; stdout-log-unwritable; the fix makes it, grants and restarts waitress', async () => {
    const { h, c } = await deployed();
    rmSync(h.server.toReal('C:\\apps\\foo\\logs'), { recursive: true });
    await h.exec(APPCMD, ['recycle', 'apppool', '/apppool.name:foo']);
    expect((await h.http('http://localhost:81/')).status).toBe(200);
    expect(await h.exists('C:\\apps\\foo\\logs')).toBe(false);
    const { before, fixed, after } = await diagnoseAndFix(c, h);
    expect(before.diagnoses.map((x) => x.cause)).toEqual(['stdout-log-unwritable']);
    expect(fixed).toBe(true);
    expect(after?.ok).toBe(true);
    expect(logsOf(h, 'C:\\apps\\foo\\logs')).toHaveLength(1);
  });

  it('the module is gone: 500.21 bad module, httpplatform-missing; the fix installs it again', async () => {
    const { h, c } = await deployed();
    expect((await appcmd(h, ['set', 'config', '-section:system.webServer/globalModules', "/-[name='httpPlatformHandler']", '/commit:apphost'])).exitCode).toBe(0);
    const page = await h.http('http://localhost:81/');
    expect(page.body).toContain('bad module "httpPlatformHandler"');
    const { before, fixed, after } = await diagnoseAndFix(c, h);
    expect(before.diagnoses.map((x) => x.cause)).toContain('httpplatform-missing');
    expect(fixed).toBe(true);
    expect(after?.ok).toBe(true);
  });
});
