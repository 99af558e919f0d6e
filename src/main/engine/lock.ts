/**
 * One run at a time per server: apply, uninstall, rollback and the wizard's run take
 * C:\ProgramData\DjangoIISSetup\run.lock (created exclusively), holding the holder's pid, host
 * name, command and start time. A lock whose process is gone (same machine, pid not alive) is
 * stale and taken over; any other makes the second run fail at once with a clear message.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { TOOL_DATA_DIR } from './commands';
import type { Host } from './host';
import { assertToolDataSecured } from './tool-data';

export const LOCK_PATH = `${TOOL_DATA_DIR}\\run.lock`;

/** How long a new run waits for the processes of a killed run to end before it refuses. */
export const ORPHAN_WAIT_MS = 5000;

export class LockError extends Error {}

export interface LockChild {
  pid: number;
  /** The program and its first arguments, for the message. */
  command: string;
}

export interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Processes the run started (kept so a later run can tell when a killed run's child still runs). */
  children?: LockChild[];
}

/** The lock this process holds, with the children it started (one per process: runs are serial). */
let held: { host: Host; info: LockInfo; writes: Promise<void> } | undefined;

/** Records a child process of the running run in the lock file (called as each process starts). */
export function recordChild(pid: number, command: string): void {
  const h = held;
  if (!h) return;
  setChildren(h, [...(h.info.children ?? []).filter((c) => alive(c.pid)), { pid, command }]);
}

/** The held lock's file written again with these children (one write after another). */
function setChildren(h: NonNullable<typeof held>, children: LockChild[]): void {
  h.info = { ...h.info, children };
  const snapshot = JSON.stringify(h.info);
  h.writes = h.writes.then(() => h.host.writeFile(LOCK_PATH, snapshot)).catch(() => undefined);
}

/** A child of the running run has ended: it leaves the lock file. */
export function forgetChild(pid: number): void {
  const h = held;
  if (!h || !(h.info.children ?? []).some((c) => c.pid === pid)) return;
  setChildren(h, (h.info.children ?? []).filter((c) => c.pid !== pid));
}

/** The children of a dead run's lock that are still running (same machine only). */
function liveChildren(info: LockInfo): LockChild[] {
  if (info.hostname !== os.hostname()) return [];
  return (info.children ?? []).filter((c) => typeof c.pid === 'number' && c.pid !== process.pid && alive(c.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Linux (rehearsals): a killed process nobody has reaped yet is a zombie, not a holder.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function readLock(host: Host): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await host.readFile(LOCK_PATH)) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

export async function lockHolder(host: Host): Promise<LockInfo | undefined> {
  if (!(await host.exists(LOCK_PATH))) return undefined;
  try {
    const info = JSON.parse(await host.readFile(LOCK_PATH)) as LockInfo;
    if (typeof info.pid !== 'number') return undefined;
    if (info.hostname === os.hostname() && !alive(info.pid)) return undefined; // stale: its process is gone
    return info;
  } catch {
    return undefined; // unreadable: a writer was killed between create and write; treat as stale
  }
}

export const TAKEOVER_PATH = `${TOOL_DATA_DIR}\\run.lock.takeover`;

/**
 * Removes a stale lock so that exactly one of the processes that found it stale can take the lock:
 * the removal itself happens under a second lock file created exclusively (run.lock.takeover),
 * and only after reading the lock again under it (another process may have taken it over in
 * between, and that lock is alive). A takeover file left by a killed process is stale in turn
 * when its process is gone.
 */
async function takeOverStale(host: Host, info: LockInfo): Promise<void> {
  if (!(await host.createExclusive(TAKEOVER_PATH, JSON.stringify(info)))) {
    let other: LockInfo | undefined;
    try {
      other = JSON.parse(await host.readFile(TAKEOVER_PATH)) as LockInfo;
    } catch {
      other = undefined;
    }
    if (other && typeof other.pid === 'number' && (other.hostname !== os.hostname() || alive(other.pid))) return; // someone else is taking it over: try again
    await host.remove(TAKEOVER_PATH);
    return;
  }
  try {
    if ((await host.exists(LOCK_PATH)) && !(await lockHolder(host))) await host.remove(LOCK_PATH);
  } finally {
    await host.remove(TAKEOVER_PATH);
  }
}

export async function acquireLock(host: Host, command: string): Promise<() => Promise<void>> {
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString() };
  const hadDir = await host.exists(TOOL_DATA_DIR);
  // The folder's own ACL (SYSTEM and Administrators only), set on first use and checked at every start.
  // An existing folder is checked (and its ACL set again when it is not the tool's); a new one gets
  // its ACL with the first journal write (ownership.ts), so a run refused before any change leaves nothing.
  if (hadDir) await assertToolDataSecured(host);
  await host.mkdir(TOOL_DATA_DIR);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await host.createExclusive(LOCK_PATH, JSON.stringify(info))) {
      const mine = { host, info, writes: Promise.resolve() };
      held = mine;
      return async () => {
        if (held === mine) held = undefined;
        await mine.writes;
        await host.remove(LOCK_PATH);
        // A run that changed nothing leaves no trace: the folder goes when the lock made it and it is empty.
        if (!hadDir && (await host.readDir(TOOL_DATA_DIR).catch(() => ['?'])).length === 0) await host.remove(TOOL_DATA_DIR);
      };
    }
    const holder = await lockHolder(host);
    // A killed run's lock is stale, but what it started may still be changing the server.
    const stale = holder ? undefined : await readLock(host);
    // A killed run's children end with it where something ends them (a job object; the simulator's
    // model of one): given a moment. One still alive after that is refused.
    let orphans = stale ? liveChildren(stale) : [];
    for (let waited = 0; orphans.length && stale && waited < ORPHAN_WAIT_MS; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      orphans = liveChildren(stale);
    }
    if (orphans.length)
      throw new LockError(
        `The run that ${stale?.command ?? 'held the lock'} (process ${stale?.pid ?? '?'}, started ${stale?.startedAt ?? '?'}) is gone, but ${orphans.length === 1 ? 'a process it started is' : 'processes it started are'} still running and may still change the server: ${orphans.map((c) => `process ${c.pid} (${c.command})`).join(', ')}. Nothing was changed. Wait for ${orphans.length === 1 ? 'it' : 'them'} to finish, or end ${orphans.length === 1 ? 'it' : 'them'} (taskkill /PID <pid> /T /F), then run again. (If that process id now belongs to another program, the run was killed long ago: delete ${LOCK_PATH}.)`,
      );
    if (holder)
      throw new LockError(
        `Another run of Django IIS Setup is changing this server (${holder.command}, process ${holder.pid} on ${holder.hostname}, started ${holder.startedAt}). Wait for it to finish and run again. If that process is gone, delete ${LOCK_PATH}.`,
      );
    await takeOverStale(host, info);
  }
  throw new LockError(`Could not take the lock ${LOCK_PATH}; run again.`);
}
