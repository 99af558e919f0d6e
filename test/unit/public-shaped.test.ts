/**
 * Projects shaped like public ones nobody here wrote (issue: any real project): a REST tutorial
 * with old pins (wheel, setuptools) and Django 3.2 pinned with no runtime.txt; settings that
 * redirect to HTTPS, a view that fails with DEBUG on, an empty SECRET_KEY read from the
 * environment, a project without the admin. Each deploys with the right Python said, or fails
 * with evidence and a fix that names the configuration key.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plan, run } from '../../src/main/engine/engine';
import { verify } from '../../src/main/engine/verify';
import { RefusedError } from '../../src/main/engine/refusal';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, config, freshHost } from './helpers';
import { interpreterFor } from '../../src/main/hosts/simulated/interpreters';

const hosts: SimulatedHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
});

/** django-admin startproject NAME in C:\drop\NAME, then the given files (relative, '/'-separated) written over it. */
function handedOver(name: string, files: Record<string, string>, edit?: (settings: string) => string): SimulatedHost {
  const h = freshHost();
  hosts.push(h);
  const root = h.server.toReal(`C:\\drop\\${name}`);
  mkdirSync(root, { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'django', 'startproject', name, root]);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), text);
  }
  const settings = path.join(root, name, 'settings.py');
  if (edit) writeFileSync(settings, edit(readFileSync(settings, 'utf8')));
  return h;
}

const cfgFor = (name: string, extra: Record<string, unknown> = {}) =>
  config({ siteName: name, port: 8090, appDir: `C:\\apps\\${name}`, venvDir: `C:\\venvs\\${name}`, djangoProject: { folder: `C:\\drop\\${name}` }, settingsModule: `${name}.settings`, requirementsFile: `C:\\drop\\${name}\\requirements.txt`, ...extra });

describe('a REST tutorial with old pins: Django 3.2 pinned, wheel and setuptools pinned, no runtime.txt', () => {
  it('deploys on the Python Django 3.2 supports, installs the pins pip would, and a second plan is all done', async () => {
    const h = handedOver('tutorial', { 'requirements.txt': 'Django==3.2.25\nwheel==0.35.1\nsetuptools==50.3.2\npip\n' });
    const c = cfgFor('tutorial');
    const p = await plan(c, h);
    expect(p.project.notes.join('\n')).toContain('Python 3.10.11 from Django 3.2 (Django==3.2.25 in the requirements)');
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const list = await h.exec('C:\\venvs\\tutorial\\Scripts\\python.exe', ['-m', 'pip', 'list', '--format=json']);
    const pkgs = Object.fromEntries((JSON.parse(list.stdout) as { name: string; version: string }[]).map((x) => [x.name, x.version]));
    expect(pkgs).toMatchObject({ wheel: '0.35.1', setuptools: '50.3.2', pip: '24.3.1' });
    expect(await h.exists('C:\\Python310\\python.exe')).toBe(true);
    // The venv is a real venv of the server's minor where the machine has one (pyenv's 3.10), running the pinned Django.
    const by = interpreterFor('3.10.11');
    const minor = by?.version.split('.').slice(0, 2).join('.');
    const v = await h.exec('C:\\venvs\\tutorial\\Scripts\\python.exe', ['-c', 'import sys, django; print("%d.%d" % sys.version_info[:2], django.__version__)']);
    expect(v.stdout.trim()).toBe(`${minor ?? ''} 3.2.25`);
    // Else the rehearsal says what it cannot prove: Python 3.10 on the server, another minor here.
    if (minor === '3.10') expect(r.verification?.simulated.join('\n')).not.toMatch(/The server will run Python 3\.10/);
    else expect(r.verification?.simulated.join('\n')).toMatch(/The server will run Python 3\.10\.11; this rehearsal runs Python 3\.\d+\.\d+ in its place/);
    const again = await plan(c, h);
    expect(again.steps.filter((s) => s.status !== 'done').map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
  });
});

const withOs = (s: string) => (s.includes('import os\n') ? s : s.replace('from pathlib import Path', 'import os\nfrom pathlib import Path'));

describe('an upload app with env-driven settings', () => {
  it('an empty SECRET_KEY read from the environment names "secretKey" with the variable the settings read; with it the project deploys', async () => {
    const h = handedOver('uploads', { 'requirements.txt': 'Django>=3.2,<4\n' }, (s) => withOs(s).replace(/^SECRET_KEY = .*$/m, "SECRET_KEY = os.environ.get('UPLOADS_SECRET_KEY', '')"));
    // A "secretKey" naming a variable the settings do not read: the key stays empty, and the fix names the right one.
    const r = await run(cfgFor('uploads', { secretKey: { env: 'DJANGO_SECRET_KEY' } }), h);
    expect(r.outcome).toBe('failed');
    const p = r.problems['django-settings'];
    expect(p?.why).toContain('The configuration\'s "secretKey" sets DJANGO_SECRET_KEY, which the settings do not read.');
    expect(p?.why).toMatch(/The SECRET_KEY setting must not be empty: C:\\apps\\uploads\\releases\\1\\uploads\\settings\.py, line \d+, reads SECRET_KEY from the environment variable UPLOADS_SECRET_KEY/);
    expect(p?.fix).toContain('Add "secretKey": {"env": "UPLOADS_SECRET_KEY"} to the configuration');
    // The rehearsal's traceback names the server's files, not the Linux interpreter's.
    expect(p?.output).toContain('C:\\venvs\\uploads\\Lib\\site-packages\\django\\conf\\__init__.py');
    expect(p?.output).not.toMatch(/\/usr\/lib|\/tmp\//);
    const fixed = await run(cfgFor('uploads', { secretKey: { env: 'UPLOADS_SECRET_KEY' } }), h);
    expect(fixed.outcome, JSON.stringify(fixed.problems)).toBe('succeeded');
    // With no "secretKey" the tool takes the variable the settings read: the same deployment, nothing to change.
    const derived = await plan(cfgFor('uploads'), h);
    expect(derived.project.notes.join('\n')).toContain('secretKey from the environment variable UPLOADS_SECRET_KEY');
    expect(derived.steps.filter((s) => s.status !== 'done').map((s) => s.id)).toEqual([]);
  });

  it('SECURE_SSL_REDIRECT: the probes fail with the status line and Location, explained as the project\'s HTTPS setting', async () => {
    const h = handedOver('secure', { 'requirements.txt': 'Django>=3.2,<4\n' }, (s) => `${s}\nSECURE_SSL_REDIRECT = True\n`);
    const r = await run(cfgFor('secure'), h);
    expect(r.outcome).toBe('failed');
    const home = r.verification?.probes.find((p) => p.url.endsWith(':8090/'));
    expect(home?.ok).toBe(false);
    const g = r.verification?.diagnoses.find((x) => x.cause === 'https-redirect');
    expect(g?.urls).toEqual(['http://localhost:8090/', 'http://localhost:8090/admin/login/']);
    expect(g?.why).toContain('SECURE_SSL_REDIRECT');
    expect(g?.evidence.slice(0, 2)).toEqual(['HTTP 301 Moved Permanently', 'Location: https://localhost:8090/']);
  });

  it('a view that fails with DEBUG on: the exception, its message and the project\'s own frame from Django\'s debug page, in Windows paths', async () => {
    const h = handedOver(
      'boom',
      {
        'requirements.txt': 'Django>=3.2,<4\n',
        'boom/views.py': 'def home(request):\n    total = 0\n    return 10 / total\n',
      },
      (s) => s.replace(/^DEBUG = .*$/m, 'DEBUG = True'),
    );
    const urls = path.join(h.server.toReal('C:\\drop\\boom'), 'boom', 'urls.py');
    writeFileSync(urls, readFileSync(urls, 'utf8').replace("from django.urls import path", "from django.urls import path\nfrom boom.views import home").replace("path('admin/', admin.site.urls),", "path('admin/', admin.site.urls),\n    path('', home),"));
    const r = await run(cfgFor('boom'), h);
    expect(r.outcome).toBe('failed');
    const g = r.verification?.diagnoses.find((x) => x.cause === 'view-error');
    expect(g?.what).toBe('/ raises ZeroDivisionError: division by zero (C:\\apps\\boom\\releases\\1\\boom\\views.py, line 3, in home).');
    expect(g?.why).toContain('DEBUG is on');
    expect(g?.fix).toContain('Fix C:\\apps\\boom\\releases\\1\\boom\\views.py, line 3 in the project');
    expect(g?.evidence[0]).toBe("Django's debug page (DEBUG is on): ZeroDivisionError at /: division by zero");
    expect(r.verification?.warnings.join('\n')).toContain('DEBUG is on: Django shows tracebacks and settings to visitors. Turn it off for production (the project sets it in its settings file, not from the environment).');
  });

  it('a project without the admin: one of its collected static files is checked instead', async () => {
    const h = handedOver('noadmin', { 'requirements.txt': 'Django>=3.2,<4\n', 'noadmin/assets/css/site.css': 'body { color: #333; }\n' }, (s) =>
      s.replace("    'django.contrib.admin',\n", '').replace(/^STATIC_URL = .*$/m, "STATIC_URL = '/static/'\nSTATICFILES_DIRS = [BASE_DIR / 'noadmin' / 'assets']"),
    );
    const urls = path.join(h.server.toReal('C:\\drop\\noadmin'), 'noadmin', 'urls.py');
    writeFileSync(urls, "from django.http import HttpResponse\nfrom django.urls import path\n\nurlpatterns = [path('', lambda request: HttpResponse('<link rel=\"stylesheet\" href=\"/static/css/site.css\"><p>Catalogue</p>'))]\n");
    const r = await run(cfgFor('noadmin'), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const css = r.verification?.probes.find((p) => p.name === 'A collected static file is served by IIS');
    expect(css).toMatchObject({ ok: true, status: 200, contentType: 'text/css', url: 'http://localhost:8090/static/css/site.css' });
    // Taken away, the check fails and says why.
    const collected = r.verification?.probes.find((p) => p.name === 'A collected static file is served by IIS')?.detail.split(' from ')[1] ?? '';
    expect(collected).toBe('C:\\apps\\noadmin\\releases\\1\\noadmin\\static');
    // The /static virtual directory pointed elsewhere by hand: the check fails and says why.
    mkdirSync(h.server.toReal('C:\\elsewhere'), { recursive: true });
    expect((await h.exec(APPCMD, ['set', 'vdir', 'noadmin/static', '-physicalPath:C:\\elsewhere'])).exitCode).toBe(0);
    const v = await verify(cfgFor('noadmin'), h);
    expect(v.probes.find((p) => p.name === 'A collected static file is served by IIS')).toMatchObject({ ok: false, status: 404, url: 'http://localhost:8090/static/css/site.css' });
    expect(v.diagnoses.map((g) => g.cause)).toEqual(['static-not-collected']);
  });
});

describe('a zip whose manage.py cannot be found where it is looked for', () => {
  function zipOf(h: SimulatedHost, files: Record<string, string>): string {
    const src = h.server.toReal('C:\\build');
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
      writeFileSync(path.join(src, f), text);
    }
    mkdirSync(h.server.toReal('C:\\drop'), { recursive: true });
    execFileSync('/usr/bin/python3', ['-c', `import shutil; shutil.make_archive('${h.server.toReal('C:\\drop\\shop')}', 'zip', '${src}')`]);
    return 'C:\\drop\\shop.zip';
  }
  const zipCfg = (zip: string) => config({ siteName: 'shop', port: 8090, appDir: 'C:\\apps\\shop', venvDir: 'C:\\venvs\\shop', djangoProject: { zip }, settingsModule: 'shop.settings' });

  it('manage.py two folders down: the plan names where it is and what to send; nothing runs', async () => {
    const h = freshHost();
    hosts.push(h);
    const zip = zipOf(h, { 'repo-main/src/manage.py': 'print(1)\n', 'repo-main/src/shop/settings.py': '\n', 'repo-main/README.md': '#\n' });
    const before = h.commandLog().length;
    const refused = await run(zipCfg(zip), h).then(() => undefined, (e: unknown) => e as RefusedError);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused?.problems[0]?.what).toBe('C:\\drop\\shop.zip has manage.py at repo-main/src/manage.py, not at its top or in its one top folder.');
    expect(refused?.problems[0]?.fix).toContain('Zip the folder that holds manage.py (repo-main/src)');
    expect(h.commandLog().slice(before).filter((c) => c.mutating)).toEqual([]);
  });

  it('no manage.py at all: the plan lists what the zip holds', async () => {
    const h = freshHost();
    hosts.push(h);
    const zip = zipOf(h, { 'docs/index.md': '#\n', 'notes.txt': 'x\n' });
    await expect(plan(zipCfg(zip), h)).rejects.toThrow('C:\\drop\\shop.zip holds no manage.py; its top level has: docs/, notes.txt.');
  });
});

describe('settings that do not load, said as what to set', () => {
  it('a KeyError for a variable other than the secret key\'s is an "environment" entry; for the secret key\'s it is "secretKey"', async () => {
    const { settingsLoadProblem, secretKeyVariable } = await import('../../src/main/engine/settings-problem');
    const settings = "import os\nSECRET_KEY = os.getenv('APP_KEY')\nDATABASE_URL = os.environ['DATABASE_URL']\n";
    expect(secretKeyVariable(settings)).toEqual({ name: 'APP_KEY', line: 2 });
    const other = settingsLoadProblem({ settingsModule: 'app.settings', file: 'C:\\apps\\app\\app\\settings.py', error: "KeyError: 'DATABASE_URL'", output: '', settings });
    expect(other.fix).toContain('Give it in "environment" of the configuration ({"DATABASE_URL": "..."})');
    const secret = settingsLoadProblem({ settingsModule: 'app.settings', file: 'C:\\apps\\app\\app\\settings.py', error: "KeyError: 'APP_KEY'", output: '', settings, secretEnv: 'DJANGO_SECRET_KEY' });
    expect(secret.fix).toContain('Add "secretKey": {"env": "APP_KEY"}');
    expect(secret.why).toContain('The configuration\'s "secretKey" sets DJANGO_SECRET_KEY, which the settings do not read.');
  });
});

describe("check --deploy's HTTPS warnings, in words", () => {
  it('each says what it means and the setting that answers it; a setting the project reads from the environment is offered as an "environment" entry', async () => {
    const { explainDeployWarning } = await import('../../src/main/engine/deploy-warnings');
    const settings = "import os\nSESSION_COOKIE_SECURE = os.environ.get('SHOP_SECURE_COOKIES', '') == 'True'\nSECURE_SSL_REDIRECT = bool(os.getenv('SHOP_SSL_REDIRECT'))\n";
    const w012 = explainDeployWarning('manage.py check --deploy: security.W012: SESSION_COOKIE_SECURE is not set to True.', settings);
    expect(w012).toBe('manage.py check --deploy (security.W012): the session cookie may travel over plain http; set it once the site is served over HTTPS only. The setting that answers it is SESSION_COOKIE_SECURE, the project\'s to decide. The project reads SESSION_COOKIE_SECURE from the environment variable SHOP_SECURE_COOKIES (settings line 2): "environment": {"SHOP_SECURE_COOKIES": "True"} sets it without changing the project.');
    expect(explainDeployWarning('manage.py check --deploy: security.W008: Your SECURE_SSL_REDIRECT setting is not set to True.', settings)).toContain('"environment": {"SHOP_SSL_REDIRECT": "True"}');
    expect(explainDeployWarning('manage.py check --deploy: security.W016: x', settings)).not.toContain('"environment"');
    expect(explainDeployWarning('manage.py check --deploy: security.W999: unknown', settings)).toBe('manage.py check --deploy: security.W999: unknown');
  });
});
