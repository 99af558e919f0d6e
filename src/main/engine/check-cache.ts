/**
 * Answers of the slow read-only Python checks (the settings probe, migrate --check, collectstatic
 * --dry-run, check --deploy: seconds each on Windows), kept between runs under the fingerprint of
 * everything the answer depends on. A fingerprint is made from the server without starting a
 * process: the project's code files (name, size, modification time), the packages installed in
 * the venv (their metadata folders), the venv's pyvenv.cfg, the application's environment (hashed,
 * never stored) and, per check, the database file or the static files. When any of it changes the
 * check runs again. Not seen: a change inside an installed package that leaves its metadata
 * folder alone, or files the settings read outside the application folder.
 */
import { createHash } from 'node:crypto';
import { winJoin } from '../../shared/winpath';
import { TOOL_DATA_DIR } from './commands';
import type { Host } from './host';
import type { CachingHost } from './read-cache';
import type { StepContext } from './step';

export const CHECK_CACHE_DIR = `${TOOL_DATA_DIR}\\cache`;

export function checkCachePath(siteName: string): string {
  return `${CHECK_CACHE_DIR}\\${siteName.replace(/[^A-Za-z0-9_.-]/g, '_').toLowerCase()}.json`;
}

interface CacheFile {
  version: 1;
  entries: Record<string, { key: string; value: unknown }>;
}

const stores = new WeakMap<StepContext, { file?: Promise<CacheFile>; writing: Promise<unknown> }>();

function store(ctx: StepContext) {
  let s = stores.get(ctx);
  if (!s) {
    s = { writing: Promise.resolve() };
    stores.set(ctx, s);
  }
  return s;
}

async function load(ctx: StepContext): Promise<CacheFile> {
  const s = store(ctx);
  s.file ??= ctx.host
    .readFile(checkCachePath(ctx.config.siteName))
    .then((t) => {
      const j = JSON.parse(t) as CacheFile;
      return j.version === 1 && j.entries && typeof j.entries === 'object' ? j : { version: 1 as const, entries: {} };
    })
    .catch(() => ({ version: 1 as const, entries: {} }));
  return s.file;
}

/** The remembered answer of a check when its fingerprint is the same, else undefined. */
export async function recall<T>(ctx: StepContext, name: string, key: string): Promise<T | undefined> {
  const e = (await load(ctx)).entries[name];
  return e && e.key === key ? (e.value as T) : undefined;
}

/** Remembers an answer under its fingerprint (writes are serialised; a failed write only costs a check later). */
export async function remember(ctx: StepContext, name: string, key: string, value: unknown): Promise<void> {
  const f = await load(ctx);
  f.entries[name] = { key, value };
  const s = store(ctx);
  s.writing = s.writing.then(() => ctx.host.writeFile(checkCachePath(ctx.config.siteName), JSON.stringify(f, null, 1))).catch(() => undefined);
  await s.writing;
}

/** sha256 of the parts, as hex. */
export function digest(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Files whose content can change what Django's settings, URLs, models and migrations are. */
const CODE_FILE = /\.(py|pth|env|ini|cfg|toml|ya?ml|json)$|^\.env/i;
/** Folders that hold no code (static and media files, logs, caches, version control). */
const NOT_CODE_DIR = /^(__pycache__|\.git|\.hg|node_modules|static|staticfiles|media|logs)$/i;

/**
 * "relative path|size|mtime" of every file under root that `keep` selects, walking folders that
 * `descend` allows (a folder is told from a file by its stat).
 */
export async function treeEntries(host: Host, root: string, keep: (name: string) => boolean, descend: (name: string, path: string) => boolean, max = 20_000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = await host.readDir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (out.length >= max) return;
      const p = winJoin(dir, name);
      const st = await host.stat(p);
      if (!st) continue;
      if (st.dir) {
        if (descend(name, p)) await walk(p, `${rel}${name}\\`);
      } else if (keep(name)) out.push(`${rel}${name}|${st.size}|${Math.round(st.mtimeMs)}`);
    }
  };
  await walk(root, '');
  return out;
}

const fingerprints = new WeakMap<StepContext, Map<string, { generation: number; value: Promise<string> }>>();

/**
 * The fingerprint of the project's code and of what runs it (no process started). Within a run or a
 * plan (a host with a read cache) it is walked once while nothing changes on the server, however many
 * checks ask.
 */
export async function codeFingerprint(ctx: StepContext, env: Record<string, string>): Promise<string> {
  const generation = (ctx.host as Partial<CachingHost>).generation?.();
  if (generation === undefined) return walkCode(ctx, env);
  let memo = fingerprints.get(ctx);
  if (!memo) fingerprints.set(ctx, (memo = new Map<string, { generation: number; value: Promise<string> }>()));
  const key = digest(env);
  const hit = memo.get(key);
  if (hit && hit.generation === generation) return hit.value;
  const value = walkCode(ctx, env);
  memo.set(key, { generation, value });
  return value;
}

async function walkCode(ctx: StepContext, env: Record<string, string>): Promise<string> {
  const { config, host } = ctx;
  const code = await treeEntries(host, config.appDir, (n) => CODE_FILE.test(n) && n.toLowerCase() !== 'staticfiles.json', (n) => !NOT_CODE_DIR.test(n));
  const sitePackages = await host.readDir(winJoin(config.venvDir, 'Lib', 'site-packages')).catch(() => [] as string[]);
  const cfg = await host.readFile(winJoin(config.venvDir, 'pyvenv.cfg')).catch(() => '');
  return digest(code, sitePackages.filter((n) => /\.(dist|egg)-info$/i.test(n)).sort(), cfg, env, ctx.d.settingsModule);
}
