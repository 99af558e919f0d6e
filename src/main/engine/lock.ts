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
import { secureToolData } from './tool-data';

export const LOCK_PATH = `${TOOL_DATA_DIR}\\run.lock`;

export class LockError extends Error {}

export interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
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

export async function acquireLock(host: Host, command: string): Promise<() => Promise<void>> {
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString() };
  const hadDir = await host.exists(TOOL_DATA_DIR);
  // The folder's own ACL (SYSTEM and Administrators only), set on first use and checked at every start.
  await secureToolData(host);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await host.createExclusive(LOCK_PATH, JSON.stringify(info))) {
      return async () => {
        await host.remove(LOCK_PATH);
        // A run that changed nothing leaves no trace: the folder goes when the lock made it and it is empty.
        if (!hadDir && (await host.readDir(TOOL_DATA_DIR).catch(() => ['?'])).length === 0) await host.remove(TOOL_DATA_DIR);
      };
    }
    const holder = await lockHolder(host);
    if (holder)
      throw new LockError(
        `Another run of Django IIS Setup is changing this server (${holder.command}, process ${holder.pid} on ${holder.hostname}, started ${holder.startedAt}). Wait for it to finish and run again. If that process is gone, delete ${LOCK_PATH}.`,
      );
    await host.remove(LOCK_PATH); // stale
  }
  throw new LockError(`Could not take the lock ${LOCK_PATH}; run again.`);
}
