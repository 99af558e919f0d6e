/**
 * The exported PowerShell script, parsed: a small tokenizer for the subset the exporter writes
 * (single-quoted strings with '' escapes, here-strings, braces, parentheses) checks that it is
 * well formed, that every exec action of a fresh plan appears as a call with exactly its
 * arguments, and that each sits inside the "if (-not (<check>)) {" block of its own step.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/shared/config';
import { plan } from '../../src/main/engine/engine';
import { exportPowerShell, renderPowerShell } from '../../src/main/engine/export-powershell';
import { config, freshHost } from './helpers';

interface Block {
  step: string;
  check: string;
  body: string[];
}

/** Splits the script into statements, honouring quotes and here-strings; fails on imbalance. */
function parse(script: string): { blocks: Block[]; calls: { step: string; argv: string[] }[] } {
  const lines = script.split(/\r?\n/);
  const blocks: Block[] = [];
  const calls: { step: string; argv: string[] }[] = [];
  let depth = 0;
  let current: Block | undefined;
  let inHere = false;
  for (const line of lines) {
    if (inHere) {
      if (line.startsWith("'@")) inHere = false;
      continue;
    }
    if (/@'$/.test(line)) {
      inHere = true;
      continue;
    }
    const step = /^# ---- Step: (\S+)/.exec(line);
    if (step) current = { step: step[1] as string, check: '', body: [] };
    if (/^\s*#/.test(line)) continue; // a comment line
    const stripped = line.replace(/'(?:[^']|'')*'/g, "''");
    if (/'/.test(stripped.replace(/''/g, ''))) throw new Error(`unbalanced quote: ${line}`);
    const m = /^if \(-not \((.*)\)\) \{$/.exec(line);
    if (m && current && depth === 0) {
      current.check = m[1] as string;
      blocks.push(current);
    }
    for (const ch of stripped) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
      if (depth < 0) throw new Error(`unbalanced brace: ${line}`);
    }
    const call = /^ {4}& ('(?:[^']|'')*')((?: '(?:[^']|'')*')*)$/.exec(line);
    if (call && current) {
      const toks = [...line.slice(6).matchAll(/'((?:[^']|'')*)'/g)].map((x) => (x[1] as string).replace(/''/g, "'"));
      calls.push({ step: current.step, argv: toks });
      if (depth !== 1) throw new Error(`a call outside its step's guard: ${line}`);
    }
    if (current && depth > 0) current.body.push(line);
  }
  if (depth !== 0) throw new Error('unbalanced braces at the end');
  if (inHere) throw new Error('unterminated here-string');
  return { blocks, calls };
}

describe('export --format powershell', () => {
  it('has every exec action of the plan, guarded by its step\'s check', async () => {
    const c = defaultConfig();
    const h = freshHost();
    const p = await plan(c, h);
    await h.dispose();
    const script = renderPowerShell(c, p);
    expect(script.startsWith('#Requires -Version 5.1\r\n#Requires -RunAsAdministrator')).toBe(true);
    const { blocks, calls } = parse(script);
    expect(blocks.map((b) => b.step)).toEqual(p.steps.map((s) => s.id));
    for (const b of blocks) expect(b.check.length).toBeGreaterThan(10);
    const execs = p.steps.flatMap((s) => s.actions.filter((a) => a.kind === 'exec').map((a) => ({ step: s.id, argv: [a.file, ...a.args] })));
    expect(execs.length).toBeGreaterThan(15);
    for (const e of execs) expect(calls).toContainEqual(e);
    expect(calls.length).toBe(execs.length);
    // the settings edit is written as a here-string holding the managed block
    expect(script).toContain("$block = @'\r\n# BEGIN Django IIS Setup");
  });

  it('quotes a value with a quote or spaces safely', async () => {
    const script = await exportPowerShell(config({ venvDir: 'C:\\Program Files\\venvs\\foo' }));
    expect(() => parse(script)).not.toThrow();
    expect(script).toContain(`'/+[fullPath=''"C:\\Program Files\\venvs\\foo\\Scripts\\python.exe"'',arguments=''"C:\\Program Files\\venvs\\foo\\Lib\\site-packages\\wfastcgi.py"''`);
  });
});
