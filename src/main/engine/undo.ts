/** Undo from the journal: uninstall (the whole deployment, restoring what it adopted) and rollback (the last run, from IIS's backup when nothing else changed the configuration since). */
import { isInside, protectedPathReason, samePath, winJoin } from '../../shared/winpath';
import { historyToWhatServes, readRegistry, registryPath } from './release/registry';
import { APPCMD } from './commands';
import { acquireLock } from './lock';
import { checkCachePath } from './check-cache';
import { ProgramNotFoundError, type ExecResult, type Host } from './host';
import { DEPLOYMENTS_DIR, journalPath, keptDataPath, readJournal, writeJournal, type Journal, type JournalEntry, type RunRecord } from './ownership';
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
  /** The application's data (uninstall --delete-data): what is gone from disk afterwards, and what is still there. */
  data?: { deleted: string[]; remaining: string[] };
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
        // A Python installation is never the tool's to remove (Python is kept), whatever an entry says.
        if (await host.exists(winJoin(a.path, 'python.exe'))) {
          out.problems.push(`${a.description}: refused, ${a.path} holds a Python installation (python.exe); the tool keeps Python.`);
          ok = false;
          continue;
        }
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
    // --delete-data: the data goes first, as its own removal (the journal holds the shared folder
    // only as "remove if empty"), so the folders that held it are then empty and removed too.
    if (opts.deleteData) {
      for (const p of data) {
        const why = protectedPathReason(p);
        if (why) out.problems.push(`Delete the application's data ${p}: refused, ${p} is ${why}; the tool never deletes it.`);
        else {
          onLine?.(`Delete the application's data ${p}`);
          await host.remove(p).catch((e: unknown) => out.problems.push(`Delete the application's data ${p}: ${e instanceof Error ? e.message : String(e)}`));
        }
      }
    }
    const failed = await undoEntries(host, j.entries, out, { ...(onLine ? { onLine } : {}), keep });
    if (keep.length) out.kept.push(`The application's data is kept: ${keep.join(', ')}. Delete it yourself when it is no longer needed, or uninstall with --delete-data.`);
    else if (data.length) {
      // What is said is what is on disk afterwards.
      const remaining: string[] = [];
      for (const p of data) if (await host.exists(p)) remaining.push(p);
      const deleted = data.filter((p) => !remaining.includes(p));
      out.data = { deleted, remaining };
      if (deleted.length) out.removed.push(`The application's data was deleted (--delete-data): ${deleted.join(', ')}`);
      if (remaining.length) out.problems.push(`The application's data could not all be deleted: ${remaining.join(', ')} is still there.`);
    }
    // Kept data is said to be this deployment's, so applying it again reuses it (ownership.ts keptDataRoot).
    const reg = await readRegistry(host, siteName).catch(() => undefined);
    if (failed.length === 0 && keep.length && reg && !samePath(reg.root, reg.shared) && (await host.exists(reg.shared)))
      await host.writeFile(keptDataPath(siteName), JSON.stringify({ version: 1, siteName, root: reg.root, shared: reg.shared, keptAt: new Date().toISOString() }, null, 1));
    else await host.remove(keptDataPath(siteName)).catch(() => undefined);
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
  /** Why nothing was rolled back (no run, or the newest run changed nothing). */
  nothing?: string;
}

/** The run rollback would undo, what it changed and what stays; or why there is none. */
export interface RollbackPreview {
  run?: RunRecord;
  /** What the run created or changed (newest last), as the journal says it. */
  changes: string[];
  /** What stays as it is after the rollback (migrations the run applied, the data). */
  keeps: string[];
  nothing?: string;
}

const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'an unknown time');

/**
 * The run rollback undoes: the deployment's newest run, when it changed something. A newer run
 * that changed nothing (refused before any change, or found everything done) or a rollback
 * supersedes it: the run before is not reached past it.
 */
export async function rollbackPreview(host: Host, siteName: string, j?: Journal): Promise<RollbackPreview> {
  const journal = j ?? (await readJournal(host, siteName));
  const last = journal.runs?.at(-1);
  const latest = journal.latest;
  if (!last) return { changes: [], keeps: [], nothing: `There is no run of "${siteName}" to roll back.` };
  if (latest && latest.runId !== last.runId && latest.at >= last.startedAt) {
    const what = latest.outcome === 'rolled-back' ? `was rolled back (${when(latest.at)})` : `${latest.outcome === 'refused' ? 'was refused before any change' : 'changed nothing'} (${when(latest.at)})`;
    return { changes: [], keeps: [], nothing: `Nothing to roll back: the newest run of "${siteName}" ${what}. The run before it (${when(last.startedAt)}${last.outcome ? `, ${last.outcome}` : ''}) is kept: to serve an earlier release use go-back; to remove the deployment, uninstall.` };
  }
  const entries = journal.entries.filter((e) => e.runId === last.runId);
  const reg = await readRegistry(host, siteName).catch(() => undefined);
  const made = reg?.releases.filter((r) => !r.legacy && entries.some((e) => samePath(e.object.replace(/^folder:/, ''), r.dir))) ?? [];
  const migrated = made.filter((r) => r.migrations?.length);
  return {
    run: last,
    changes: entries.map((e) => e.undo[0]?.description ?? e.object),
    keeps: [
      ...migrated.map((r) => `The migrations release ${r.number} applied (${(r.migrations ?? []).join(', ')}) stay applied: rollback never touches the database, and the release that serves after it runs with them in place.`),
      migrated.length ? '' : 'Migrations the run applied stay applied: rollback never touches the database.',
      "The application's data (the database, MEDIA_ROOT, the logs) is kept.",
    ].filter(Boolean),
  };
}

/**
 * Rolls back the deployment's last run (after a failure or a cancel) while it is the newest run:
 * restores the IIS configuration from the run's appcmd backup when nothing else changed it since
 * (its hash is the one the run left), otherwise removes exactly this tool's entries; then undoes
 * the run's file changes (settings block, copied project, created folders, ACL grants) in reverse
 * order, and the release history is made to say what serves.
 */
export async function rollback(host: Host, siteName: string, onLine?: (line: string) => void): Promise<RollbackResult> {
  const release = await acquireLock(host, `rollback of "${siteName}"`);
  try {
    const j = await readJournal(host, siteName);
    const out: RollbackResult = { removed: [], problems: [], restored: [], kept: [KEPT], iisConfig: 'untouched' };
    const preview = await rollbackPreview(host, siteName, j);
    const last = preview.run;
    if (!last) return { ...out, ...(preview.nothing ? { nothing: preview.nothing } : {}) };
    out.runId = last.runId;
    out.kept.push(...preview.keeps);
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
    // The rollback is the newest run now: a second rollback does not reach the run before.
    else await writeJournal(host, { ...j, entries: remaining, runs, latest: { runId: last.runId, at: new Date().toISOString(), outcome: 'rolled-back' } });
    const history = await historyToWhatServes(host, siteName);
    if (history) out.kept.push(history);
    return out;
  } finally {
    await release();
  }
}

