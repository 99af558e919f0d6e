/**
 * Which real interpreter plays a simulated server's Python (issue #36). The rehearsal runs the
 * server's minor version when this machine has it, else the nearest one it has:
 *   - Debian's /usr/bin/python3 (the machine's: its dist-packages hold Debian's Django 3.2 and the
 *     packages scripts/setup.sh installs), preferred for its own minor;
 *   - pyenv's CPython builds ($PYENV_ROOT or ~/.pyenv, versions/X.Y.Z/bin/python3), and any
 *     interpreter listed in DJANGO_IIS_SIM_PYTHONS (path-separated);
 *   - DJANGO_IIS_SIM_PYTHON, when set, is the only one (every server Python is played by it).
 * What lies between the server's version and the one chosen is said (python-support.ts pythonGap).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Interpreter {
  /** The real interpreter's path. */
  path: string;
  /** Its version (X.Y.Z). */
  version: string;
  /** Debian's own Python (its venvs see the machine's dist-packages with --system-site-packages). */
  machine: boolean;
}

export const MACHINE_PYTHON = '/usr/bin/python3';

function versionOf(py: string): string | undefined {
  try {
    return execFileSync(py, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

let cached: { key: string; list: Interpreter[] } | undefined;

/** The interpreters this machine offers the rehearsal (read once per environment). */
export function interpreters(): Interpreter[] {
  const only = process.env.DJANGO_IIS_SIM_PYTHON;
  const extra = process.env.DJANGO_IIS_SIM_PYTHONS ?? '';
  const pyenv = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  const key = `${only ?? ''}|${extra}|${pyenv}`;
  if (cached?.key === key) return cached.list;
  const list: Interpreter[] = [];
  if (only) {
    list.push({ path: only, version: versionOf(only) ?? 'unknown', machine: true });
  } else {
    const v = existsSync(MACHINE_PYTHON) ? versionOf(MACHINE_PYTHON) : undefined;
    if (v) list.push({ path: MACHINE_PYTHON, version: v, machine: true });
    const versions = path.join(pyenv, 'versions');
    for (const d of existsSync(versions) ? readdirSync(versions) : []) {
      const exe = path.join(versions, d, 'bin', 'python3');
      // CPython releases only (3.X.Y): no virtualenvs, no PyPy, no Python 2.
      if (/^3\.\d+\.\d+$/.test(d) && existsSync(exe)) list.push({ path: exe, version: d, machine: false });
    }
    for (const p of extra.split(path.delimiter).filter(Boolean)) {
      const ev = existsSync(p) ? versionOf(p) : undefined;
      if (ev) list.push({ path: p, version: ev, machine: false });
    }
  }
  cached = { key, list };
  return list;
}

const minorOf = (v: string): number => Number(v.split('.')[1] ?? NaN);

/**
 * The interpreter for a server's Python: the same minor (Debian's first, then the newest patch),
 * else the nearest minor (the newer of two as near). Undefined when the machine has none.
 */
export function interpreterFor(serverVersion: string, list: Interpreter[] = interpreters()): Interpreter | undefined {
  if (list.length === 1 || process.env.DJANGO_IIS_SIM_PYTHON) return list[0];
  const want = minorOf(serverVersion);
  const patch = (v: string): number => Number(v.split('.')[2] ?? 0);
  const ranked = [...list].filter((i) => !Number.isNaN(minorOf(i.version))).sort((a, b) => {
    const da = Math.abs(minorOf(a.version) - want);
    const db = Math.abs(minorOf(b.version) - want);
    if (da !== db) return da - db;
    if (minorOf(a.version) !== minorOf(b.version)) return minorOf(b.version) - minorOf(a.version);
    if (a.machine !== b.machine) return a.machine ? -1 : 1;
    return patch(b.version) - patch(a.version);
  });
  return ranked[0] ?? list[0];
}
