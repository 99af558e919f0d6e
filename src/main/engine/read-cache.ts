/**
 * One read per question within a run or a plan: the checks of several steps ask the server the
 * same thing (the site, the pool, the FastCGI section, a folder's ACL). Read-only commands are run
 * once and their answer shared while nothing changes. Checks only read (the design of every step);
 * what changes the server is an action, and the engine calls invalidate() before and after each
 * one; a file written, a folder made or removed through the host forgets every answer too. An
 * answer that was being read while something changed is not kept.
 */
import { CERT_LIST_SCRIPT } from './https/commands';
import { isInside } from '../../shared/winpath';
import { TOOL_DATA_DIR } from './commands';
import type { ExecOptions, ExecResult, Host } from './host';

const base = (f: string) => (f.split('\\').at(-1) ?? f).toLowerCase();

/** Read-only programs and sub-commands whose answer depends only on the server's state. */
export function isCacheableRead(file: string, args: readonly string[]): boolean {
  const b = base(file);
  const a0 = (args[0] ?? '').toLowerCase();
  if (b === 'appcmd.exe') return a0 === 'list';
  if (b === 'icacls.exe') return args.length === 1;
  if (b === 'sc.exe') return a0 === 'query';
  if (b === 'reg.exe') return a0 === 'query';
  if (b === 'dism.exe') return args.some((x) => x.toLowerCase() === '/get-featureinfo');
  // HTTPS: HTTP.sys's bindings and the certificate store, read by the refusal before the run, the plan and each check again.
  if (b === 'netsh.exe') return a0 === 'http' && (args[1] ?? '').toLowerCase() === 'show';
  if (b === 'powershell.exe') return args.at(-1) === CERT_LIST_SCRIPT;
  return false;
}

export interface CachingHost extends Host {
  /** Forgets every answer (something changed on the server). */
  invalidate(): void;
  /** Changes each time answers are forgotten: what was read from the server at one value still holds. */
  generation(): number;
}

export function withReadCache(inner: Host): CachingHost {
  const answers = new Map<string, Promise<ExecResult>>();
  let generation = 0;
  const invalidate = () => {
    generation++;
    answers.clear();
  };
  const changes = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    invalidate();
    try {
      return await f(...a);
    } finally {
      invalidate();
    }
  };
  const exec = async (file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    if (!isCacheableRead(file, args) || opts.onLine) return inner.exec(file, args, opts);
    const key = JSON.stringify([file.toLowerCase(), args, opts.cwd ?? '', opts.env ?? {}]);
    const hit = answers.get(key);
    if (hit) return hit;
    const at = generation;
    const p = inner.exec(file, args, opts);
    answers.set(key, p);
    try {
      const r = await p;
      // Kept only when nothing changed while it was read (and it answered at all).
      if ((generation !== at || r.killed) && answers.get(key) === p) answers.delete(key);
      return r;
    } catch (e) {
      if (answers.get(key) === p) answers.delete(key);
      throw e;
    }
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'exec') return exec;
      if (prop === 'invalidate') return invalidate;
      if (prop === 'generation') return () => generation;
      if (prop === 'writeFile' || prop === 'mkdir' || prop === 'remove' || prop === 'createExclusive' || prop === 'download') {
        const f = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        const changing = changes((...a: unknown[]) => f.apply(target, a));
        // The tool's own bookkeeping (journal, lock, logs, the check cache) changes nothing the reads ask about.
        return (...a: unknown[]) => (typeof a[prop === 'download' ? 1 : 0] === 'string' && isInside(a[prop === 'download' ? 1 : 0] as string, TOOL_DATA_DIR) ? f.apply(target, a) : changing(...a));
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as CachingHost;
}
