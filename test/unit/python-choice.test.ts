/**
 * Python follows the project (issue: any real project): with nothing pinned, the newest Python with
 * a Windows installer that the project's Django supports (Django's own table, python-support.ts);
 * a pinned Python that Django does not run is refused before anything changes; an end-of-life
 * Python is a warning with its date; an old patch release names the last one with an installer.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/main/engine/resolve';
import { pythonGap } from '../../src/main/engine/python-support';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { parseConfig } from '../../src/shared/config';
import { config, tmp } from './helpers';

const dirs: string[] = [];
const hosts: SimulatedHost[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): SimulatedHost {
  const d = tmp('python-choice-');
  dirs.push(d);
  const h = new SimulatedHost(d);
  hosts.push(h);
  const root = h.server.toReal('C:\\drop\\app');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'manage.py'), "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n");
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(root, f), text);
  return h;
}
const cfg = (extra: Record<string, unknown> = {}) => config({ djangoProject: { folder: 'C:\\drop\\app' }, requirementsFile: 'C:\\drop\\app\\requirements.txt', ...extra });

describe('the Python a project gets', () => {
  it('Django 3.2 pinned, nothing else: Python 3.10 (the newest Django 3.2 supports), and the plan says why', async () => {
    const r = await resolveConfig(cfg(), project({ 'requirements.txt': 'Django==3.2.25\nwheel==0.35.1\n' }));
    expect(r.config.pythonVersion).toBe('3.10.11');
    expect(r.notes[0]).toBe('Python 3.10.11 from Django 3.2 (Django==3.2.25 in the requirements) supports Python 3.6 to 3.10: the newest of those with a Windows installer (no runtime.txt, .python-version or requires-python)');
    expect(r.notes.join('\n')).toContain('WARNING: Python 3.10 reached its end of life on 2026-10-31');
  });

  it('runtime.txt python-3.7.0: kept, with its end of life and the last 3.7 with an installer', async () => {
    const r = await resolveConfig(cfg(), project({ 'requirements.txt': 'Django>=3.2,<4\n', 'runtime.txt': 'python-3.7.0\n' }));
    expect(r.config.pythonVersion).toBe('3.7.0');
    const notes = r.notes.join('\n');
    expect(notes).toContain('Python 3.7.0 is an old release of 3.7: 3.7.9 is the last 3.7 with a Windows installer');
    expect(notes).toContain('WARNING: Python 3.7 reached its end of life on 2023-06-27');
  });

  it('a pinned Python the project\'s Django does not run is refused before anything changes, saying what to set', async () => {
    await expect(resolveConfig(cfg(), project({ 'requirements.txt': 'Django>=3.2,<4\n', 'runtime.txt': 'python-3.12.1\n' }))).rejects.toThrow(/Python 3\.12\.1 \(from runtime\.txt \(python-3\.12\.1\)\) does not run the project's Django: Django 3\.2 .* supports Python 3\.6 to 3\.10[\s\S]*runtime\.txt "python-3\.10\.11"/);
    await expect(resolveConfig(cfg({ pythonVersion: '3.13.2' }), project({ 'requirements.txt': 'Django==3.2.25\n' }))).rejects.toThrow(/from the configuration \(pythonVersion\)/);
  });

  it('the configuration and runtime.txt accept the same versions: "pythonVersion": "3.6.3" is valid, and Django 3.2 runs on it', async () => {
    expect(parseConfig({ pythonVersion: '3.6.3' }).ok).toBe(true);
    const bad = parseConfig({ pythonVersion: '3.5.1' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.message).toContain('from 3.6 on');
    const r = await resolveConfig(cfg({ pythonVersion: '3.6.3' }), project({ 'requirements.txt': 'Django==3.2.25\n' }));
    expect(r.config.pythonVersion).toBe('3.6.3');
    expect(r.notes.join('\n')).toContain('3.6.8 is the last 3.6 with a Windows installer');
  });

  it('a newer Django keeps the default Python, and says which Django allows it', async () => {
    const r = await resolveConfig(cfg(), project({ 'requirements.txt': 'Django>=4.2\n' }));
    expect(r.config.pythonVersion).toBeUndefined();
    expect(r.notes[0]).toMatch(/^Python 3\.14\.6 from the default \(3\.14\.6\); Django 6\.0 \(Django>=4\.2 in the requirements\) supports Python 3\.12 to 3\.14$/);
  });

  it('what a rehearsal on another Python cannot prove: the modules removed in between, on the side they are missing', () => {
    expect(pythonGap('3.11.4', '3.11.2')).toBeUndefined();
    const newer = pythonGap('3.13.2', '3.11.2') ?? '';
    expect(newer).toMatch(/asynchat, asyncore, distutils, imp, smtpd in 3\.12; aifc, .*cgi, .* in 3\.13\)/);
    expect(newer).not.toContain('binhex');
    expect(newer).toContain("missing on the server's Python 3.13 but present here, so a project importing one passes the rehearsal and fails on the server");
    expect(pythonGap('3.8.10', '3.11.2')).toContain('(formatter, parser, symbol in 3.10; binhex in 3.11) are present on the server\'s Python 3.8 but missing here');
  });
});
