/**
 * The project a team hands over (test/fixtures/locallibrary, written for these tests: its own
 * STATIC_ROOT, env-driven SECRET_KEY and DEBUG, a model with migrations and a page that queries
 * it, MEDIA_ROOT, ALLOWED_HOSTS without localhost, a wsgi.py that wraps the application, pip's
 * syntax in requirements.txt, runtime.txt), deployed from a folder and from a zip on fresh
 * simulated servers.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../src/shared/config';
import type { EngineEvent } from '../../src/shared/plan';
import { main } from '../../src/main/cli/cli';
import { plan, run, uninstall, verify } from '../../src/main/engine/engine';
import { exportPowerShell } from '../../src/main/export/powershell';
import { createLogger } from '../../src/main/logging/logger';
import { DeploymentService } from '../../src/main/service/deployment-service';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { localLibraryConfig, tmp } from './helpers';

const FIXTURE = path.resolve('test/fixtures/locallibrary');
const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serverWithDrop(kind: 'folder' | 'zip'): SimulatedHost {
  const dir = tmp('handover-');
  dirs.push(dir);
  const h = new SimulatedHost(dir);
  hosts.push(h);
  const drop = h.server.toReal('C:\\drop');
  mkdirSync(drop, { recursive: true });
  cpSync(FIXTURE, path.join(drop, 'locallibrary'), { recursive: true });
  if (kind === 'zip') execFileSync('/usr/bin/python3', ['-c', `import shutil; shutil.make_archive('${drop}/locallibrary', 'zip', '${drop}/locallibrary')`]);
  return h;
}

const base = (kind: 'folder' | 'zip', extra: Record<string, unknown> = {}): DeploymentConfig =>
  localLibraryConfig({ ...(kind === 'zip' ? { djangoProject: { zip: 'C:\\drop\\locallibrary.zip' }, settingsModule: 'locallibrary.settings' } : {}), ...extra });

const fastCgiEnv = (h: SimulatedHost): Record<string, string> => {
  const cfg = h.server.appHostText();
  const out: Record<string, string> = {};
  for (const m of cfg.matchAll(/<environmentVariable name="([^"]+)" value="([^"]*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
};

describe.each(['folder', 'zip'] as const)('the Local Library from a %s', (kind) => {
  it('deploys following what Django says, changes nothing the second time, and keeps its settings file as it is', async () => {
    const h = serverWithDrop(kind);
    const c = base(kind);
    const events: EngineEvent[] = [];
    const r = await run(c, h, { onEvent: (e) => events.push(e) });
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    // the project's own settings are kept; the managed block only names the data every release shares
    const settings = readFileSync(h.server.toReal('C:\\apps\\library\\releases\\1\\locallibrary\\settings.py'), 'utf8');
    const original = readFileSync(path.join(FIXTURE, 'locallibrary', 'settings.py'), 'utf8');
    expect(settings.startsWith(original)).toBe(true);
    const block = settings.slice(original.length);
    expect(block).toContain("DATABASES['default']['NAME'] = 'C:\\\\apps\\\\library\\\\shared\\\\db.sqlite3'");
    expect(block).toContain("MEDIA_ROOT = 'C:\\\\apps\\\\library\\\\shared\\\\media'");
    expect(block).not.toMatch(/STATIC_ROOT|STATIC_URL|ALLOWED_HOSTS/);
    // the /static virtual directory is the release's STATIC_ROOT; /media is the shared MEDIA_ROOT
    const site = await h.exec('C:\\Windows\\System32\\inetsrv\\appcmd.exe', ['list', 'site', 'library', '/config', '/xml']);
    expect(site.stdout).toContain('path="/static" physicalPath="C:\\apps\\library\\releases\\1\\staticfiles"');
    expect(site.stdout).toContain('path="/media" physicalPath="C:\\apps\\library\\shared\\media"');
    // the database page answers after migrate; the admin CSS (whitenoise's hashed name) comes from IIS
    const v = r.verification;
    expect(v?.ok).toBe(true);
    const css = v?.probes.find((p) => p.name.includes('CSS'));
    expect(css?.url).toMatch(/\/static\/admin\/css\/base\.[0-9a-f]{12}\.css$/);
    expect(css?.contentType).toBe('text/css');
    const catalog = await h.http('http://localhost:8081/catalog/', { headers: { host: 'library.example.com:8081' } });
    expect(catalog.status).toBe(200);
    expect(catalog.body).toContain('The library has <strong>0</strong> books.');
    // the project's wsgi.py runs (WSGI_HANDLER is its WSGI_APPLICATION)
    expect(catalog.headers['x-local-library']).toBe('wsgi.py');
    const css2 = await h.http(`http://localhost:8081${new URL(css?.url ?? '').pathname}`, { headers: { host: 'library.example.com:8081' } });
    expect(css2.headers['x-simulated-handler']).toBe('StaticFile');
    const env = fastCgiEnv(h);
    expect(env.WSGI_HANDLER).toBe('locallibrary.wsgi.application');
    expect(env.DJANGO_DEBUG).toBe('False');
    expect(env.DJANGO_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
    // SQLite's folder and MEDIA_ROOT (shared by every release) are writable by the pool
    for (const p of ['C:\\apps\\library\\shared', 'C:\\apps\\library\\shared\\media']) expect((await h.exec('icacls.exe', [p])).stdout).toContain('IIS APPPOOL\\library:(OI)(CI)(M)');
    // the key never reached an event
    expect(JSON.stringify(events)).not.toContain(env.DJANGO_SECRET_KEY);
    // a second apply changes nothing, and keeps the key
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
    expect(Object.values(again.states).every((s) => s === 'already-done')).toBe(true);
    expect(fastCgiEnv(h).DJANGO_SECRET_KEY).toBe(env.DJANGO_SECRET_KEY);
    if (kind === 'folder') {
      // Python came from the project's runtime.txt
      const p = await plan(c, h);
      expect(p.project.pythonSource).toContain('runtime.txt');
      expect(p.project.pythonVersion).toBe('3.11.4');
      expect(p.project.staticRoot).toBe('C:\\apps\\library\\releases\\1\\staticfiles');
      expect(p.project.mediaRoot).toBe('C:\\apps\\library\\shared\\media');
      expect(p.project.database).toBe('SQLite C:\\apps\\library\\shared\\db.sqlite3');
      // manage.py check --deploy's warnings are in the plan too
      expect(p.project.warnings.join('\n')).toContain('manage.py check --deploy (security.W004): browsers are not told to come back over HTTPS only (HSTS)');
      expect(await h.exists('C:\\Python311\\python.exe')).toBe(true);
    }
    // uninstall removes the deployment and keeps the data
    const u = await uninstall(h, 'library');
    expect(u.problems).toEqual([]);
    expect(h.server.appHostText()).not.toContain('library');
    expect(u.kept.join('\n')).toContain('C:\\apps\\library\\shared');
    expect(await h.exists('C:\\apps\\library\\shared\\db.sqlite3')).toBe(true);
    expect(await h.exists('C:\\apps\\library\\releases')).toBe(false);
  });
});

describe('the environment and the secret key', () => {
  it('converges a changed and a removed variable; the key is in no output, log file, plan JSON or export; rotate replaces it', async () => {
    const h = serverWithDrop('folder');
    const dir = h.server.root;
    await h.dispose();
    const cfgDir = tmp('handover-cfg-');
    dirs.push(cfgDir);
    const write = (name: string, c: Record<string, unknown>) => {
      const f = path.join(cfgDir, name);
      writeFileSync(f, JSON.stringify(c));
      return f;
    };
    const input = {
      siteName: 'library',
      port: 8081,
      hostName: 'library.example.com',
      appDir: 'C:\\apps\\library',
      venvDir: 'C:\\virtualenvs\\library',
      djangoProject: { folder: 'C:\\drop\\locallibrary' },
      requirementsFile: 'C:\\drop\\locallibrary\\requirements.txt',
      environment: { DJANGO_DEBUG: 'False', LIBRARY_BANNER: 'Welcome' },
      secretKey: { env: 'DJANGO_SECRET_KEY' },
    };
    const outputs: string[] = [];
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
      outputs.push(...out, ...err);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const f1 = write('a.json', input);
    expect((await cli(['plan', '--json', '--config', f1, '--simulate', dir])).code).toBe(0);
    const a1 = await cli(['apply', '--yes', '--config', f1, '--simulate', dir]);
    expect(a1.code, a1.out).toBe(0);
    const h2 = new SimulatedHost(dir);
    hosts.push(h2);
    const key = fastCgiEnv(h2).DJANGO_SECRET_KEY as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(fastCgiEnv(h2).LIBRARY_BANNER).toBe('Welcome');
    // change one variable and drop the other
    const f2 = write('b.json', { ...input, environment: { DJANGO_DEBUG: 'True' } });
    const p2 = await cli(['plan', '--config', f2, '--simulate', dir]);
    expect(p2.out).toContain(".environmentVariables.[name='DJANGO_DEBUG'].value:True");
    expect(p2.out).toContain("/-[fullPath='C:\\virtualenvs\\library\\Scripts\\python.exe',arguments='-X django_iis_release=1 C:\\virtualenvs\\library\\Lib\\site-packages\\wfastcgi.py'].environmentVariables.[name='LIBRARY_BANNER']");
    expect((await cli(['apply', '--yes', '--json', '--config', f2, '--simulate', dir])).code).toBe(0);
    expect(fastCgiEnv(h2).DJANGO_DEBUG).toBe('True');
    expect(fastCgiEnv(h2).LIBRARY_BANNER).toBeUndefined();
    expect(fastCgiEnv(h2).DJANGO_SECRET_KEY).toBe(key);
    const again = await cli(['apply', '--yes', '--json', '--config', f2, '--simulate', dir]);
    expect((JSON.parse(again.out) as { mutatingCommands: number }).mutatingCommands).toBe(0);
    // verification warns that DEBUG is on
    const v = await cli(['verify', '--json', '--config', f2, '--simulate', dir]);
    expect((JSON.parse(v.out) as { warnings: string[] }).warnings.join('\n')).toContain('DEBUG is on');
    // the export generates the key on the server; the log file of the wizard's service never has it
    const script = await exportPowerShell((await import('./helpers')).config(input));
    outputs.push(script);
    expect(script).toContain('$DjangoSecretKey = [Convert]::ToBase64String($bytes)');
    const logDir = tmp('handover-logs-');
    dirs.push(logDir);
    // the wizard's service over the same server: a run (with --rotate-secret semantics off) logs every line to its file
    const log = createLogger(logDir);
    const svcHost = new SimulatedHost(dir);
    hosts.push(svcHost);
    const bridge: string[] = [];
    const saved: string[] = [];
    const desktop = { chooseFolder: async () => undefined, saveFile: async (_t: string, name: string) => path.join(logDir, name), openExternal: async () => undefined, openPath: async (p: string) => void saved.push(p), setProgress: () => undefined };
    const svc = new DeploymentService({ host: svcHost, log, emit: (e) => bridge.push(JSON.stringify(e)), version: 'test', desktop });
    const planned = await svc.getPlan({ ...input, environment: { DJANGO_DEBUG: 'True' } });
    outputs.push(JSON.stringify(planned));
    const started = await svc.startDeployment({ ...input, environment: { DJANGO_DEBUG: 'True' } });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    await svc.idle();
    outputs.push(...bridge);
    // the wizard's "Save report…": the configuration, plan, log and verification in one file, no secret
    const report = await svc.saveReport();
    expect(report.ok && report.path).toBeTruthy();
    const html = readFileSync(saved[0] ?? '', 'utf8');
    expect(html).toContain('<h2>Verification</h2>');
    expect(html).toContain('DJANGO_SECRET_KEY');
    outputs.push(html);
    await new Promise((r) => setTimeout(r, 300));
    for (const f of readdirSync(logDir)) outputs.push(readFileSync(path.join(logDir, f), 'utf8'));
    for (const o of outputs) expect(o).not.toContain(key);
    // rotate replaces it
    const rot = await cli(['apply', '--yes', '--rotate-secret', '--config', f2, '--simulate', dir]);
    expect(rot.code, rot.out).toBe(0);
    const rotated = fastCgiEnv(h2).DJANGO_SECRET_KEY as string;
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(rotated).not.toBe(key);
    expect(rot.out).not.toContain(rotated);
  });
});

describe('what the project lacks, and what the configuration overrides', () => {
  it('without a host name, the block adds only the local names ALLOWED_HOSTS rejects; a staticRoot override is named', async () => {
    const h = serverWithDrop('folder');
    const c = base('folder', { hostName: '', staticRoot: 'C:\\apps\\library\\collected', secretKey: undefined, environment: { DJANGO_DEBUG: 'False', DJANGO_SECRET_KEY: 'a-test-key-that-is-long-enough-for-django-0123456789' } });
    const p = await plan(c, h);
    expect(p.project.inspected).toBe(false);
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const settings = readFileSync(h.server.toReal('C:\\apps\\library\\releases\\1\\locallibrary\\settings.py'), 'utf8');
    const block = settings.slice(settings.indexOf('# BEGIN Django IIS Setup'));
    expect(block).toContain("ALLOWED_HOSTS = list(dict.fromkeys(list(globals().get('ALLOWED_HOSTS', [])) + ['localhost', '127.0.0.1']))");
    expect(block).toContain("STATIC_ROOT = 'C:\\\\apps\\\\library\\\\collected\\\\1'");
    expect(block).not.toContain('STATIC_URL');
    const p2 = await plan(c, h);
    // each release collects into a folder of its own below the configured staticRoot
    expect(p2.project.notes.join('\n')).toContain("override: staticRoot C:\\apps\\library\\collected\\1 from the configuration replaces the project's STATIC_ROOT C:\\apps\\library\\releases\\1\\staticfiles");
    expect(p2.steps.every((s) => s.status === 'done')).toBe(true);
    expect((await verify(c, h)).ok).toBe(true);
  });

  it('a settings module that needs a variable the configuration does not give: the step names the file and line', async () => {
    const h = serverWithDrop('folder');
    const f = h.server.toReal('C:\\drop\\locallibrary\\locallibrary\\settings.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace("SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'django-insecure-dev-only-k3y-for-local-runs')", "SECRET_KEY = os.environ['LIBRARY_REQUIRED_KEY']"));
    // The configuration's secretKey names another variable (DJANGO_SECRET_KEY): the settings' own is not set.
    const r = await run(base('folder'), h);
    expect(r.states['django-settings']).toBe('failed');
    const prob = r.problems['django-settings'];
    expect(prob?.why).toContain("KeyError: 'LIBRARY_REQUIRED_KEY'");
    expect(prob?.output).toMatch(/settings\.py", line \d+/);
    // The variable is the one SECRET_KEY is read from: the fix is the configuration's secretKey, named with it.
    expect(prob?.fix).toContain('Add "secretKey": {"env": "LIBRARY_REQUIRED_KEY"} to the configuration');
    // With no "secretKey" at all, the variable the settings read is the one the tool sets (a key it makes and keeps).
    const derived = await plan(base('folder', { secretKey: undefined }), h);
    expect(derived.project.notes.join('\n')).toContain('secretKey from the environment variable LIBRARY_REQUIRED_KEY (the settings read SECRET_KEY from it)');
  });
});

describe('the simulated pip reads requirements as pip does', () => {
  it('a distribution the machine lacks fails naming it, unless --sim-lenient-packages lists it as a warning', async () => {
    const h = serverWithDrop('folder');
    appendFileSync(h.server.toReal('C:\\drop\\locallibrary\\requirements.txt'), 'django-not-on-this-machine>=1.0\nwhitenoise[brotli]\n');
    const r = await run(base('folder'), h);
    expect(r.states.packages).toBe('failed');
    expect(r.problems.packages?.output).toContain('No matching distribution found for django-not-on-this-machine');
    const dir = h.server.root;
    await h.dispose();
    const lenient = new SimulatedHost(dir, {}, { lenientPackages: true });
    hosts.push(lenient);
    const r2 = await run(base('folder'), lenient);
    expect(r2.outcome, JSON.stringify(r2.problems)).toBe('succeeded');
    const notes = r2.verification?.simulated.join('\n') ?? '';
    expect(notes).toContain('--sim-lenient-packages ran another version than pinned: django-not-on-this-machine>=1.0 → nothing: the rehearsal has no version of django-not-on-this-machine');
    const log = lenient.commandLog().map((c) => c.argv.join(' '));
    expect(log.some((l) => l.includes('-r C:\\drop\\locallibrary\\requirements.txt'))).toBe(true);
  });

  it('markers for Windows, a differing pin noted, and no "whitenoise-installed"', async () => {
    const first = serverWithDrop('folder');
    writeFileSync(first.server.toReal('C:\\drop\\locallibrary\\requirements.txt'), '-r requirements/base.txt\nwhitenoise==6.5.0\npython_dotenv\npsycopg2-binary; sys_platform == "linux"\npywin32>=300; sys_platform == "win32" and python_version < "3.0"\n');
    // A pin the rehearsal has no version of fails as pip would (issue #36), naming the versions there are ...
    const refused = await run(base('folder'), first);
    expect(refused.outcome).toBe('failed');
    expect(JSON.stringify(refused.problems)).toMatch(/Could not find a version that satisfies the requirement whitenoise==6\.5\.0 \(from versions: 6\.0\.0/);
    // ... and --sim-lenient-packages runs the nearest version there is (the same major: the store's 6.8 is nearer 6.5 than the machine's 6.0), and says so.
    const dir = first.server.root;
    await first.dispose();
    const h = new SimulatedHost(dir, {}, { lenientPackages: true });
    hosts.push(h);
    const r = await run(base('folder'), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const notes = r.verification?.simulated.join('\n') ?? '';
    expect(notes).toMatch(/--sim-lenient-packages ran another version than pinned: whitenoise==6\.5\.0 → whitenoise 6\.8\.\d+ \(real, Debian's [^;]+; the same major version\), listed by pip as 6\.5\.0/);
    expect(notes).toContain('python_dotenv 0.21.0');
    expect(notes).not.toMatch(/-installed\b/);
    expect(notes).not.toContain('psycopg2');
    expect((await run(base('folder'), h)).mutatingCommands).toBe(0);
  });
});

describe('rehearse --project', () => {
  it('copies a local folder into a fresh simulated server, deploys it and runs it again with no change', async () => {
    const keep = path.join(os.tmpdir(), `rehearse-project-${process.pid}`);
    dirs.push(keep);
    const out: string[] = [];
    const code = await main(['rehearse', '--project', FIXTURE, '--keep', keep], { out: (s) => out.push(s), err: (s) => out.push(s) });
    const text = out.join('\n');
    expect(code, text).toBe(0);
    expect(text).toContain('Python 3.11.4 from runtime.txt');
    // among the first lines: which Python plays the server's (the same minor here: 3.11)
    expect(out.slice(0, 3).join('\n')).toMatch(/The server's Python 3\.11\.4 is played by this machine's Python 3\.11\.\d+ \([^)]*the same minor version\)/);
    expect(text).toContain('Second run: succeeded, 0 change(s), steps: all already done.');
    expect(text).toContain('C:\\apps\\locallibrary');
    // the configuration it derived is shown and written beside the server; the last line reuses it, and that plan is all done
    const file = path.join(keep, 'deploy.json');
    expect(text).toContain(`The configuration derived from the project is written to ${file}`);
    expect(out.at(-1)).toBe(`Inspect it with: npm run cli -- plan --simulate ${keep} --config ${file}`);
    const again: string[] = [];
    expect(await main(['plan', '--json', '--simulate', keep, '--config', file], { out: (s) => again.push(s), err: (s) => again.push(s) })).toBe(0);
    const p = JSON.parse(again.join('\n')) as { steps: { status: string }[]; move?: unknown };
    expect(p.steps.every((x) => x.status === 'done')).toBe(true);
    expect(p.move).toBeUndefined();
    // A configuration naming only the site would move it: the plan says so first, with what it deletes.
    const only = path.join(keep, 'only-site.json');
    writeFileSync(only, JSON.stringify({ siteName: 'locallibrary' }));
    const moved: string[] = [];
    expect(await main(['plan', '--simulate', keep, '--config', only], { out: (s) => moved.push(s), err: (s) => moved.push(s) })).toBe(0);
    const movedText = moved.join('\n');
    expect(movedText).toContain('MOVE: This configuration moves the deployment of "locallibrary": the application from C:\\apps\\locallibrary to C:\\apps\\foo; the virtual environment from C:\\virtualenvs\\locallibrary to C:\\virtualenvs\\foo; the project now live is replaced by the sample project "foo"');
    expect(movedText).toContain('    - remove C:\\virtualenvs\\locallibrary');
    expect(movedText.indexOf('MOVE:')).toBeLessThan(movedText.indexOf('Check the server'));
  });
});
