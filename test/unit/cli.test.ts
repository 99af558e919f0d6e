import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, parseArgs } from '../../src/main/cli/cli';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { deployedBaseline, tmp } from './helpers';
import { STEP_IDS } from '../../src/shared/steps';

async function cli(args: string[], confirm?: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), ...(confirm === undefined ? {} : { confirm: async () => confirm }) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let deployed: string;
beforeAll(async () => {
  deployed = tmp('cli-');
  cpSync(await deployedBaseline(), deployed, { recursive: true });
});

describe('usage and configuration errors: one clear message, exit 2', () => {
  it.each([
    [['plan', '--config', '/nonexistent/deploy.json', '--simulate', '/tmp/x'], 'does not exist'],
    [['plan', '--bogus'], 'Unknown option --bogus'],
    [[], 'No command given'],
    [['frobnicate', '--simulate', '/tmp/x'], 'Unknown command "frobnicate"'],
    [['export'], 'export needs --format powershell'],
    [['plan', '--config'], '--config needs a value'],
    [['plan', '--config', '--json'], '--config needs a value'],
    [['plan', '--json=yes'], '--json takes no value'],
    [['plan', 'extra'], 'Unexpected argument "extra"'],
    [['plan', '--sim-port-in-use', 'eighty'], '--sim-port-in-use takes a port number'],
    [['plan', '--sim-fault', '{nope'], '--sim-fault takes JSON'],
  ])('%j', async (args, text) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(text);
  });

  it('the parser (util.parseArgs) takes --flag=value, -y, repeated flags, --help and --version', async () => {
    const o = parseArgs(['apply', '--config=deploy.json', '-y', '--sim-fault', '{"match":"a","exitCode":1}', '--sim-fault', '{"match":"b","exitCode":2}', '--sim-port-in-use', '81', '--sim-port-in-use', '8080']);
    expect(o).toMatchObject({ command: 'apply', config: 'deploy.json', yes: true, faults: [{ match: 'a' }, { match: 'b' }], scenario: { portsInUse: [{ port: 81 }, { port: 8080 }] } });
    expect(parseArgs(['plan', '--help']).command).toBe('help');
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.out).toBe(`django-iis-setup ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}`);
  });

  it('not elevated: says so first, exit 2, no command run on the server', async () => {
    const dir = tmp('notelev-');
    const r = await cli(['apply', '--yes', '--simulate', dir, '--sim-not-elevated']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Run as administrator');
    expect(r.err).toContain('Nothing was changed');
    const h = new SimulatedHost(dir);
    expect(h.commandLog()).toEqual([]);
    await h.dispose();
  });

  it('invalid JSON and invalid values', async () => {
    const dir = tmp('cfg-');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ "port": 81,, }');
    const r1 = await cli(['plan', '--config', bad, '--simulate', tmp('s-')]);
    expect(r1.code).toBe(2);
    expect(r1.err.split('\n')).toHaveLength(1);
    expect(r1.err).toContain('is not valid JSON');
    const wrong = path.join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ port: 99999, sitename: 'x' }));
    const r2 = await cli(['plan', '--config', wrong, '--simulate', tmp('s-')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('port: port must be from 1 to 65535.');
    expect(r2.err).toContain('unknown key "sitename"');
  });

  it('refuses to run against this machine when it is not Windows', async () => {
    const r = await cli(['plan']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--simulate DIR');
  });

  it('refuses a non-empty folder that is not a simulated server', async () => {
    const dir = tmp('notsim-');
    writeFileSync(path.join(dir, 'important.txt'), 'x');
    const r = await cli(['plan', '--simulate', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds no simulated server');
  });
});

describe('commands on a simulated server', () => {
  it('plan --json on a completed server shows every step done, with exec actions as argv', async () => {
    const r = await cli(['plan', '--json', '--simulate', deployed]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out) as { steps: { id: string; status: string }[] };
    expect(p.steps.map((s) => s.status)).toEqual(Array(STEP_IDS.length).fill('done'));
  });

  it('plan --json on a fresh server lists actions with file and args exactly as spawned', async () => {
    const r = await cli(['plan', '--json', '--simulate', tmp('fresh-')]);
    const p = JSON.parse(r.out) as { steps: { id: string; actions: { kind: string; file?: string; args?: string[] }[] }[] };
    const site = p.steps.find((s) => s.id === 'site');
    expect(site?.actions[0]).toMatchObject({ kind: 'exec', file: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe', args: ['add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo'] });
  });

  it('apply asks first: no terminal and no --yes is refused, "no" changes nothing', async () => {
    const dir = tmp('ask-');
    const r = await cli(['apply', '--simulate', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('add --yes');
    const no = await cli(['apply', '--simulate', dir], false);
    expect(no.code).toBe(1);
    expect(no.err).toContain('Nothing was changed.');
  });

  it('apply on a deployed server changes nothing and exits 0; verify --json passes', async () => {
    const r = await cli(['apply', '--yes', '--json', '--simulate', deployed]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ outcome: 'succeeded', mutatingCommands: 0 });
    const v = await cli(['verify', '--json', '--simulate', deployed]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true });
  });

  it('verify exits 1 and explains when the site is broken', async () => {
    const r = await cli(['verify', '--simulate', tmp('empty-')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Nothing answered on port 81');
  });

  it('export prints the script', async () => {
    const r = await cli(['export', '--format', 'powershell']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('#Requires -RunAsAdministrator');
  });
});

describe('fault injection by option', () => {
  it('--sim-fault makes the first matching command fail, and the step says so', async () => {
    const r = await cli(['apply', '--yes', '--json', '--simulate', tmp('fault-'), '--sim-fault', '{"match":"appcmd.exe add apppool","exitCode":5,"stdout":"ERROR ( message:Access is denied. )"}']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { steps: Record<string, string>; problems: Record<string, { why: string }> };
    expect(j.steps['app-pool']).toBe('failed');
    expect(j.problems['app-pool']?.why).toBe('Access is denied.');
    expect((await cli(['plan', '--sim-fault', '{"match":"x"}'])).err).toContain('--sim-fault needs --simulate DIR');
  });
});

describe('the bundle (npm run cli, and what the console exe holds)', () => {
  it('builds into one file that needs only Node built-ins, and runs a plan', async () => {
    const { buildCli } = await import('../../scripts/build-cli.mjs');
    const bundle = await buildCli();
    const text = readFileSync(bundle, 'utf8');
    const { builtinModules } = await import('node:module');
    const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => (m[1] as string).replace(/^node:/, ''));
    expect(required.filter((r) => !builtinModules.includes(r))).toEqual([]);
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [bundle, 'plan', '--json', '--simulate', tmp('bundle-')], { encoding: 'utf8' });
    expect((JSON.parse(out) as { steps: unknown[] }).steps).toHaveLength(STEP_IDS.length);
  });
});
