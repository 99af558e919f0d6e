/**
 * Strictness of the simulated server: each failure in windows-iis.md §7 is produced from the
 * wrong configuration that causes it on IIS (never by faking the answer), and verification
 * catches it with a cause and a fix. Every case starts from a copy of a working deployment,
 * which first passes verification.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, derive } from '../../src/shared/config';
import { diagnose } from '../../src/main/engine/verify';
import { readFileSync } from 'node:fs';
import { run, verify } from '../../src/main/engine/engine';
import { main } from '../../src/main/cli/cli';
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
    expect(r.diagnoses[0]?.evidence.join('\n')).toContain("module 'foo' has no attribute 'wsgi_missing'");
  });

  it('"Error occurred while reading WSGI handler": DJANGO_SETTINGS_MODULE is wrong', async () => {
    const r = await broken(async (h) => {
      await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:bar.settings`, '/commit:apphost');
    });
    expect(r.diagnoses[0]?.evidence.join('\n')).toContain("No module named 'bar'");
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

/**
 * Diagnosis and repair: each break is named once as its cause (however many probes it fails),
 * with the evidence the tool gathered, and the deployment's own check-then-set steps (what
 * verify --fix runs) repair it, after which verification passes.
 */
const BREAKS: [string, string, (h: SimulatedHost) => Promise<void> | void][] = [
  ['handler-fastcgi-mismatch', 'the handler points at wfastcgi.exe', async (h) => {
    await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost');
    await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', `/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule',scriptProcessor='${FP}|${AR.replace('.py', '.exe')}',resourceType='Unspecified']`, '/commit:apphost');
  }],
  ['cgi-missing', 'IIS-CGI disabled', async (h) => {
    expect((await h.exec('dism.exe', ['/English', '/Online', '/Disable-Feature', '/FeatureName:IIS-CGI'])).exitCode).toBe(0);
  }],
  ['web-config-locked', 'a web.config with <handlers>', async (h) => {
    await h.writeFile('C:\\apps\\foo\\web.config', `<?xml version="1.0" encoding="UTF-8"?>\r\n<configuration><system.webServer><handlers><add name="Python FastCGI" path="*" verb="*" modules="FastCgiModule" scriptProcessor="${FP}|${AR}" resourceType="Unspecified" /></handlers></system.webServer></configuration>\r\n`);
  }],
  ['fastcgi-exited', 'the pool cannot write WSGI_LOG', async (h) => {
    expect((await h.exec('icacls.exe', ['C:\\apps\\foo\\logs', '/inheritance:r'])).exitCode).toBe(0);
    expect((await h.exec('icacls.exe', ['C:\\apps\\foo\\logs', '/remove', 'IIS AppPool\\foo'])).exitCode).toBe(0);
  }],
  ['wsgi-import', 'WSGI_HANDLER names a missing module', async (h) => {
    await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='WSGI_HANDLER'].value:foo.wsgi_missing.application`, '/commit:apphost');
  }],
  ['static-django-inherited', 'the Django handler inherited by /static', (h) => {
    editWin(h, 'C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config', (t) => t.replace(/<location path="foo\/static">[\s\S]*?<\/location>\s*/, ''));
  }],
  ['static-not-collected', 'the static files deleted', async (h) => {
    await h.remove('C:\\apps\\foo\\foo\\static');
    await h.mkdir('C:\\apps\\foo\\foo\\static');
  }],
  ['handler-missing', 'the Django handler removed', async (h) => {
    await appcmd(h, 'set', 'config', 'foo', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost');
  }],
  ['fastcgi-exited', 'the pool cannot read Python', async (h) => {
    expect((await h.exec('icacls.exe', ['C:\\Python314', '/inheritance:r'])).exitCode).toBe(0);
    expect((await h.exec('icacls.exe', ['C:\\Python314', '/remove', 'IIS AppPool\\foo'])).exitCode).toBe(0);
  }],
  ['pool-stopped', 'the pool stopped', async (h) => {
    await appcmd(h, 'stop', 'apppool', 'foo');
  }],
  ['nothing-listens', 'W3SVC stopped', async (h) => {
    expect((await h.exec('sc.exe', ['stop', 'W3SVC'])).exitCode).toBe(0);
  }],
];

describe('one diagnosis per cause, with evidence, repaired by the deployment\'s steps (verify --fix)', () => {
  it.each(BREAKS)('%s (%s)', async (cause, _label, mutate) => {
    const v = await broken(mutate);
    expect(v.ok).toBe(false);
    expect(v.diagnoses.map((g) => g.cause), JSON.stringify(v.probes.map((p) => p.diagnosis?.what))).toEqual([cause]);
    const g = v.diagnoses[0];
    expect(g?.fixable).toBe(true);
    expect(g?.urls.length).toBe(v.probes.filter((p) => !p.ok).length);
    const r = await run(c, host as SimulatedHost);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.mutatingCommands).toBeGreaterThan(0);
    const again = await verify(c, host as SimulatedHost);
    expect(again.ok, JSON.stringify(again.diagnoses)).toBe(true);
  });

  it('the IIS error page is read into its parts; a WSGI import error shows where it fails', async () => {
    const v = await broken(async (h) => {
      await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:bar.settings`, '/commit:apphost');
    });
    const g = v.diagnoses[0];
    expect(g?.cause).toBe('wsgi-import');
    expect(g?.evidence.join('\n')).toContain("ModuleNotFoundError: No module named 'bar'");
    const cgi = await broken(async (h) => {
      expect((await h.exec('dism.exe', ['/English', '/Online', '/Disable-Feature', '/FeatureName:IIS-CGI'])).exitCode).toBe(0);
    });
    expect(cgi.diagnoses[0]?.evidence[0]).toMatch(/^HTTP 500\.21; .*module IIS Web Core|^HTTP 500\.21; .*handler/);
  });

  it("an error in the project's own file: the file and line lead, and it is not the tool's to fix", async () => {
    const v = await broken((h) => {
      editWin(h, 'C:\\apps\\foo\\foo\\settings.py', (t) => `${t}\nthis is broken(\n`);
    });
    expect(v.diagnoses.map((g) => g.cause)).toEqual(['project-code']);
    const g = v.diagnoses[0];
    expect(g?.what).toMatch(/SyntaxError: .* at C:\\apps\\foo\\foo\\settings\.py, line \d+\./);
    expect(g?.fixable).toBe(false);
    expect(g?.urls.length).toBe(2);
    expect(g?.evidence.join('\n')).toContain('File "C:\\apps\\foo\\foo\\settings.py", line');
    expect(g?.evidence.join('\n')).not.toContain('<frozen');
  });

  it('a server broken in two independent ways gets two diagnoses, and verify --fix repairs both', async () => {
    host = await deployedCopy();
    const h = host;
    await appcmd(h, 'set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${FP}',arguments='${AR}'].environmentVariables.[name='WSGI_HANDLER'].value:foo.wsgi_missing.application`, '/commit:apphost');
    await h.remove('C:\\apps\\foo\\foo\\static');
    await h.mkdir('C:\\apps\\foo\\foo\\static');
    const v = await verify(c, h);
    expect(v.diagnoses.map((g) => g.cause).sort()).toEqual(['static-not-collected', 'wsgi-import']);
    const out: string[] = [];
    const code = await main(['verify', '--fix', '--yes', '--simulate', h.server.root, '--report', `${h.server.root}/report.html`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code, out.join('\n')).toBe(0);
    const text = out.join('\n');
    expect(text.indexOf('Diagnosis: 2 independent causes')).toBeLessThan(text.indexOf('Verification:'));
    expect(text).toContain('Fixed (');
    const report = readFileSync(`${h.server.root}/report.html`, 'utf8');
    expect(report).toContain('it works');
    expect(report).not.toMatch(/<script/i);
  });
});

describe('causes read from what Django answers', () => {
  const cfg = defaultConfig();
  const d = derive(cfg);
  const page = (status: number, body: string) => diagnose({ status, headers: {}, body }, cfg, d, 'page').cause;
  it.each([
    ['db-not-migrated', 500, 'OperationalError at /catalog/\nno such table: catalog_book'],
    ['db-readonly', 500, 'OperationalError: attempt to write a readonly database'],
    ['csrf-origin', 403, '<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p><p>Origin checking failed - https://shop.example.com does not match any trusted origins.</p>'],
    ['static-manifest', 500, "ValueError: Missing staticfiles manifest entry for 'css/site.css'"],
    ['django-error', 500, '<h1>Server Error (500)</h1>'],
  ])('%s', (cause, status, body) => {
    expect(page(status, body)).toBe(cause);
  });
});

describe('a database that is not migrated, on the handed-over Local Library', () => {
  it('"no such table" and a missing static manifest behind a bare 500: each cause named from evidence, and fixed', async () => {
    const { cpSync, mkdirSync: mk } = await import('node:fs');
    const pathMod = await import('node:path');
    const { config: cfgOf, freshHost } = await import('./helpers');
    const h = freshHost();
    host = h;
    const drop = h.server.toReal('C:\\drop');
    mk(drop, { recursive: true });
    cpSync(pathMod.resolve('test/fixtures/locallibrary'), pathMod.join(drop, 'locallibrary'), { recursive: true });
    const lib = cfgOf({ siteName: 'library', hostName: 'library.example.com', appDir: 'C:\\apps\\library', venvDir: 'C:\\virtualenvs\\library', djangoProject: { folder: 'C:\\drop\\locallibrary' }, requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt', environment: { DJANGO_DEBUG: 'False' }, secretKey: { env: 'DJANGO_SECRET_KEY' }, verify: { urls: ['/catalog/'] } });
    const first = await run(lib, h);
    expect(first.verification?.ok, JSON.stringify(first.problems)).toBe(true);
    // the catalog's tables dropped (as a database restored from before the migrations would be)
    const zero = await h.exec('C:\\virtualenvs\\library\\Scripts\\python.exe', ['C:\\apps\\library\\releases\\1\\manage.py', 'migrate', 'catalog', 'zero'], { cwd: 'C:\\apps\\library\\releases\\1', env: { DJANGO_SECRET_KEY: 'x', DJANGO_SETTINGS_MODULE: 'locallibrary.settings' } });
    expect(zero.exitCode, zero.stdout + zero.stderr).toBe(0);
    const v = await verify(lib, h);
    expect(v.diagnoses.map((g) => g.cause)).toEqual(['db-not-migrated']);
    expect(v.diagnoses[0]?.urls).toEqual(['http://localhost:81/catalog/']);
    expect(v.diagnoses[0]?.evidence.join('\n')).toContain('unapplied migrations');
    const r = await run(lib, h);
    expect(r.states.migrate).toBe('done');
    expect((await verify(lib, h)).ok).toBe(true);
    // whitenoise's manifest deleted: every page with {% static %} fails with a bare 500 (DEBUG off)
    const root = h.server.appHostText().match(/path="\/static" physicalPath="([^"]+)"/)?.[1] as string;
    await h.remove(`${root}\\staticfiles.json`);
    // (the running process keeps the manifest it read; a recycle, here a touched .py file, reads it again)
    const { utimesSync } = await import('node:fs');
    const later = new Date(Date.now() + 5000);
    utimesSync(h.server.toReal('C:\\apps\\library\\releases\\1\\locallibrary\\urls.py'), later, later);
    const m = await verify(lib, h);
    expect(m.diagnoses.map((g) => g.cause)).toEqual(['static-manifest']);
    expect(m.diagnoses[0]?.evidence.join('\n')).toContain('staticfiles.json does not exist');
    const fixed = await run(lib, h);
    expect(fixed.states.collectstatic).toBe('done');
    expect(h.commandLog().some((x) => x.argv.join(' ').includes('recycle apppool /apppool.name:library'))).toBe(true);
    const after = await verify(lib, h);
    expect(after.ok, JSON.stringify(after.diagnoses)).toBe(true);
  });
});

describe('a cause is offered as fixable only when its steps find something to change', () => {
  it('DisallowedHost from ALLOWED_HOSTS assigned after the managed block: fixable, the block moves after it', async () => {
    host = await deployedCopy();
    editWin(host, 'C:\\apps\\foo\\foo\\settings.py', (t) => `${t}\nALLOWED_HOSTS = ['app.example.com']\n`);
    const { verifyWithFixes } = await import('../../src/main/engine/engine');
    const v = await verifyWithFixes(c, host);
    const g = v.diagnoses.find((x) => x.cause === 'disallowed-host');
    expect(g, JSON.stringify(v.diagnoses)).toBeDefined();
    // the settings step moves its block after the project's assignment: verify --fix repairs it
    expect(g?.fixable).toBe(true);
    const r = await run(c, host);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const text = readFileSync(host.server.toReal('C:\\apps\\foo\\foo\\settings.py'), 'utf8');
    expect(text.indexOf("ALLOWED_HOSTS = ['app.example.com']")).toBeLessThan(text.indexOf('# BEGIN Django IIS Setup'));
    expect((await run(c, host)).mutatingCommands).toBe(0);
  });

  it('a cause whose steps find nothing to change is not offered as fixable', async () => {
    host = await deployedCopy();
    // a page that raises: nothing the deployment sets can repair it
    editWin(host, 'C:\\apps\\foo\\foo\\urls.py', (t) => t.replace("urlpatterns = [", "def boom(request):\n    raise RuntimeError('boom')\n\n\nurlpatterns = [\n    path('boom/', boom),"));
    const { verifyWithFixes } = await import('../../src/main/engine/engine');
    const v = await verifyWithFixes({ ...c, verify: { urls: ['/boom/'] } }, host);
    const g = v.diagnoses[0];
    expect(g?.urls).toEqual(['http://localhost:81/boom/']);
    expect(g?.fixable).toBe(false);
  });

  it('a fixable cause names the steps verify --fix will run', async () => {
    host = await deployedCopy();
    await appcmd(host, 'stop', 'apppool', 'foo');
    const { verifyWithFixes } = await import('../../src/main/engine/engine');
    const v = await verifyWithFixes(c, host);
    expect(v.diagnoses[0]?.fixable).toBe(true);
    expect(v.diagnoses[0]?.evidence.join('\n')).toContain('verify --fix: "');
  });
});
