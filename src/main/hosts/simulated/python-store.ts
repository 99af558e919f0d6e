/**
 * The rehearsal's store of real pure-Python distributions (issue #36, first part): Debian's
 * architecture-independent packages of Django 3.2, 4.2, 5.2 and 6.1 and common add-ons, unpacked
 * one folder per distribution and version by scripts/python-store.sh (run by scripts/setup.sh).
 * The simulated pip answers a requirement the machine's own Python cannot (Debian's Django 3.2 for
 * `Django==5.2.*`) with a store version that satisfies it, and the venv's real interpreter then
 * imports exactly that folder first. Real code, not a stand-in: only the download is Debian's
 * instead of PyPI's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface StoreDist {
  name: string;
  version: string;
  /** The folder to put on sys.path (Debian's dist-packages of the unpacked package). */
  site: string;
  /** The Debian package and version it came from ("python3-django=3:5.2.18-2"). */
  debian: string;
}

/** Where the store is: DJANGO_IIS_PY_STORE, else .cache/python-store of the working folder (the repository). */
export function storeDir(): string {
  return process.env.DJANGO_IIS_PY_STORE ?? path.join(process.cwd(), '.cache', 'python-store');
}

let cached: { dir: string; dists: StoreDist[] } | undefined;

/** The store's distributions (empty when scripts/python-store.sh has not run). */
export function storeDists(): StoreDist[] {
  const dir = storeDir();
  if (cached?.dir === dir) return cached.dists;
  const index = path.join(dir, 'index.json');
  let dists: StoreDist[] = [];
  if (existsSync(index)) {
    try {
      dists = (JSON.parse(readFileSync(index, 'utf8')) as StoreDist[]).filter((d) => typeof d.name === 'string' && typeof d.site === 'string' && existsSync(d.site));
    } catch {
      dists = [];
    }
  }
  cached = { dir, dists };
  return dists;
}
