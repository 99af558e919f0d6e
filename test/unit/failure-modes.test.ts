/**
 * Strictness of the simulated server: each failure in windows-iis.md §7 is produced from the
 * wrong configuration that causes it on IIS (never by faking the answer), and verification
 * catches it with a cause and a fix. Every case starts from a copy of a working deployment,
 * which first passes verification.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/shared/config';
import { verify } from '../../src/main/engine/engine';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, deployedBaseline, deployedCopy, editWin } from './helpers';

const c = defaultConfig();
const FP = 'C:\\virtualenvs\\foo\\Scripts\\python.exe';
const AR = 'C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py';
let host: SimulatedHost | undefined;

beforeAll(async () => {
  await deployedBaseline();
});
afterEach(async () => {
  await host?.dispose();
  host = undefined;
});

async function broken(mutate: (h: SimulatedHost) => Promise<void> | void) {
  host = await deployedCopy();
  await mutate(host);
  return verify(c, host);
}

const appcmd = async (h: SimulatedHost, ...args: string[]) => {
  const r = await h.exec(APPCMD, args);
  expect(r.exitCode, r.stdout).toBe(0);
};

describe('verification of a working deployment', () => {
  it('passes: Django pages and the admin CSS as text/css from the static handler', async () => {
    const r = await broken(() => undefined);
    expect(r.ok).toBe(true);
    expect(r.probes.map((p) => [p.url, p.status, p.contentType])).toEqual([
      ['http://localhost:81/', 200, 'text/html'],
      ['http://localhost:81/admin/login/', 200, 'text/html'],
      ['http://localhost:81/static/admin/css/base.css', 200, 'text/css'],
    ]);
    const css = await host?.http('http://localhost:81/static/admin/css/base.css');
    expect(css?.headers['x-simulated-handler']).toBe('StaticFile');
    const home = await host?.http('http://localhost:81/');
    expect(home?.body).toContain('The install worked successfully! Congratulations!');
  });
});

describe('each failure mode is produced and diagnosed', () => {
  it('500.0 scriptProcessor could not be found: the handler says wfastcgi.exe, the FastCGI entry wfastcgi.py', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost');
      await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', `/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule',scriptProcessor='${FP}|${AR.replace('.py', '.exe')}',resourceType='Unspecified']`, '/commit:apphost');
    });
    const home = r.probes[0];
    expect(home?.ok).toBe(false);
    expect(home?.status).toBe(500);
    expect(home?.diagnosis?.what).toContain("scriptProcessor was not found");
    expect(home?.diagnosis?.fix).toContain('one value');
  });

  it('500.21 bad module FastCgiModule: the CGI role service is not installed', async () => {
    const r = await broken(async (h) => {
      expect((await h.exec('dism.exe', ['/English', '/Online', '/Disable-Feature', '/FeatureName:IIS-CGI'])).exitCode).toBe(0);
    });
    expect(r.probes[0]?.diagnosis?.what).toContain('bad module FastCgiModule');
    expect(r.probes[0]?.diagnosis?.fix).toContain('IIS-CGI');
    expect(r.probes.find((p) => p.url.endsWith('base.css'))?.ok).toBe(true);
  });

  it('500.19 for a handlers section in a site web.config (the section is locked)', async () => {
    const r = await broken(async (h) => {
      await h.writeFile('C:\\apps\\foo\\web.config', `<?xml version="1.0" encoding="UTF-8"?>\r\n<configuration><system.webServer><handlers><add name="Python FastCGI" path="*" verb="*" modules="FastCgiModule" scriptProcessor="${FP}|${AR}" resourceType="Unspecified" /></handlers></system.webServer></configuration>\r\n`);
    });
    expect(r.probes[0]?.status).toBe(500);
    expect(r.probes[0]?.diagnosis?.what).toContain('500.19');
    expect(r.probes[0]?.diagnosis?.why).toContain('locked');
  });

  it('500.0 FastCGI process exited unexpectedly: the pool identity cannot read Python', async () => {
    const r = await broken(async (h) => {
      expect((await h.exec('icacls.exe', ['C:\\Python314', '/inheritance:r'])).exitCode).toBe(0);
      expect((await h.exec('icacls.exe', ['C:\\Python314', '/remove', 'IIS AppPool\\foo'])).exitCode).toBe(0);
    });
    expect(r.probes[0]?.diagnosis?.what).toContain('FastCGI process exited unexpectedly');
    expect(r.probes[0]?.diagnosis?.fix).toContain('icacls');
  });

  it('500.0 FastCGI process exited unexpectedly: WSGI_LOG cannot be written', async () => {
    const r = await broken(async (h) => {
      // the pool also has modify on the app folder (SQLite's database is there): cut the inheritance too
      expect((await h.exec('icacls.exe', ['C:\\apps\\foo\\logs', '/inheritance:r'])).exitCode).toBe(0);
      expect((await h.exec('icacls.exe', ['C:\\apps\\foo\\logs', '/remove', 'IIS AppPool\\foo'])).exitCode).toBe(0);
    });
    expect(r.probes[0]?.diagnosis?.what).toContain('FastCGI process exited unexpectedly');
    expect(r.probes[0]?.diagnosis?.why).toContain('WSGI_LOG');
  });

  it('"Error occurred while reading WSGI handler": WSGI_HANDLER names a module that does not exist', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='WSGI_HANDLER'].value:foo.wsgi_missing.application`, '/commit:apphost');
    });
    expect(r.probes[0]?.diagnosis?.what).toBe('wfastcgi could not load the Django application.');
    expect(r.probes[0]?.diagnosis?.output).toContain('could not be imported');
  });

  it('"Error occurred while reading WSGI handler": DJANGO_SETTINGS_MODULE is wrong', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:bar.settings`, '/commit:apphost');
    });
    expect(r.probes[0]?.diagnosis?.output).toContain("No module named 'bar'");
  });

  it('admin without CSS: the Django handler is inherited by /static', async () => {
    const r = await broken((h) => {
      editWin(h, 'C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config', (t) => t.replace(/<location path="foo\/static">[\s\S]*?<\/location>\s*/, ''));
    });
    const css = r.probes.find((p) => p.url.endsWith('base.css'));
    expect(css?.ok).toBe(false);
    expect(css?.status).toBe(404);
    expect(css?.contentType).toBe('text/html');
    expect(css?.diagnosis?.what).toContain('Django answered a request for a static file');
    expect(r.probes[0]?.ok).toBe(true);
  });

  it('admin without CSS: collectstatic has not run (static 404 from IIS)', async () => {
    const r = await broken(async (h) => {
      await h.remove('C:\\apps\\foo\\foo\\static');
      await h.mkdir('C:\\apps\\foo\\foo\\static');
    });
    const css = r.probes.find((p) => p.url.endsWith('base.css'));
    expect(css?.status).toBe(404);
    expect(css?.diagnosis?.why).toContain('collectstatic');
  });

  it('DisallowedHost: the host is missing from ALLOWED_HOSTS', async () => {
    const r = await broken((h) => {
      editWin(h, 'C:\\apps\\foo\\foo\\settings.py', (t) => `${t}\nALLOWED_HOSTS = ['app.example.com']\n`);
    });
    expect(r.probes[0]?.status).toBe(400);
    expect(r.probes[0]?.diagnosis?.what).toContain('DisallowedHost');
  });

  it('403.14: the Django handler is not applied at the site', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost');
    });
    expect(r.probes[0]?.status).toBe(403);
    expect(r.probes[0]?.diagnosis?.what).toContain('403.14');
  });

  it('503: the application pool is stopped', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'stop', 'apppool', 'foo');
    });
    expect(r.probes[0]?.status).toBe(503);
    expect(r.probes[0]?.diagnosis?.why).toContain('application pool "foo" is stopped');
  });

  it('no answer: W3SVC is stopped', async () => {
    const r = await broken(async (h) => {
      expect((await h.exec('sc.exe', ['stop', 'W3SVC'])).exitCode).toBe(0);
    });
    expect(r.probes[0]?.status).toBe(0);
    expect(r.probes[0]?.diagnosis?.what).toContain('Nothing answered on port 81');
  });
});
