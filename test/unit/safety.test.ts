/**
 * Never destroy, take over or run what is not ours: hostile and careless input against the CLI
 * and the engine on simulated servers. Every refusal is exit 2 with a message naming the key
 * (and the character), and the server's tree is unchanged (hashed before and after).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config';
import { redact } from '../../src/shared/problem';
import { main } from '../../src/main/cli/cli';
import { ConflictError, plan, run, uninstall, verify } from '../../src/main/engine/engine';
import { journalPath, readJournal } from '../../src/main/engine/ownership';
import { type SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, config, deployedCopy, freshHost, tmp, treeHash } from './helpers';

let hosts: SimulatedHost[] = [];
const dirs: string[] = [];
const track = (h: SimulatedHost) => (hosts.push(h), h);
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  hosts = [];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function deployFile(content: string): string {
  const d = tmp('cfg-');
  dirs.push(d);
  const f = path.join(d, 'deploy.json');
  writeFileSync(f, content);
  return f;
}

describe('bad configurations are refused with exit 2, the key and the character named, nothing changed', () => {
  const cases: [string, string, string[]][] = [
    ['venvDir is C:\\Windows', JSON.stringify({ venvDir: 'C:\\Windows' }), ['venvDir', 'Windows folder']],
    ['venvDir inside C:\\Windows', JSON.stringify({ venvDir: 'C:\\Windows\\System32\\venv' }), ['venvDir', 'Windows folder']],
    ['appDir is a drive root', JSON.stringify({ appDir: 'C:\\' }), ['appDir', 'root of a drive']],
    ['appDir is D:\\ with a trailing separator', JSON.stringify({ appDir: 'D:\\\\' }), ['appDir']],
    ['appDir is Program Files', JSON.stringify({ appDir: 'C:\\Program Files' }), ['appDir', 'Program Files']],
    ['appDir in ProgramData', JSON.stringify({ appDir: 'C:\\ProgramData\\foo' }), ['appDir', 'ProgramData']],
    ['appDir is a profile root', JSON.stringify({ appDir: 'C:\\Users\\Administrator' }), ['appDir', 'profile']],
    ['appDir is C:\\inetpub', JSON.stringify({ appDir: 'C:\\inetpub' }), ['appDir', 'inetpub']],
    ['appDir is C:\\inetpub\\wwwroot', JSON.stringify({ appDir: 'C:\\inetpub\\wwwroot' }), ['appDir', 'inetpub']],
    ['appDir inside the Python install', JSON.stringify({ appDir: 'C:\\Python314\\app' }), ['appDir', 'Python installation']],
    ['venvDir contains the Python install', JSON.stringify({ venvDir: 'C:\\tools', pythonDir: 'C:\\tools\\Python314' }), ['venvDir', 'contains the Python installation']],
    ['copy source is a drive root', JSON.stringify({ djangoProject: { folder: 'C:\\' }, settingsModule: 'x.settings' }), ['djangoProject.folder', 'root of a drive']],
    ['staticRoot is the Windows folder', JSON.stringify({ staticRoot: 'C:\\Windows' }), ['staticRoot', 'Windows']],
    ['pythonDir is a drive root', JSON.stringify({ pythonDir: 'C:\\' }), ['pythonDir', 'root of a drive']],
    ['appDir with ..', JSON.stringify({ appDir: 'C:\\..\\..\\X' }), ['appDir', '".."']],
    ['appDir with .', JSON.stringify({ appDir: 'C:\\apps\\.\\foo' }), ['appDir', '"."']],
    ['appDir with a device name', JSON.stringify({ appDir: 'C:\\apps\\CON' }), ['appDir', 'device name']],
    ['appDir with a device name and extension', JSON.stringify({ appDir: 'C:\\apps\\nul.txt' }), ['appDir', 'device name']],
    ['appDir UNC', JSON.stringify({ appDir: '\\\\server\\share\\app' }), ['appDir', 'UNC']],
    ['appDir \\\\?\\', JSON.stringify({ appDir: '\\\\?\\C:\\apps\\foo' }), ['appDir', 'UNC']],
    ['appDir with a trailing dot folder', JSON.stringify({ appDir: 'C:\\apps\\foo.' }), ['appDir', 'ends with']],
    ['siteName with a newline', JSON.stringify({ siteName: 'x\nStop-Computer -Force #' }), ['siteName', 'line feed']],
    ['siteName with NUL', JSON.stringify({ siteName: 'x\u0000y' }), ['siteName', 'NUL']],
    ['siteName with a tab', JSON.stringify({ siteName: 'x\ty' }), ['siteName', 'tab']],
    ['siteName with CR', JSON.stringify({ siteName: 'x\ry' }), ['siteName', 'carriage return']],
    ['siteName with U+2019', JSON.stringify({ siteName: 'x\u2019y' }), ['siteName', 'U+2019']],
    ['siteName with U+201B', JSON.stringify({ siteName: 'x\u201By' }), ['siteName', 'U+201B']],
    ['siteName starting with -', JSON.stringify({ siteName: '-foo' }), ['siteName', 'option']],
    ['appPool starting with -', JSON.stringify({ appPool: '-p' }), ['appPool', 'option']],
    ['siteName with a lone surrogate', JSON.stringify({ siteName: 'x\uD800y' }), ['siteName', 'XML']],
    ['appDir with U+2018', JSON.stringify({ appDir: 'C:\\apps\\\u2018x' }), ['appDir', 'U+2018']],
    ['appDir with ]', JSON.stringify({ appDir: 'C:\\apps\\x]y' }), ['appDir', ']']],
    ['a JSON null', 'null', ['JSON object', 'null']],
    ['a JSON array', '[]', ['JSON object', 'array']],
    ['a JSON number', '42', ['JSON object', 'number']],
    ['a JSON string', '"foo"', ['JSON object', 'string']],
    ['adopt something unknown', JSON.stringify({ adopt: ['server'] }), ['adopt']],
    ['an environment name with a space', JSON.stringify({ environment: { 'MY VAR': 'x' } }), ['environment', 'environment variable name']],
    ['an environment name the tool manages', JSON.stringify({ environment: { PYTHONPATH: 'x' } }), ['environment', 'PYTHONPATH']],
    ['an environment value with a quote', JSON.stringify({ environment: { A: "it's" } }), ['environment', "'"]],
    ['verify.urls with a newline', JSON.stringify({ verify: { urls: ['/a\nb'] } }), ['verify.urls']],
  ];
  it.each(cases)('%s', async (_name, content, words) => {
    const h = track(await deployedCopy());
    const dir = h.server.root;
    await h.dispose();
    const before = treeHash(dir);
    const f = deployFile(content);
    for (const cmd of [['plan'], ['apply', '--yes'], ['uninstall', '--yes'], ['export', '--format', 'powershell']]) {
      const r = await cli([...cmd, '--config', f, ...(cmd[0] === 'export' ? [] : ['--simulate', dir])]);
      expect(r.code, `${cmd.join(' ')}: ${r.err}`).toBe(2);
      for (const w of words) expect(r.err).toContain(w);
      expect(r.err.split('\n').length).toBeLessThan(6);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(treeHash(dir)).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a staticRoot with a trailing backslash is normalised, and the settings stay valid Python', async () => {
    const r = parseConfig({ staticRoot: 'C:\\static\\' });
    expect(r.ok && r.config.staticRoot).toBe('C:\\static');
    const h = track(freshHost());
    const res = await run(config({ staticRoot: 'C:\\static\\' }), h);
    expect(res.outcome, JSON.stringify(res.problems)).toBe('succeeded');
    expect(await h.readFile('C:\\apps\\foo\\foo\\settings.py')).toContain("STATIC_ROOT = 'C:\\\\static'");
  });
});

describe('damaged files and odd arguments: one line, exit 2, no stack trace', () => {
  it('a corrupt state.json, faults.json or journal; --simulate pointing at a file; --sim-fault null', async () => {
    const h = track(await deployedCopy());
    const dir = h.server.root;
    await h.dispose();
    const expect2 = async (args: string[], text: string) => {
      const r = await cli(args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(text);
      expect(r.err).not.toMatch(/\n\s+at /);
    };
    await expect2(['plan', '--simulate', dir, '--sim-fault', 'null'], '--sim-fault');
    await expect2(['plan', '--simulate', dir, '--sim-fault', '{"exitCode":1}'], 'match');
    await expect2(['plan', '--simulate', dir, '--sim-fault', '{"match":"x","bogus":1}'], 'bogus');
    const file = path.join(dir, 'C', 'apps', 'foo', 'manage.py');
    await expect2(['plan', '--simulate', file], 'is a file');
    const journal = h.server.toReal(journalPath('foo'));
    const good = readFileSync(journal, 'utf8');
    writeFileSync(journal, '{"version": 2, "entr');
    const before = treeHash(dir);
    await expect2(['apply', '--yes', '--simulate', dir], 'journal');
    await expect2(['uninstall', '--yes', '--simulate', dir], 'journal');
    expect(treeHash(dir)).toBe(before);
    writeFileSync(journal, good);
    writeFileSync(path.join(dir, 'faults.json'), '[{"match": ');
    await expect2(['plan', '--simulate', dir], 'faults');
    writeFileSync(path.join(dir, 'faults.json'), '{"match": "x"}');
    await expect2(['plan', '--simulate', dir], 'JSON array');
    rmSync(path.join(dir, 'faults.json'));
    const state = path.join(dir, '.sim', 'state.json');
    writeFileSync(state, readFileSync(state, 'utf8').slice(0, 100));
    await expect2(['plan', '--simulate', dir], 'damaged');
    writeFileSync(state, '{}');
    await expect2(['plan', '--simulate', dir], 'not the state of a simulated server');
    rmSync(dir, { recursive: true, force: true });
  });

  it('export --out into a folder that does not exist yet creates it', async () => {
    const d = tmp('out-');
    dirs.push(d);
    const out = path.join(d, 'a', 'b', 'deploy.ps1');
    const r = await cli(['export', '--format', 'powershell', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('#Requires');
  });

  it('a failed netstat is not read as "port free"', async () => {
    const h = track(freshHost());
    h.server.addFault({ match: 'netstat.exe', exitCode: 1, stderr: 'The RPC server is unavailable.' });
    const r = await run(config(), h);
    expect(r.states.preflight).toBe('failed');
    expect(r.problems.preflight?.what).toContain('netstat');
    expect(r.mutatingCommands).toBe(0);
  });
});

describe('ownership: a site, pool, FastCGI application or folder that is not ours', () => {
  const legacy = { name: 'foo', port: 8081, physicalPath: 'C:\\sites\\legacy' };

  it('a foreign site with the same name is reported with what differs, untouched by apply and by uninstall', async () => {
    const h = track(freshHost({ existingSite: legacy }));
    writeFileSync(h.server.toReal('C:\\sites\\legacy\\index.htm'), '<h1>legacy</h1>');
    const before = treeHash(h.server.root);
    const cfgBefore = h.server.appHostText();
    const p = await plan(config(), h);
    expect(p.conflicts.map((c) => c.kind)).toEqual(['site']);
    expect(p.conflicts[0]?.differs.join(' ')).toContain('*:8081:');
    expect(p.conflicts[0]?.differs.join(' ')).toContain('C:\\sites\\legacy');
    expect(p.conflicts[0]?.fix).toContain('"adopt": ["site"]');
    await expect(run(config(), h)).rejects.toBeInstanceOf(ConflictError);
    const r = await cli(['apply', '--yes', '--simulate', h.server.root]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('The IIS site "foo" already exists');
    expect(h.commandLog().filter((c) => c.mutating)).toEqual([]);
    expect(treeHash(h.server.root)).toBe(before);
    const u = await uninstall(h, 'foo');
    expect(u.removed).toEqual([]);
    expect(h.server.appHostText()).toBe(cfgBefore);
  });

  it('with adopt: ["site"] it is taken over, and uninstall restores it rather than deleting it', async () => {
    const h = track(freshHost({ existingSite: legacy }));
    const c = config({ adopt: ['site'] });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(r.verification?.ok).toBe(true);
    const j = await readJournal(h, 'foo');
    expect(j.entries.find((e) => e.object === 'site:foo')?.adopted).toBe(true);
    // a second run adopts nothing new and changes nothing
    const again = await run(c, h);
    expect(again.mutatingCommands).toBe(0);
    const u = await uninstall(h, 'foo');
    expect(u.problems).toEqual([]);
    expect(u.restored.length).toBeGreaterThan(0);
    const site = await h.exec(APPCMD, ['list', 'site', 'foo', '/config', '/xml']);
    expect(site.exitCode).toBe(0);
    expect(site.stdout).toContain('bindingInformation="*:8081:"');
    expect(site.stdout).not.toContain('*:81:');
    expect(site.stdout).toContain('physicalPath="C:\\sites\\legacy"');
    expect(site.stdout).toContain('applicationPool="DefaultAppPool"');
    expect(h.server.appHostText()).not.toContain('<add name="foo"');
    expect(await h.exists('C:\\sites\\legacy')).toBe(true);
    expect(await h.exists('C:\\apps\\foo\\manage.py')).toBe(false);
  });

  it('a foreign pool, FastCGI application and non-empty folders are conflicts too', async () => {
    const h = track(freshHost({ iis: 'with-cgi' }));
    await h.exec(APPCMD, ['add', 'apppool', '/name:foo']);
    await h.exec('C:\\Windows\\System32\\inetsrv\\appcmd.exe', ['set', 'config', '-section:system.webServer/fastCgi', "/+[fullPath='C:\\virtualenvs\\foo\\Scripts\\python.exe',arguments='C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py']", '/commit:apphost']);
    mkdirSync(h.server.toReal('C:\\apps\\foo'), { recursive: true });
    writeFileSync(h.server.toReal('C:\\apps\\foo\\precious.txt'), 'keep me');
    const p = await plan(config(), h);
    expect(p.conflicts.map((c) => c.kind).sort()).toEqual(['appDir', 'appPool', 'fastCgi']);
    const before = treeHash(h.server.root);
    await expect(run(config(), h)).rejects.toBeInstanceOf(ConflictError);
    expect(treeHash(h.server.root)).toBe(before);
  });

  it('two deployments on one server have their own journals and uninstall independently', async () => {
    const h = track(freshHost());
    const cfg0 = () => h.server.appHostText();
    const foo = config();
    const shop = config({ siteName: 'shop', port: 8080, appDir: 'C:\\apps\\shop', venvDir: 'C:\\virtualenvs\\shop' });
    expect((await run(foo, h)).outcome).toBe('succeeded');
    const afterFoo = cfg0();
    expect((await run(shop, h)).outcome).toBe('succeeded');
    expect((await readJournal(h, 'foo')).entries.some((e) => e.object === 'site:foo')).toBe(true);
    expect((await readJournal(h, 'shop')).entries.some((e) => e.object === 'site:shop')).toBe(true);
    // the second deployment did not touch the first one's journal entries
    expect((await readJournal(h, 'foo')).entries.some((e) => e.object.includes('shop'))).toBe(false);
    const u = await uninstall(h, 'foo');
    expect(u.problems).toEqual([]);
    expect(await h.exists('C:\\apps\\foo\\manage.py')).toBe(false);
    expect(await h.exists('C:\\apps\\shop\\manage.py')).toBe(true);
    expect((await verify(shop, h)).ok).toBe(true);
    expect((await uninstall(h, 'shop')).problems).toEqual([]);
    expect(h.server.appHostText()).not.toContain('shop');
    expect(afterFoo).toContain('name="foo"');
  });

  it('uninstall refuses to delete a protected folder even when a journal says so', async () => {
    const h = track(await deployedCopy());
    const j = await readJournal(h, 'foo');
    j.entries.push({ object: 'folder:c:\\windows', stepId: 'venv', at: new Date().toISOString(), undo: [{ kind: 'remove', description: 'Remove C:\\Windows', path: 'C:\\Windows' }] });
    await h.writeFile(journalPath('foo'), JSON.stringify(j));
    // The journal fails the engine's check as a whole: reported, and none of it is run.
    await expect(uninstall(h, 'foo')).rejects.toThrow(/entry folder:c:\\windows: Remove C:\\Windows: C:\\Windows is the Windows folder/);
    expect(await h.exists('C:\\Windows\\System32\\dism.exe')).toBe(true);
    expect(await h.exists('C:\\apps\\foo')).toBe(true);
  });

  it('a run that fails half-way in a step has already journaled what it created, so uninstall removes it', async () => {
    const h = track(freshHost({ iis: 'with-cgi' }));
    const cfg0 = h.server.appHostText();
    h.server.addFault({ match: 'set app foo/', exitCode: 13, stdout: 'ERROR ( message:Failed. )' });
    const r = await run(config(), h);
    expect(r.states.site).toBe('failed');
    expect(h.server.appHostText()).toContain('<site name="foo"');
    const u = await uninstall(h, 'foo');
    expect(u.problems).toEqual([]);
    expect(h.server.appHostText()).toBe(cfg0);
  });
});

describe('redaction', () => {
  it.each([
    ["    'PASSWORD': 'hunter2',", 'hunter2'],
    ['"PASSWORD": "hunter2"', 'hunter2'],
    ["SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'dev-only-key-123')", 'dev-only-key-123'],
    ['DB = os.getenv("DB_PASSWORD", "s3cret!")', 's3cret!'],
    ["SECRET_KEY = 'django-insecure-abcdef'", 'abcdef'],
    ['password=abc123 next', 'abc123'],
    ["api_token: 'xyz987'", 'xyz987'],
  ])('%s', (line, secret) => {
    expect(redact(line)).not.toContain(secret);
  });
  it('leaves ordinary text alone', () => {
    for (const t of ["KeyError: 'DJANGO_SECRET_KEY'", "ALLOWED_HOSTS = ['a']", 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]']) expect(redact(t)).toBe(t);
  });
  it('a settings line that raises with a password never reaches the events', async () => {
    const h = track(await deployedCopy());
    const f = h.server.toReal('C:\\apps\\foo\\foo\\settings.py');
    writeFileSync(f, `${readFileSync(f, 'utf8')}\nDATABASES = {'default': {'ENGINE': 'x', 'PASSWORD': 'hunter2-secret'}}\nraise RuntimeError({'PASSWORD': 'hunter2-secret'})\n`);
    const events: string[] = [];
    await run(config(), h, { onEvent: (e) => events.push(JSON.stringify(e)) });
    const v = await verify(config(), h);
    expect(events.join('\n') + JSON.stringify(v)).not.toContain('hunter2-secret');
    expect(events.join('\n')).toContain('[redacted]');
  });
});
