/**
 * A bundle folder as the server reads it: SHA256SUMS over every file (checked before anything
 * else: a changed, missing or unlisted file refuses the bundle, nothing changed), and deploy.json
 * whose paths are relative to the bundle (made the server's paths where the bundle lies).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../shared/problem';

export const CHECKSUMS = 'SHA256SUMS';
export const BUNDLE_CONFIG = 'deploy.json';

/** Every file under the folder, relative with "/", sorted (SHA256SUMS itself left out); links are never followed (bundleLinks lists them). */
export function bundleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(d, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(full, r);
      else if (r !== CHECKSUMS) out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/** Every symbolic link (or junction) in the folder, to a file or a folder, with where it points. */
export function bundleLinks(dir: string): { path: string; target: string }[] {
  const out: { path: string; target: string }[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(d, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.push({ path: r, target: readlinkSync(full) });
      else if (st.isDirectory()) walk(full, r);
    }
  };
  walk(dir, '');
  return out;
}

/** The SHA-256 of the bundle's SHA256SUMS: one value the department compares with the one the team sent (every file's sum is in it). */
export function checksumsSha256(dir: string): string | undefined {
  const f = path.join(dir, CHECKSUMS);
  return existsSync(f) ? sha256File(f) : undefined;
}

export const sha256File = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Writes SHA256SUMS as sha256sum does ("<hex>  <path>"), so `sha256sum -c` and Get-FileHash can check it too. */
export function writeChecksums(dir: string): number {
  const files = bundleFiles(dir);
  writeFileSync(path.join(dir, CHECKSUMS), files.map((f) => `${sha256File(path.join(dir, f))}  ${f}\n`).join(''));
  return files.length;
}

/** What is wrong with a bundle folder: nothing when every listed file is there unchanged and nothing else is. */
export function checkBundle(dir: string): Problem[] {
  const sums = path.join(dir, CHECKSUMS);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [{ what: `The bundle ${dir} does not exist or is not a folder.`, why: 'A bundle is the folder the team made with "bundle".', fix: 'Give --bundle the folder that holds deploy.json and SHA256SUMS.' }];
  if (!existsSync(sums)) return [{ what: `${dir} has no ${CHECKSUMS}.`, why: 'Without its checksums nothing proves the bundle is the one the team made.', fix: 'Ask the team for the whole bundle folder (made with "bundle"), copied as it is.' }];
  const incomplete = path.join(dir, 'INCOMPLETE.txt');
  if (existsSync(incomplete))
    return [{ what: `The bundle ${dir} is incomplete: ${readFileSync(incomplete, 'utf8').trim().split(/\r?\n/).join('; ')}.`, why: 'The team\'s bundle command could not put everything the server needs in it (see bundle-report.txt).', fix: 'Ask the team for a complete bundle; nothing was changed on the server.' }];
  // A link of any kind is refused: a listed one would be read through to a file outside the bundle.
  const links = bundleLinks(dir);
  if (links.length)
    return [{ what: `The bundle ${dir} holds ${links.length} link${links.length === 1 ? '' : 's'}: ${links.slice(0, 5).map((l) => `${l.path} -> ${l.target}`).join('; ')}${links.length > 5 ? '; ...' : ''}.`, why: 'A bundle is files only: a link makes the tool read (and its checksum check vouch for) whatever it points at, outside the bundle.', fix: 'Copy the bundle again from what the team sent, as plain files (robocopy without /SL, or unzip it), and remove any link; nothing was changed on the server.' }];
  const listed = new Map<string, string>();
  for (const line of readFileSync(sums, 'utf8').split(/\r?\n/)) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) listed.set(m[2] as string, m[1] as string);
  }
  const problems: Problem[] = [];
  for (const f of listed.keys()) if (f.split(/[\\/]/).includes('..') || isAbsoluteWin(f) || f.startsWith('/')) problems.push({ what: `${CHECKSUMS} lists ${f}, outside the bundle.`, why: 'Only the bundle\'s own files are checked; a name outside it could be anything.', fix: 'Ask the team for a new bundle; nothing was changed on the server.' });
  if (problems.length) return problems;
  const fix = 'Copy the bundle again from what the team sent (a copy that stopped half-way, an antivirus that rewrote a file, or a file changed by hand); nothing was changed on the server.';
  for (const [f, hex] of listed) {
    const full = path.join(dir, ...f.split('/'));
    if (!existsSync(full)) problems.push({ what: `The bundle lacks ${f}.`, why: `${CHECKSUMS} lists it; the bundle is incomplete.`, fix });
    else if (sha256File(full) !== hex) problems.push({ what: `${f} in the bundle is not the file the team made (its SHA-256 differs from ${CHECKSUMS}).`, why: 'A changed file is not deployed: it may not be what was tested.', fix });
  }
  problems.push(...outsidePaths(dir));
  for (const f of bundleFiles(dir)) if (!listed.has(f)) problems.push({ what: `${f} is in the bundle but not in ${CHECKSUMS}.`, why: 'A file added to the bundle (a wheel pip would install, a script) is not what the team made.', fix: `Remove ${f} from the bundle folder, or ask the team for a new bundle.` });
  return problems;
}

/** deploy.json's files must be the bundle's own (checked by SHA256SUMS): an absolute path or a ".." reaches outside it. */
function outsidePaths(dir: string): Problem[] {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path.join(dir, BUNDLE_CONFIG), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return [{ what: `${BUNDLE_CONFIG} of the bundle is not valid JSON (${(e as Error).message}).`, why: 'It is the bundle\'s configuration.', fix: 'Ask the team for a new bundle.' }];
  }
  return pathEntries(raw)
    .filter((e) => isAbsoluteWin(e.value) || e.value.startsWith('/') || e.value.split(/[\\/]/).includes('..'))
    .map((e) => ({ what: `${BUNDLE_CONFIG} names ${e.key} "${e.value}", outside the bundle.`, why: 'Only the files of the bundle are checked against SHA256SUMS; one outside it could be anything.', fix: 'Ask the team for a bundle whose deploy.json names its own files (bundle writes them relative).' }));
}

const PATH_KEYS: string[][] = [['djangoProject', 'zip'], ['djangoProject', 'folder'], ['requirementsFile'], ['wheelhouse'], ['pythonInstaller'], ['httpPlatform', 'installer']];
const isAbsoluteWin = (p: string) => /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');

/** deploy.json's path values (the keys of PATH_KEYS that are strings), each with the object holding it. */
function pathEntries(raw: Record<string, unknown>): { key: string; holder: Record<string, unknown>; last: string; value: string }[] {
  const out: { key: string; holder: Record<string, unknown>; last: string; value: string }[] = [];
  for (const keys of PATH_KEYS) {
    let holder: Record<string, unknown> | undefined = raw;
    for (const k of keys.slice(0, -1)) holder = holder && typeof holder[k] === 'object' && holder[k] !== null ? (holder[k] as Record<string, unknown>) : undefined;
    const last = keys.at(-1) as string;
    const value = holder?.[last];
    if (holder && typeof value === 'string') out.push({ key: keys.join('.'), holder, last, value });
  }
  return out;
}

/** deploy.json of the bundle with its relative paths made paths below the bundle's folder on the server (a Windows path). */
export function bundleConfigInput(dir: string, serverDir: string): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(path.join(dir, BUNDLE_CONFIG), 'utf8')) as Record<string, unknown>;
  for (const e of pathEntries(raw)) if (!isAbsoluteWin(e.value)) e.holder[e.last] = `${serverDir.replace(/[\\/]+$/, '')}\\${e.value.split('/').join('\\')}`;
  return raw;
}

/** Where a bundle is on the server: its Windows path (on Windows) or, for a simulated server in the folder simulate, a copy inside it at C:\bundles\<name> (DIR/C/bundles/<name>). */
export function placeBundle(dir: string, simulate: string | undefined): string {
  if (!simulate) return path.win32.resolve(dir);
  const name = path.basename(path.resolve(dir)).replace(/[^A-Za-z0-9_.-]/g, '_');
  const real = path.join(simulate, 'C', 'bundles', name);
  rmSync(real, { recursive: true, force: true });
  cpSync(dir, real, { recursive: true });
  return `C:\\bundles\\${name}`;
}

/**
 * A bundle opened for a command: its problems (checksums, completeness, paths outside it), and,
 * when there are none, its configuration input with the paths made the server's.
 */
export function bundleInput(dir: string, simulate?: string): { problems: Problem[]; input?: Record<string, unknown> } {
  const problems = checkBundle(dir);
  return problems.length ? { problems } : { problems, input: bundleConfigInput(dir, placeBundle(dir, simulate)) };
}
