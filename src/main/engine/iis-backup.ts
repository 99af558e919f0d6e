/** The IIS configuration around a run: IIS's own backup before its first change (appcmd add backup), and the configuration's hash, which rollback compares. */
import { createHash } from 'node:crypto';
import { APPCMD } from './commands';
import { type Host } from './host';

export const APPHOST_CONFIG = 'C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config';
export const BACKUP_PREFIX = 'DjangoIISSetup-';
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of applicationHost.config, or '' when IIS is not installed. */
export async function configHash(host: Host): Promise<string> {
  if (!(await host.exists(APPHOST_CONFIG))) return '';
  return sha256(await host.readFile(APPHOST_CONFIG));
}

/** appcmd add backup "DjangoIISSetup-<time>-<run>"; older ones of this tool beyond keep are deleted. */
export async function backupIisConfig(host: Host, runId: string, keep: number, signal?: AbortSignal): Promise<string | undefined> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const name = `${BACKUP_PREFIX}${stamp}-${runId.slice(0, 8)}`;
  const r = await host.exec(APPCMD, ['add', 'backup', name], { timeoutMs: 120_000, ...(signal ? { signal } : {}) });
  if (r.exitCode !== 0) return undefined;
  const list = await host.exec(APPCMD, ['list', 'backup'], { timeoutMs: 120_000 });
  const ours = [...list.stdout.matchAll(/BACKUP "([^"]+)"/g)].map((m) => m[1] as string).filter((n) => n.startsWith(BACKUP_PREFIX)).sort();
  for (const old of ours.slice(0, Math.max(0, ours.length - keep))) await host.exec(APPCMD, ['delete', 'backup', old], { timeoutMs: 120_000 });
  return name;
}

export const BACKUP_DIR = 'C:\\Windows\\System32\\inetsrv\\backup';

/**
 * After the secret key was replaced (apply --rotate-secret): the tool's own IIS backups that still
 * hold another value of the variable are deleted (IIS's backups keep the FastCGI environment in
 * clear, and restoring one would bring the old key back). Returns the backups deleted.
 */
export async function dropBackupsHoldingOldSecret(host: Host, variable: string, current: string): Promise<string[]> {
  const list = await host.exec(APPCMD, ['list', 'backup'], { timeoutMs: 120_000 });
  const ours = [...list.stdout.matchAll(/BACKUP "([^"]+)"/g)].map((m) => m[1] as string).filter((n) => n.startsWith(BACKUP_PREFIX));
  const esc = variable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const dropped: string[] = [];
  for (const name of ours) {
    const file = `${BACKUP_DIR}\\${name}\\applicationHost.config`;
    const text = (await host.exists(file)) ? await host.readFile(file) : '';
    const values = [...text.matchAll(new RegExp(`<environmentVariable name="${esc}" value="([^"]*)"`, 'gi'))].map((m) => m[1]);
    if (values.some((v) => v !== current)) {
      await host.exec(APPCMD, ['delete', 'backup', name], { timeoutMs: 120_000 });
      dropped.push(name);
    }
  }
  return dropped;
}
