/**
 * The project a team hands over is a source of paths too (issue #22): Django's settings as the
 * probe reports them are taken as Windows resolves them and refused when protected, before any
 * step acts on them. Each hostile project is the Local Library fixture with a few lines appended
 * to its settings. Checked: the message names the setting and its value, plan exits 2 once the
 * project is in place, a fresh run stops at the probe, and no ACL, vdir or file lands on a
 * protected path (applicationHost.config and the simulated ACLs are read afterwards).
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { plan, RefusedError, run, uninstall } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { LOCAL_LIBRARY, localLibraryInput, localLibraryConfig, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh simulated server with the Local Library at C:\drop\locallibrary, its settings ending with `tail`. */
function serverWith(tail: string, drop = 'C:\\drop\\locallibrary'): SimulatedHost {
  const dir = tmp('hostile-');
  dirs.push(dir);
  const h = new SimulatedHost(dir);
  hosts.push(h);
  const real = h.server.toReal(drop);
  mkdirSync(path.dirname(real), { recursive: true });
  cpSync(LOCAL_LIBRARY, real, { recursive: true });
  if (tail) appendFileSync(path.join(real, 'locallibrary', 'settings.py'), `\n${tail}\n`);
  return h;
}

/** Every path the pool identity was granted something on. */
function grantedPaths(h: SimulatedHost): string[] {
  const state = JSON.parse(readFileSync(path.join(h.server.root, '.sim', 'state.json'), 'utf8')) as { acls: Record<string, { path: string; aces: { identity: string }[] }> };
  return Object.values(state.acls)
    .filter((a) => a.aces.some((x) => x.identity.toLowerCase().startsWith('iis apppool\\')))
    .map((a) => a.path);
}

const PROTECTED = /^(c:\\?|c:\\windows(\\.*)?|c:\\users(\\[^\\]+)?|c:\\programdata(\\.*)?)$/i;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function configFile(input: Record<string, unknown>): string {
  const d = tmp('hostile-cfg-');
  dirs.push(d);
  const f = path.join(d, 'deploy.json');
  writeFileSync(f, JSON.stringify(input));
  return f;
}

describe('paths from the project', () => {
  it('a forward-slash SQLite path under a folder with a space: the database folder gets modify, nowhere else', async () => {
    const input = localLibraryInput({ appDir: 'C:\\Web Apps\\locallibrary', siteName: 'LocalLibrary' });
    const h = serverWith(`DATABASES['default']['NAME'] = 'C:\\\\Web Apps/locallibrary/db.sqlite3'`);
    const r = await run(localLibraryConfig(input), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const p = await plan(localLibraryConfig(input), h);
    expect(p.project.database).toBe('SQLite C:\\Web Apps\\locallibrary\\db.sqlite3');
    const granted = grantedPaths(h);
    expect(granted.filter((g) => PROTECTED.test(g))).toEqual([]);
    expect(granted.map((g) => g.toLowerCase())).toContain('c:\\web apps\\locallibrary');
    const commands = readFileSync(path.join(h.server.root, '.sim', 'commands.jsonl'), 'utf8');
    expect(commands).not.toMatch(/icacls\.exe","args":\["C:\\\\\\\\"/);
  });

  it("BASE_DIR / 'db.sqlite3' comes back from the probe joined with \\ as Windows' Python prints it", async () => {
    const h = serverWith('');
    const c = localLibraryConfig({ appDir: 'C:\\Web Apps\\ll' });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const p = await plan(c, h);
    expect(p.project.database).toBe('SQLite C:\\Web Apps\\ll\\db.sqlite3');
    expect(grantedPaths(h).map((g) => g.toLowerCase())).toContain('c:\\web apps\\ll');
  });

  const refused: [string, string, RegExp][] = [
    ['MEDIA_ROOT = C:\\Windows', `MEDIA_ROOT = 'C:\\\\Windows'`, /MEDIA_ROOT .*C:\\Windows.*Windows folder/],
    ['a SQLite file under C:\\Windows', `DATABASES['default']['NAME'] = 'C:\\\\Windows\\\\Temp\\\\db.sqlite3'`, /SQLite database .*C:\\Windows\\Temp/],
    ['a SQLite file at the drive root, written with /', `DATABASES['default']['NAME'] = 'C:/db.sqlite3'`, /C:\/db\.sqlite3 \(Windows reads it as C:\\db\.sqlite3\).*root of a drive/],
    ['STATIC_ROOT = C:\\', `STATIC_ROOT = 'C:\\\\'`, /STATIC_ROOT .*root of a drive/],
    ['STATIC_ROOT = the application folder', `STATIC_ROOT = BASE_DIR`, /STATIC_ROOT .*application folder/],
    ['STATICFILES_DIRS with C:\\Windows', `STATICFILES_DIRS = ['C:\\\\Windows\\\\System32']`, /STATICFILES_DIRS .*Windows folder/],
    ['STATIC_URL = /', `STATIC_URL = '/'`, /STATIC_URL .*root of the site/],
  ];
  it.each(refused)('%s: a fresh run stops at the probe, nothing lands on the path; plan then exits 2 naming the setting', async (_name, tail, message) => {
    const h = serverWith(tail);
    const c = localLibraryConfig();
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    const failed = Object.entries(r.problems).map(([id, p]) => `${id}: ${p.what}`);
    expect(failed.join('\n')).toMatch(message);
    expect(r.states['collectstatic']).not.toBe('done');
    expect(r.states['media-vdir']).not.toBe('done');
    expect(r.states['permissions']).not.toBe('done');
    expect(grantedPaths(h).filter((g) => PROTECTED.test(g))).toEqual([]);
    const apphost = h.server.appHostText();
    expect(apphost).not.toMatch(/physicalPath="C:\\(Windows[^"]*)?"/i);
    expect(existsSync(h.server.toReal('C:\\Windows\\System32\\admin'))).toBe(false);
    // Now that the project is in place, the plan knows the value: exit 2, nothing changed.
    await expect(plan(c, h)).rejects.toBeInstanceOf(RefusedError);
    const f = configFile(localLibraryInput());
    const res = await cli(['plan', '--config', f, '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
    expect(res.err).toMatch(/What to do:/);
    const apply = await cli(['apply', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(apply.code).toBe(2);
  });

  it('STATIC_ROOT on an existing folder with a user file: a conflict, nothing collected into it, uninstall keeps it', async () => {
    const h = serverWith(`STATIC_ROOT = 'C:\\\\Users\\\\Administrator\\\\Documents'`);
    const docs = h.server.toReal('C:\\Users\\Administrator\\Documents');
    mkdirSync(docs, { recursive: true });
    writeFileSync(path.join(docs, 'letter.txt'), 'mine');
    const c = localLibraryConfig();
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(Object.values(r.problems).map((p) => p.what).join('\n')).toMatch(/C:\\Users\\Administrator\\Documents .*already exists/);
    expect(grantedPaths(h).map((g) => g.toLowerCase())).not.toContain('c:\\users\\administrator\\documents');
    expect(existsSync(path.join(docs, 'admin'))).toBe(false);
    await expect(plan(c, h)).rejects.toBeInstanceOf(RefusedError);
    await uninstall(h, c.siteName);
    expect(readFileSync(path.join(docs, 'letter.txt'), 'utf8')).toBe('mine');
  });
});
