/**
 * What people really configure, on fresh simulated servers: port 80 with a host name beside the
 * Default Web Site; configuration changes that must converge (no orphaned FastCGI entry, venv,
 * virtual directory, pool or grant) with uninstall leaving the server as before the first
 * deployment; a handed-over web.config with <handlers>; the simulator's IIS rule for bindings.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../src/shared/config';
import { plan, readJournal, rollback, run, uninstall } from '../../src/main/engine/engine';
import { removeWebConfigHandlers, webConfigHandlers } from '../../src/main/engine/web-config';
import { renderPowerShell } from '../../src/main/engine/export-powershell';
import type { Plan } from '../../src/shared/plan';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { busyServer, filesHash, stateHash } from './fault-sweep';
import { parsePowerShell } from './powershell-grammar';
import { APPCMD, config, freshHost, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
const track = (h: SimulatedHost) => (hosts.push(h), h);
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A server with IIS, Python and another site (its pool, FastCGI entry and handler), and its fingerprint. */
async function busy(): Promise<{ h: SimulatedHost; dir: string; before: { cfg: string; files: string; state: string } }> {
  const dir = tmp('converge-');
  dirs.push(dir);
  await busyServer(dir);
  const h = track(new SimulatedHost(dir));
  return { h, dir, before: { cfg: h.server.appHostText(), files: filesHash(dir), state: stateHash(h) } };
}

const sameAsBefore = (h: SimulatedHost, dir: string, before: { cfg: string; files: string; state: string }) => ({ cfg: h.server.appHostText() === before.cfg, files: filesHash(dir) === before.files, state: stateHash(h) === before.state });

async function deployOk(c: DeploymentConfig, h: SimulatedHost) {
  const r = await run(c, h);
  expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  expect(r.verification?.ok, JSON.stringify(r.verification?.probes.filter((p) => !p.ok))).toBe(true);
  return r;
}

describe('port 80 with a host name beside the Default Web Site', () => {
  it('deploys and verifies on a fresh server; the Default Web Site keeps answering for other names; uninstall leaves it as it was', async () => {
    const h = track(freshHost());
    const c = config({ port: 80, hostName: 'shop.example.com' });
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'preflight')?.status).toBe('done');
    await deployOk(c, h);
    const cfg = h.server.appHostText();
    expect(cfg).toContain('bindingInformation="*:80:shop.example.com"');
    expect(cfg).toMatch(/<site name="Default Web Site"[\s\S]*?bindingInformation="\*:80:"/);
    // http.sys routes by host name: ours for shop.example.com, the Default Web Site for anything else.
    const ours = await h.http('http://localhost:80/', { headers: { host: 'shop.example.com' } });
    const other = await h.http('http://localhost:80/', { headers: { host: 'localhost' } });
    expect(ours.body).toContain('The install worked successfully');
    expect(other.body).toContain('Internet Information Services');
    expect(h.server.state.siteState['default web site']).toBe('Started');
    // the re-run plan says the port is shared, and changes nothing
    const again = await plan(c, h);
    expect(again.steps[0]?.reason).toContain('shared with "Default Web Site" (this site answers for shop.example.com)');
    expect((await run(c, h)).mutatingCommands).toBe(0);
    const u = await uninstall(h, c.siteName);
    expect(u.problems).toEqual([]);
    expect(h.server.appHostText()).toMatch(/<site name="Default Web Site"[\s\S]*?bindingInformation="\*:80:"/);
    expect(h.server.appHostText()).not.toContain('shop.example.com');
  });

  it('port 80 without a host name is refused before any change, naming the Default Web Site and what to do', async () => {
    const h = track(freshHost({ iis: 'with-cgi' }));
    const c = config({ port: 80 });
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    const pr = r.problems.preflight;
    expect(pr?.what).toContain('The IIS site "Default Web Site" already has the binding http/*:80:');
    expect(pr?.fix).toContain('Set hostName');
    expect(r.mutatingCommands).toBe(0);
  });

  it('the same host name on another started site is refused; a stopped one is named but does not block', async () => {
    const h = track(freshHost({ iis: 'with-cgi' }));
    await h.mkdir('C:\\sites\\old');
    expect((await h.exec(APPCMD, ['add', 'site', '/name:old', '/bindings:http/*:80:shop.example.com', '/physicalPath:C:\\sites\\old'])).exitCode).toBe(0);
    const c = config({ port: 80, hostName: 'SHOP.example.com' });
    const p = await plan(c, h);
    expect(p.steps[0]?.status).toBe('blocked');
    expect(p.steps[0]?.problem?.what).toContain('"old"');
    expect(p.steps[0]?.problem?.fix).toContain('Choose another hostName or port');
    await h.exec(APPCMD, ['stop', 'site', 'old']);
    const p2 = await plan(c, h);
    expect(p2.steps[0]?.status).toBe('done');
    expect(p2.steps[0]?.reason).toContain('the stopped site "old" has the same binding');
  });

  it('the simulator answers as IIS: a clash with a started site is 183, a port held by another program is 32; different host names share a port', async () => {
    const h = track(freshHost({ iis: 'with-cgi', portsInUse: [{ port: 8080, process: 'java.exe', pid: 4711 }] }));
    await h.mkdir('C:\\sites\\a');
    const add = (name: string, binding: string) => h.exec(APPCMD, ['add', 'site', `/name:${name}`, `/bindings:${binding}`, '/physicalPath:C:\\sites\\a']);
    expect((await add('a', 'http/*:80:a.example.com')).exitCode).toBe(0);
    expect(h.server.state.siteState.a).toBe('Started');
    expect((await add('dup', 'http/*:80:')).exitCode).toBe(0);
    expect(h.server.state.siteState.dup).toBe('Stopped');
    const start = await h.exec(APPCMD, ['start', 'site', 'dup']);
    expect(start.exitCode).toBe(183);
    expect(start.stdout).toContain('0x800700B7');
    expect((await add('tomcat', 'http/*:8080:')).exitCode).toBe(0);
    const t = await h.exec(APPCMD, ['start', 'site', 'tomcat']);
    expect(t.exitCode).toBe(32);
    expect(t.stdout).toContain('0x80070020');
  });
});

describe('configuration changes converge: what the previous run made and the new configuration does not want is removed', () => {
  it.each([
    ['venvDir', { venvDir: 'C:\\virtualenvs\\foo2' }, ['C:\\virtualenvs\\foo\\Scripts\\python.exe|'], 'C:\\virtualenvs\\foo'],
    ['staticUrl', { staticUrl: '/assets/' }, ['<location path="foo/static">', 'path="/static"'], undefined],
    ['appPool', { appPool: 'foo-v2' }, ['<add name="foo" ', 'applicationPool="foo"'], undefined],
  ] as const)('%s', async (_key, change, gone, goneFolder) => {
    const { h, dir, before } = await busy();
    const a = config({});
    await deployOk(a, h);
    const b = config(change);
    const p = await plan(b, h);
    const left = p.steps.find((s) => s.id === 'leftovers');
    expect(left?.status).toBe('needed');
    const r = await deployOk(b, h);
    expect(r.states.leftovers).toBe('done');
    const cfg = h.server.appHostText();
    for (const g of gone) expect(cfg, g).not.toContain(g);
    if (goneFolder) expect(h.server.existsWin(goneFolder)).toBe(false);
    // the other site is untouched, a re-run changes nothing, and the journal has no entry of the old config
    expect(cfg).toContain('<site name="legacy"');
    expect(cfg).toContain('C:\\sites\\legacy\\run.py');
    const again = await run(b, h);
    expect(again.mutatingCommands).toBe(0);
    const j = await readJournal(h, 'foo');
    const wantedPool = 'appPool' in change ? 'foo-v2' : 'foo';
    for (const e of j.entries.filter((x) => x.object.startsWith('grant:'))) expect(e.object.endsWith(`|${wantedPool}`), e.object).toBe(true);
    // uninstall: the server is as before the first deployment (IIS configuration byte for byte, files, ACLs)
    const u = await uninstall(h, 'foo', undefined, { deleteData: true });
    expect(u.problems).toEqual([]);
    expect(sameAsBefore(h, dir, before)).toEqual({ cfg: true, files: true, state: true });
  });

  it('a folder that may hold data (the previous application folder) is kept and named, and removed by uninstall', async () => {
    const { h, dir, before } = await busy();
    await deployOk(config({}), h);
    const b = config({ appDir: 'C:\\apps\\foo-new' });
    const r = await deployOk(b, h);
    expect(h.server.existsWin('C:\\apps\\foo\\manage.py')).toBe(true);
    const p = await plan(b, h);
    expect(p.steps.find((s) => s.id === 'leftovers')?.reason).toContain('kept c:\\apps\\foo (may hold data');
    expect(r.states.leftovers).toBe('done');
    await uninstall(h, 'foo', undefined, { deleteData: true });
    expect(h.server.existsWin('C:\\apps\\foo')).toBe(false);
    expect(sameAsBefore(h, dir, before)).toEqual({ cfg: true, files: true, state: true });
  });

  it('rolling back the run that converged gives the old objects back to the deployment', async () => {
    const { h } = await busy();
    const a = config({});
    await deployOk(a, h);
    await deployOk(config({ appPool: 'foo-v2' }), h);
    const rb = await rollback(h, 'foo');
    expect(rb.iisConfig).toBe('restored-from-backup');
    const cfg = h.server.appHostText();
    expect(cfg).toContain('<add name="foo" ');
    expect(cfg).not.toContain('foo-v2');
    // the old pool is the deployment's again: the old configuration re-runs without a conflict
    const r = await run(a, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  });
});

const AZURE_WEB_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="WSGI_HANDLER" value="django.core.wsgi.get_wsgi_application()"/>
  </appSettings>
  <system.webServer>
    <!-- <handlers> in a comment is not a section -->
    <handlers>
      <add name="Python FastCGI" path="*" verb="*" modules="FastCgiModule" scriptProcessor="D:\\home\\Python361x64\\python.exe|D:\\home\\Python361x64\\wfastcgi.py" resourceType="Unspecified" requireAccess="Script"/>
    </handlers>
    <httpErrors errorMode="Detailed"/>
  </system.webServer>
</configuration>
`;

describe("a handed-over project's web.config with <handlers>", () => {
  it('parses entries and cuts only the <handlers> elements, leaving the rest byte for byte', () => {
    expect(webConfigHandlers(AZURE_WEB_CONFIG)?.entries).toEqual([{ kind: 'add', name: 'Python FastCGI', modules: 'FastCgiModule', scriptProcessor: 'D:\\home\\Python361x64\\python.exe|D:\\home\\Python361x64\\wfastcgi.py' }]);
    const out = removeWebConfigHandlers(AZURE_WEB_CONFIG);
    expect(out).toBe(AZURE_WEB_CONFIG.replace(/ {4}<handlers>[\s\S]*?<\/handlers>\n/, ''));
    expect(webConfigHandlers(out)).toBeUndefined();
    expect(webConfigHandlers('<configuration><system.webServer><handlers/></system.webServer></configuration>')?.entries).toEqual([]);
    expect(() => webConfigHandlers('<configuration><system.webServer>')).toThrow(/well-formed/);
    expect(webConfigHandlers('<configuration><system.web><httpHandlers/></system.web></configuration>')).toBeUndefined();
  });

  it("the exported script's edit is the same cut (its .NET pattern, run here as a JavaScript one)", async () => {
    const p = { steps: [{ id: 'web-config', title: 't', section: 'site', dependsOn: [], status: 'needed', reason: 'r', actions: [{ kind: 'editFile', description: 'd', path: 'C:\\apps\\foo\\web.config', transform: 'web-config-without-handlers' }] }], conflicts: [], createdAt: '', host: { kind: 'simulated', productName: 'x' } } as unknown as Plan;
    const script = renderPowerShell(config({}), p);
    const m = /\[regex\]::Replace\(\$wc, '\(\?s\)(.*?)', \{ param\(\$m\) if \(\$m\.Groups\['c'\]\.Success\) \{ \$m\.Value \} else \{ '' \} \}\)/.exec(script);
    expect(m).not.toBeNull();
    const cut = (text: string) => text.replace(new RegExp(m?.[1] as string, 'gs'), (all: string, c?: string) => (c ? all : ''));
    expect(cut(AZURE_WEB_CONFIG)).toBe(removeWebConfigHandlers(AZURE_WEB_CONFIG));
    expect((await parsePowerShell(script)).errors).toEqual([]);
  });

  it('is explained in the plan, taken out of the file (recorded for undo), and the site deploys and verifies; uninstall puts the file back', async () => {
    const h = track(freshHost());
    const drop = h.server.toReal('C:\\drop');
    mkdirSync(drop, { recursive: true });
    cpSync(path.resolve('test/fixtures/locallibrary'), path.join(drop, 'locallibrary'), { recursive: true });
    writeFileSync(path.join(drop, 'locallibrary', 'web.config'), AZURE_WEB_CONFIG);
    // the PTVS template's static/web.config, which collectstatic copies into STATIC_ROOT
    writeFileSync(path.join(drop, 'locallibrary', 'catalog', 'static', 'web.config'), '<?xml version="1.0"?>\n<configuration>\n  <system.webServer>\n    <handlers>\n      <clear/>\n      <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule" resourceType="Either" requireAccess="Read"/>\n    </handlers>\n  </system.webServer>\n</configuration>\n');
    const c = config({ siteName: 'library', appDir: 'C:\\apps\\library', venvDir: 'C:\\virtualenvs\\library', djangoProject: { folder: 'C:\\drop\\locallibrary' }, requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt', secretKey: { env: 'DJANGO_SECRET_KEY' } });
    const p = await plan(c, h);
    const step = p.steps.find((s) => s.id === 'web-config');
    expect(step?.status).toBe('needed');
    expect(step?.reason).toContain('IIS refuses (the section is locked at server level');
    expect(step?.reason).toContain('<add name="Python FastCGI" modules="FastCgiModule"');
    expect(step?.reason).toContain("replaced by this tool's Django handler mapping");
    await deployOk(c, h);
    const appWc = readFileSync(h.server.toReal('C:\\apps\\library\\releases\\1\\web.config'), 'utf8');
    expect(appWc).toBe(removeWebConfigHandlers(AZURE_WEB_CONFIG));
    expect(appWc).toContain('<httpErrors errorMode="Detailed"/>');
    const staticRoot = h.server.appHostText().match(/path="\/static" physicalPath="([^"]+)"/)?.[1] as string;
    expect(readFileSync(h.server.toReal(`${staticRoot}\\web.config`), 'utf8')).not.toContain('<handlers');
    expect((await run(c, h)).mutatingCommands).toBe(0);
    const u = await uninstall(h, 'library');
    expect(u.problems).toEqual([]);
    // the releases are gone; the data every release shared is kept
    expect(h.server.existsWin('C:\\apps\\library\\releases')).toBe(false);
    expect(h.server.existsWin('C:\\apps\\library\\shared\\db.sqlite3')).toBe(true);
  });

  it('a web.config that is not well-formed blocks the plan with what to do, before any change', async () => {
    const h = track(freshHost());
    const drop = h.server.toReal('C:\\drop');
    mkdirSync(drop, { recursive: true });
    cpSync(path.resolve('test/fixtures/locallibrary'), path.join(drop, 'locallibrary'), { recursive: true });
    writeFileSync(path.join(drop, 'locallibrary', 'web.config'), '<configuration><system.webServer><handlers>');
    const c = config({ siteName: 'library', appDir: 'C:\\apps\\library', venvDir: 'C:\\virtualenvs\\library', djangoProject: { folder: 'C:\\drop\\locallibrary' }, requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt' });
    const p = await plan(c, h);
    const step = p.steps.find((s) => s.id === 'web-config');
    expect(step?.status).toBe('blocked');
    expect(step?.problem?.fix).toContain('Fix the file');
  });
});

describe('a project with a settings package (shop.settings.production), env-driven hosts and STATIC_ROOT outside the code', () => {
  it('every manage.py call gets the FastCGI environment; STATIC_ROOT is created, then granted; the site verifies; a re-run changes nothing', async () => {
    const h = track(freshHost({ windows: '2016' }));
    const drop = h.server.toReal('C:\\drop');
    mkdirSync(drop, { recursive: true });
    cpSync(path.resolve('test/fixtures/shop'), path.join(drop, 'shop'), { recursive: true });
    const c = config({
      siteName: 'shop',
      hostName: 'shop.example.com',
      appDir: 'C:\\apps\\shop',
      venvDir: 'C:\\virtualenvs\\shop',
      djangoProject: { folder: 'C:\\drop\\shop' },
      settingsModule: 'shop.settings.production',
      requirementsFile: 'C:\\drop\\shop\\requirements.txt',
      environment: { SHOP_ALLOWED_HOSTS: 'shop.example.com' },
      secretKey: { env: 'SHOP_SECRET_KEY' },
    });
    const r = await deployOk(c, h);
    expect(r.states.collectstatic).toBe('done');
    // manage.py ran with the application's settings module, not manage.py's default (the bare package)
    const manage = h.commandLog().filter((x) => x.argv.some((a) => a.endsWith('manage.py')));
    expect(manage.length).toBeGreaterThan(1);
    expect(h.server.existsWin('C:\\srv\\shop-static\\admin\\css\\base.css')).toBe(true);
    const grant = h.commandLog().findIndex((x) => x.argv[0] === 'icacls.exe' && x.argv[1] === 'C:\\srv\\shop-static' && x.argv[2] === '/grant');
    expect(grant).toBeGreaterThan(-1);
    expect((await run(c, h)).mutatingCommands).toBe(0);
    await uninstall(h, 'shop');
    expect(h.server.existsWin('C:\\srv')).toBe(false);
  });

  it('a zip is extracted by the venv\'s Python on Server 2016, which has no tar.exe', async () => {
    const h = track(freshHost({ windows: '2016' }));
    expect(h.server.existsWin('C:\\Windows\\System32\\tar.exe')).toBe(false);
    const drop = h.server.toReal('C:\\drop');
    mkdirSync(drop, { recursive: true });
    cpSync(path.resolve('test/fixtures/shop'), path.join(drop, 'shop'), { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('/usr/bin/python3', ['-c', `import shutil; shutil.make_archive('${drop}/shop', 'zip', '${drop}/shop')`]);
    const c = config({ siteName: 'shop', appDir: 'C:\\apps\\shop', venvDir: 'C:\\virtualenvs\\shop', djangoProject: { zip: 'C:\\drop\\shop.zip' }, settingsModule: 'shop.settings.production', requirementsFile: 'C:\\drop\\shop\\requirements.txt', secretKey: { env: 'SHOP_SECRET_KEY' } });
    await deployOk(c, h);
    expect(h.commandLog().some((x) => x.argv.join(' ').includes('python.exe -m zipfile -e C:\\drop\\shop.zip C:\\apps\\shop'))).toBe(true);
    expect(track(freshHost({ windows: '2019' })).server.existsWin('C:\\Windows\\System32\\tar.exe')).toBe(true);
  });
});
