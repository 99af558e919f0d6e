import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedServer } from './server';
import { simPythonEnv } from './sim-pyhooks';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('the rehearsal hook (sitecustomize)', () => {
  it('is written once and left alone while Pythons start beside each other; a damaged one is written again whole', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pyhooks-'));
    roots.push(root);
    const s = { root } as SimulatedServer;
    const env = simPythonEnv(s);
    const file = path.join(env.PYTHONPATH?.split(path.delimiter)[0] ?? '', 'sitecustomize.py');
    const first = statSync(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('_patch');
    // A second start must not truncate and rewrite the file another Python may be reading.
    simPythonEnv(s);
    const second = statSync(file);
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    // A file cut short (a crash while it was written) is replaced by a whole one.
    writeFileSync(file, '');
    simPythonEnv(s);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
