/**
 * Safety of the run itself (issue #22): the lock taken once even when stale, children of a killed
 * run, the export's secrets, redaction, URLs, web.config in subfolders, installer signatures,
 * HTTPS-only downloads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config';
import { redact, redactDeep, registerSecret } from '../../src/shared/problem';
import { plan, rollback, run } from '../../src/main/engine/engine';
import { exportPowerShell } from '../../src/main/export/powershell';
import { acquireLock, LOCK_PATH, LockError } from '../../src/main/engine/lock';
import { downloadToFile } from '../../src/main/hosts/http-client';
import { simPythonEnv } from '../../src/main/hosts/simulated/sim-pyhooks';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { config, freshHost, tmp } from './helpers';
import { parsePowerShell } from './powershell-grammar';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
const track = (h: SimulatedHost) => (hosts.push(h), h);
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A process id that is surely not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync('/bin/true');
  return r.pid ?? 999_999;
}

const staleLock = (extra: Record<string, unknown> = {}) => JSON.stringify({ pid: deadPid(), hostname: os.hostname(), command: 'apply of "foo"', startedAt: new Date().toISOString(), ...extra });

describe('the run lock', () => {
  it('two processes that find the same stale lock: exactly one takes it (20 rounds)', async () => {
    const h = track(freshHost());
    for (let round = 0; round < 20; round++) {
      await h.writeFile(LOCK_PATH, staleLock());
      const results = await Promise.allSettled([acquireLock(h, 'a'), acquireLock(h, 'b')]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won.length, `round ${round}`).toBe(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(LockError);
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    }
  });

  it('a killed run whose child still runs: rollback refuses (exit 2) naming the process, and goes ahead once it is gone', async () => {
    const h = track(freshHost());
    const r = await run(config(), h);
    expect(r.outcome).toBe('succeeded');
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await h.writeFile(LOCK_PATH, staleLock({ children: [{ pid: child.pid, command: 'python.exe C:\\apps\\foo\\manage.py migrate' }] }));
    try {
      await expect(rollback(h, 'foo')).rejects.toThrow(new RegExp(`is gone, but a process it started is still running.*process ${child.pid} \\(python\\.exe C:\\\\apps\\\\foo\\\\manage\\.py migrate\\)`));
    } finally {
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
    }
    const rb = await rollback(h, 'foo');
    expect(rb.runId).toBe(r.runId);
  });

  it('a run records the processes it starts in the lock while it holds it', async () => {
    const h = track(freshHost());
    const seen: number[] = [];
    const timer = setInterval(() => {
      void h.readFile(LOCK_PATH).then(
        (t) => seen.push(...((JSON.parse(t) as { children?: { pid: number }[] }).children ?? []).map((c) => c.pid)),
        () => undefined,
      );
    }, 20);
    try {
      expect((await run(config(), h)).outcome).toBe('succeeded');
    } finally {
      clearInterval(timer);
    }
    expect(seen.length).toBeGreaterThan(0);
  });

  it('the simulator ends a Python process when the process that started it dies (the model of a job object)', async () => {
    const h = track(freshHost());
    const env = { ...process.env, ...simPythonEnv(h.server) };
    // sh starts Python and exits at once: Python's parent is gone.
    const out = spawnSync('/bin/sh', ['-c', 'DJANGO_IIS_SIM_PARENT_PID=$$ /usr/bin/python3 -c "import time; time.sleep(30)" >/dev/null 2>&1 & echo $!'], { env, encoding: 'utf8' });
    const pid = Number(out.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const t0 = Date.now();
    let alive = true;
    while (alive && Date.now() - t0 < 10_000) {
      await new Promise((res) => setTimeout(res, 100));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});

describe('the PowerShell export keeps secrets apart', () => {
  it('a DATABASE_URL password is a parameter of the script, never the Django key, never written', async () => {
    const c = config({ environment: { DATABASE_URL: 'postgres://shop:s3cret-db-pw@db.example.com/shop', API_TOKEN: 'tok' }, secretKey: { env: 'DJANGO_SECRET_KEY' } });
    const script = await exportPowerShell(c);
    expect(script).not.toContain('s3cret-db-pw');
    expect(script).not.toMatch(/'tok'/);
    expect(script).toMatch(/param\(\r\n {4}# the password in the environment variable DATABASE_URL\r\n {4}\[string\]\$Secret\d = \$env:DJANGO_IIS_SECRET\d/);
    expect(script).toMatch(/# the environment variable API_TOKEN/);
    const dbLine = script.split('\r\n').find((l) => l.includes('db.example.com/shop')) ?? '';
    expect(dbLine).toMatch(/\$Secret\d/);
    expect(dbLine).not.toContain('$DjangoSecretKey');
    // the generated key is still made by the script itself, and used for DJANGO_SECRET_KEY only
    expect(script).toContain('$DjangoSecretKey = [Convert]::ToBase64String($bytes)');
    expect(script.split('\r\n').filter((l) => l.includes('$DjangoSecretKey') && !l.includes('ToBase64String')).every((l) => l.includes('DJANGO_SECRET_KEY'))).toBe(true);
    expect(script).toMatch(/Read-Host -Prompt 'the password in the environment variable DATABASE_URL \(not written into this script\)'/);
    const parsed = await parsePowerShell(script);
    expect(parsed.errors).toEqual([]);
  });
});

describe('redaction', () => {
  it('a short secret is removed where it stands alone; a value under a secret-named key whatever its length; any URL password', () => {
    registerSecret('ab1', 'the environment variable X_PASSWORD');
    expect(redact('password ab1 in a table')).toBe('password «secret» in a table');
    expect(redact('tab1e')).toBe('tab1e');
    expect(redactDeep({ DB_PASSWORD: 'x', name: 'x' })).toEqual({ DB_PASSWORD: '[redacted]', name: 'x' });
    expect(redact('connecting to postgres://shop:hunter2@db/shop failed')).toBe('connecting to postgres://shop:[redacted]@db/shop failed');
    expect(redact('redis://:pw@cache:6379/0')).not.toContain(':pw@');
  });
});

describe('URLs and web.config files', () => {
  it('staticUrl "//" and "/static//x/" are refused: never the root of the site', () => {
    for (const v of ['//', '/', '///', '/static//x/']) {
      const r = parseConfig({ staticUrl: v });
      expect(r.ok, v).toBe(false);
      if (!r.ok) expect(r.problems[0]?.key).toBe('staticUrl');
    }
    expect(parseConfig({ staticUrl: '/assets/static/' }).ok).toBe(true);
  });

  it('a web.config with <handlers> in a subfolder of the project is found and taken out', async () => {
    const h = track(freshHost());
    const drop = h.server.toReal('C:\\drop\\app');
    mkdirSync(path.join(drop, 'app', 'api'), { recursive: true });
    writeFileSync(path.join(drop, 'manage.py'), "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n");
    writeFileSync(path.join(drop, 'app', '__init__.py'), '');
    writeFileSync(path.join(drop, 'app', 'settings.py'), "SECRET_KEY = 'x' * 50\nDEBUG = False\nALLOWED_HOSTS = ['localhost']\nINSTALLED_APPS = ['django.contrib.staticfiles']\nROOT_URLCONF = 'app.urls'\nSTATIC_URL = '/static/'\n");
    writeFileSync(path.join(drop, 'app', 'urls.py'), 'urlpatterns = []\n');
    writeFileSync(path.join(drop, 'app', 'api', 'web.config'), '<?xml version="1.0"?>\n<configuration><system.webServer><handlers><add name="x" path="*" verb="*" modules="FastCgiModule" scriptProcessor="C:\\py\\python.exe|C:\\py\\wfastcgi.py" resourceType="Unspecified"/></handlers></system.webServer></configuration>\n');
    const p = await plan(config({ djangoProject: { folder: 'C:\\drop\\app' }, settingsModule: 'app.settings' }), h);
    const step = p.steps.find((s) => s.id === 'web-config');
    expect(step?.status).toBe('needed');
    expect(step?.reason).toMatch(/C:\\apps\\foo\\releases\\1\\app\\api\\web\.config/);
    expect(step?.actions.some((a) => a.kind === 'editFile' && a.path === 'C:\\apps\\foo\\releases\\1\\app\\api\\web.config')).toBe(true);
  });

  it('with HttpPlatformHandler, the project\'s own <httpPlatform> section is named as what blocks', async () => {
    const h = track(freshHost());
    const drop = h.server.toReal('C:\\drop\\app');
    mkdirSync(path.join(drop, 'app'), { recursive: true });
    writeFileSync(path.join(drop, 'manage.py'), "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n");
    writeFileSync(path.join(drop, 'app', 'settings.py'), "SECRET_KEY = 'x' * 50\n");
    writeFileSync(path.join(drop, 'web.config'), '<?xml version="1.0"?>\n<configuration><system.webServer><httpPlatform processPath="C:\\home\\python.exe" arguments="run.py"/></system.webServer></configuration>\n');
    const p = await plan(config({ server: 'httpplatform', djangoProject: { folder: 'C:\\drop\\app' }, settingsModule: 'app.settings' }), h);
    const step = p.steps.find((s) => s.id === 'web-config');
    expect(step?.status).toBe('blocked');
    expect(step?.problem?.what).toMatch(/C:\\drop\\app\\web\.config .* has its own <httpPlatform> section/);
  });
});

describe('installers run only when their signature is valid and the signer is the expected one', () => {
  const installer = 'C:\\drop\\python-3.13.14-amd64.exe';
  const cases: [string, string, boolean][] = [
    ['unsigned', 'an installer from somewhere\r\n', false],
    ['signed by someone else', 'SIMULATED-AUTHENTICODE Valid; CN=Evil Corp, O=Evil Corp\r\n', false],
    ['the expected CN with another organisation (issue #32)', 'SIMULATED-AUTHENTICODE Valid; O=Evil, CN=Python Software Foundation\r\n', false],
    ['tampered (hash mismatch)', 'SIMULATED-AUTHENTICODE HashMismatch; CN=Python Software Foundation, O=Python Software Foundation\r\n', false],
    ['valid, the Python Software Foundation', 'SIMULATED-AUTHENTICODE Valid; CN=Python Software Foundation, O=Python Software Foundation, L=Beaverton, S=Oregon, C=US\r\n', true],
  ];
  it.each(cases)('%s', async (_name, content, ok) => {
    const h = track(freshHost());
    await h.writeFile(installer, content);
    const r = await run(config({ pythonInstaller: installer }), h);
    const ran = h.commandLog().some((c) => c.argv[0] === installer);
    expect(ran).toBe(ok);
    if (!ok) {
      expect(r.states.python).toBe('failed');
      expect(JSON.stringify(r.problems.python)).toMatch(/Authenticode/);
    } else expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  });
});

describe('downloads are HTTPS only, redirects included', () => {
  it('an http address is refused; an https redirect to http is refused; https with a trusted certificate downloads', async () => {
    const d = tmp('dl-');
    dirs.push(d);
    await expect(downloadToFile('http://127.0.0.1:1/x', path.join(d, 'a'))).rejects.toThrow(/only https/);
    const key = path.join(d, 'key.pem');
    const cert = path.join(d, 'cert.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const srv = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      if (req.url === '/to-http') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/x' });
        res.end();
      } else {
        res.writeHead(200);
        res.end('payload');
      }
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    try {
      const ca = readFileSync(cert, 'utf8');
      await expect(downloadToFile(`https://127.0.0.1:${port}/to-http`, path.join(d, 'b'), undefined, 5, { ca })).rejects.toThrow(/only https/);
      await downloadToFile(`https://127.0.0.1:${port}/file`, path.join(d, 'c'), undefined, 5, { ca });
      expect(readFileSync(path.join(d, 'c'), 'utf8')).toBe('payload');
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
