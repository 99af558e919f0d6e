/**
 * Holding on a real server (windows-iis.md §11): tools that answer in the server's display
 * language, IIS's case-insensitive FastCGI keys, DISM's pending and payload-removed states, a port
 * held on IPv6 only, appcmd's real wordings and codes, and sc's 1056. All on the simulator; the
 * parsers are also fed the wordings of public captures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run, uninstall } from '../../src/main/engine/engine';
import { parseDiskFree, parseNetstat, parsePythonInstalls, parseScState } from '../../src/main/engine/parsers';
import { site } from '../../src/main/engine/steps/site';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import type { SimLanguage } from '../../src/main/hosts/simulated/language';
import { APPCMD, config, freshHost } from './helpers';

const hosts: SimulatedHost[] = [];
const track = (h: SimulatedHost) => (hosts.push(h), h);
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
});

const c = config({});

describe('parsers read what the tools print in any display language', () => {
  it('sc query: STATE, STATUS, ÉTAT, 状态', () => {
    for (const label of ['STATE', 'STATUS', 'ÉTAT', '状态']) {
      expect(parseScState(`SERVICE_NAME: W3SVC\r\n        TYPE               : 30  WIN32\r\n        ${label.padEnd(19)}: 4  RUNNING\r\n                                (STOPPABLE, PAUSABLE, ACCEPTS_SHUTDOWN)\r\n`)).toBe('RUNNING');
      expect(parseScState(`        ${label}              : 1  STOPPED\r\n`)).toBe('STOPPED');
    }
    expect(parseScState('[SC] EnumQueryServicesStatus:OpenService FAILED 1060:')).toBeUndefined();
  });

  it('reg query: the default value as (Default), (Standard), (par défaut), (默认)', () => {
    for (const name of ['(Default)', '(Standard)', '(par défaut)', '(默认)']) {
      const out = `\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.14\\InstallPath\r\n    ${name}    REG_SZ    C:\\Python314\\\r\n    ExecutablePath    REG_SZ    C:\\Python314\\python.exe\r\n`;
      expect(parsePythonInstalls(out, 'HKLM')).toEqual([{ tag: '3.14', installPath: 'C:\\Python314', executable: 'C:\\Python314\\python.exe', hive: 'HKLM' }]);
    }
  });

  it('netstat -ano: listeners by their foreign address, IPv4 and IPv6, whatever the state word', () => {
    const out = [
      '  Proto  Lokale Adresse         Remoteadresse          Status           PID',
      '  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN          956',
      '  TCP    [::]:81                [::]:0                 ABHÖREN          4711',
      '  TCP    10.0.0.5:3389          10.0.0.9:51234         HERGESTELLT      1104',
      '  TCP    127.0.0.1:5000         0.0.0.0:0              侦听             77',
      '  UDP    0.0.0.0:500            *:*                                     1200',
    ].join('\r\n');
    expect(parseNetstat(out)).toEqual([
      { address: '0.0.0.0', port: 135, pid: 956 },
      { address: '[::]', port: 81, pid: 4711 },
      { address: '127.0.0.1', port: 5000, pid: 77 },
    ]);
  });

  it('fsutil volume diskfree: the first figure, in English or German digit grouping', () => {
    expect(parseDiskFree('Total free bytes                : 48,318,382,080 ( 45.0 GB)\r\nTotal bytes : 1\r\n')).toBe(48_318_382_080);
    expect(parseDiskFree('Gesamtanzahl freier Bytes       : 48.318.382.080 ( 45,0 GB)\r\nGesamtanzahl Bytes : 1\r\n')).toBe(48_318_382_080);
  });
});

describe.each(['de-DE', 'zh-CN'] as SimLanguage[])('a server whose tools answer in %s', (language) => {
  it('the sample deploys and verifies, re-runs with no change, and uninstalls (also after objects were removed by hand)', async () => {
    const h = track(freshHost({ language }));
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.verification?.ok).toBe(true);
    // the tools really answer in that language
    const notFound = await h.exec(APPCMD, ['list', 'site', 'nope', '/config', '/xml']);
    expect(notFound.exitCode).toBe(1168);
    expect(notFound.stdout).not.toContain('Cannot find');
    const sc = await h.exec('sc.exe', ['query', 'W3SVC']);
    expect(sc.stdout).toContain(language === 'de-DE' ? 'STATUS' : '状态');
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
    expect(Object.values(again.states).every((s) => s === 'already-done')).toBe(true);
    // someone deleted the vdir and the pool by hand: uninstall treats "not found" (by exit code) as gone
    expect((await h.exec(APPCMD, ['delete', 'vdir', 'foo/static'])).exitCode).toBe(0);
    const u = await uninstall(h, 'foo');
    expect(u.problems).toEqual([]);
    expect(h.server.appHostText()).not.toContain('name="foo"');
  });
});

describe('IIS compares FastCGI keys ignoring case', () => {
  it('an entry that differs only in case (as wfastcgi-enable writes it) is found: a conflict, or adopted, never added again', async () => {
    const h = track(freshHost({ iis: 'with-cgi', python: [{ version: '3.14.6', dir: 'C:\\Python314', allUsers: true }] }));
    const lowerCase = "/+[fullPath='c:\\virtualenvs\\foo\\scripts\\python.exe',arguments='c:\\virtualenvs\\foo\\lib\\site-packages\\wfastcgi.py']";
    expect((await h.exec(APPCMD, ['set', 'config', '-section:system.webServer/fastCgi', lowerCase, '/commit:apphost'])).exitCode).toBe(0);
    // the simulator refuses a second entry differing only in case, as IIS does
    const dup = await h.exec(APPCMD, ['set', 'config', '-section:system.webServer/fastCgi', "/+[fullPath='C:\\virtualenvs\\foo\\Scripts\\python.exe',arguments='C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py']", '/commit:apphost']);
    expect(dup.exitCode).toBe(183);
    expect(dup.stdout).toContain('New application object missing required attributes. Cannot add duplicate collection entry');
    const p = await plan(c, h);
    expect(p.conflicts.map((x) => x.kind)).toEqual(['fastCgi']);
    const adopted = config({ adopt: ['fastCgi'] });
    const r = await run(adopted, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const entries = h.server.appHostText().match(/<application fullPath=/g) ?? [];
    expect(entries.length).toBe(1);
  });
});

describe("DISM's other states", () => {
  it('3010: the features are "Enable Pending"; the run stops and says to restart, then completes after the restart', async () => {
    const h = track(freshHost());
    h.server.addFault({ match: '/Enable-Feature', restart: true });
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.restartRequired).toBe(true);
    expect(r.problems.iis?.what).toContain('Windows must restart to finish enabling IIS');
    expect(h.server.state.features['IIS-CGI']).toBe('Enable Pending');
    // a second run before the restart does not enable again
    const before = await run(c, h);
    expect(h.commandLog().filter((x) => x.argv.join(' ').includes('/Enable-Feature')).length).toBe(1);
    expect(before.problems.iis?.fix).toContain('Restart Windows');
    h.server.restart();
    const after = await run(c, h);
    expect(after.outcome, JSON.stringify(after.problems)).toBe('succeeded');
  });

  it('"Disabled with Payload Removed": the plan says so; DISM without a source fails 0x800f081f, explained with the media to use', async () => {
    const h = track(freshHost({ featureStates: { 'IIS-CGI': 'Disabled with Payload Removed' } }));
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'iis')?.reason).toContain('Disabled with Payload Removed');
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.problems.iis?.what).toContain('0x800f081f');
    expect(r.problems.iis?.fix).toContain('/Source:D:\\sources\\sxs /LimitAccess');
  });
});

describe('ports and the real wordings', () => {
  it('a port held by another program on IPv6 only is found by preflight', async () => {
    const h = track(freshHost({ portsInUse: [{ port: 81, process: 'node.exe', pid: 4711, ipv6Only: true }] }));
    const r = await run(c, h);
    expect(r.problems.preflight?.what).toContain('PID 4711, on IPv6 [::]');
    expect(r.mutatingCommands).toBe(0);
  });

  it('start site: 183 (another site has the binding) and 32 (another program has the port) are explained by code, in any language', () => {
    const action = { kind: 'exec' as const, description: 'Start', file: APPCMD, args: ['start', 'site', 'foo'] };
    const ctx = undefined as never;
    const clash = site.explain?.(action, { exitCode: 183, stdout: 'ERROR ( message:Eine Datei kann nicht erstellt werden, wenn sie bereits vorhanden ist. )', stderr: '', killed: false }, ctx);
    expect(clash?.what).toContain('another started IIS site has the same binding');
    const taken = site.explain?.(action, { exitCode: 32, stdout: 'ERROR ( message:另一个程序正在使用此文件，进程无法访问。 )', stderr: '', killed: false }, ctx);
    expect(taken?.what).toContain('in use by a program other than IIS');
  });

  it('sc start on a running service fails with 1056, as on Windows; the engine never asks for it', async () => {
    const h = track(freshHost({ iis: 'with-cgi', language: 'de-DE' }));
    const r = await h.exec('sc.exe', ['start', 'W3SVC']);
    expect(r.exitCode).toBe(1056);
    const p = await plan(c, h);
    expect(p.steps.find((s) => s.id === 'iis')?.status).toBe('done');
  });
});

describe('an offline wheelhouse', () => {
  const wheels = (h: SimulatedHost, files: string[]) => {
    const dir = h.server.toReal('C:\\wheels');
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(path.join(dir, f), 'SIMULATED distribution file\n');
  };
  const offline = config({ wheelhouse: 'C:\\wheels' });
  // What "pip download django" puts beside Django: its requirements (tzdata on Windows).
  const djangoDeps = ['asgiref-3.9.1-py3-none-any.whl', 'sqlparse-0.5.3-py3-none-any.whl', 'tzdata-2025.2-py2.py3-none-any.whl'];

  it('is checked before anything runs: a missing folder, a missing package, and setuptools for wfastcgi on Python 3.12+', async () => {
    const h = track(freshHost());
    let p = await plan(offline, h);
    expect(p.steps.find((s) => s.id === 'packages')?.problem?.what).toContain('The wheelhouse C:\\wheels does not exist');
    wheels(h, ['wfastcgi-3.0.0.tar.gz']);
    p = await plan(offline, h);
    const what = p.steps.find((s) => s.id === 'packages')?.problem?.what ?? '';
    expect(what).toContain('django (no wheel or source archive of it)');
    expect(what).toContain('setuptools, as a wheel (wfastcgi is only a source archive there');
    const r = await run(offline, h);
    expect(r.states.packages).toBe('failed');
    expect(h.commandLog().some((x) => x.argv.includes('install') && x.argv.some((a) => a.endsWith('python.exe')))).toBe(false);
    // Python 3.11 venvs still have setuptools: only Django is missing there
    const p311 = await plan(config({ wheelhouse: 'C:\\wheels', pythonVersion: '3.11.9' }), h);
    expect(p311.steps.find((s) => s.id === 'packages')?.problem?.what).not.toContain('setuptools');
  });

  it('the simulated pip honours --no-index/--find-links as pip does (the build-dependency error for setuptools)', async () => {
    const h = track(freshHost({ python: [{ version: '3.14.6', dir: 'C:\\Python314', allUsers: true }] }));
    wheels(h, ['Django-5.2.8-py3-none-any.whl', 'wfastcgi-3.0.0.tar.gz']);
    expect((await h.exec('C:\\Python314\\python.exe', ['-m', 'venv', 'C:\\venvs\\x'])).exitCode).toBe(0);
    const pip = (...a: string[]) => h.exec('C:\\venvs\\x\\Scripts\\python.exe', ['-m', 'pip', 'install', '--no-index', '--find-links', 'C:\\wheels', ...a]);
    // Django's own requirements must be there too (pip reads them from its wheel).
    const r0 = await pip('django', 'wfastcgi');
    expect(r0.exitCode).toBe(1);
    expect(r0.stdout).toContain('No matching distribution found for asgiref');
    wheels(h, djangoDeps);
    const r = await pip('django', 'wfastcgi');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('No matching distribution found for setuptools>=40.8.0');
    const r2 = await pip('requests');
    expect(r2.stdout).toContain('No matching distribution found for requests');
    wheels(h, ['setuptools-80.9.0-py3-none-any.whl']);
    expect((await pip('django', 'wfastcgi')).exitCode).toBe(0);
  });

  it('with every file in place, the sample deploys offline', async () => {
    const h = track(freshHost());
    wheels(h, ['django-5.2.8-py3-none-any.whl', ...djangoDeps, 'wfastcgi-3.0.0.tar.gz', 'setuptools-80.9.0-py3-none-any.whl']);
    const r = await run(offline, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(h.commandLog().filter((x) => x.argv.includes('install')).every((x) => x.argv.includes('--no-index') && x.argv.includes('C:\\wheels'))).toBe(true);
  });
});

describe('Python after 3.15: the install manager', () => {
  it('3.16 is planned through the install manager (said to be new), installed with --target, found by its folder, granted, and deploys', async () => {
    const h = track(freshHost({ windows: '2019' }));
    const c316 = config({ pythonVersion: '3.16.0' });
    const p = await plan(c316, h);
    const step = p.steps.find((s) => s.id === 'python');
    expect(step?.reason).toContain('NEW: 3.16 has no full installer, so the Python install manager installs it');
    // (The MSI's Authenticode check comes first; it is tested in safety-run.test.ts.)
    const argv = step?.actions.flatMap((a) => (a.kind === 'exec' && !a.file.endsWith('powershell.exe') ? [[a.file, ...a.args].join(' ')] : [])) ?? [];
    expect(step?.actions.some((a) => a.kind === 'exec' && a.file.endsWith('powershell.exe') && a.env?.DJANGO_IIS_SETUP_FILE?.endsWith('.msi'))).toBe(true);
    expect(argv[0]).toMatch(/^msiexec\.exe \/i C:\\ProgramData\\DjangoIISSetup\\downloads\\python-manager-[\d.]+\.msi \/qn \/norestart/);
    expect(argv[1]).toBe('C:\\Program Files\\PyManager\\pymanager.exe install --target=C:\\Python316 3.16');
    const r = await run(c316, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    // no PEP 514 keys: the runtime was found by its folder, and the pool can read it
    expect(Object.keys(h.server.state.registry).some((k) => k.includes('PYTHONCORE\\3.16'))).toBe(false);
    expect(h.server.state.acls['c:\\python316']?.aces.some((a) => a.identity === 'IIS APPPOOL\\foo' && a.rights === 'RX')).toBe(true);
    expect((await run(c316, h)).mutatingCommands).toBe(0);
  });

  it('the default Python is the newest the reference knows, from one constant', async () => {
    const { DEFAULT_PYTHON_VERSION, derive } = await import('../../src/shared/config');
    expect(DEFAULT_PYTHON_VERSION).toBe('3.14.6');
    expect(derive(c).pythonDir).toBe('C:\\Python314');
  });
});
