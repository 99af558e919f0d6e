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
