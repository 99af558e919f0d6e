/**
 * The cheap re-run still sees every change made behind the tool's back. A deployed server is run
 * once more to warm the cheap paths (feature state from IIS's registered modules, packages from
 * their metadata folders, Python from the venv's pyvenv.cfg, the Python checks' answers kept under
 * fingerprints, one read per question); that re-run must start no Python process and change
 * nothing. Then, per step, the server is changed by hand and the next run must find it (the step
 * runs, not "already done") and repair it (the site verifies).
 */
import { execFileSync } from 'node:child_process';
import { rmSync, unlinkSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/shared/config';
import type { StepId } from '../../src/shared/steps';
import { plan, run } from '../../src/main/engine/engine';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, deployedCopy, editWin } from './helpers';

const hosts: SimulatedHost[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const h of hosts) rmSync(h.server.root, { recursive: true, force: true });
});

const c = defaultConfig();
const python = (h: SimulatedHost, from: number) => h.commandLog().slice(from).filter((x) => /python\.exe$/i.test(x.argv[0] ?? ''));

/** A deployed server whose cheap paths are warm: a re-run that starts no Python and changes nothing. */
async function warm(): Promise<SimulatedHost> {
  const h = await deployedCopy();
  hosts.push(h);
  await run(c, h); // the copy has new file times: this run fingerprints them again
  const from = h.commandLog().length;
  const again = await run(c, h);
  expect(again.mutatingCommands).toBe(0);
  expect(again.verification?.ok).toBe(true);
  expect(python(h, from).map((x) => x.argv.slice(1, 3).join(' '))).toEqual([]);
  return h;
}

const DRIFTS: { step: StepId; what: string; breakIt: (h: SimulatedHost) => Promise<unknown> }[] = [
  { step: 'iis', what: 'IIS-CGI disabled with DISM', breakIt: (h) => h.exec('dism.exe', ['/Online', '/Disable-Feature', '/FeatureName:IIS-CGI']) },
  { step: 'iis', what: 'W3SVC stopped', breakIt: (h) => h.exec('sc.exe', ['stop', 'W3SVC']) },
  { step: 'venv', what: 'the virtual environment deleted', breakIt: async (h) => rmSync(h.server.toReal('C:\\virtualenvs\\foo'), { recursive: true }) },
  { step: 'packages', what: 'Django uninstalled from the venv (pip uninstall)', breakIt: (h) => h.exec('C:\\virtualenvs\\foo\\Scripts\\python.exe', ['-m', 'pip', 'uninstall', '-y', 'django']) },
  { step: 'packages', what: 'wfastcgi uninstalled from the venv (pip uninstall)', breakIt: (h) => h.exec('C:\\virtualenvs\\foo\\Scripts\\python.exe', ['-m', 'pip', 'uninstall', '-y', 'wfastcgi']) },
  {
    step: 'django-settings',
    what: 'the managed block deleted from settings.py by hand',
    breakIt: async (h) => editWin(h, 'C:\\apps\\foo\\foo\\settings.py', (t) => t.replace(/# BEGIN Django IIS Setup[\s\S]*?# END Django IIS Setup[^\n]*\n?/, '')),
  },
  { step: 'migrate', what: 'the SQLite database deleted', breakIt: async (h) => unlinkSync(h.server.toReal('C:\\apps\\foo\\db.sqlite3')) },
  { step: 'collectstatic', what: 'a collected static file deleted', breakIt: async (h) => unlinkSync(h.server.toReal('C:\\apps\\foo\\foo\\static\\admin\\css\\base.css')) },
  {
    step: 'fastcgi',
    what: 'DJANGO_SETTINGS_MODULE of the FastCGI application changed',
    breakIt: (h) =>
      h.exec(APPCMD, ['set', 'config', '-section:system.webServer/fastCgi', "/[fullPath='C:\\virtualenvs\\foo\\Scripts\\python.exe',arguments='C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py'].environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:nope.settings", '/commit:apphost']),
  },
  { step: 'app-pool', what: 'the application pool stopped', breakIt: (h) => h.exec(APPCMD, ['stop', 'apppool', 'foo']) },
  { step: 'site', what: 'the site stopped', breakIt: (h) => h.exec(APPCMD, ['stop', 'site', 'foo']) },
  {
    step: 'web-config',
    what: 'a web.config with <handlers> dropped into the application folder',
    breakIt: async (h) => writeFileSync(h.server.toReal('C:\\apps\\foo\\web.config'), '<?xml version="1.0"?>\r\n<configuration>\r\n  <system.webServer>\r\n    <handlers>\r\n      <add name="Python FastCGI" path="*" verb="*" modules="FastCgiModule" scriptProcessor="C:\\Python\\python.exe|C:\\Python\\wfastcgi.py" resourceType="Unspecified" />\r\n    </handlers>\r\n  </system.webServer>\r\n</configuration>\r\n'),
  },
  { step: 'handler', what: 'the Django handler removed', breakIt: (h) => h.exec(APPCMD, ['set', 'config', 'foo', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost']) },
  { step: 'static-vdir', what: 'the /static virtual directory deleted', breakIt: (h) => h.exec(APPCMD, ['delete', 'vdir', 'foo/static']) },
  { step: 'permissions', what: "the pool's grant on the venv removed", breakIt: (h) => h.exec('icacls.exe', ['C:\\virtualenvs\\foo', '/remove', 'IIS AppPool\\foo', '/T']) },
];

describe('the cheap re-run still finds what changed behind its back, and repairs it', () => {
  it.each(DRIFTS.map((x) => [x.step, x.what, x] as const))('%s: %s', async (_step, _what, drift) => {
    const h = await warm();
    const r0 = await drift.breakIt(h);
    if (r0 && typeof r0 === 'object' && 'exitCode' in r0) expect((r0 as { exitCode: number }).exitCode).toBe(0);
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === drift.step)?.status, JSON.stringify(p.steps.find((s) => s.id === drift.step))).toBe('needed');
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.states[drift.step]).toBe('done');
    expect(r.verification?.ok, JSON.stringify(r.verification?.probes.filter((x) => !x.ok))).toBe(true);
    expect((await run(c, h)).mutatingCommands).toBe(0);
  });

  it('migrate: a migration applied but not recorded (a migrate stopped between its commit and its record) is recorded, not failed on', async () => {
    const h = await warm();
    const db = h.server.toReal('C:\\apps\\foo\\db.sqlite3');
    execFileSync('/usr/bin/python3', ['-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); c.execute("DELETE FROM django_migrations WHERE app='admin'"); c.commit()`]);
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.states.migrate).toBe('done');
    expect(r.verification?.ok).toBe(true);
  });

  it('python: python.exe gone (Python removed by hand) is found; the simulated installer cannot model a removal, so only the finding is tested', async () => {
    const h = await warm();
    rmSync(h.server.toReal('C:\\Python314\\python.exe'));
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'python')?.status).not.toBe('done');
  });

  it('a settings change that keeps the block (DEBUG turned off by hand) is seen by the probe again, not served from the kept answer', async () => {
    const h = await warm();
    appendFileSync(h.server.toReal('C:\\apps\\foo\\foo\\settings.py'), '\nDEBUG = False\n');
    const from = h.commandLog().length;
    const p = await plan(c, h);
    expect(python(h, from).length).toBeGreaterThan(0);
    expect(p.project.notes.some((n) => n.startsWith('DEBUG is on'))).toBe(false);
    expect(readFileSync(h.server.toReal('C:\\apps\\foo\\foo\\settings.py'), 'utf8')).toContain('DEBUG = False');
  });
});
