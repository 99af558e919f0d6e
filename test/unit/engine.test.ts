import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/shared/config';
import type { EngineEvent } from '../../src/shared/plan';
import { plan, readJournal, run, uninstall } from '../../src/main/engine/engine';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, config, deployedCopy, freshHost } from './helpers';
import { STEP_IDS } from '../../src/shared/steps';

const c = defaultConfig();
let hosts: SimulatedHost[] = [];
const track = (h: SimulatedHost) => (hosts.push(h), h);
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  hosts = [];
});

describe('apply on a fresh server, then again', () => {
  it('deploys and verifies; a second run executes no mutating command and reports every step already done', async () => {
    const h = track(freshHost());
    const events: EngineEvent[] = [];
    const first = await run(c, h, { onEvent: (e) => events.push(e) });
    expect(first.outcome).toBe('succeeded');
    expect(first.verification?.ok).toBe(true);
    expect(first.mutatingCommands).toBeGreaterThan(20);
    // independent steps ran concurrently: IIS started before Python finished
    const idx = (f: (e: EngineEvent) => boolean) => events.findIndex(f);
    expect(idx((e) => e.type === 'step-state' && e.stepId === 'iis' && e.state === 'running')).toBeLessThan(idx((e) => e.type === 'step-state' && e.stepId === 'python' && e.state === 'done'));
    // every child process line is an event
    expect(events.some((e) => e.type === 'output' && e.stepId === 'iis' && e.line.includes('The operation completed successfully.'))).toBe(true);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ completed: STEP_IDS.length, total: STEP_IDS.length });

    const before = h.commandLog().length;
    const second = await run(c, h);
    const during = h.commandLog().slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((x) => x.mutating)).toEqual([]);
    expect(second.mutatingCommands).toBe(0);
    expect(Object.values(second.states).every((s) => s === 'already-done')).toBe(true);

    const p = await plan(c, h);
    expect(p.steps.map((s) => s.status)).toEqual(Array(STEP_IDS.length).fill('done'));
  });
});

describe('failures', () => {
  it('a failed step stops its dependants, keeps what others finished, and says what, why and what to do', async () => {
    const h = track(freshHost());
    h.server.addFault({ match: 'appcmd.exe add apppool', exitCode: 5, stdout: 'ERROR ( hresult:80070005, message:Command execution failed.\r\nAccess is denied.\r\n )\r\n' });
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.states['app-pool']).toBe('failed');
    for (const s of ['site', 'handler', 'static-vdir', 'permissions', 'verification'] as const) expect(r.states[s]).toBe('skipped');
    expect(r.states.preflight).toBe('already-done');
    for (const s of ['python', 'iis', 'venv', 'packages', 'django-project', 'collectstatic', 'fastcgi'] as const) expect(r.states[s]).toBe('done');
    expect(r.problems['app-pool']).toMatchObject({ exitCode: 5, command: [APPCMD, 'add', 'apppool', '/name:foo', '/managedRuntimeVersion:'] });
    expect(r.problems['app-pool']?.why).toContain('Access is denied.');
    // recovery: running again finishes the job and skips what was done
    const again = await run(c, h);
    expect(again.outcome).toBe('succeeded');
    expect(again.states.python).toBe('already-done');
    expect(again.states['app-pool']).toBe('done');
  });

  it('exit 3010 from the Python installer is a success that needs a restart (DISM\'s 3010 is in real-server.test.ts)', async () => {
    const h = track(freshHost());
    h.server.addFault({ match: 'InstallAllUsers=1', restart: true });
    const r = await run(c, h);
    expect(r.outcome).toBe('succeeded');
    expect(r.restartRequired).toBe(true);
  });

  it('the Python installer exit 1638 (another version present) is explained', async () => {
    const h = track(freshHost({ python: [{ version: '3.14.2', dir: 'C:\\Program Files\\Python314', allUsers: true }] }));
    const p = await plan(c, h);
    const py = p.steps.find((s) => s.id === 'python');
    expect(py?.status).toBe('blocked');
    expect(py?.problem?.fix).toContain('C:\\Program Files\\Python314');
  });

  it('cancellation stops inside a step (the child process is killed) and runs nothing after', async () => {
    const h = track(freshHost());
    h.server.addFault({ match: '-m pip install --disable-pip-version-check', hang: true });
    const ctl = new AbortController();
    const p = run(c, h, { signal: ctl.signal, onEvent: (e) => e.type === 'action' && e.stepId === 'packages' && e.state === 'started' && setTimeout(() => ctl.abort(), 50) });
    const r = await p;
    expect(r.outcome).toBe('cancelled');
    expect(r.states.packages).toBe('cancelled');
    expect(r.states['django-project']).toBe('cancelled');
    const last = h.commandLog().at(-1);
    expect(last?.argv.join(' ')).toContain('pip install');
  });
});

describe('preflight refuses and changes nothing', () => {
  it.each([
    [{ elevated: false }, 'not running as an administrator'],
    [{ portsInUse: [{ port: 81, process: 'httpd.exe', pid: 4242 }] }, 'PID 4242'],
    [{ existingSite: { name: 'legacy', port: 81, physicalPath: 'C:\\inetpub\\legacy' } }, 'IIS site "legacy"'],
    [{ freeDiskBytes: 100 * 1024 * 1024 }, 'GB free'],
  ])('%j', async (scenario, text) => {
    const h = track(freshHost(scenario));
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.states.preflight).toBe('failed');
    const p = r.problems.preflight;
    expect(`${p?.what} ${p?.why} ${p?.fix}`).toContain(text);
    expect(r.mutatingCommands).toBe(0);
    expect(h.commandLog().filter((x) => x.mutating)).toEqual([]);
  });

  it('a site that exists with our name and port does not block (re-run on a deployed server)', async () => {
    const h = track(await deployedCopy());
    const p = await plan(c, h);
    expect(p.steps[0]?.status).toBe('done');
    expect(p.steps[0]?.reason).toContain('held by this site');
  });
});

describe('configuration changes are converged', () => {
  it('a changed request timeout and a new host name are applied to the existing objects only', async () => {
    const h = track(await deployedCopy());
    const changed = config({ hostName: 'app.example.com', fastCgi: { requestTimeout: 600 } });
    const p = await plan(changed, h);
    expect(p.steps.filter((s) => s.status === 'needed').map((s) => s.id).sort()).toEqual(['django-settings', 'fastcgi', 'site', 'verification']);
    const r = await run(changed, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(h.server.appHostText()).toContain('requestTimeout="600"');
    expect(h.server.appHostText()).toContain('bindingInformation="*:81:app.example.com"');
    expect(h.server.appHostText()).not.toContain('bindingInformation="*:81:"');
    expect(r.verification?.ok).toBe(true);
  });
});

describe('uninstall', () => {
  it('removes what the journal says this tool created, and nothing else', async () => {
    const h = track(await deployedCopy());
    const j = await readJournal(h, 'foo');
    expect([...new Set(j.entries.map((e) => e.stepId))].sort()).toEqual(['app-pool', 'django-project', 'django-settings', 'fastcgi', 'handler', 'permissions', 'site', 'static-vdir', 'venv']);
    expect(j.entries.map((e) => e.object)).toEqual(expect.arrayContaining(['site:foo', 'pool:foo', 'folder:c:\\apps\\foo', 'folder:c:\\virtualenvs\\foo', 'handler:foo', 'vdir:foo/static', 'grant:c:\\python314|foo']));
    const r = await uninstall(h, 'foo');
    expect(r.problems).toEqual([]);
    const cfg = h.server.appHostText();
    expect(cfg).not.toContain('name="foo"');
    expect(cfg).not.toContain('wfastcgi.py');
    expect(cfg).toContain('Default Web Site');
    // the application's data (the sample's SQLite file) is kept and named; the code is gone
    expect(await h.exists('C:\\apps\\foo\\manage.py')).toBe(false);
    expect(await h.exists('C:\\apps\\foo\\db.sqlite3')).toBe(true);
    expect(r.kept.join('\n')).toContain('C:\\apps\\foo\\db.sqlite3');
    expect(await h.exists('C:\\Python314\\python.exe')).toBe(true);
  });

  it('with --delete-data the data goes too', async () => {
    const h = track(await deployedCopy());
    const r = await uninstall(h, 'foo', undefined, { deleteData: true });
    expect(r.problems).toEqual([]);
    expect(await h.exists('C:\\apps\\foo')).toBe(false);
    expect(r.removed.join('\n')).toContain('C:\\apps\\foo\\db.sqlite3');
  });
});

describe('secrets', () => {
  it('the Django SECRET_KEY never reaches an event', async () => {
    const h = track(freshHost());
    const events: EngineEvent[] = [];
    await run(c, h, { onEvent: (e) => events.push(e) });
    const key = /SECRET_KEY = '([^']+)'/.exec(await h.readFile('C:\\apps\\foo\\foo\\settings.py'))?.[1];
    expect(key).toBeTruthy();
    expect(JSON.stringify(events)).not.toContain(key);
  });
});

describe('a handed-over project instead of the sample', () => {
  it.each(['folder', 'zip'] as const)('deploys a Django project from a %s with its requirements', async (kind) => {
    const { execFileSync } = await import('node:child_process');
    const h = track(freshHost());
    const drop = h.server.toReal('C:\\drop');
    execFileSync('mkdir', ['-p', `${drop}/shop`]);
    execFileSync('/usr/bin/python3', ['-m', 'django', 'startproject', 'shop', `${drop}/shop`]);
    execFileSync('sh', ['-c', `printf 'Django>=3.2\\nwfastcgi\\n' > ${drop}/shop/requirements.txt`]);
    if (kind === 'zip') execFileSync('/usr/bin/python3', ['-c', `import shutil; shutil.make_archive('${drop}/shop', 'zip', '${drop}/shop')`]);
    const cfg = config({
      siteName: 'shop',
      port: 8080,
      appDir: 'C:\\apps\\shop',
      venvDir: 'C:\\venvs\\shop',
      djangoProject: kind === 'zip' ? { zip: 'C:\\drop\\shop.zip' } : { folder: 'C:\\drop\\shop' },
      settingsModule: 'shop.settings',
      requirementsFile: 'C:\\drop\\shop\\requirements.txt',
    });
    const r = await run(cfg, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.verification?.probes.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(h.commandLog().some((c) => c.argv.join(' ').includes(kind === 'zip' ? 'python.exe -m zipfile -e C:\\drop\\shop.zip C:\\apps\\shop\\releases\\1' : 'robocopy.exe C:\\drop\\shop C:\\apps\\shop\\releases\\1'))).toBe(true);
    expect(h.commandLog().some((c) => c.argv.join(' ').includes('-r C:\\drop\\shop\\requirements.txt'))).toBe(true);
  });
});
