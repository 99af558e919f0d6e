/** Undo from the journal: uninstall (the whole deployment, restoring what it adopted) and rollback (the last run, from IIS's backup when nothing else changed the configuration since). */
import { isInside, protectedPathReason, samePath, winJoin } from '../../shared/winpath';
import { readRegistry, registryPath } from './release/registry';
import { APPCMD } from './commands';
import { acquireLock } from './lock';
import { checkCachePath } from './check-cache';
import { ProgramNotFoundError, type ExecResult, type Host } from './host';
import { DEPLOYMENTS_DIR, journalPath, readJournal, writeJournal, type JournalEntry } from './ownership';
import { removeSettingsBlock, replaceSettingsBlock } from './settings-edit';
import { appcmdMessage } from './step';
import { configHash, sha256 } from './iis-backup';

/**
 * An undo whose object is already gone is not a failure. Decided by exit code, never by the
 * message (it is in the server's language): appcmd 1168 (ERROR_NOT_FOUND) and 4312 (object not
 * found); icacls 2/3 (file or path not found).
 */
export function alreadyGone(file: string, exitCode: number): boolean {
  const f = file.toLowerCase();
  if (f.endsWith('appcmd.exe')) return exitCode === 1168 || exitCode === 4312;
  if (f.endsWith('icacls.exe')) return exitCode === 2 || exitCode === 3;
  return false;
}

export interface UninstallResult {
  removed: string[];
  problems: string[];
  /** Objects that existed before the deployment and were restored rather than removed. */
  restored: string[];
  /** What was deliberately left on the server. */
  kept: string[];
}

export const KEPT = 'Windows features the tool enabled (IIS, CGI), HttpPlatformHandler (when it installed it) and Python are kept: other software may use them.';

/**
 * Undoes journal entries, newest first. Missing objects are not errors; a protected folder is
 * never deleted, whatever the journal says. Returns the entries whose undo failed.
 */
export async function undoEntries(host: Host, entries: JournalEntry[], out: UninstallResult, opts: { skipAppcmd?: boolean; onLine?: (line: string) => void; keep?: string[] } = {}): Promise<JournalEntry[]> {
  const failed: JournalEntry[] = [];
  for (const entry of [...entries].reverse()) {
    let ok = true;
    for (const a of entry.undo) {
      if (opts.skipAppcmd && a.kind === 'exec' && a.file === APPCMD) continue;
      opts.onLine?.(a.description);
      if (a.kind === 'exec') {
        let r: ExecResult;
        try {
          r = await host.exec(a.file, a.args, { timeoutMs: 120_000, ...(a.env ? { env: a.env } : {}) });
        } catch (e) {
          if (e instanceof ProgramNotFoundError) continue;
          throw e;
        }
        if (!(a.okExitCodes ?? [0]).includes(r.exitCode) && !alreadyGone(a.file, r.exitCode)) {
          out.problems.push(`${a.description}: ${appcmdMessage(r)}`);
          ok = false;
          continue;
        }
      } else if (a.kind === 'remove') {
        const why = protectedPathReason(a.path);
        if (why) {
          out.problems.push(`${a.description}: refused, ${a.path} is ${why}; the tool never deletes it.`);
          ok = false;
          continue;
        }
        if (a.onlyIfEmpty && (await host.readDir(a.path).catch(() => ['?'])).length > 0) continue;
        const keep = opts.keep ?? [];
        if (keep.some((k) => isInside(a.path, k) || samePath(a.path, k))) continue;
        if (keep.some((k) => isInside(k, a.path))) await removeExcept(host, a.path, keep);
        else await host.remove(a.path);
      } else if (a.kind === 'editFile' && a.transform === 'remove-django-settings') {
        if (await host.exists(a.path)) {
          const current = await host.readFile(a.path);
          let next = a.restoreBlock !== undefined ? replaceSettingsBlock(current, a.restoreBlock) : removeSettingsBlock(current);
          // The block's separator: the file goes back byte for byte when nothing else changed in it.
          if (a.originalSha256 && sha256(next) !== a.originalSha256 && sha256(next.replace(/\r?\n$/, '')) === a.originalSha256) next = next.replace(/\r?\n$/, '');
          await host.writeFile(a.path, next);
          if (a.originalSha256 && sha256(next) !== a.originalSha256) out.kept.push(`${a.path} was changed since the tool edited it: only the managed block was ${a.restoreBlock !== undefined ? 'put back as it was' : 'taken out'}; the other changes stay.`);
        }
      } else if (a.kind === 'writeFile') {
        const parent = a.path.slice(0, a.path.lastIndexOf('\\'));
        if (await host.exists(parent)) await host.writeFile(a.path, a.content);
      }
      (entry.adopted ? out.restored : out.removed).push(a.description);
    }
    if (!ok) failed.unshift(entry);
  }
  return failed;
}

/**
 * Undoes what this deployment's journal says it created (newest first) and restores what it
 * adopted. Entries whose undo failed stay in the journal, so running uninstall again retries them.
 */
export async function uninstall(host: Host, siteName: string, onLine?: (line: string) => void, opts: { deleteData?: boolean } = {}): Promise<UninstallResult> {
  const release = await acquireLock(host, `uninstall of "${siteName}"`);
  try {
    const j = await readJournal(host, siteName);
    const out: UninstallResult = { removed: [], problems: [], restored: [], kept: [KEPT] };
    const data = await deploymentData(host, siteName, j.entries);
    const keep = opts.deleteData ? [] : data;
    const failed = await undoEntries(host, j.entries, out, { ...(onLine ? { onLine } : {}), keep });
    if (keep.length) out.kept.push(`The application's data is kept: ${keep.join(', ')}. Delete it yourself when it is no longer needed, or uninstall with --delete-data.`);
    else if (data.length) out.removed.push(`The application's data was deleted (--delete-data): ${data.join(', ')}`);
    if (failed.length === 0) {
      await host.remove(journalPath(siteName));
      await host.remove(checkCachePath(siteName)).catch(() => undefined);
      await host.remove(registryPath(siteName)).catch(() => undefined);
    }
    else await writeJournal(host, { ...j, entries: failed, runs: [] });
    return out;
  } finally {
    await release();
  }
}

/**
 * The data a deployment keeps beside its code, which uninstall keeps unless --delete-data: the
 * releases' shared folder; in an application folder (a deployment made before releases, or the
 * sample), its SQLite files and its media or uploads folder.
 */
export async function deploymentData(host: Host, siteName: string, entries: JournalEntry[]): Promise<string[]> {
  const reg = await readRegistry(host, siteName).catch(() => undefined);
  const out: string[] = [];
  if (reg && !samePath(reg.shared, reg.root) && (await host.exists(reg.shared))) out.push(reg.shared);
  const appFolders = entries.filter((e) => e.stepId === 'django-project' && e.object.startsWith('folder:')).flatMap((e) => e.undo.filter((a) => a.kind === 'remove').map((a) => a.path));
  for (const f of appFolders) {
    if (reg && isInside(f, reg.root)) continue;
    for (const name of await host.readDir(f).catch(() => [] as string[])) {
      if (/\.(sqlite3?|db)(-journal|-wal|-shm)?$/i.test(name) || /^(media|uploads)$/i.test(name)) out.push(winJoin(f, name));
    }
  }
  return out;
}

/** The sites this tool has deployed on the server (a journal each that passes the engine's check). */
export async function deploymentsOnServer(host: Host): Promise<string[]> {
  const out: string[] = [];
  for (const f of (await host.readDir(DEPLOYMENTS_DIR).catch(() => [] as string[])).filter((x) => x.endsWith('.json'))) {
    try {
      const raw = JSON.parse(await host.readFile(`${DEPLOYMENTS_DIR}\\${f}`)) as { siteName?: unknown };
      if (typeof raw.siteName === 'string' && journalPath(raw.siteName).toLowerCase() === `${DEPLOYMENTS_DIR}\\${f}`.toLowerCase() && (await readJournal(host, raw.siteName)).entries.length) out.push(raw.siteName);
    } catch {
      // not a journal this tool wrote
    }
  }
  return out.sort();
}

/** Removes a folder except the paths to keep inside it (and the folders that lead to them). */
async function removeExcept(host: Host, folder: string, keep: string[]): Promise<void> {
  for (const name of await host.readDir(folder).catch(() => [] as string[])) {
    const p = winJoin(folder, name);
    if (keep.some((k) => samePath(k, p))) continue;
    if (keep.some((k) => isInside(k, p))) await removeExcept(host, p, keep);
    else await host.remove(p);
  }
}

export interface RollbackResult extends UninstallResult {
  runId?: string;
  /** How the IIS configuration went back: from the run's appcmd backup, or entry by entry. */
  iisConfig: 'restored-from-backup' | 'entries-removed' | 'untouched';
  backup?: string;
}

/**
 * Rolls back the deployment's last run (after a failure or a cancel): restores the IIS
 * configuration from the run's appcmd backup when nothing else changed it since (its hash is
 * the one the run left), otherwise removes exactly this tool's entries; then undoes the run's
 * file changes (settings block, copied project, created folders, ACL grants) in reverse order.
 */
export async function rollback(host: Host, siteName: string, onLine?: (line: string) => void): Promise<RollbackResult> {
  const release = await acquireLock(host, `rollback of "${siteName}"`);
  try {
    const j = await readJournal(host, siteName);
    const last = j.runs?.at(-1);
    const out: RollbackResult = { removed: [], problems: [], restored: [], kept: [KEPT], iisConfig: 'untouched' };
    if (!last) return out;
    out.runId = last.runId;
    const entries = j.entries.filter((e) => e.runId === last.runId);
    let fromBackup = false;
    if (last.backup && last.configHash && (await configHash(host)) === last.configHash) {
      onLine?.(`Restore the IIS configuration from the backup "${last.backup}" taken before the run`);
      const r = await host.exec(APPCMD, ['restore', 'backup', last.backup], { timeoutMs: 120_000 });
      if (r.exitCode === 0) {
        fromBackup = true;
        out.iisConfig = 'restored-from-backup';
        out.backup = last.backup;
      } else out.problems.push(`Restoring the backup "${last.backup}" failed: ${appcmdMessage(r)}; removing this tool's entries instead.`);
    }
    if (!fromBackup && entries.some((e) => e.undo.some((a) => a.kind === 'exec' && a.file === APPCMD))) out.iisConfig = 'entries-removed';
    if (!fromBackup && last.configHash && (await configHash(host)) !== last.configHash) out.kept.push('The IIS configuration was changed by someone else after the run, so only this tool\'s entries were removed (the backup was not restored).');
    const failed = await undoEntries(host, entries, out, { skipAppcmd: fromBackup, ...(onLine ? { onLine } : {}) });
    // What the run dropped from the journal (convergence) is the deployment's again: older entries first.
    const regained = (last.forgotten ?? []).filter((f) => !j.entries.some((e) => e.object === f.object));
    const remaining = [...regained, ...j.entries.filter((e) => e.runId !== last.runId), ...failed];
    const runs = (j.runs ?? []).filter((r) => r.runId !== last.runId);
    if (remaining.length === 0 && runs.length === 0) {
      await host.remove(journalPath(siteName));
      await host.remove(checkCachePath(siteName)).catch(() => undefined);
    }
    else await writeJournal(host, { ...j, entries: remaining, runs });
    return out;
  } finally {
    await release();
  }
}
