/**
 * Only what is ours, round two (issue #32): each case the second audit reproduced with the Local
 * Library, as a test that failed on the code before the fix. Every refusal is checked to change
 * nothing on the server: no grant, no virtual directory and no migrate on the path it names.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { plan, RefusedError, run } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { grantedPaths, libraryServer, localLibraryConfig, localLibraryInput, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serverWith(tail: string): SimulatedHost {
  const h = libraryServer(tail);
  hosts.push(h);
  dirs.push(h.server.root);
  return h;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function configFile(input: Record<string, unknown>): string {
  const d = tmp('ours2-cfg-');
  dirs.push(d);
  const f = path.join(d, 'deploy.json');
  writeFileSync(f, JSON.stringify(input));
  return f;
}

const commandsOf = (h: SimulatedHost) => h.commandLog().map((c) => c.argv.join(' '));

describe('one rule for every folder the project hands over', () => {
  it("MEDIA_ROOT naming another site's existing folder: refused before it is granted or served, and the plan says how to adopt it", async () => {
    const h = serverWith(`MEDIA_ROOT = r'C:\\inetpub\\othersite'`);
    const other = h.server.toReal('C:\\inetpub\\othersite');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'appsettings.txt'), 'ConnectionString=secret');
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(/MEDIA_ROOT is C:\\inetpub\\othersite .*already exists and holds 1 item \(appsettings\.txt\), and this tool did not create it/);
    expect(grantedPaths(h).map((g) => g.toLowerCase())).not.toContain('c:\\inetpub\\othersite');
    expect(h.server.appHostText()).not.toMatch(/othersite/i);
    expect(commandsOf(h).some((c) => /icacls.*othersite/i.test(c))).toBe(false);
    const e = await plan(localLibraryConfig(), h).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(RefusedError);
    expect((e as RefusedError).problems.map((p) => p.fix).join('\n')).toMatch(/"adopt": \["mediaRoot"\]/);
    const res = await cli(['apply', '--yes', '--config', configFile(localLibraryInput()), '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(readFileSync(path.join(other, 'appsettings.txt'), 'utf8')).toBe('ConnectionString=secret');
  });

  it('MEDIA_ROOT adopted: granted and served, and uninstall keeps the folder and its files', async () => {
    const h = serverWith(`MEDIA_ROOT = r'D:\\data\\library-media'`);
    const media = h.server.toReal('D:\\data\\library-media');
    mkdirSync(media, { recursive: true });
    writeFileSync(path.join(media, 'cover.txt'), 'uploaded');
    const c = localLibraryConfig({ adopt: ['mediaRoot'] });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(grantedPaths(h).map((g) => g.toLowerCase())).toContain('d:\\data\\library-media');
    const res = await cli(['uninstall', '--yes', '--config', configFile(localLibraryInput({ adopt: ['mediaRoot'] })), '--simulate', h.server.root]);
    expect(res.code, res.err).toBe(0);
    expect(readFileSync(path.join(media, 'cover.txt'), 'utf8')).toBe('uploaded');
  });

  it("a SQLite database in another application's existing folder: refused, migrate never runs there", async () => {
    const h = serverWith(`DATABASES['default']['NAME'] = r'D:\\otherapp\\data\\app.sqlite3'`);
    const folder = h.server.toReal('D:\\otherapp\\data');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'app.sqlite3'), 'not ours');
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(/SQLite database's folder \(NAME D:\\otherapp\\data\\app\.sqlite3\) is D:\\otherapp\\data .*already exists/);
    expect(r.states.migrate).not.toBe('done');
    expect(commandsOf(h).some((c) => / migrate/.test(c))).toBe(false);
    expect(grantedPaths(h).map((g) => g.toLowerCase())).not.toContain('d:\\otherapp\\data');
    expect(readFileSync(path.join(folder, 'app.sqlite3'), 'utf8')).toBe('not ours');
  });

  const refused: [string, string, RegExp][] = [
    ['MEDIA_ROOT under Program Files', `MEDIA_ROOT = r'C:\\Program Files\\Common Files'`, /MEDIA_ROOT .*C:\\Program Files\\Common Files.*inside the Program Files folder/],
    ['a UNC SQLite name', `DATABASES['default']['NAME'] = r'\\\\host\\share\\db.sqlite3'`, /SQLite database .*\\\\host\\share\\db\.sqlite3 \(Windows reads it as a network path\)/],
    ['a relative SQLite name', `DATABASES['default']['NAME'] = r'..\\..\\..\\Windows\\app.sqlite3'`, /SQLite database .*\.\.\\\.\.\\\.\.\\Windows\\app\.sqlite3, a relative path/],
    ['a relative SQLite name written with /', `DATABASES['default']['NAME'] = 'data/app.sqlite3'`, /SQLite database .*data\/app\.sqlite3, a relative path/],
  ];
  it.each(refused)('%s: refused before migrate, nothing granted', async (_name, tail, message) => {
    const h = serverWith(tail);
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(message);
    expect(r.states.migrate).not.toBe('done');
    expect(commandsOf(h).some((c) => / migrate/.test(c))).toBe(false);
    expect(grantedPaths(h).filter((g) => /program files|windows|host/i.test(g))).toEqual([]);
    expect(existsSync(h.server.toReal('C:\\Windows\\app.sqlite3'))).toBe(false);
    await expect(plan(localLibraryConfig(), h)).rejects.toBeInstanceOf(RefusedError);
  });
});

describe('values from the project never become options', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['waitress: a second listener in WSGI_APPLICATION', { server: 'httpplatform' }, `WSGI_APPLICATION = '--listen=127.0.0.2:18777 locallibrary.wsgi.application'`, /--listen=127\.0\.0\.2/],
    ['waitress: every interface', { server: 'httpplatform' }, `WSGI_APPLICATION = '--listen=0.0.0.0:18777 locallibrary.wsgi.application'`, /0\.0\.0\.0:18777/],
    ["wfastcgi: a quote and bracket for appcmd's argument", {}, `WSGI_APPLICATION = "locallibrary.wsgi.application']"`, /application'\]/],
  ];
  it.each(cases)('%s: refused before the application is registered', async (_name, extra, tail, leaked) => {
    const h = serverWith(tail);
    const r = await run(localLibraryConfig(extra), h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(/WSGI_APPLICATION .* is not a dotted Python path/);
    expect(commandsOf(h).filter((c) => leaked.test(c) && !c.includes(' -c '))).toEqual([]);
    expect(h.server.appHostText()).not.toMatch(leaked);
    await expect(plan(localLibraryConfig(extra), h)).rejects.toThrow(/e\.g\. WSGI_APPLICATION = 'locallibrary\.wsgi\.application'/);
  });

  it('a MEDIA_URL with a quote is refused before it becomes a virtual directory', async () => {
    const h = serverWith(`MEDIA_URL = "/media']/"`);
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(/MEDIA_URL .* is not a plain URL folder/);
    expect(h.server.appHostText()).not.toMatch(/media'/);
  });

  it('anonymousPaths "/../" is refused by the configuration', async () => {
    const res = await cli(['plan', '--config', configFile(localLibraryInput({ authentication: 'windows', anonymousPaths: ['/static/../'] })), '--simulate', tmp('ours2-srv-')]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/anonymousPaths/);
  });
});

describe('requirement lines: includes and paths inside the project, URLs refused', () => {
  const refused: [string, string, RegExp][] = [
    ['-r from a URL', '-r https://host.example/req.txt\ndjango', /line 1: -r https:\/\/host\.example\/req\.txt is a URL/],
    ['-c from a share', '-c \\\\fileserver\\reqs\\c.txt\ndjango', /line 1: -c \\\\fileserver\\reqs\\c\.txt is on a network share/],
    ['a wheel path outside the project', 'C:\\Windows\\Temp\\evil-1.0-py3-none-any.whl\ndjango', /line 1: C:\\Windows\\Temp\\evil-1\.0-py3-none-any\.whl is a file outside the project/],
    ['a relative wheel path that climbs out', '../../../Windows/Temp/evil-1.0-py3-none-any.whl', /evil-1\.0-py3-none-any\.whl is a file outside the project \(C:\\Windows\\Temp\\evil/],
    ['a wheel on a share', '\\\\fileserver\\wheels\\evil-1.0-py3-none-any.whl', /is a file outside the project/],
    ['--find-links to a local folder outside', '--find-links C:\\Windows\\Temp\ndjango', /line 1: --find-links C:\\Windows\\Temp is a folder outside the project/],
    ['-e of a folder outside', '-e C:\\elsewhere\\pkg', /-e C:\\elsewhere\\pkg is a file outside the project/],
  ];
  it.each(refused)('%s: plan exits 2 naming the line; nothing is installed', async (_name, text, message) => {
    const h = serverWith('');
    writeFileSync(h.server.toReal('C:\\drop\\locallibrary\\requirements.txt'), `${text}\n`);
    const res = await cli(['plan', '--config', configFile(localLibraryInput()), '--simulate', h.server.root]);
    expect(res.code, res.out).toBe(2);
    expect(res.err).toMatch(message);
    expect(existsSync(h.server.toReal('C:\\virtualenvs\\library'))).toBe(false);
  });

  it("the project's own wheel and --find-links folder, and the wheelhouse's, are taken", async () => {
    const h = serverWith('');
    mkdirSync(h.server.toReal('C:\\drop\\wheels'), { recursive: true });
    writeFileSync(h.server.toReal('C:\\drop\\locallibrary\\requirements.txt'), '--find-links ./vendor\n./vendor/own-1.0-py3-none-any.whl\n--find-links C:\\drop\\wheels\nDjango>=3.2\n');
    const p = await plan(localLibraryConfig({ wheelhouse: 'C:\\drop\\wheels' }), h);
    expect(p.project.notes.join('\n')).toMatch(/--find-links \.\/vendor/);
    expect(p.project.notes.join('\n')).toMatch(/--find-links C:\\drop\\wheels/);
  });
});

describe("an application folder that exists and is not this deployment's", () => {
  it("appDir naming another site's non-empty folder: a conflict before any change (releases go inside it otherwise)", async () => {
    const h = serverWith('');
    const other = h.server.toReal('C:\\inetpub\\othersite');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'web.config'), '<configuration/>');
    const res = await cli(['apply', '--yes', '--config', configFile(localLibraryInput({ appDir: 'C:\\inetpub\\othersite' })), '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/The folder C:\\inetpub\\othersite \(1 item: web\.config\) already exists and was not created by this tool/);
    expect(existsSync(path.join(other, 'releases'))).toBe(false);
    expect(h.commandLog().filter((c) => c.mutating).length).toBe(0);
  });
});

describe('rollback undoes only the newest run, when it changed something', () => {
  it('after an update refused before any change: nothing to roll back (twice), release 1 keeps serving', async () => {
    const h = serverWith('');
    const first = await run(localLibraryConfig(), h);
    expect(first.outcome, JSON.stringify(first.problems)).toBe('succeeded');
    // The next version's requirements include a file from a URL: refused before any change.
    const reqs = h.server.toReal('C:\\drop\\locallibrary\\requirements.txt');
    writeFileSync(reqs, `-r https://host.example/more.txt\n${readFileSync(reqs, 'utf8')}`);
    const f = configFile(localLibraryInput());
    const refusedApply = await cli(["apply", "--yes", "--config", f, "--simulate", h.server.root]);
    expect(refusedApply.code, refusedApply.out + refusedApply.err).toBe(2);
    for (let i = 0; i < 2; i++) {
      const rb = await cli(['rollback', '--yes', '--config', f, '--simulate', h.server.root]);
      expect(rb.code, rb.err).toBe(0);
      expect(rb.out).toMatch(/Nothing to roll back: the newest run of "library" (was refused before any change|was rolled back)/);
      expect(rb.out).not.toMatch(/change\(s\) undone/);
    }
    expect(h.server.appHostText()).toMatch(/<site name="library"/);
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\1\\manage.py'))).toBe(true);
    expect(existsSync(h.server.toReal('C:\\virtualenvs\\library\\Scripts\\python.exe'))).toBe(true);
    const res = await h.http('http://localhost:8081/catalog/', { headers: { host: 'library.example.com:8081' } });
    expect(res.status).toBe(200);
  });

  it('after a run that found everything done: nothing to roll back; the prompt of a real one names the run and what stays', async () => {
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    const again = await run(localLibraryConfig(), h);
    expect(again.mutatingCommands).toBe(0);
    const f = configFile(localLibraryInput());
    const rb = await cli(['rollback', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(rb.out).toMatch(/Nothing to roll back: the newest run of "library" changed nothing/);
    expect(h.server.appHostText()).toMatch(/<site name="library"/);
    // A run that changes something again (a new setting) is the one rollback names, with what it keeps.
    const changed = localLibraryInput({ environment: { DJANGO_DEBUG: 'False', EXTRA: '1' } });
    expect((await run(localLibraryConfig({ environment: { DJANGO_DEBUG: 'False', EXTRA: '1' } }), h)).outcome).toBe('succeeded');
    const asked: string[] = [];
    const out: string[] = [];
    const code = await main(['rollback', '--config', configFile(changed), '--simulate', h.server.root], { out: (s) => out.push(s), err: (s) => out.push(s), confirm: async (q) => (asked.push(q), false) });
    expect(code).toBe(1);
    expect(asked[0]).toMatch(/^Undo the run of \d{4}-\d\d-\d\dT/);
    expect(out.join('\n')).toMatch(/\(succeeded\) made \d+ change\(s\) that rollback undoes/);
    expect(out.join('\n')).toMatch(/Migrations the run applied stay applied: rollback never touches the database/);
  });

  it('after an update that failed half-way: that run is undone, release 1 serves and the history says so; a second rollback does nothing', async () => {
    const { version2 } = await import('./release-helpers');
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    version2(h);
    // The update fails at the switch (after staging, the venv, the migration).
    h.server.addFault({ match: 'new-object microsoft.web.administration.servermanager', exitCode: 1, stderr: 'Exception calling "CommitChanges": Cannot commit configuration changes because the file has changed on disk' });
    h.server.save();
    const second = await run(localLibraryConfig(), h);
    expect(second.outcome).toBe('failed');
    const f = configFile(localLibraryInput());
    const rb = await cli(['rollback', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(rb.code, rb.err).toBe(0);
    expect(rb.out).toMatch(/Rolled back run/);
    expect(rb.out).toMatch(/The migrations release 2 applied \(catalog\.0002_book_summary\) stay applied/);
    expect(rb.out).toMatch(/release history says what serves: release 1 \(.*\) is live; release 2 left it/);
    const releases = await cli(['releases', '--json', '--config', f, '--simulate', h.server.root]);
    const list = JSON.parse(releases.out) as { releases: { number: number; state: string }[] };
    expect(list.releases.map((r) => `${r.number}:${r.state}`)).toEqual(['1:live']);
    expect(h.server.appHostText()).toMatch(/releases\\1/);
    const again = await cli(['rollback', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(again.out).toMatch(/Nothing to roll back: the newest run of "library" was rolled back/);
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\1\\manage.py'))).toBe(true);
  });
});

describe('the switch is one commit: complete, or back by itself', () => {
  /** The site's root folder and the handler's release, as applicationHost.config has them. */
  const serving = (h: SimulatedHost) => {
    const cfg = h.server.appHostText();
    const root = /<site name="library"[\s\S]*?<virtualDirectory path="\/" physicalPath="([^"]*)"/.exec(cfg)?.[1];
    const handler = /scriptProcessor="[^"]*django_iis_release=(\d+) /.exec(cfg)?.[1];
    return { root, handler };
  };

  it('the switch command fails: the step says it switched back, release 1 serves whole, the history names it', async () => {
    const { version2 } = await import('./release-helpers');
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    version2(h);
    h.server.addFault({ match: 'new-object microsoft.web.administration.servermanager', exitCode: 1, stderr: 'Exception calling "CommitChanges": The configuration file is locked by another process.' });
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(r.problems['release-switch']?.what).toMatch(/Switched back by itself: the release that was live serves as before/);
    expect(serving(h)).toEqual({ root: 'C:\\apps\\library\\releases\\1', handler: '1' });
    const list = JSON.parse((await cli(['releases', '--json', '--config', configFile(localLibraryInput()), '--simulate', h.server.root])).out) as { releases: { number: number; state: string }[] };
    expect(list.releases.map((x) => `${x.number}:${x.state}`)).toEqual(['1:live', '2:failed']);
    const page = await h.http('http://localhost:8081/catalog/', { headers: { host: 'library.example.com:8081' } });
    expect(page.body).toMatch(/The library has/);
  });

  it('one commit moves the handler and the paths together: no command leaves release 2\'s code on release 1\'s folders', async () => {
    const { version2 } = await import('./release-helpers');
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    version2(h);
    const before = h.commandLog().length;
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const switches = h.commandLog().slice(before).filter((c) => c.argv.join(' ').includes('Microsoft.Web.Administration'));
    expect(switches).toHaveLength(1);
    expect(h.commandLog().slice(before).some((c) => c.argv.join(' ').includes('.scriptProcessor:'))).toBe(false);
    expect(serving(h)).toEqual({ root: 'C:\\apps\\library\\releases\\2', handler: '2' });
  });

  it('the tool killed during the switch (a real process, SIGKILL): one release serves and the history names it; the next apply completes it', async () => {
    const { spawn } = await import('node:child_process');
    const { version2 } = await import('./release-helpers');
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    version2(h);
    const f = configFile(localLibraryInput());
    const tsx = path.resolve('node_modules/.bin/tsx');
    const child = spawn(tsx, ['src/main/cli/index.ts', 'apply', '--yes', '--config', f, '--simulate', h.server.root, '--sim-fault', JSON.stringify({ match: 'new-object microsoft.web.administration.servermanager', hang: true })], { detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const registry = h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\releases\\library.json');
    // Killed once release 2 is verified on the staging site: its next command is the switch (hanging).
    for (let t = 0; t < 600; t++) {
      if (existsSync(registry) && /"stagingVerifiedAt"/.test(readFileSync(registry, 'utf8'))) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    await new Promise((res) => setTimeout(res, 1500));
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;
    // The server as the killed process left it (its state file), read afresh.
    await h.dispose();
    const h2 = new SimulatedHost(h.server.root);
    hosts.push(h2);
    expect(serving(h2)).toEqual({ root: 'C:\\apps\\library\\releases\\1', handler: '1' });
    const list = JSON.parse((await cli(['releases', '--json', '--config', f, '--simulate', h2.server.root])).out) as { releases: { number: number; state: string }[] };
    expect(list.releases.map((x) => `${x.number}:${x.state}`)).toEqual(['1:live', '2:staged']);
    // IIS committed release 2 but the record was never written (killed in between): what serves names it.
    const { POWERSHELL, SWITCH_SCRIPT, psArgs, switchEnv, fastCgiIdentity } = await import('../../src/main/engine/commands');
    const { derive } = await import('../../src/shared/config');
    const { releaseConfig } = await import('../../src/main/engine/release/layout');
    const rel2 = releaseConfig(localLibraryConfig(), { number: 2, dir: 'C:\\apps\\library\\releases\\2', venvDir: 'C:\\virtualenvs\\library-2' }, 'C:\\apps\\library\\shared');
    const sp = fastCgiIdentity(derive(rel2)).scriptProcessor;
    const staticRoot = /<virtualDirectory path="\/static" physicalPath="([^"]*)"/.exec(h2.server.appHostText())?.[1]?.replace('releases\\1', 'releases\\2') ?? '';
    const sw = await h2.exec(POWERSHELL, psArgs(SWITCH_SCRIPT), { env: switchEnv('library', sp, 'C:\\apps\\library\\releases\\2', ['/static', staticRoot]) });
    expect(sw.exitCode, sw.stderr).toBe(0);
    const after = JSON.parse((await cli(['releases', '--json', '--config', f, '--simulate', h2.server.root])).out) as { releases: { number: number; state: string }[] };
    expect(after.releases.map((x) => `${x.number}:${x.state}`)).toEqual(['1:previous', '2:live']);
    const again = await run(localLibraryConfig(), h2);
    expect(again.outcome, JSON.stringify(again.problems)).toBe('succeeded');
    expect(serving(h2)).toEqual({ root: 'C:\\apps\\library\\releases\\2', handler: '2' });
  }, 240_000);
});

describe("the tool's own records are read as untrusted", () => {
  const REGISTRY = 'C:\\ProgramData\\DjangoIISSetup\\releases\\library.json';
  /** The Local Library with releases 1 and 2 deployed (2 live). */
  async function twoReleases(): Promise<SimulatedHost> {
    const { version2 } = await import('./release-helpers');
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    version2(h);
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    return h;
  }
  const tamper = (h: SimulatedHost, f: (reg: { shared: string; releases: { number: number; venvDir: string; backup?: string }[] }) => void) => {
    const file = h.server.toReal(REGISTRY);
    const reg = JSON.parse(readFileSync(file, 'utf8')) as { shared: string; releases: { number: number; venvDir: string; backup?: string }[] };
    f(reg);
    writeFileSync(file, JSON.stringify(reg));
  };

  const cases: [string, (reg: { shared: string; releases: { number: number; venvDir: string; backup?: string }[] }) => void, RegExp][] = [
    ['a venv in C:\\Windows', (reg) => void ((reg.releases[0] as { venvDir: string }).venvDir = 'C:\\Windows\\evilvenv'), /release 1's venv C:\\Windows\\evilvenv is neither journaled nor venvDir/],
    ['a venv beside another site', (reg) => void ((reg.releases[0] as { venvDir: string }).venvDir = 'C:\\inetpub\\othersite\\venv'), /release 1's venv C:\\inetpub\\othersite\\venv/],
    ['shared in another folder', (reg) => void (reg.shared = 'D:\\otherapp'), /shared D:\\otherapp is not C:\\apps\\library\\shared/],
    ["a backup naming another site's database", (reg) => void ((reg.releases[1] as { backup?: string }).backup = 'D:\\otherapp\\db.sqlite3'), /database backup D:\\otherapp\\db\.sqlite3 is not in C:\\apps\\library\\shared\\backups/],
  ];
  it.each(cases)('%s: go-back and apply refuse the history whole (exit 2), nothing created; rollback and uninstall still work', async (_name, change, message) => {
    const h = await twoReleases();
    tamper(h, change);
    const f = configFile(localLibraryInput());
    const before = h.commandLog().length;
    for (const cmd of [['go-back', '--yes', '--restore-backup'], ['apply', '--yes'], ['plan']]) {
      const res = await cli([...cmd, '--config', f, '--simulate', h.server.root]);
      expect(res.code, `${cmd[0]}: ${res.out}`).toBe(2);
      expect(res.err).toMatch(message);
      expect(res.err).toMatch(/restore the release history from a backup, or delete it/);
    }
    expect(h.commandLog().slice(before).filter((c) => c.mutating)).toEqual([]);
    expect(existsSync(h.server.toReal('C:\\Windows\\evilvenv'))).toBe(false);
    expect(existsSync(h.server.toReal('D:\\otherapp'))).toBe(false);
    const un = await cli(['uninstall', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(un.code, un.err).toBe(0);
    expect(h.server.appHostText()).not.toMatch(/<site name="library"/);
  }, 120_000);

  it("a loosened ACL anywhere in the tool's folder is found by plan and apply and set again on the whole tree", async () => {
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    const deployments = 'C:\\ProgramData\\DjangoIISSetup\\deployments';
    h.server.setAcl(deployments, false, [{ identity: 'BUILTIN\\Users', rights: 'F', inherit: ['OI', 'CI'] }]);
    h.server.save();
    const f = configFile(localLibraryInput());
    expect((await cli(['plan', '--config', f, '--simulate', h.server.root])).code).toBe(0);
    const h2 = new SimulatedHost(h.server.root);
    hosts.push(h2);
    expect(h2.server.aclOf(deployments)?.aces ?? []).toEqual([]);
    expect(h2.server.effectiveAces(`${deployments}\\library.json`).map((a) => a.ace.identity).sort()).toEqual(['BUILTIN\\Administrators', 'NT AUTHORITY\\SYSTEM']);
    expect(h2.commandLog().some((c) => c.argv.join(' ').includes('DjangoIISSetup /reset /T'))).toBe(true);
  });

  it('a journal entry that puts back a .pth into Python is refused whole; an entry removing a Python installation is refused when it runs', async () => {
    const h = serverWith('');
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    const file = h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\deployments\\library.json');
    const good = readFileSync(file, 'utf8');
    const j = JSON.parse(good) as { entries: unknown[] };
    j.entries.push({ object: 'file:c:\\python311\\lib\\site-packages\\evil.pth#x', stepId: 'django-settings', at: '', undo: [{ kind: 'writeFile', description: 'Put it back', path: 'C:\\Python311\\Lib\\site-packages\\evil.pth', content: 'import os' }] });
    writeFileSync(file, JSON.stringify(j));
    const f = configFile(localLibraryInput());
    const res = await cli(['uninstall', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/the only file this tool puts back whole is a web\.config/);
    expect(existsSync(h.server.toReal('C:\\Python311\\Lib\\site-packages\\evil.pth'))).toBe(false);
    const j2 = JSON.parse(good) as { entries: unknown[] };
    j2.entries.unshift({ object: 'folder:c:\\python311', stepId: 'venv', at: '', undo: [{ kind: 'remove', description: 'Remove C:\\Python311', path: 'C:\\Python311' }] });
    writeFileSync(file, JSON.stringify(j2));
    const un = await cli(['uninstall', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(un.out + un.err).toMatch(/refused, C:\\Python311 holds a Python installation/);
    expect(existsSync(h.server.toReal('C:\\Python311\\python.exe'))).toBe(true);
  });
});

describe('the bundle: its own hash shown, no links, a zip with each file once', () => {
  it('the SHA-256 of SHA256SUMS is said by bundle, rehearse and the wizard, and changes when the sums are rewritten to match an added wheel; links of any kind are refused', async () => {
    const { findLinks, installer, project, PY } = await import('./bundle-helpers');
    const { openBundle } = await import('../../src/main/bundle/find');
    const { writeChecksums } = await import('../../src/main/bundle/bundle-dir');
    const { symlinkSync } = await import('node:fs');
    const before = process.env.DJANGO_IIS_PYTHON;
    process.env.DJANGO_IIS_PYTHON = PY;
    try {
      const out = path.join(tmp('ours2-bundle-'), 'b');
      dirs.push(path.dirname(out));
      const made = await cli(['bundle', '--project', project(dirs), '--out', out, '--find-links', findLinks(dirs), '--no-index', '--python-installer', installer(dirs)]);
      expect(made.code, made.err).toBe(0);
      const sent = /its SHA-256: ([0-9a-f]{64})/.exec(made.out)?.[1];
      expect(sent).toMatch(/^[0-9a-f]{64}$/);
      expect(openBundle(out).info.checksumsSha256).toBe(sent);
      const keep = tmp('ours2-bundle-sim-');
      dirs.push(keep);
      const reh = await cli(['plan', '--bundle', out, '--simulate', keep]);
      expect(reh.err).toContain(`The bundle's SHA256SUMS has the SHA-256 ${sent ?? ''}: compare it with the value the team sent you`);
      // Someone adds a wheel and rewrites SHA256SUMS to match: every file checks, but the hash the department compares differs.
      writeFileSync(path.join(out, 'wheels', 'evil-1.0-py3-none-any.whl'), 'x');
      writeChecksums(out);
      const info = openBundle(out).info;
      expect(info.problems).toEqual([]);
      expect(info.checksumsSha256).not.toBe(sent);
      rmSync(path.join(out, 'wheels', 'evil-1.0-py3-none-any.whl'));
      writeChecksums(out);
      // A listed file made a link to a file outside, and a folder link: refused, no stack trace.
      const outside = path.join(tmp('ours2-outside-'), 'x.txt');
      dirs.push(path.dirname(outside));
      writeFileSync(outside, 'outside');
      rmSync(path.join(out, 'requirements.txt'));
      symlinkSync(outside, path.join(out, 'requirements.txt'));
      symlinkSync(path.dirname(outside), path.join(out, 'wheels', 'more'));
      const r = await cli(['plan', '--bundle', out, '--simulate', tmp('ours2-bundle-sim2-')]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/holds 2 links: requirements\.txt -> .*x\.txt; wheels\/more -> /);
      expect(r.err).not.toMatch(/ENOENT|\n\s+at /);
    } finally {
      if (before === undefined) delete process.env.DJANGO_IIS_PYTHON;
      else process.env.DJANGO_IIS_PYTHON = before;
    }
  }, 240_000);

  it('a project zip holding one file twice (the last would win) is refused before anything changes', async () => {
    const { execFileSync } = await import('node:child_process');
    const h = serverWith('');
    const zip = h.server.toReal('C:\\drop\\library.zip');
    execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', [
      'import os, sys, zipfile',
      'src, dest = sys.argv[1], sys.argv[2]',
      "z = zipfile.ZipFile(dest, 'w')",
      'for root, _, files in os.walk(src):',
      '    for f in files:',
      '        full = os.path.join(root, f)',
      '        z.write(full, os.path.relpath(full, src))',
      "z.writestr('locallibrary/settings.py', 'DEBUG = True\\nALLOWED_HOSTS = [\"*\"]\\n')",
      'z.close()',
    ].join('\n'), h.server.toReal('C:\\drop\\locallibrary'), zip]);
    const res = await cli(['apply', '--yes', '--config', configFile(localLibraryInput({ djangoProject: { zip: 'C:\\drop\\library.zip' }, settingsModule: 'locallibrary.settings' })), '--simulate', h.server.root]);
    expect(res.code, res.out + res.err).toBe(2);
    expect(res.err).toMatch(/library\.zip holds the same file more than once: locallibrary\/settings\.py/);
    expect(h.commandLog().filter((c) => c.mutating)).toEqual([]);
  });
});

describe('HTTPS conflicts with other sites are found before any change', () => {
  it("another site's https binding: apply refuses before Python, IIS or a folder is touched", async () => {
    const { makePki } = await import('./https-helpers');
    const pki = makePki();
    const leaf = pki.issue({ cn: 'library.example.com', dns: ['library.example.com'] });
    const h = new SimulatedHost(tmp('ours2-https-'), { iis: 'with-cgi', certificates: [{ pem: pki.caPem, store: 'Root' }, { pem: leaf.pem, key: leaf.key }] });
    hosts.push(h);
    dirs.push(h.server.root);
    await h.mkdir('C:\\sites\\other');
    expect((await h.exec('C:\\Windows\\System32\\inetsrv\\appcmd.exe', ['add', 'site', '/name:other', '/bindings:https/*:443:library.example.com', '/physicalPath:C:\\sites\\other'])).exitCode).toBe(0);
    const before = h.commandLog().length;
    const c = localLibraryConfig({ https: { certificate: { thumbprint: leaf.thumbprint } } });
    await expect(run(c, h)).rejects.toThrow(/The IIS site "other" already has the binding https\/\*:443:library\.example\.com/);
    expect(h.commandLog().slice(before).filter((x) => x.mutating)).toEqual([]);
    expect(existsSync(h.server.toReal('C:\\apps\\library'))).toBe(false);
  });
});

describe('secrets the tool leaves behind', () => {
  it('apply --rotate-secret deletes the IIS backups that hold the old key; the settings check leaves no .pyc', async () => {
    const h = serverWith(`API_TOKEN = 'literal-token-in-settings'`);
    expect((await run(localLibraryConfig(), h)).outcome).toBe('succeeded');
    const backups = h.server.toReal('C:\\Windows\\System32\\inetsrv\\backup');
    const keyOf = (text: string) => /name="DJANGO_SECRET_KEY" value="([^"]*)"/.exec(text)?.[1];
    const old = keyOf(h.server.appHostText());
    expect(old).toBeTruthy();
    // Another run that changes IIS (a new variable) takes a backup that holds the old key.
    expect((await run(localLibraryConfig({ environment: { DJANGO_DEBUG: 'False', EXTRA: '1' } }), h)).outcome).toBe('succeeded');
    const { readdirSync } = await import('node:fs');
    const holding = () => readdirSync(backups).filter((b) => readFileSync(path.join(backups, b, 'applicationHost.config'), 'utf8').includes(old ?? '?'));
    expect(holding().length).toBeGreaterThan(0);
    const res = await cli(['apply', '--yes', '--rotate-secret', '--config', configFile(localLibraryInput({ environment: { DJANGO_DEBUG: 'False', EXTRA: '1' } })), '--simulate', h.server.root]);
    expect(res.code, res.err).toBe(0);
    const h2 = new SimulatedHost(h.server.root);
    hosts.push(h2);
    expect(keyOf(h2.server.appHostText())).not.toBe(old);
    expect(holding()).toEqual([]);
    const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])) : []);
    expect(walk(h2.server.toReal('C:\\ProgramData\\DjangoIISSetup')).filter((f) => f.endsWith('.pyc'))).toEqual([]);
    const un = await cli(['uninstall', '--yes', '--config', configFile(localLibraryInput()), '--simulate', h.server.root]);
    expect(un.code, un.err).toBe(0);
    expect(walk(h2.server.toReal('C:\\ProgramData\\DjangoIISSetup')).filter((f) => readFileSync(f, 'latin1').includes('literal-token-in-settings'))).toEqual([]);
  });
});
