/**
 * Fuzz: thousands of random configurations built from hostile characters and paths (seeded, so a
 * failure reproduces). None crashes; invalid ones are refused before the server is touched (no
 * command runs, the tree is unchanged); valid ones plan without writing anything, export a
 * script whose every config value stays inside string literals, and a few deploy without
 * writing outside the simulated server's folder.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig, type DeploymentConfig } from '../../src/shared/config';
import { main } from '../../src/main/cli/cli';
import { plan, run } from '../../src/main/engine/engine';
import { renderPowerShell } from '../../src/main/engine/export-powershell';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { KNOWN_COMMANDS, parsePowerShell } from './powershell-grammar';
import { tmp, treeHash } from './helpers';

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ["'", '\u2018', '\u2019', '\u201A', '\u201B', '"', '\u201C', '\n', '\r', '\t', '\u0000', '\u2028', '$(Stop-Computer)', '`', ';', '#', ']', '[', ',', '&', '|', '<', '>', '*', '?', ':', '%', '..', '.', '\\', '\\\\', '/', ' ', 'CON', 'nul.txt', 'é', '你', '\uD800', '-', '@', '=', '+', '{', '}', '(', ')', '~1', '\u00A0'];
const PATHS = ['C:\\', 'C:\\Windows', 'C:\\Windows\\System32', 'C:\\Program Files', 'C:\\Program Files\\App', 'C:\\ProgramData', 'C:\\ProgramData\\DjangoIISSetup', 'C:\\Users', 'C:\\Users\\Administrator', 'C:\\Users\\a\\AppData\\Local', 'C:\\inetpub', 'C:\\inetpub\\wwwroot', 'C:\\Python314', 'C:\\apps\\foo', 'C:\\apps', 'D:\\', 'D:\\sites\\x', 'C:\\..\\..\\X', '\\\\srv\\share', '\\\\?\\C:\\x', 'apps\\foo', 'C:/apps/foo', 'C:\\apps\\foo\\', 'C:\\virtualenvs\\foo'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function hostileString(r: () => number, base: string): string {
  let s = base;
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    s = s.slice(0, at) + pick(r, HOSTILE) + s.slice(at);
  }
  return s;
}

function randomConfig(r: () => number): unknown {
  const roll = r();
  if (roll < 0.02) return pick(r, [null, 42, 'foo', [], true]);
  const c: Record<string, unknown> = {};
  const maybe = (p: number, k: string, v: () => unknown) => {
    if (r() < p) c[k] = v();
  };
  const pathVal = () => (r() < 0.5 ? pick(r, PATHS) : hostileString(r, pick(r, PATHS)));
  maybe(0.6, 'siteName', () => hostileString(r, pick(r, ['foo', 'shop', 'My Site', 'a.b-c_d'])));
  maybe(0.2, 'appPool', () => hostileString(r, 'pool'));
  maybe(0.5, 'appDir', pathVal);
  maybe(0.4, 'venvDir', pathVal);
  maybe(0.3, 'staticRoot', pathVal);
  maybe(0.2, 'pythonDir', pathVal);
  maybe(0.2, 'port', () => pick(r, [81, 80, 0, 65536, -1, 8080, '81', 1.5]));
  maybe(0.2, 'hostName', () => hostileString(r, 'app.example.com'));
  maybe(0.2, 'staticUrl', () => hostileString(r, '/static/'));
  maybe(0.2, 'settingsModule', () => hostileString(r, 'foo.settings'));
  maybe(0.3, 'environment', () => ({ [hostileString(r, 'DJANGO_DEBUG')]: hostileString(r, 'value') }));
  maybe(0.1, 'djangoProject', () => pick(r, [{ folder: pathVal() }, { zip: `${pathVal()}.zip` }, { sample: hostileString(r, 'foo') }]));
  maybe(0.1, 'adopt', () => [pick(r, ['site', 'appPool', 'fastCgi', 'appDir', 'venvDir', 'staticRoot', 'server', ''])]);
  maybe(0.1, 'fastCgi', () => ({ wsgiLog: `${pathVal()}\\w.log` }));
  return c;
}

const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('fuzz: hostile configurations', () => {
  it('3000 random configurations: no crash; invalid ones change nothing; valid ones plan read-only and export safely', async () => {
    const r = rng(20261124);
    const wrapper = tmp('fuzz-');
    cleanup.push(wrapper);
    const dir = path.join(wrapper, 'server');
    const host = new SimulatedHost(dir, { iis: 'with-cgi' });
    const base = await plan(defaultConfig(), host);
    await host.dispose();
    const cfgDir = path.join(wrapper, 'configs');
    mkdirSync(cfgDir);
    const before = treeHash(dir);
    const commandsBefore = new SimulatedHost(dir).commandLog().length;
    let valid = 0;
    let invalid = 0;
    let planned = 0;
    let cliRefused = 0;
    const validConfigs: DeploymentConfig[] = [];
    for (let i = 0; i < 3000; i++) {
      const input = randomConfig(r);
      let parsed: ReturnType<typeof parseConfig>;
      try {
        parsed = parseConfig(input);
      } catch (e) {
        throw new Error(`parseConfig threw for ${JSON.stringify(input)}: ${String(e)}`);
      }
      if (!parsed.ok) {
        invalid++;
        for (const p of parsed.problems) expect(p.message.length, JSON.stringify(input)).toBeGreaterThan(10);
        if (i % 15 === 0) {
          // through the CLI: exit 2 before the server is opened
          const f = path.join(cfgDir, `c${i}.json`);
          writeFileSync(f, JSON.stringify(input));
          const err: string[] = [];
          const code = await main(['apply', '--yes', '--config', f, '--simulate', dir], { out: () => undefined, err: (s) => err.push(s) });
          expect(code, JSON.stringify(input)).toBe(2);
          expect(err.join('\n')).not.toMatch(/\n\s+at /);
          cliRefused++;
        }
        continue;
      }
      valid++;
      validConfigs.push(parsed.config);
      // the export of a valid config: parses, and only known commands run
      const script = renderPowerShell(parsed.config, base);
      const ps = await parsePowerShell(script);
      expect(ps.errors, JSON.stringify(input)).toEqual([]);
      for (const c of ps.calls) if (!c.invocation) expect(KNOWN_COMMANDS.has(c.name), `${c.name} in ${JSON.stringify(input)}`).toBe(true);
      if (planned < 120) {
        const h = new SimulatedHost(dir);
        try {
          await plan(parsed.config, h);
        } finally {
          await h.dispose();
        }
        planned++;
      }
    }
    // nothing changed on the server and nothing mutating ran
    expect(treeHash(dir)).toBe(before);
    const log = new SimulatedHost(dir).commandLog();
    expect(log.slice(commandsBefore).filter((c) => c.mutating)).toEqual([]);
    expect(readdirSync(wrapper).sort()).toEqual(['configs', 'server']);
    console.log(`fuzz: ${valid} valid, ${invalid} invalid, ${planned} planned read-only, ${cliRefused} refused through the CLI`);
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(1000);

    // a few valid ones deploy for real on fresh servers, writing nowhere but their folder
    const deployable = validConfigs.filter((c) => 'sample' in c.djangoProject && c.port !== 80 && /^C:/i.test(c.appDir) && /^C:/i.test(c.venvDir)).slice(0, 3);
    for (const c of deployable) {
      const w = tmp('fuzz-deploy-');
      cleanup.push(w);
      const h = new SimulatedHost(path.join(w, 'server'));
      try {
        const res = await run(c, h);
        expect(['succeeded', 'failed']).toContain(res.outcome);
      } finally {
        await h.dispose();
      }
      expect(readdirSync(w)).toEqual(['server']);
      expect(existsSync(path.join(w, 'server', 'C'))).toBe(true);
    }
  });
});
