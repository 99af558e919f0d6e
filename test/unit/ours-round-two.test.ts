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
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
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

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

export function configFile(input: Record<string, unknown>): string {
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
    h.server.addFault({ match: 'appcmd.exe set site', exitCode: 13, stdout: 'ERROR ( message:Cannot commit configuration changes because the file has changed on disk )' });
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
