/**
 * What a release is made of, by content: every file of the project's source (a folder or a zip)
 * with its CRC-32 and size, leaving out what is not code (.git, __pycache__, *.pyc, and the
 * project's data and build output beside its code: the SQLite file, MEDIA_ROOT, STATIC_ROOT's
 * output). Two sources with the same manifest are the same release. A zip is read from its
 * central directory (each member's CRC-32 and size), without extracting it.
 */
import { createHash } from 'node:crypto';
import { winJoin } from '../../../shared/winpath';
import type { Host } from '../host';

import type { Manifest } from '../../../shared/release';

export type { Manifest } from '../../../shared/release';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const ALWAYS_IGNORED_DIRS = new Set(['.git', '.hg', '.svn', '__pycache__', '.mypy_cache', '.pytest_cache', 'node_modules']);

/** Whether a relative path (with "/") is left out: never code, or the project's data and output (`dataParts`, relative paths). */
export function ignored(rel: string, dataParts: readonly string[]): boolean {
  const parts = rel.split('/');
  if (parts.some((p) => ALWAYS_IGNORED_DIRS.has(p))) return true;
  if (/\.py[co]$/i.test(rel)) return true;
  const lower = rel.toLowerCase();
  return dataParts.some((d) => {
    const x = d.toLowerCase().replace(/\\/g, '/').replace(/\/+$/, '');
    return x !== '' && (lower === x || lower.startsWith(`${x}/`) || lower.startsWith(`${x}-`));
  });
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/** One file's manifest entry (crc32:size). */
export const entryOf = (bytes: Uint8Array): string => `${hex(crc32(bytes))}:${bytes.length}`;

/** The manifest of a project folder, read through the host. */
export async function folderManifest(host: Host, folder: string, dataParts: readonly string[] = []): Promise<Manifest> {
  const out: Manifest = {};
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    const names = (await host.readDir(dir)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (ignored(r, dataParts)) continue;
      const full = winJoin(dir, name);
      const st = await host.stat(full);
      if (!st) continue;
      if (st.dir) await walk(full, r, depth + 1);
      else {
        const bytes = await host.readBytes(full);
        out[r] = entryOf(bytes);
      }
    }
  };
  await walk(folder, '', 0);
  return out;
}

/**
 * A zip as GitHub downloads it: every member inside one top folder that holds manage.py (and no
 * manage.py at the top). Its name with a trailing "/", else undefined.
 */
export function zipTopFolder(names: readonly string[]): string | undefined {
  const files = names.filter((n) => !n.endsWith('/'));
  if (files.length === 0 || files.includes('manage.py')) return undefined;
  const top = files[0]?.split('/')[0] ?? '';
  if (!top || !files.every((n) => n.startsWith(`${top}/`)) || !files.includes(`${top}/manage.py`)) return undefined;
  return `${top}/`;
}

/** The names of a zip's members, from its central directory. */
/** The zip's member names as its central directory lists them (folders left out; a name listed twice is here twice). */
export function zipNames(zip: Uint8Array): string[] {
  const names: string[] = [];
  zipManifest(zip, [], { raw: true, names });
  return names;
}

/** The manifest of a zip, from its central directory (no member is extracted); a GitHub-style top folder is taken off the names. */
export function zipManifest(zip: Uint8Array, dataParts: readonly string[] = [], opts: { raw?: boolean; names?: string[] } = {}): Manifest {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('it is not a zip file (no end of central directory record)');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const out: Manifest = {};
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== 0x02014b50) throw new Error('its central directory is damaged');
    const crc = view.getUint32(p + 16, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const name = decoder.decode(zip.subarray(p + 46, p + 46 + nameLen)).replace(/\\/g, '/');
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/') || (!opts.raw && ignored(name, dataParts))) continue;
    opts.names?.push(name);
    out[name] = `${hex(crc)}:${size}`;
  }
  if (opts.raw) return out;
  const top = zipTopFolder(Object.keys(out));
  if (!top) return out;
  const stripped: Manifest = {};
  for (const [k, v] of Object.entries(out)) if (!ignored(k.slice(top.length), dataParts)) stripped[k.slice(top.length)] = v;
  return stripped;
}

/** The release's content hash: 12 hex digits over the sorted manifest. */
export function manifestHash(m: Manifest): string {
  const h = createHash('sha256');
  for (const k of Object.keys(m).sort()) h.update(`${k}\0${m[k] ?? ''}\n`);
  return h.digest('hex').slice(0, 12);
}

export interface ManifestDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

export function diffManifests(from: Manifest, to: Manifest): ManifestDiff {
  const added = Object.keys(to).filter((k) => !(k in from)).sort();
  const changed = Object.keys(to).filter((k) => k in from && from[k] !== to[k]).sort();
  const removed = Object.keys(from).filter((k) => !(k in to)).sort();
  return { added, changed, removed };
}

/** Migrations a diff adds (app.0002_name), read from the migration files' paths. */
export function addedMigrations(diff: ManifestDiff): string[] {
  return diff.added
    .map((f) => /(?:^|\/)([A-Za-z_][\w]*)\/migrations\/(\d{4}_[\w]+)\.py$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1] as string}.${m[2] as string}`);
}
