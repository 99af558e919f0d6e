/**
 * Today's projects (issue #36): dependencies from wherever the project declares them (uv.lock,
 * poetry.lock, Pipfile.lock, pyproject.toml, requirements.txt), the server's Python minor in the
 * rehearsal, and the fixtures shaped like today's projects: a REST tutorial on Django 6.1 and
 * Python 3.13 with only pyproject.toml + uv.lock, and a Django 4.2 upload app. Both rehearse on
 * the Django they pin, without --sim-lenient-packages.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { plan, run } from '../../src/main/engine/engine';
import { deriveRequirements, poetryConstraint } from '../../src/main/engine/dependencies';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { interpreterFor } from '../../src/main/hosts/simulated/interpreters';
import { storeDists } from '../../src/main/hosts/simulated/python-store';
import { config, tmp } from './helpers';

const REST = path.resolve('test/fixtures/restapi61');
const UPLOADS = path.resolve('test/fixtures/uploads42');
const LOCALLIBRARY = path.resolve('test/fixtures/locallibrary');
const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const h of hosts) rmSync(h.server.root, { recursive: true, force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serverWith(fixture: string, name: string): SimulatedHost {
  const h = new SimulatedHost(tmp('deps-'));
  hosts.push(h);
  const drop = h.server.toReal(`C:\\drop\\${name}`);
  mkdirSync(path.dirname(drop), { recursive: true });
  cpSync(fixture, drop, { recursive: true });
  return h;
}

const minor = (v: string | undefined) => v?.split('.').slice(0, 2).join('.');
const VENV_SAYS = 'import sys, importlib.metadata as m; print("%d.%d" % sys.version_info[:2], *[m.version(d) for d in sys.argv[1:]])';

describe('a REST tutorial with only pyproject.toml and uv.lock, Django 6.1 on Python 3.13', () => {
  beforeAll(() => {
    if (!storeDists().some((d) => d.name === 'Django' && d.version.startsWith('6.1.'))) throw new Error('The store of real packages is missing: run bash scripts/python-store.sh (scripts/setup.sh does).');
    if (minor(interpreterFor('3.13.0')?.version) !== '3.13') throw new Error('This machine has no Python 3.13 to play the server\'s (pyenv\'s builds are looked for in $PYENV_ROOT or ~/.pyenv; DJANGO_IIS_SIM_PYTHONS adds others).');
  });

  const restConfig = () =>
    config({ siteName: 'restapi', port: 8086, appDir: 'C:\\apps\\restapi', venvDir: 'C:\\virtualenvs\\restapi', djangoProject: { folder: 'C:\\drop\\restapi' }, secretKey: { env: 'DJANGO_SECRET_KEY' } });

  it('the plan takes uv.lock (the lock over its declaration), names pyproject.toml as not used; pip gets the lock\'s pins and hashes; the site runs Django 6.1.1 and DRF 3.18.3 on a real 3.13 venv', async () => {
    const h = serverWith(REST, 'restapi');
    const p = await plan(restConfig(), h);
    const notes = p.project.notes.join('\n');
    expect(notes).toContain('Python 3.13.');
    expect(notes).toContain('dependencies: C:\\drop\\restapi\\uv.lock (5 pinned)');
    expect(notes).toContain('C:\\drop\\restapi\\pyproject.toml is not used (the dependencies come from uv.lock; "requirementsFile" chooses)');
    expect(notes).toContain('uv.lock\'s dev group "dev" is not installed on the server');
    const r = await run(restConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    // What pip was given: exact pins with their hashes, gunicorn (not for win32) and the dev group left out.
    const derived = readFileSync(h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\deployments\\restapi.requirements-from-uv.lock.txt'), 'utf8');
    expect(derived.split(/\r?\n/).filter(Boolean).map((l) => l.split(' ')[0]).sort()).toEqual(['asgiref==3.12.1', 'django==6.1.1', 'djangorestframework==3.18.3', 'sqlparse==0.5.5', 'tzdata==2025.2']);
    expect(derived).toMatch(/^django==6\.1\.1 --hash=sha256:[0-9a-f]{64} --hash=sha256:[0-9a-f]{64}$/m);
    expect(h.commandLog().some((c) => c.argv.join(' ').includes('-r C:\\ProgramData\\DjangoIISSetup\\deployments\\restapi.requirements-from-uv.lock.txt'))).toBe(true);
    // The venv is a real venv of Python 3.13 that sees exactly what pip installed.
    const v = await h.exec('C:\\virtualenvs\\restapi\\Scripts\\python.exe', ['-c', VENV_SAYS, 'django', 'djangorestframework', 'asgiref']);
    expect(v.stdout.trim()).toBe('3.13 6.1.1 3.18.3 3.12.1');
    const leak = await h.exec('C:\\virtualenvs\\restapi\\Scripts\\python.exe', ['-c', 'import importlib.util as u; print(u.find_spec("waitress"), u.find_spec("psycopg2"))']);
    expect(leak.stdout.trim()).toBe('None None');
    const api = await h.http('http://localhost:8086/snippets/', {});
    expect(api.status, api.body).toBe(200);
    expect(JSON.parse(api.body)).toEqual({ count: 0, next: null, previous: null, results: [] });
    expect(r.verification?.simulated.join('\n')).toMatch(/pip: real djangorestframework 3\.18\.3 from Debian/);
    const again = await run(restConfig(), h);
    expect(again.mutatingCommands, JSON.stringify(again.states)).toBe(0);
  });
});

describe('a Django 4.2 upload app (requirements.txt, runtime.txt 3.11, secrets from the environment, dj-database-url)', () => {
  it('deploys on real Django 4.2; a document saved by the app is in the database and served from /media by IIS; Django 3.2 is not what runs', async () => {
    const h = serverWith(UPLOADS, 'uploads');
    const c = config({ siteName: 'uploads', port: 8087, appDir: 'C:\\apps\\uploads', venvDir: 'C:\\virtualenvs\\uploads', djangoProject: { folder: 'C:\\drop\\uploads' }, secretKey: { env: 'UPLOADS_SECRET_KEY' }, environment: { UPLOADS_ALLOWED_HOSTS: 'localhost,127.0.0.1' } });
    const p = await plan(c, h);
    expect(p.project.notes.join('\n')).toContain('dependencies: C:\\drop\\uploads\\requirements.txt (3 requirements)');
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const v = await h.exec('C:\\virtualenvs\\uploads\\Scripts\\python.exe', ['-c', VENV_SAYS, 'django']);
    expect(v.stdout.trim()).toMatch(/^3\.11 4\.2\.\d+$/);
    // A write through the project's own model and storage, as the upload form does.
    const save = 'from django.core.files.base import ContentFile; from files.models import Document; d = Document(title="minutes"); d.upload.save("minutes.txt", ContentFile(b"rows kept"), save=True); print(d.upload.url)';
    const s = await h.exec('C:\\virtualenvs\\uploads\\Scripts\\python.exe', ['manage.py', 'shell', '-c', save], { cwd: 'C:\\apps\\uploads\\releases\\1', env: { DJANGO_SETTINGS_MODULE: 'config.settings', UPLOADS_SECRET_KEY: 'a-test-only-key-for-the-shell-0123456789' } });
    expect(s.exitCode, s.stderr).toBe(0);
    const url = s.stdout.trim();
    expect(url).toMatch(/^\/media\/documents\/\d{4}\/minutes(_\w+)?\.txt$/);
    const file = await h.http(`http://localhost:8087${url}`, {});
    expect(file.status).toBe(200);
    expect(file.body).toBe('rows kept');
    const home = await h.http('http://localhost:8087/', {});
    expect(home.body).toContain('>minutes</a>');
  });
});

describe('rehearse --keep writes the configuration it used', () => {
  it('with --config: what the file gave over what was derived, beside the server; the last line reuses it and that plan is all done', async () => {
    const keep = path.join(os.tmpdir(), `deps-keep-${process.pid}`);
    const cfgDir = path.join(os.tmpdir(), `deps-cfg-${process.pid}`);
    dirs.push(keep, cfgDir);
    mkdirSync(cfgDir, { recursive: true });
    const cfg = path.join(cfgDir, 'mine.json');
    writeFileSync(cfg, JSON.stringify({ port: 8094, environment: { LIBRARY_MODE: 'rehearsal' } }));
    const out: string[] = [];
    const code = await main(['rehearse', '--project', LOCALLIBRARY, '--config', cfg, '--keep', keep], { out: (x) => out.push(x), err: (x) => out.push(x) });
    expect(code, out.join('\n')).toBe(0);
    const file = path.join(keep, 'deploy.json');
    expect(existsSync(file)).toBe(true);
    const used = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(used).toMatchObject({ siteName: 'locallibrary', port: 8094, environment: { LIBRARY_MODE: 'rehearsal' }, djangoProject: { folder: 'C:\\drop\\locallibrary' } });
    expect(out.at(-1)).toBe(`Inspect it with: npm run cli -- plan --simulate ${keep} --config ${file}`);
    const again: string[] = [];
    expect(await main(['plan', '--json', '--simulate', keep, '--config', file], { out: (x) => again.push(x), err: (x) => again.push(x) })).toBe(0);
    const p = JSON.parse(again.join('\n')) as { steps: { id: string; status: string }[] };
    expect(p.steps.filter((x) => x.status !== 'done').map((x) => x.id)).toEqual([]);
  });
});

describe('lock files and declarations read as pip requirements for the Windows server', () => {
  it('poetry.lock: the main group only, markers decided for win32 and the server\'s Python, hashes kept', () => {
    const lock = `[[package]]
name = "django"
version = "5.2.8"
optional = false
python-versions = ">=3.10"
groups = ["main"]
files = [
    {file = "django-5.2.8-py3-none-any.whl", hash = "sha256:${'a'.repeat(64)}"},
    {file = "django-5.2.8.tar.gz", hash = "sha256:${'b'.repeat(64)}"},
]

[package.dependencies]
asgiref = ">=3.8.1"
tzdata = {version = "*", markers = "sys_platform == \\"win32\\""}

[[package]]
name = "tzdata"
version = "2025.2"
optional = false
groups = ["main"]
markers = "sys_platform == \\"win32\\""
files = [{file = "tzdata-2025.2-py2.py3-none-any.whl", hash = "sha256:${'c'.repeat(64)}"}]

[[package]]
name = "uvloop"
version = "0.21.0"
optional = false
groups = ["main"]
markers = "sys_platform != \\"win32\\""
files = []

[[package]]
name = "pytest"
version = "8.4.1"
optional = false
groups = ["dev"]
files = []

[metadata]
lock-version = "2.1"
python-versions = "^3.12"
`;
    const d = deriveRequirements('poetry.lock', lock, '3.12.10');
    expect(d.text).toBe(`django==5.2.8 --hash=sha256:${'a'.repeat(64)} --hash=sha256:${'b'.repeat(64)}\ntzdata==2025.2 --hash=sha256:${'c'.repeat(64)}\n`);
    expect(d.pinned).toBe(2);
    expect(d.notes.join('\n')).toMatch(/uvloop is not for this server/);
    expect(d.notes.join('\n')).toMatch(/pytest is in poetry\.lock's group dev/);
  });

  it('Pipfile.lock: "default" with markers and hashes; "develop" named as not installed', () => {
    const lock = JSON.stringify({
      _meta: { requires: { python_version: '3.12' } },
      default: { django: { hashes: [`sha256:${'d'.repeat(64)}`], markers: "python_version >= '3.10'", version: '==5.2.8' }, pywin32: { version: '==311', markers: "sys_platform == 'win32'", hashes: [] }, uvloop: { version: '==0.21.0', markers: "sys_platform != 'win32'" } },
      develop: { pytest: { version: '==8.4.1' } },
    });
    const d = deriveRequirements('Pipfile.lock', lock, '3.12.10');
    expect(d.text).toBe(`django==5.2.8 --hash=sha256:${'d'.repeat(64)}\npywin32==311\n`);
    expect(d.notes.join('\n')).toContain('develop packages (pytest)');
    expect(() => deriveRequirements('Pipfile.lock', '{"default": {"mylib": {"path": "."}}}', '3.12.10')).toThrow(/no version \(a path, VCS or editable entry\)/);
  });

  it('pyproject.toml: [project].dependencies as written, or Poetry\'s constraints as PEP 440; bad TOML says where', () => {
    expect(deriveRequirements('pyproject.toml', '[project]\nname = "x"\ndependencies = ["Django>=5.2,<6", "psycopg[binary]>=3.2", "uvloop; sys_platform != \'win32\'"]\n', '3.13.1').text).toBe('Django>=5.2,<6\npsycopg[binary]>=3.2\n');
    expect(deriveRequirements('pyproject.toml', '[tool.poetry.dependencies]\npython = "^3.12"\ndjango = "^5.2"\nwhitenoise = { version = "~6.8", markers = "python_version >= \'3.9\'" }\n', '3.12.10').text).toBe("django>=5.2,<6.0.0\nwhitenoise>=6.8,<6.9.0 ; python_version >= '3.9'\n");
    expect(poetryConstraint('^0.4.2')).toBe('>=0.4.2,<0.5.0');
    expect(poetryConstraint('2.1.*')).toBe('==2.1.*');
    expect(() => deriveRequirements('uv.lock', 'version = 1\n[[package]\n', '3.13.1')).toThrow(/uv\.lock is not valid TOML/);
    expect(() => deriveRequirements('uv.lock', 'version = 1\n[[package]]\nname = "x"\nversion = "1"\nsource = { registry = "https://pypi.org/simple" }\n', '3.13.1')).toThrow(/no entry for the project itself/);
  });

  it('an import the venv lacks names the distribution that provides it where it is known, else says how to find it', async () => {
    const { settingsLoadProblem } = await import('../../src/main/engine/settings-problem');
    const { missingModuleFix } = await import('../../src/shared/import-names');
    const p = settingsLoadProblem({ settingsModule: 'locallibrary.settings', file: 'C:\\apps\\l\\locallibrary\\settings.py', error: "ModuleNotFoundError: No module named 'dj_database_url'", output: '', requirementsFile: 'C:\\drop\\l\\requirements.txt' });
    expect(p.fix).toBe('The module dj_database_url is provided by the distribution dj-database-url: add dj-database-url to C:\\drop\\l\\requirements.txt, then run again.');
    expect(missingModuleFix("No module named 'dotenv'", undefined)).toContain('python-dotenv');
    expect(missingModuleFix("ModuleNotFoundError: No module named 'rest_framework.authtoken'", undefined)).toContain('djangorestframework');
    expect(missingModuleFix("No module named 'acme_widgets'", undefined)).toContain('The module acme_widgets is not installed in the venv: add the distribution that provides it (often named acme-widgets');
    expect(missingModuleFix('KeyError: x', undefined)).toBeUndefined();
  });

  it('a project that declares no dependencies says so in the plan', async () => {
    const h = serverWith(REST, 'bare');
    for (const f of ['uv.lock', 'pyproject.toml']) rmSync(h.server.toReal(`C:\\drop\\bare\\${f}`));
    const c = config({ siteName: 'bare', port: 8088, appDir: 'C:\\apps\\bare', venvDir: 'C:\\virtualenvs\\bare', djangoProject: { folder: 'C:\\drop\\bare' } });
    const p = await plan(c, h);
    expect(p.project.notes.join('\n')).toContain('the project declares no dependencies (uv.lock, poetry.lock, Pipfile.lock, requirements.txt, pyproject.toml)');
    // The import the run then misses names the distribution that provides it (rest_framework is djangorestframework).
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(JSON.stringify(r.problems)).toContain("No module named 'rest_framework'");
    expect(JSON.stringify(r.problems)).toContain('The module rest_framework is provided by the distribution djangorestframework: add djangorestframework to the project\'s requirements');
  }, 600_000);
});
