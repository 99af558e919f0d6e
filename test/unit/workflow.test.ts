/**
 * .github/workflows/windows.yml cannot run here (no Windows): this checks that it parses, runs on
 * the Windows Server runners the issue names, and that every command it runs exists (npm scripts,
 * the console exe's commands and options, the files it names).
 */
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS, parseArgs } from '../../src/main/cli/cli';

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Job { 'runs-on': string; needs?: string; strategy?: { matrix: { os: string[] } }; steps: Step[] }
const wf = yaml.load(readFileSync('.github/workflows/windows.yml', 'utf8')) as { on: unknown; jobs: Record<string, Job> };
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; engines: { node: string }; windowsNode: { version: string } };
const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n');

describe('.github/workflows/windows.yml', () => {
  it('deploys on windows-2022 and windows-2025 after building the console exe', () => {
    expect(wf.jobs.deploy?.strategy?.matrix.os).toEqual(['windows-2022', 'windows-2025']);
    expect(wf.jobs.deploy?.['runs-on']).toBe('${{ matrix.os }}');
    expect(wf.jobs.deploy?.needs).toBe('build-cli');
  });

  it('every npm script it runs exists', () => {
    const used = [...runs.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] as string);
    expect(used).toContain('package:cli');
    for (const s of used) expect(Object.keys(pkg.scripts), s).toContain(s);
  });

  it('every console exe command line it runs parses with the CLI, and covers apply, verify, a second apply, uninstall', () => {
    const lines = [...runs.matchAll(/django-iis-setup-cli\.exe ([^;|\n]+)/g)].map((m) => (m[1] as string).trim().split(/\s+/));
    for (const argv of lines) {
      const o = parseArgs(argv);
      expect(COMMANDS as readonly string[], argv.join(' ')).toContain(o.command);
    }
    const cmds = lines.map((a) => parseArgs(a).command);
    expect(cmds.filter((c) => c === 'apply')).toHaveLength(2);
    for (const c of ['version', 'plan', 'verify', 'uninstall']) expect(cmds).toContain(c);
  });

  it('uses the pinned Node version and the files it names exist', () => {
    const nodes = Object.values(wf.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith('actions/setup-node')).map((s) => String(s.with?.['node-version'])));
    expect(nodes.length).toBeGreaterThan(0);
    for (const v of nodes) expect(v).toBe(pkg.windowsNode.version);
    expect(existsSync('test/electron/app.spec.ts')).toBe(true);
    expect(runs).toContain('npx playwright test test/electron');
  });
});
