/**
 * The run's record in the deployment's journal: before every change, what the action creates
 * (and what the configuration adopts) is journaled, atomically and one write at a time, and IIS's
 * configuration is backed up before the run's first change to it; after every appcmd command the
 * configuration's hash is noted (rollback compares it); convergence drops ("forgets") entries.
 */
import type { Action } from '../../shared/plan';
import { winDirname } from '../../shared/winpath';
import { ActionFailed } from './action-failed';
import { APPCMD } from './commands';
import type { Host } from './host';
import { backupIisConfig, configHash, sha256 } from './iis-backup';
import { objectKey, owns, writeJournal, type Journal, type JournalEntry, type RunRecord } from './ownership';
import { currentSettingsBlock } from './settings-edit';
import type { Step } from './step';

export class RunJournal {
  private chain: Promise<void> = Promise.resolve();
  private record: RunRecord | undefined;

  constructor(
    private readonly host: Host,
    readonly journal: Journal,
    private readonly runId: string,
    private readonly keepBackups: number,
    /** Entries to journal before the run's first change: objects the configuration adopts. */
    private pending: JournalEntry[],
    private readonly signal?: AbortSignal,
  ) {}

  private async serial(f: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(f);
    await this.chain;
  }

  /**
   * Before every change: the IIS configuration is backed up with IIS's own mechanism before the
   * run's first change to it; what the action creates (and adoptions) is journaled, atomically.
   */
  async before(s: Step, a: Action): Promise<void> {
    const creates = a.kind === 'exec' || a.kind === 'mkdir' ? a.creates : undefined;
    // A folder that existed before the run is never journaled as created (uninstall would delete what was there).
    const folderUndo = creates?.object.startsWith('folder:') ? creates.undo.find((u) => u.kind === 'remove') : undefined;
    if (creates && folderUndo?.kind === 'remove' && !owns(this.journal, creates.object) && !this.pending.some((e) => e.object === creates.object) && (await this.host.exists(folderUndo.path)))
      throw new ActionFailed({
        what: `${a.description}: refused, the folder ${folderUndo.path} already exists and was not created by this tool.`,
        why: 'The tool records a folder as its own only when it creates it; uninstall would otherwise delete what was there before.',
        fix: `Choose a folder that does not exist yet (for STATIC_ROOT, a folder of its own such as BASE_DIR / 'staticfiles'), or empty and remove ${folderUndo.path} first, or add "adopt": ["staticRoot"] to take it over.`,
      });
    await this.serial(async () => {
      const add: JournalEntry[] = [...this.pending];
      if (creates && !owns(this.journal, creates.object)) {
        // A folder's missing parents are created with it (C:\\virtualenvs for C:\\virtualenvs\\foo): remove them after it, if empty.
        const parents: Action[] = [];
        const folder = creates.undo.find((u) => u.kind === 'remove');
        if (creates.object.startsWith('folder:') && folder?.kind === 'remove') {
          for (let p = winDirname(folder.path); p.length > 3 && !(await this.host.exists(p)); p = winDirname(p)) parents.push({ kind: 'remove', description: `Remove ${p} if it is empty`, path: p, onlyIfEmpty: true });
        }
        add.push({ object: creates.object, stepId: s.id, at: new Date().toISOString(), runId: this.runId, undo: [...creates.undo, ...parents] });
      }
      this.pending = [];
      if (a.kind === 'editFile' && (await this.host.exists(a.path))) {
        const original = await this.host.readFile(a.path);
        // A settings file may hold secrets: the this.journal keeps the block it had (or none) and a hash, never the file.
        const previous = a.transform === 'django-settings' ? currentSettingsBlock(original) : undefined;
        const undo: Action =
          a.transform === 'django-settings'
            ? { kind: 'editFile', description: previous ? `Put the earlier managed block back in ${a.path}` : `Take the managed block out of ${a.path}`, path: a.path, transform: 'remove-django-settings', originalSha256: sha256(original), ...(previous ? { restoreBlock: previous } : {}) }
            : { kind: 'writeFile', description: `Put ${a.path} back as it was`, path: a.path, content: original };
        add.push({ object: `file:${a.path.toLowerCase()}#${this.runId}`, stepId: s.id, at: new Date().toISOString(), runId: this.runId, undo: [undo] });
      }
      let changed = false;
      if (!this.record) {
        this.record = { runId: this.runId, startedAt: new Date().toISOString() };
        this.journal.runs = [...(this.journal.runs ?? []), this.record];
        changed = true;
      }
      if (!this.record.backup && (await this.host.exists(APPCMD))) {
        this.record.backup = await backupIisConfig(this.host, this.runId, this.keepBackups, this.signal);
        changed = true;
      }
      for (const e of add) if (!owns(this.journal, e.object)) this.journal.entries.push(e);
      if (add.length || changed) await writeJournal(this.host, this.journal);
    });
  }

  /** After an appcmd command: the configuration as this run left it (rollback compares it). */
  async noteConfig(): Promise<void> {
    if (!this.record) return;
    const rec = this.record;
    await this.serial(async () => {
      rec.configHash = await configHash(this.host);
      await writeJournal(this.host, this.journal);
    });
  }

  /** Drops an object from the journal once its undo actions ran (convergence). */
  async forget(object: string): Promise<void> {
    await this.serial(async () => {
      // A parent folder the entry created that is not empty yet (another of this deployment's
      // folders is in it) stays the deployment's, in the entry's place so uninstall removes it last.
      const next: JournalEntry[] = [];
      for (const e of this.journal.entries) {
        if (e.object !== object) next.push(e);
        else {
          // Kept with the run: rolling the run back gives the objects back to the deployment.
          if (this.record) this.record.forgotten = [...(this.record.forgotten ?? []), e];
          for (const u of e.undo)
            if (u.kind === 'remove' && u.onlyIfEmpty && (await this.host.exists(u.path)) && !owns(this.journal, objectKey.parent(u.path)))
              next.push({ object: objectKey.parent(u.path), stepId: e.stepId, at: e.at, ...(e.runId ? { runId: e.runId } : {}), undo: [u] });
        }
      }
      this.journal.entries = next;
      await writeJournal(this.host, this.journal);
    });
  }
}
