/**
 * HTTPS and Windows sign-in (#26) on fresh simulated servers, with real certificates made by
 * openssl and real TLS on loopback: the certificate store, HTTP.sys bindings (netsh), SNI, the
 * redirect site, Windows authentication answering 401 Negotiate/NTLM, REMOTE_USER reaching the
 * real Django through wfastcgi, both server modes, convergence, uninstall, and the PFX secrets.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plan, run, uninstall } from '../../src/main/engine/engine';
import { renderReportHtml } from '../../src/main/engine/report';
import { RefusedError } from '../../src/main/engine/refusal';
import { parseConfig } from '../../src/shared/config';
import type { EngineEvent } from '../../src/shared/plan';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import type { Scenario } from '../../src/main/hosts/simulated/server';
import { APPCMD, config, tmp } from './helpers';
import { makePki, type TestCert, type TestPki } from './https-helpers';

const HOST = 'app.example.com';
let pki: TestPki;
let leaf: TestCert;
beforeAll(() => {
  pki = makePki();
  leaf = pki.issue({ cn: HOST, dns: [HOST] });
});

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmpDir = (prefix: string) => {
  const d = tmp(prefix);
  dirs.push(d);
  return d;
};

function server(certs: TestCert[] = [leaf], extra: Scenario = {}): SimulatedHost {
  const h = new SimulatedHost(tmpDir('https-'), { certificates: [{ pem: pki.caPem, store: 'Root' }, ...certs.map((c) => ({ pem: c.pem, key: c.key }))], ...extra });
  hosts.push(h);
  return h;
}

const https = (extra: Record<string, unknown> = {}, cert: Record<string, unknown> = { thumbprint: leaf.thumbprint }) => ({ hostName: HOST, port: 80, https: { certificate: cert, ...extra } });
const probe = (r: Awaited<ReturnType<typeof run>>, name: string) => r.verification?.probes.find((p) => p.name.startsWith(name));
const sslBindings = (h: SimulatedHost) => h.server.state.sslBindings ?? {};

describe('HTTPS with a certificate the server has', () => {
  it('binds 443 with SNI and the certificate in HTTP.sys, verifies over real TLS, and a second run changes nothing', async () => {
    const h = server();
    const c = config(https());
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'certificate')?.reason).toContain(`CN=${HOST}`);
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(sslBindings(h)[`hostnameport=${HOST}:443`]?.certHash).toBe(leaf.thumbprint);
    const site = await h.exec(APPCMD, ['list', 'site', 'foo', '/config', '/xml']);
    expect(site.stdout).toMatch(/protocol="https" bindingInformation="\*:443:app\.example\.com" sslFlags="1"/);
    expect(site.stdout).toContain('protocol="http" bindingInformation="*:80:app.example.com"');
    expect(r.verification?.probes[0]?.url).toBe('https://localhost:443/');
    expect(probe(r, 'The HTTPS certificate')?.detail).toMatch(/thumbprint [0-9A-F]{40}, expires .*chain trusted; name matches app\.example\.com/);
    // Plain http is served too (redirectHttp off), and Django is told which requests are secure.
    const plain = await h.http('http://localhost:80/admin/login/', { headers: { host: `${HOST}:80` } });
    expect(plain.status).toBe(200);
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
  });

  it('redirectHttp: plain http answers 301 to the same path and query on https, from a site of its own; the main site serves HTTPS only', async () => {
    const h = server();
    const r = await run(config(https({ redirectHttp: true })), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'Plain http redirects')?.detail).toBe(`HTTP 301 to https://${HOST}/admin/login/?next=/admin/`);
    const moved = await h.http('http://localhost:80/catalog/?page=2', { headers: { host: `${HOST}:80` } });
    expect([moved.status, moved.headers.location]).toEqual([301, `https://${HOST}/catalog/?page=2`]);
    const main = await h.exec(APPCMD, ['list', 'site', 'foo', '/config', '/xml']);
    expect(main.stdout).not.toContain('protocol="http"');
    expect(h.server.state.features['IIS-HttpRedirect']).toBe('Enabled');
    expect((await run(config(https({ redirectHttp: true })), h)).mutatingCommands).toBe(0);
    // Turning it off converges: the redirect site goes, the main site gets plain http back.
    const off = await run(config(https()), h);
    expect(off.outcome, JSON.stringify(off.problems)).toBe('succeeded');
    expect((await h.exec(APPCMD, ['list', 'site', 'foo.http'])).exitCode).not.toBe(0);
    expect((await h.http('http://localhost:80/', { headers: { host: `${HOST}:80` } })).status).toBe(200);
  });

  it('a plain http deployment turned to HTTPS with redirectHttp converges in one run, and a second run changes nothing', async () => {
    const h = server();
    expect((await run(config({ hostName: HOST, port: 80 }), h)).outcome).toBe('succeeded');
    const c = config(https({ redirectHttp: true }));
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'Plain http redirects')?.ok).toBe(true);
    expect((await run(c, h)).mutatingCommands).toBe(0);
  });

  it('a project with SECURE_SSL_REDIRECT is verified over HTTPS (Django sees the request as secure: no redirect)', async () => {
    const h = server();
    const c = config(https({ redirectHttp: true }));
    expect((await run(c, h)).outcome).toBe('succeeded');
    const settings = h.server.toReal('C:\\apps\\foo\\foo\\settings.py');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('# BEGIN Django IIS Setup', 'SECURE_SSL_REDIRECT = True\n# BEGIN Django IIS Setup'));
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'The admin login page renders')?.ok).toBe(true);
    // The same request over plain http to the main site would be redirected by Django itself.
    const direct = await h.http('https://localhost:443/admin/login/', { headers: { host: `${HOST}:443` }, servername: HOST });
    expect(direct.status).toBe(200);
  });

  it('the waitress mode: waitress is told the scheme (--url-scheme=https); without redirectHttp the combination is refused with the reason', async () => {
    const refused = parseConfig({ ...https(), server: 'httpplatform' });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('--url-scheme=https');
    const h = server();
    const c = config({ ...https({ redirectHttp: true }), server: 'httpplatform' });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const args = await h.exec(APPCMD, ['list', 'config', 'foo', '-section:system.webServer/httpPlatform', '/xml']);
    expect(args.stdout).toContain('--url-scheme=https');
    expect(probe(r, 'The HTTPS certificate')?.ok).toBe(true);
  });

  it('a changed certificate replaces the HTTP.sys binding; the site then serves the new one', async () => {
    const next = pki.issue({ cn: HOST, dns: [HOST] });
    const h = server([leaf, next]);
    expect((await run(config(https()), h)).outcome).toBe('succeeded');
    const p = await plan(config(https({}, { thumbprint: next.thumbprint })), h);
    const actions = p.steps.find((s) => s.id === 'https-binding')?.actions.map((a) => a.description) ?? [];
    expect(actions).toEqual([`Remove the binding of the previous certificate ${leaf.thumbprint}`, `Bind the certificate ${next.thumbprint} to ${HOST}:443 in HTTP.sys`]);
    const r = await run(config(https({}, { thumbprint: next.thumbprint })), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'The HTTPS certificate')?.detail).toContain(next.thumbprint);
  });

  it('a certificate that expires within 30 days is warned about in the plan and the verification', async () => {
    const soon = pki.issue({ cn: HOST, dns: [HOST], days: 10 });
    const h = server([soon]);
    const c = config(https({}, { thumbprint: soon.thumbprint }));
    expect((await plan(c, h)).steps.find((s) => s.id === 'certificate')?.reason).toMatch(/WARNING: it expires in (9|10) days/);
    const r = await run(c, h);
    expect(r.outcome).toBe('succeeded');
    expect(r.verification?.warnings.join('\n')).toMatch(/The HTTPS certificate [0-9A-F]{40} .* expires in (9|10) days/);
  });

  it('a certificate the store lacks, one without its key, one for another name or purpose: blocked before anything changes, each said', async () => {
    const other = pki.issue({ cn: 'other.example.com', dns: ['other.example.com'] });
    const client = pki.issue({ cn: HOST, dns: [HOST], eku: 'clientAuth' });
    const h = server([other, client]);
    h.server.state.certs = { ...h.server.state.certs, [leaf.thumbprint]: { store: 'My', pem: leaf.pem, hasKey: false } };
    h.server.save();
    // The plan shows the step blocked with the reason; apply refuses before any change.
    const reasons = async (thumb: string) => {
      const s = (await plan(config(https({}, { thumbprint: thumb })), h)).steps.find((x) => x.id === 'certificate');
      const e = await run(config(https({}, { thumbprint: thumb })), h).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(RefusedError);
      expect((e as RefusedError).problems[0]?.what).toBe(s?.problem?.what);
      return `${s?.status === 'blocked' ? 'refused' : s?.status}: ${s?.problem?.what} ${s?.problem?.fix}`;
    };
    expect(await reasons('AB'.repeat(20))).toMatch(/^refused: The certificate ABAB.* is not in LocalMachine\\My.*CN=other\.example\.com/s);
    expect(await reasons(leaf.thumbprint)).toMatch(/^refused: .*has no private key/);
    expect(await reasons(other.thumbprint)).toMatch(/^refused: .*is not for app\.example\.com/);
    expect(await reasons(client.thumbprint)).toMatch(/^refused: .*is not for server authentication/);
    await expect(run(config(https({}, { thumbprint: 'AB'.repeat(20) })), h)).rejects.toBeInstanceOf(RefusedError);
    expect(h.commandLog().filter((c) => c.mutating)).toEqual([]);
  });

  it('an https binding of another site, and an HTTP.sys binding another program made, are conflicts named before anything changes', async () => {
    const h = server();
    expect((await run(config(https()), h)).outcome).toBe('succeeded');
    // Found before the first change (issue #32), not after the second deployment's Python, venv and site.
    const before = h.commandLog().length;
    await expect(run(config({ ...https(), siteName: 'bar', port: 8082, appDir: 'C:\\apps\\bar', venvDir: 'C:\\virtualenvs\\bar', djangoProject: { sample: 'bar' } }), h)).rejects.toThrow(/The IIS site "foo" already has the binding https\/\*:443:app\.example\.com/);
    expect(h.commandLog().slice(before).filter((c) => c.mutating)).toEqual([]);
    const other = pki.issue({ cn: HOST, dns: [HOST] });
    const h2 = server([leaf, other]);
    await h2.exec('netsh.exe', ['http', 'add', 'sslcert', `hostnameport=${HOST}:443`, `certhash=${leaf.thumbprint}`, 'appid={4dc3e181-e14b-4a21-b022-59fc669b0914}', 'certstorename=MY']);
    const e = await run(config(https({}, { thumbprint: other.thumbprint })), h2).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(RefusedError);
    expect((e as RefusedError).problems[0]?.what).toBe(`HTTP.sys already binds ${HOST}:443 to the certificate ${leaf.thumbprint}, for the application {4dc3e181-e14b-4a21-b022-59fc669b0914}.`);
    expect(h2.commandLog().filter((c) => c.mutating).map((c) => c.argv[0])).toEqual(['netsh.exe']);
    const p2 = await plan(config(https({}, { thumbprint: other.thumbprint })), h2);
    expect(p2.steps.find((x) => x.id === 'https-binding')?.status).toBe('blocked');
    expect(sslBindings(h2)[`hostnameport=${HOST}:443`]?.certHash).toBe(leaf.thumbprint);
  });

  it('another program on the HTTPS port is named before anything changes', async () => {
    const h = server([leaf], { portsInUse: [{ port: 443, process: 'nginx.exe', pid: 4242 }] });
    const p = await plan(config(https()), h);
    expect(p.steps.find((s) => s.id === 'preflight')?.problem?.what).toBe('Port 443 (HTTPS) is already in use by another program (PID 4242).');
  });

  it('uninstall leaves applicationHost.config and the HTTP.sys bindings as they were', async () => {
    const h = server();
    await h.exec('C:\\Windows\\System32\\dism.exe', ['/English', '/Online', '/Enable-Feature', '/FeatureName:IIS-WebServer', '/FeatureName:IIS-CGI', '/FeatureName:IIS-HttpRedirect', '/FeatureName:IIS-WindowsAuthentication', '/All', '/NoRestart']);
    const apphost = () => readFileSync(h.server.toReal('C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config'), 'utf8');
    const before = apphost();
    const r = await run(config({ ...https({ redirectHttp: true }), authentication: 'windows', anonymousPaths: ['/static/'] }), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(apphost()).toContain('<location path="foo">');
    const u = await uninstall(h, 'foo');
    expect(u.problems).toEqual([]);
    expect(apphost()).toBe(before);
    expect(sslBindings(h)).toEqual({});
  });
});

describe('a certificate from a PFX, its password read at run time', () => {
  it('imports it into LocalMachine\\My and serves it; the password and the private key appear in no output, log, journal or report; uninstall removes what it imported', async () => {
    const h = server([]);
    const pfx = h.server.toReal('C:\\certs\\site.pfx');
    mkdirSync(path.dirname(pfx), { recursive: true });
    writeFileSync(pfx, leaf.pfx);
    const c = config(https({ redirectHttp: true }, { pfx: 'C:\\certs\\site.pfx', passwordEnv: 'TEST_PFX_PASSWORD' }));
    delete process.env.TEST_PFX_PASSWORD;
    const refusal = (p: Promise<unknown>) => p.then(() => '', (e: unknown) => (e instanceof RefusedError ? e.problems.map((x) => x.what).join(' ') : String(e)));
    expect(await refusal(run(c, h))).toBe('The environment variable TEST_PFX_PASSWORD (the password of C:\\certs\\site.pfx) is not set in this tool\'s process.');
    process.env.TEST_PFX_PASSWORD = 'not the password';
    expect(await refusal(run(c, h))).toContain('The specified network password is not correct.');
    expect(h.commandLog().filter((x) => x.mutating)).toEqual([]);
    process.env.TEST_PFX_PASSWORD = leaf.password;
    const events: EngineEvent[] = [];
    try {
      const r = await run(c, h, { onEvent: (e) => events.push(e) });
      expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
      expect(h.server.state.certs?.[leaf.thumbprint]?.hasKey).toBe(true);
      expect(probe(r, 'The HTTPS certificate')?.ok).toBe(true);
      const keyBody = leaf.key.split('\n').filter((l) => l && !l.startsWith('-----')).slice(0, 3).join('');
      const texts = [JSON.stringify(r), JSON.stringify(events), renderReportHtml(r.verification as NonNullable<typeof r.verification>, 'foo')];
      // Every file on the server but the PFX itself and the machine's key store (as on Windows).
      const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? (n === 'certstore' ? [] : walk(path.join(d, n))) : [path.join(d, n)]));
      for (const f of walk(h.server.root)) if (f !== pfx) texts.push(readFileSync(f, 'latin1'));
      for (const t of texts) {
        expect(t).not.toContain(leaf.password);
        expect(t.replace(/\r?\n/g, '')).not.toContain(keyBody);
      }
      const u = await uninstall(h, 'foo');
      expect(u.problems).toEqual([]);
      expect(h.server.state.certs?.[leaf.thumbprint]).toBeUndefined();
      expect(sslBindings(h)).toEqual({});
    } finally {
      delete process.env.TEST_PFX_PASSWORD;
    }
  });
});

describe('Windows sign-in', () => {
  it('401 with Negotiate and NTLM to anonymous requests, the anonymous paths open, and the signed-in account reaches Django as REMOTE_USER (the block adds RemoteUserMiddleware and RemoteUserBackend)', async () => {
    const h = server([], { testIdentity: 'CONTOSO\\alice' });
    const c = config({ hostName: HOST, authentication: 'windows', anonymousPaths: ['/static/'] });
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'windows-auth')?.actions.map((a) => a.description)).toEqual([
      "Enable IIS's Windows Authentication role service (IIS-WindowsAuthentication, DISM)",
      'Turn on Windows authentication for "foo"',
      'Turn off anonymous access to "foo"',
      'Keep /static/ open to anonymous requests',
    ]);
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'An anonymous request')?.detail).toBe('HTTP 401 with WWW-Authenticate: Negotiate, NTLM');
    expect(probe(r, '/static/ stays open')?.ok).toBe(true);
    expect(probe(r, 'A Windows sign-in reaches Django')?.detail).toContain('You are authenticated as CONTOSO\\alice');
    const settings = readFileSync(h.server.toReal('C:\\apps\\foo\\foo\\settings.py'), 'utf8');
    expect(settings).toContain("'django.contrib.auth.middleware.RemoteUserMiddleware'");
    expect(settings).toContain("AUTHENTICATION_BACKENDS = ['django.contrib.auth.backends.RemoteUserBackend']");
    const css = await h.http('http://localhost:81/static/admin/css/base.css', { headers: { host: `${HOST}:81` } });
    expect(css.status).toBe(200);
    // Back to anonymous: the sign-in settings and the block's REMOTE_USER lines go.
    const back = await run(config({ hostName: HOST }), h);
    expect(back.outcome, JSON.stringify(back.problems)).toBe('succeeded');
    expect((await h.http('http://localhost:81/', { headers: { host: `${HOST}:81` } })).status).toBe(200);
    expect(readFileSync(h.server.toReal('C:\\apps\\foo\\foo\\settings.py'), 'utf8')).not.toContain('RemoteUser');
  });

  it('a project that has RemoteUserMiddleware and its backend already: the block adds neither, and the user still arrives', async () => {
    const h = server([], { testIdentity: 'CONTOSO\\bob' });
    const c = config({ hostName: HOST });
    expect((await run(c, h)).outcome).toBe('succeeded');
    const file = h.server.toReal('C:\\apps\\foo\\foo\\settings.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace("    'django.contrib.auth.middleware.AuthenticationMiddleware',\n", "    'django.contrib.auth.middleware.AuthenticationMiddleware',\n    'django.contrib.auth.middleware.RemoteUserMiddleware',\n").replace('# BEGIN Django IIS Setup', "AUTHENTICATION_BACKENDS = ['django.contrib.auth.backends.RemoteUserBackend']\n# BEGIN Django IIS Setup"));
    const wc = config({ hostName: HOST, authentication: 'windows' });
    const p = await plan(wc, h);
    expect(p.project.notes.join('\n')).toContain('Windows sign-in: the project has RemoteUserMiddleware and has RemoteUserBackend');
    const r = await run(wc, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(probe(r, 'A Windows sign-in reaches Django')?.detail).toContain('You are authenticated as CONTOSO\\bob');
    expect(readFileSync(file, 'utf8').split('# BEGIN Django IIS Setup')[1]).not.toContain('RemoteUser');
  });

  it('the waitress mode refuses Windows sign-in with the reason', () => {
    const r = parseConfig({ authentication: 'windows', server: 'httpplatform' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain('HttpPlatformHandler sets no REMOTE_USER');
  });
});

describe('the simulated netsh and certificate store', () => {
  it('netsh http add sslcert: 183 when one exists, 1312 for a thumbprint without a usable key; show and delete', async () => {
    const h = server();
    const add = (thumb: string) => h.exec('netsh.exe', ['http', 'add', 'sslcert', 'ipport=0.0.0.0:443', `certhash=${thumb}`, 'appid={5b0a4f7e-3c2d-4e8a-9f61-d1a2b3c4e5f6}', 'certstorename=MY']);
    expect((await add('CD'.repeat(20))).stdout).toContain('Error: 1312');
    expect((await add(leaf.thumbprint)).exitCode).toBe(0);
    expect((await add(leaf.thumbprint)).stdout).toContain('Error: 183');
    expect((await h.exec('netsh.exe', ['http', 'show', 'sslcert', 'ipport=0.0.0.0:443'])).stdout).toContain(`Certificate Hash             : ${leaf.thumbprint.toLowerCase()}`);
    expect((await h.exec('netsh.exe', ['http', 'delete', 'sslcert', 'ipport=0.0.0.0:443'])).exitCode).toBe(0);
    expect((await h.exec('netsh.exe', ['http', 'show', 'sslcert', 'ipport=0.0.0.0:443'])).stdout).toContain('The system cannot find the file specified.');
  });

  it('the thumbprint the simulator computes is the one openssl computes', () => {
    const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha1'], { input: leaf.pem }).toString();
    expect(out.replace(/[^0-9A-F]/gi, '').slice(-40).toUpperCase()).toBe(leaf.thumbprint);
  });
});

describe('the PowerShell export carries HTTPS and sign-in', () => {
  it('by thumbprint: the script checks the certificate is in the store, binds it with netsh, redirects and signs in; it parses', async () => {
    const { exportPowerShell } = await import('../../src/main/export/powershell');
    const { parsePowerShell } = await import('./powershell-grammar');
    const script = await exportPowerShell(config({ ...https({ redirectHttp: true }), authentication: 'windows', anonymousPaths: ['/static/'] }));
    const parsed = await parsePowerShell(script);
    expect([parsed.errors, parsed.hasError]).toEqual([[], false]);
    expect(script).toContain(`if (-not (Test-Path 'Cert:\\LocalMachine\\My\\${leaf.thumbprint}')) { throw`);
    expect(script).toContain(`& 'netsh.exe' 'http' 'add' 'sslcert' 'hostnameport=${HOST}:443' 'certhash=${leaf.thumbprint}'`);
    expect(script).toContain("'-section:system.webServer/security/authentication/windowsAuthentication' '/enabled:true' '/commit:apphost'");
    expect(script).toContain("'/destination:https://app.example.com'");
    expect(script).toContain(`Test-DjangoSite -Base 'https://${HOST}:443'`);
  });

  it('from a PFX: the script imports it with the password from the window\'s variable (never written into it) and binds the thumbprint the import gives', async () => {
    const { exportPowerShell } = await import('../../src/main/export/powershell');
    const { parsePowerShell } = await import('./powershell-grammar');
    process.env.TEST_PFX_PASSWORD = leaf.password;
    try {
      const script = await exportPowerShell(config(https({}, { pfx: 'C:\\certs\\site.pfx', passwordEnv: 'TEST_PFX_PASSWORD' })));
      const parsed = await parsePowerShell(script);
      expect([parsed.errors, parsed.hasError]).toEqual([[], false]);
      expect(script).toContain("Import-PfxCertificate -FilePath 'C:\\certs\\site.pfx' -CertStoreLocation Cert:\\LocalMachine\\My -Password (ConvertTo-SecureString -String $env:TEST_PFX_PASSWORD");
      expect(script).toContain(`& netsh http add sslcert hostnameport=${HOST}:443 ('certhash=' + $thumb)`);
      expect(script).not.toContain(leaf.password);
    } finally {
      delete process.env.TEST_PFX_PASSWORD;
    }
  });
});

describe('the next release of an HTTPS site', () => {
  it('the Local Library with SECURE_SSL_REDIRECT: release 2 is verified on a staging site served over HTTPS on 127.0.0.1, switched, and the staging binding goes', async () => {
    const { serverWithLibrary, editSource, version2, cleanUp } = await import('./release-helpers');
    const { localLibraryConfig } = await import('./helpers');
    const h = serverWithLibrary();
    h.server.state.certs = {};
    const { addCertificate } = await import('../../src/main/hosts/simulated/programs/cert-data');
    addCertificate(h.server, pki.caPem, undefined, 'Root');
    const lib = pki.issue({ cn: 'library.example.com', dns: ['library.example.com'] });
    addCertificate(h.server, lib.pem, lib.key, 'My');
    try {
      editSource(h, 'locallibrary/settings.py', (t) => `${t}\nSECURE_SSL_REDIRECT = True\n`);
      const c = localLibraryConfig({ port: 80, https: { certificate: { thumbprint: lib.thumbprint }, redirectHttp: true } });
      const first = await run(c, h);
      expect(first.outcome, JSON.stringify(first.problems)).toBe('succeeded');
      expect(probe(first, 'Extra URL /catalog/')?.ok).toBe(true);
      version2(h);
      const second = await run(c, h);
      expect(second.outcome, JSON.stringify(second.problems)).toBe('succeeded');
      const argv = h.commandLog().map((x) => x.argv.join(' '));
      expect(argv.some((a) => a.includes('add sslcert ipport=127.0.0.1:10080'))).toBe(true);
      expect(argv.some((a) => a.includes('/bindings:https/127.0.0.1:10080:'))).toBe(true);
      expect(Object.keys(sslBindings(h))).toEqual(['hostnameport=library.example.com:443']);
      const about = await h.http('https://localhost:443/catalog/about/', { headers: { host: 'library.example.com:443' }, servername: 'library.example.com' });
      expect([about.status, about.body]).toEqual([200, 'About the library, release 2']);
    } finally {
      await cleanUp();
    }
  });
});

describe('the managed block for HTTPS and sign-in, from the project\'s own settings', () => {
  it('CSRF_TRUSTED_ORIGINS on Django 4.0+ only, and only when the project lacks the origin; RemoteUser pieces only when missing', async () => {
    const { secureSettings } = await import('../../src/main/engine/https/settings');
    const c = config(https());
    const base = { djangoVersion: '4.2.11', CSRF_TRUSTED_ORIGINS: [] as string[], MIDDLEWARE: ['django.contrib.auth.middleware.AuthenticationMiddleware'], AUTHENTICATION_BACKENDS: [] as string[] };
    expect(secureSettings(c, base, []).edit).toEqual({ csrfTrustedOrigins: ['https://app.example.com'] });
    expect(secureSettings(c, { ...base, CSRF_TRUSTED_ORIGINS: ['https://APP.example.com'] }, []).edit).toEqual({});
    expect(secureSettings(c, { ...base, djangoVersion: '3.2.25' }, []).edit).toEqual({});
    expect(secureSettings(config({ ...https(), https: { port: 8443, certificate: { thumbprint: leaf.thumbprint } } }), base, []).edit).toEqual({ csrfTrustedOrigins: ['https://app.example.com:8443'] });
    const notes: string[] = [];
    const win = config({ hostName: HOST, authentication: 'windows' });
    expect(secureSettings(win, { ...base, MIDDLEWARE: [] }, notes).edit).toEqual({ remoteUserBackend: true });
    expect(notes.join('\n')).toContain('has no django.contrib.auth.middleware.AuthenticationMiddleware');
    expect(secureSettings(win, base, []).edit).toEqual({ remoteUserMiddleware: true, remoteUserBackend: true });
  });
});

describe('the Windows host trusts the machine\'s roots', () => {
  it('the base64 DER lines of LocalMachine\\Root become PEM certificates Node reads', async () => {
    const { X509Certificate } = await import('node:crypto');
    const { pemsFromBase64Lines } = await import('../../src/main/engine/https/commands');
    const der = new X509Certificate(pki.caPem).raw.toString('base64');
    const pems = pemsFromBase64Lines(`${der}\r\n\r\n${new X509Certificate(leaf.pem).raw.toString('base64')}\r\n`);
    expect(pems.map((p) => new X509Certificate(p).subject)).toEqual(['CN=Example Intranet Root CA\nO=Example', `CN=${HOST}\nO=Example`]);
  });
});

describe('the wizard\'s service', () => {
  it('lists the machine\'s certificates (the unusable ones with the reason) and the Checks screen shows the chosen one, warned when it expires soon', async () => {
    const { DeploymentService } = await import('../../src/main/service/deployment-service');
    const { createLogger } = await import('../../src/main/logging/logger');
    const soon = pki.issue({ cn: HOST, dns: [HOST], days: 12 });
    const keyless = pki.issue({ cn: 'old.example.com', dns: ['old.example.com'] });
    const h = server([leaf, soon]);
    const { addCertificate } = await import('../../src/main/hosts/simulated/programs/cert-data');
    addCertificate(h.server, keyless.pem, undefined, 'My');
    const desktop = { chooseFolder: async () => undefined, saveFile: async () => undefined, openExternal: async () => undefined, openPath: async () => undefined, setProgress: () => undefined };
    const svc = new DeploymentService({ host: h, log: createLogger(tmpDir('https-log-')), emit: () => undefined, version: 'test', desktop });
    const list = await svc.listCertificates();
    expect(list.ok).toBe(true);
    const certs = list.ok ? list.certificates : [];
    expect(certs.map((c) => [c.thumbprint, c.unusable ?? 'usable'])).toEqual(expect.arrayContaining([[leaf.thumbprint, 'usable'], [soon.thumbprint, 'usable'], [keyless.thumbprint, 'no private key']]));
    const checks = await svc.runChecks({ ...https({}, { thumbprint: soon.thumbprint }) });
    const line = checks.ok ? checks.lines.find((l) => l.id === 'certificate') : undefined;
    expect(line?.level).toBe('warn');
    expect(line?.detail).toMatch(/CN=app\.example\.com .*expires in 1[12] days/);
  });
});
