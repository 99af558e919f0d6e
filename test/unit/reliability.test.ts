/**
 * One run at a time, killed runs, hung programs: two concurrent applies (one runs, the other is
 * refused at once); SIGKILL at random points of 20 runs, then a re-run always ends deployed and
 * every state file parses; a hung command ends in its timeout with a message; cancel still works.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { rollback, run } from '../../src/main/engine/engine';
import { LOCK_PATH } from '../../src/main/engine/lock';
import { journalPath } from '../../src/main/engine/ownership';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { parseXml } from '../../src/main/hosts/simulated/xml';
import { config, tmp } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A server with IIS (CGI) and Python already there: a run is only the deployment's own commands. */
let pristine: string | undefined;
function pristineServer(): string {
  if (!pristine) {
    pristine = tmp('pristine-');
    dirs.push(pristine);
    new SimulatedHost(pristine, { iis: 'with-cgi', python: [{ version: '3.14.6', dir: 'C:\\Python314', allUsers: true }] });
  }
  const d = tmp('rel-');
  dirs.push(d);
  cpSync(pristine, d, { recursive: true });
  return d;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('one run at a time', () => {
  it('two applies started together on one server: one runs, the other is refused at once with exit 2', async () => {
    const dir = pristineServer();
    const [a, b] = await Promise.all([cli(['apply', '--yes', '--simulate', dir]), cli(['apply', '--yes', '--simulate', dir])]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 2]);
    const refused = a.code === 2 ? a : b;
    expect(refused.err).toContain('Another run of Django IIS Setup is changing this server');
    expect(refused.out).toBe('');
    const h = new SimulatedHost(dir);
    expect(await h.exists(LOCK_PATH)).toBe(false);
    expect((await run(config(), h)).mutatingCommands).toBe(0);
    await h.dispose();
  });
});

describe('killed runs', () => {
  it('SIGKILL at random points of 20 runs: every state file parses and a re-run always ends deployed and verified', async () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const killedAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      const dir = pristineServer();
      const child = spawn(tsx, ['src/main/cli/index.ts', 'apply', '--yes', '--simulate', dir], { detached: true, stdio: 'ignore' });
      const delay = 800 + Math.floor(rand() * 5000);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL'); // the whole group: the CLI and its Python children
        } catch {
          /* already gone */
        }
      }, delay);
      await exited;
      clearTimeout(timer);
      // the killed engine process is a grandchild (tsx runs node): wait until it is really gone (or a zombie)
      const lockFile = path.join(dir, 'C', 'ProgramData', 'DjangoIISSetup', 'run.lock');
      if (existsSync(lockFile)) {
        const pid = (JSON.parse(readFileSync(lockFile, 'utf8') || '{}') as { pid?: number }).pid;
        for (let t = 0; pid && t < 100; t++) {
          const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
          if (!stat || /\) Z /.test(stat)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      killedAt.push(delay);
      // every state file parses
      JSON.parse(readFileSync(path.join(dir, '.sim', 'state.json'), 'utf8'));
      const h = new SimulatedHost(dir);
      parseXml(h.server.appHostText());
      if (await h.exists(journalPath('foo'))) JSON.parse(await h.readFile(journalPath('foo')));
      for (const f of readdirSync(path.join(dir, '.sim'))) expect(f.endsWith('.tmp')).toBe(false);
      // a re-run ends deployed (a lock left by the killed process is stale and taken over)
      const r = await run(config(), h);
      expect(r.outcome, `killed after ${delay} ms: ${JSON.stringify(r.problems)}`).toBe('succeeded');
      expect(r.verification?.ok).toBe(true);
      await h.dispose();
    }
    console.log(`killed 20 runs at ${killedAt.join(', ')} ms; every re-run ended deployed`);
  }, 900_000);
});

describe('hung programs', () => {
  it('a hung appcmd ends in its timeout with a message that names it; the run can be rolled back', async () => {
    const h = new SimulatedHost(pristineServer());
    const cfg0 = h.server.appHostText();
    h.server.addFault({ match: 'appcmd.exe add site', hang: true });
    const t0 = Date.now();
    const r = await run(config({ timeouts: { appcmd: 5 } }), h);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.states.site).toBe('failed');
    expect(r.problems.site?.what).toContain('did not finish within 5 s and was stopped');
    expect(r.problems.site?.fix).toContain('timeouts.appcmd');
    const rb = await rollback(h, 'foo');
    expect(rb.problems).toEqual([]);
    expect(rb.iisConfig).toBe('restored-from-backup');
    expect(h.server.appHostText()).toBe(cfg0);
    expect(await h.exists('C:\\apps\\foo')).toBe(false);
    expect(await h.exists('C:\\virtualenvs\\foo')).toBe(false);
    await h.dispose();
  });

  it('cancel still works while a command hangs', async () => {
    const h = new SimulatedHost(pristineServer());
    h.server.addFault({ match: 'appcmd.exe add apppool', hang: true });
    const ac = new AbortController();
    const p = run(config(), h, { signal: ac.signal });
    setTimeout(() => ac.abort(), 1500);
    const t0 = Date.now();
    const r = await p;
    expect(r.outcome).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(existsSync(h.server.toReal(LOCK_PATH))).toBe(false);
    await h.dispose();
  });
});
