/**
 * plan → run → verify. The plan is each step's check (done or needed, with its actions); run
 * executes independent steps concurrently as their dependencies finish, re-checking each step
 * right before applying it, then checking again to prove it. A failed step stops its
 * dependants and keeps what others finished. What a step creates is journaled for uninstall.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { derive, type DeploymentConfig } from '../../shared/config';
import type { Action, EngineEvent, Plan, StepPlan, StepState, VerificationReport } from '../../shared/plan';
import { redact, redactDeep, type Problem } from '../../shared/problem';
import type { StepId } from '../../shared/steps';
import { protectedPathReason, winDirname } from '../../shared/winpath';
import type { Conflict, ProjectReport } from '../../shared/plan';
import { projectView, type ProjectView } from './project';
import { RefusedError } from './refusal';
import { sourceProblems } from './source-check';
import { readRequirementsFile } from './requirements-read';
import { resolveConfig, type Resolved } from './resolve';
import { APPCMD, TOOL_DATA_DIR } from './commands';
import { acquireLock, recordChild } from './lock';
import { withReadCache } from './read-cache';
import { checkCachePath } from './check-cache';

const APPHOST_CONFIG = 'C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config';
const BACKUP_PREFIX = 'DjangoIISSetup-';
import { ProgramNotFoundError, type ExecResult, type Host } from './host';
import { checkOwnership, formatConflicts, journalPath, objectKey, owns, readJournal, writeJournal, type JournalEntry, type RunRecord } from './ownership';
import { applySettingsEdit, currentSettingsBlock, removeSettingsBlock, replaceSettingsBlock } from './settings-edit';
import { removeWebConfigHandlers } from './web-config';
import { appcmdMessage, type CheckResult, type Step, type StepContext } from './step';
import { orderedSteps, STEPS } from './steps';
import { deployCheck, verify } from './verify';

/**
 * The step on whose behalf code runs (check or apply), for observers such as the bench's latency
 * profile, which attributes each program a step runs to it. Behaviour never depends on it.
 */
export const stepScope = new AsyncLocalStorage<StepId>();

export async function plan(input: DeploymentConfig, outer: Host, signal?: AbortSignal): Promise<Plan> {
  // Nothing changes during a plan: every step is checked at once, and each read is made once.
  const host = withReadCache(outer);
  const resolved = await resolveConfig(input, host);
  const config = resolved.config;
  const ctx: StepContext = { config, d: derive(config), host, ...(signal ? { signal } : {}) };
  const journal = await readJournal(host, config.siteName);
  // What the project's settings hand the tool, refused before anything when the plan can know it.
  const view = await projectViewOrRefusal(ctx);
  const { conflicts } = await checkOwnership(config, ctx.d, host, journal, view?.facts ? { staticRoot: view.staticRoot } : undefined);
  const ordered = orderedSteps(STEPS);
  const results = await Promise.all(ordered.map((s) => stepScope.run(s.id, () => safeCheck(s, ctx))));
  const steps: StepPlan[] = ordered.map((s, i) => toStepPlan(s, results[i] as CheckResult));
  const info = await host.info();
  const project = await projectReport(ctx, resolved);
  return { steps, conflicts, project, createdAt: new Date().toISOString(), host: { kind: info.kind, productName: info.productName, ...(info.simulatorRoot ? { simulatorRoot: info.simulatorRoot } : {}) } };
}

/** Thrown by run() before any change when objects of the deployment's names are not its own. */
export class ConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(`Nothing was changed: ${conflicts.length === 1 ? 'an object' : `${conflicts.length} objects`} this deployment would change already exist${conflicts.length === 1 ? 's' : ''} and ${conflicts.length === 1 ? 'is' : 'are'} not this tool's:\n${formatConflicts(conflicts)}`);
  }
}

/** The project as Django reports it; a RefusedError (exit 2, nothing changed) when a value it hands over is refused. */
async function projectViewOrRefusal(ctx: StepContext): Promise<ProjectView | undefined> {
  const reqs = ctx.config.requirementsFile ? await readRequirementsFile(ctx.host, ctx.config, ctx.config.requirementsFile, ctx.d.pythonVersion) : undefined;
  const source = [...(await sourceProblems(ctx)), ...(reqs?.problems ?? [])];
  try {
    const view = await projectView(ctx);
    if (source.length) throw new RefusedError(source);
    return view;
  } catch (e) {
    if (e instanceof RefusedError) throw source.length && !e.problems.includes(source[0] as Problem) ? new RefusedError([...source, ...e.problems]) : e;
    if (source.length) throw new RefusedError(source);
    return undefined;
  }
}

function toStepPlan(s: Step, r: CheckResult): StepPlan {
  return { id: s.id, title: s.title, section: s.section, dependsOn: [...s.dependsOn], status: r.status, reason: r.reason, actions: r.actions, ...(r.problem ? { problem: r.problem } : {}) };
}

async function safeCheck(s: Step, ctx: StepContext): Promise<CheckResult> {
  try {
    return await s.check(ctx);
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return { status: 'blocked', reason: `the check failed: ${msg}`, actions: [], problem: { what: `Checking "${s.title}" failed.`, why: redact(msg), fix: 'Read the log for details; fix the cause and run again.' } };
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  runId?: string;
  /** Replace the generated SECRET_KEY (apply --rotate-secret). */
  rotateSecret?: boolean;
}

export interface RunResult {
  runId: string;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  states: Record<StepId, StepState>;
  problems: Partial<Record<StepId, Problem>>;
  restartRequired: boolean;
  /** Actions executed (every one changes the server). Zero on a server already deployed. */
  mutatingCommands: number;
  verification?: VerificationReport;
}

export { readJournal } from './ownership';
export { RefusedError } from './refusal';

/** A refusal met during a run (the project's settings became known only then) as the step's problem. */
function refusalProblem(e: RefusedError): Problem {
  const [first, ...rest] = e.problems;
  return {
    what: `Stopped before acting on it: ${first?.what ?? e.message}${rest.length ? ` (and ${rest.length} more: ${rest.map((p) => p.what).join(' ')})` : ''}`,
    why: first?.why ?? '',
    fix: first?.fix ?? 'Fix the project\'s settings and run again.',
  };
}

class ActionFailed extends Error {
  constructor(readonly problem: Problem) {
    super(problem.what);
  }
}

/** What the plan learnt from the project (Django's own answers), for the plan view and the CLI. */
async function projectReport(ctx: StepContext, resolved: Resolved): Promise<ProjectReport> {
  const view = await projectView(ctx).catch(() => undefined);
  const warnings: string[] = [];
  if (view?.probeError) warnings.push(`The settings ${ctx.d.settingsModule} do not load: ${view.probeError.error}`);
  if (view?.facts?.DEBUG) warnings.push('DEBUG is on: turn it off for production.');
  if (view?.facts) warnings.push(...(await deployCheck(ctx, view.wsgiHandler).catch(() => [])));
  const f = view?.facts;
  const reqs = ctx.config.requirementsFile ? await readRequirementsFile(ctx.host, ctx.config, ctx.config.requirementsFile, ctx.d.pythonVersion).catch(() => undefined) : undefined;
  const pipOptions = reqs?.options.length ? [`pip options in the requirements: ${reqs.options.join('; ')}`] : [];
  return {
    inspected: Boolean(f),
    notes: [...resolved.notes, ...(view?.notes ?? []), ...pipOptions],
    warnings,
    ...(view ? { staticUrl: view.staticUrl, staticRoot: view.staticRoot } : {}),
    ...(view?.media ? { mediaUrl: view.media.url, mediaRoot: view.media.root } : {}),
    ...(f?.database ? { database: view?.sqliteFile ? `SQLite ${view.sqliteFile}` : f.database.engine } : {}),
    pythonVersion: ctx.d.pythonVersion,
    pythonSource: resolved.pythonSource,
  };
}

/** Runs the deployment, one run at a time per server (the lock). */
export async function run(input: DeploymentConfig, host: Host, opts: RunOptions = {}): Promise<RunResult> {
  const release = await acquireLock(host, `apply of "${input.siteName}"`);
  try {
    return await runLocked(input, host, opts);
  } finally {
    await release();
  }
}

async function runLocked(input: DeploymentConfig, outer: Host, opts: RunOptions = {}): Promise<RunResult> {
  const host = withReadCache(outer);
  const config = (await resolveConfig(input, host)).config;
  const runId = opts.runId ?? randomUUID();
  const emit = (e: EngineEvent) => opts.onEvent?.(redactDeep(e));
  const steps = orderedSteps(STEPS);
  const d = derive(config);
  let verification: VerificationReport | undefined;
  const ctx: StepContext = { config, d, host, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.rotateSecret ? { rotateSecret: true } : {}) };
  const states = Object.fromEntries(steps.map((s) => [s.id, 'pending'])) as Record<StepId, StepState>;
  const problems: Partial<Record<StepId, Problem>> = {};
  let restartRequired = false;
  let mutating = 0;
  const journal = await readJournal(host, config.siteName);
  const view = await projectViewOrRefusal(ctx);
  const ownership = await checkOwnership(config, d, host, journal, view?.facts ? { staticRoot: view.staticRoot } : undefined);
  if (ownership.conflicts.length > 0) throw new ConflictError(ownership.conflicts);
  let pendingAdoptions: JournalEntry[] = ownership.adoptions.filter((e) => !owns(journal, e.object)).map((e) => ({ ...e, runId }));
  let journalChain: Promise<void> = Promise.resolve();
  let runRecord: RunRecord | undefined;
  const serial = async (f: () => Promise<void>): Promise<void> => {
    journalChain = journalChain.then(f);
    await journalChain;
  };
  /**
   * Before every change: the IIS configuration is backed up with IIS's own mechanism before the
   * run's first change to it; what the action creates (and adoptions) is journaled, atomically.
   */
  const journalBefore = async (s: Step, a: Action): Promise<void> => {
    const creates = a.kind === 'exec' || a.kind === 'mkdir' ? a.creates : undefined;
    // A folder that existed before the run is never journaled as created (uninstall would delete what was there).
    const folderUndo = creates?.object.startsWith('folder:') ? creates.undo.find((u) => u.kind === 'remove') : undefined;
    if (creates && folderUndo?.kind === 'remove' && !owns(journal, creates.object) && !pendingAdoptions.some((e) => e.object === creates.object) && (await host.exists(folderUndo.path)))
      throw new ActionFailed({
        what: `${a.description}: refused, the folder ${folderUndo.path} already exists and was not created by this tool.`,
        why: 'The tool records a folder as its own only when it creates it; uninstall would otherwise delete what was there before.',
        fix: `Choose a folder that does not exist yet (for STATIC_ROOT, a folder of its own such as BASE_DIR / 'staticfiles'), or empty and remove ${folderUndo.path} first, or add "adopt": ["staticRoot"] to take it over.`,
      });
    await serial(async () => {
      const add: JournalEntry[] = [...pendingAdoptions];
      if (creates && !owns(journal, creates.object)) {
        // A folder's missing parents are created with it (C:\\virtualenvs for C:\\virtualenvs\\foo): remove them after it, if empty.
        const parents: Action[] = [];
        const folder = creates.undo.find((u) => u.kind === 'remove');
        if (creates.object.startsWith('folder:') && folder?.kind === 'remove') {
          for (let p = winDirname(folder.path); p.length > 3 && !(await host.exists(p)); p = winDirname(p)) parents.push({ kind: 'remove', description: `Remove ${p} if it is empty`, path: p, onlyIfEmpty: true });
        }
        add.push({ object: creates.object, stepId: s.id, at: new Date().toISOString(), runId, undo: [...creates.undo, ...parents] });
      }
      pendingAdoptions = [];
      if (a.kind === 'editFile' && (await host.exists(a.path))) {
        const original = await host.readFile(a.path);
        // A settings file may hold secrets: the journal keeps the block it had (or none) and a hash, never the file.
        const previous = a.transform === 'django-settings' ? currentSettingsBlock(original) : undefined;
        const undo: Action =
          a.transform === 'django-settings'
            ? { kind: 'editFile', description: previous ? `Put the earlier managed block back in ${a.path}` : `Take the managed block out of ${a.path}`, path: a.path, transform: 'remove-django-settings', originalSha256: sha256(original), ...(previous ? { restoreBlock: previous } : {}) }
            : { kind: 'writeFile', description: `Put ${a.path} back as it was`, path: a.path, content: original };
        add.push({ object: `file:${a.path.toLowerCase()}#${runId}`, stepId: s.id, at: new Date().toISOString(), runId, undo: [undo] });
      }
      let changed = false;
      if (!runRecord) {
        runRecord = { runId, startedAt: new Date().toISOString() };
        journal.runs = [...(journal.runs ?? []), runRecord];
        changed = true;
      }
      if (!runRecord.backup && (await host.exists(APPCMD))) {
        runRecord.backup = await backupIisConfig(host, runId, config.keepBackups, opts.signal);
        changed = true;
      }
      for (const e of add) if (!owns(journal, e.object)) journal.entries.push(e);
      if (add.length || changed) await writeJournal(host, journal);
    });
  };
  /** After an appcmd command: the configuration as this run left it (rollback compares it). */
  const noteConfig = async (): Promise<void> => {
    if (!runRecord) return;
    const rec = runRecord;
    await serial(async () => {
      rec.configHash = await configHash(host);
      await writeJournal(host, journal);
    });
  };
  const setState = (s: Step, state: StepState, extra: { detail?: string; problem?: Problem; restartRequired?: boolean } = {}) => {
    states[s.id] = state;
    if (extra.problem) problems[s.id] = extra.problem;
    emit({ type: 'step-state', runId, stepId: s.id, state, ...extra });
  };
  emit({ type: 'run-started', runId, steps: steps.map((s) => ({ id: s.id, title: s.title, section: s.section })) });
  const finished = (st: StepState) => st === 'done' || st === 'already-done';
  const terminal = (st: StepState) => st !== 'pending' && st !== 'checking' && st !== 'running';
  const progress = () => emit({ type: 'progress', runId, completed: steps.filter((s) => terminal(states[s.id])).length, total: steps.length });

  const execAction = async (s: Step, a: Action, index: number): Promise<void> => {
    emit({ type: 'action', runId, stepId: s.id, index, action: a, state: 'started' });
    mutating++;
    host.invalidate();
    try {
      await journalBefore(s, a);
      switch (a.kind) {
        case 'exec': {
          let r: ExecResult;
          try {
            r = await host.exec(a.file, a.args, {
              ...(a.cwd ? { cwd: a.cwd } : {}),
              ...(a.env ? { env: a.env } : {}),
              timeoutMs: timeoutFor(a.file, config, a.args),
              ...(opts.signal ? { signal: opts.signal } : {}),
              onLine: (stream, line) => emit({ type: 'output', runId, stepId: s.id, stream, line: redact(line) }),
              onSpawn: (pid) => recordChild(pid, redact([a.file.split('\\').at(-1) ?? a.file, ...a.args.slice(0, 3)].join(' ')).slice(0, 200)),
            });
          } catch (e) {
            if (e instanceof ProgramNotFoundError)
              throw new ActionFailed({ what: `${a.file} was not found.`, why: 'The program this action runs is not on the server (an earlier step may not have installed it).', fix: 'Run the steps before it again, then retry.', command: [a.file, ...a.args] });
            throw e;
          }
          if (a.file === APPCMD) await noteConfig();
          if (r.killed && !opts.signal?.aborted)
            throw new ActionFailed({
              what: `${a.description}: ${a.file} did not finish within ${Math.round(timeoutFor(a.file, config, a.args) / 1000)} s and was stopped.`,
              why: `The program hung (${a.file.split('\\').at(-1) ?? a.file} may be waiting for input, a pending Windows restart, or a locked file).`,
              fix: `Look for a prompt or a pending restart on the server, then retry. If it is only slow, raise timeouts.${a.args[0] === '-m' && a.args[1] === 'pip' ? 'pip' : timeoutKey(a.file)} (seconds) in the configuration.`,
              command: [a.file, ...a.args],
            });
          if (opts.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
          if ((a.restartExitCodes ?? []).includes(r.exitCode)) restartRequired = true;
          else if (!(a.okExitCodes ?? [0]).includes(r.exitCode)) {
            const explained = s.explain?.(a, r, ctx);
            const out = redact(`${r.stdout}${r.stderr}`.trim());
            throw new ActionFailed(
              explained ?? {
                what: `${a.description}: the command failed (exit ${r.exitCode}).`,
                why: redact(appcmdMessage(r)) || 'The command printed nothing.',
                fix: 'Read the command and its output below, fix the cause, then retry: finished steps are skipped.',
                command: [a.file, ...a.args],
                exitCode: r.exitCode,
                output: out.split(/\r?\n/).slice(-20).join('\n'),
              },
            );
          }
          break;
        }
        case 'mkdir':
          await host.mkdir(a.path);
          break;
        case 'remove': {
          const why = protectedPathReason(a.path);
          if (why) throw new ActionFailed({ what: `${a.description}: refused.`, why: `${a.path} is ${why}; the tool never deletes it.`, fix: 'Remove the entry for it from the deployment journal only if you are sure, or leave it.' });
          if (a.onlyIfEmpty && (await host.readDir(a.path).catch(() => ['?'])).length > 0) break;
          await host.remove(a.path);
          break;
        }
        case 'forget':
          await serial(async () => {
            // A parent folder the entry created that is not empty yet (another of this deployment's
            // folders is in it) stays the deployment's, in the entry's place so uninstall removes it last.
            const next: JournalEntry[] = [];
            for (const e of journal.entries) {
              if (e.object !== a.object) next.push(e);
              else {
                // Kept with the run: rolling the run back gives the objects back to the deployment.
                if (runRecord) runRecord.forgotten = [...(runRecord.forgotten ?? []), e];
                for (const u of e.undo)
                  if (u.kind === 'remove' && u.onlyIfEmpty && (await host.exists(u.path)) && !owns(journal, objectKey.parent(u.path)))
                    next.push({ object: objectKey.parent(u.path), stepId: e.stepId, at: e.at, ...(e.runId ? { runId: e.runId } : {}), undo: [u] });
              }
            }
            journal.entries = next;
            await writeJournal(host, journal);
          });
          break;
        case 'download':
          await host.download(a.url, a.path, opts.signal);
          break;
        case 'editFile': {
          if (!(await host.exists(a.path)))
            throw new ActionFailed({ what: `${a.path} does not exist.`, why: 'The settings module in the configuration does not match the project.', fix: 'Set settingsModule to the project\'s settings (e.g. "mysite.settings") and run again.' });
          const current = await host.readFile(a.path);
          if (a.transform === 'web-config-without-handlers') {
            await host.writeFile(a.path, removeWebConfigHandlers(current));
            break;
          }
          const next = a.transform === 'django-settings' ? applySettingsEdit(current, a.values) : removeSettingsBlock(current);
          await assertPythonCompiles(host, d.venvPython, a.path, next, opts.signal);
          await host.writeFile(a.path, next);
          break;
        }
      }
      emit({ type: 'action', runId, stepId: s.id, index, action: a, state: 'finished' });
    } catch (e) {
      emit({ type: 'action', runId, stepId: s.id, index, action: a, state: 'failed' });
      throw e;
    } finally {
      host.invalidate();
    }
  };

  const runStep = async (s: Step): Promise<void> => {
    setState(s, 'checking');
    const before = await s.check(ctx);
    if (before.verification) verification = before.verification;
    if (before.status === 'done') return setState(s, 'already-done', { detail: before.reason });
    if (before.status === 'blocked' || before.actions.length === 0)
      return setState(s, 'failed', { detail: before.reason, problem: before.problem ?? { what: `${s.title}: ${before.reason}.`, why: before.reason, fix: 'Fix the cause and run again.' } });
    setState(s, 'running', { detail: before.reason });
    let index = 0;
    for (const a of before.actions) await execAction(s, a, index++);
    const after = await s.check(ctx);
    if (after.verification) verification = after.verification;
    if (after.status !== 'done')
      return setState(s, 'failed', { detail: after.reason, problem: after.problem ?? { what: `${s.title}: the changes were made but the check still finds: ${after.reason}.`, why: 'The server did not take the change as expected.', fix: 'Read the log; fix the cause and retry.' } });
    setState(s, 'done', { detail: after.reason, ...(restartRequired ? { restartRequired } : {}) });
  };

  const running = new Map<StepId, Promise<void>>();
  for (;;) {
    if (opts.signal?.aborted) {
      for (const s of steps) if (states[s.id] === 'pending') setState(s, 'cancelled');
    }
    for (const s of steps) {
      if (states[s.id] !== 'pending') continue;
      const depStates = s.dependsOn.map((dep) => states[dep]);
      if (depStates.some((st) => st === 'failed' || st === 'skipped' || st === 'cancelled')) {
        setState(s, 'skipped', { detail: `waits for ${s.dependsOn.filter((dep) => !finished(states[dep])).join(', ')}` });
        progress();
      }
    }
    for (const s of steps) {
      if (states[s.id] !== 'pending' || running.has(s.id)) continue;
      if (!s.dependsOn.every((dep) => finished(states[dep]))) continue;
      const p = stepScope
        .run(s.id, () => runStep(s))
        .catch((e: unknown) => {
          if (opts.signal?.aborted || (e instanceof Error && e.name === 'AbortError')) setState(s, 'cancelled', { detail: 'cancelled' });
          else if (e instanceof ActionFailed) setState(s, 'failed', { problem: e.problem });
          else if (e instanceof RefusedError) setState(s, 'failed', { problem: refusalProblem(e) });
          else setState(s, 'failed', { problem: { what: `${s.title} failed.`, why: redact(e instanceof Error ? e.message : String(e)), fix: 'Read the log for details; fix the cause and retry.' } });
        })
        .finally(() => {
          running.delete(s.id);
          progress();
        });
      running.set(s.id, p);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  const states_ = Object.values(states);
  const outcome = states_.some((s) => s === 'cancelled') ? 'cancelled' : states_.every(finished) ? 'succeeded' : 'failed';
  if (verification) emit({ type: 'verification', runId, report: verification });
  emit({ type: 'run-finished', runId, outcome, restartRequired, mutatingCommands: mutating });
  return { runId, outcome, states, problems, restartRequired, mutatingCommands: mutating, ...(verification ? { verification } : {}) };
}

/**
 * Checks that the new content of a settings file is valid Python with the venv's own Python
 * before it replaces the file (a temporary copy under the tool's folder is compiled).
 */
async function assertPythonCompiles(host: Host, python: string, file: string, content: string, signal?: AbortSignal): Promise<void> {
  if (!(await host.exists(python))) return;
  const tmpDir = `${TOOL_DATA_DIR}\\tmp`;
  const tmp = `${tmpDir}\\settings-check-${randomUUID().slice(0, 8)}.py`;
  await host.mkdir(tmpDir);
  await host.writeFile(tmp, content);
  try {
    const r = await host.exec(python, ['-m', 'py_compile', tmp], signal ? { signal } : {});
    if (r.exitCode !== 0)
      throw new ActionFailed({
        what: `The edited ${file} would not be valid Python, so it was not written.`,
        why: redact(`${r.stderr}${r.stdout}`.trim().split(/\r?\n/).slice(-3).join(' ')) || 'py_compile failed.',
        fix: 'The file is unchanged. Check the values that go into settings (staticRoot, allowedHosts) and the settings file itself, then run again.',
        command: [python, '-m', 'py_compile', tmp],
        exitCode: r.exitCode,
      });
  } finally {
    await host.remove(tmp);
  }
}

/**
 * An undo whose object is already gone is not a failure. Decided by exit code, never by the
 * message (it is in the server's language): appcmd 1168 (ERROR_NOT_FOUND) and 4312 (object not
 * found); icacls 2/3 (file or path not found).
 */
function alreadyGone(file: string, exitCode: number): boolean {
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

const KEPT = 'Windows features the tool enabled (IIS, CGI), HttpPlatformHandler (when it installed it) and Python are kept: other software may use them.';

/**
 * Undoes journal entries, newest first. Missing objects are not errors; a protected folder is
 * never deleted, whatever the journal says. Returns the entries whose undo failed.
 */
async function undoEntries(host: Host, entries: JournalEntry[], out: UninstallResult, opts: { skipAppcmd?: boolean; onLine?: (line: string) => void } = {}): Promise<JournalEntry[]> {
  const failed: JournalEntry[] = [];
  for (const entry of [...entries].reverse()) {
    let ok = true;
    for (const a of entry.undo) {
      if (opts.skipAppcmd && a.kind === 'exec' && a.file === APPCMD) continue;
      opts.onLine?.(a.description);
      if (a.kind === 'exec') {
        let r: ExecResult;
        try {
          r = await host.exec(a.file, a.args, { timeoutMs: 120_000 });
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
        await host.remove(a.path);
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
export async function uninstall(host: Host, siteName: string, onLine?: (line: string) => void): Promise<UninstallResult> {
  const release = await acquireLock(host, `uninstall of "${siteName}"`);
  try {
    const j = await readJournal(host, siteName);
    const out: UninstallResult = { removed: [], problems: [], restored: [], kept: [KEPT] };
    const failed = await undoEntries(host, j.entries, out, onLine ? { onLine } : {});
    if (failed.length === 0) {
      await host.remove(journalPath(siteName));
      await host.remove(checkCachePath(siteName)).catch(() => undefined);
    }
    else await writeJournal(host, { ...j, entries: failed, runs: [] });
    return out;
  } finally {
    await release();
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of applicationHost.config, or '' when IIS is not installed. */
async function configHash(host: Host): Promise<string> {
  if (!(await host.exists(APPHOST_CONFIG))) return '';
  return createHash('sha256').update(await host.readFile(APPHOST_CONFIG)).digest('hex');
}

/** appcmd add backup "DjangoIISSetup-<time>-<run>"; older ones of this tool beyond keep are deleted. */
async function backupIisConfig(host: Host, runId: string, keep: number, signal?: AbortSignal): Promise<string | undefined> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const name = `${BACKUP_PREFIX}${stamp}-${runId.slice(0, 8)}`;
  const r = await host.exec(APPCMD, ['add', 'backup', name], { timeoutMs: 120_000, ...(signal ? { signal } : {}) });
  if (r.exitCode !== 0) return undefined;
  const list = await host.exec(APPCMD, ['list', 'backup'], { timeoutMs: 120_000 });
  const ours = [...list.stdout.matchAll(/BACKUP "([^"]+)"/g)].map((m) => m[1] as string).filter((n) => n.startsWith(BACKUP_PREFIX)).sort();
  for (const old of ours.slice(0, Math.max(0, ours.length - keep))) await host.exec(APPCMD, ['delete', 'backup', old], { timeoutMs: 120_000 });
  return name;
}

/** Timeouts per program (ms): DISM and the Python installer take minutes; appcmd seconds. */
export function timeoutFor(file: string, config: DeploymentConfig, args: readonly string[] = []): number {
  const key = args[0] === '-m' && args[1] === 'pip' ? 'pip' : timeoutKey(file);
  return (config.timeouts[key] ?? DEFAULT_TIMEOUTS[key]) * 1000;
}

const DEFAULT_TIMEOUTS = { dism: 3600, pythonInstaller: 1800, pip: 1800, python: 1200, appcmd: 120, icacls: 1800, other: 600 } as const;

export function timeoutKey(file: string): keyof typeof DEFAULT_TIMEOUTS {
  const f = file.toLowerCase();
  if (f.endsWith('dism.exe')) return 'dism';
  if (/python-[\d.]+-amd64\.exe$/.test(f) || f.includes('installer')) return 'pythonInstaller';
  if (f.endsWith('appcmd.exe')) return 'appcmd';
  if (f.endsWith('icacls.exe')) return 'icacls';
  if (f.endsWith('python.exe')) return 'python';
  return 'other';
}

export { verify };

/**
 * Verification with its fixes made honest: a cause is offered as fixable only when at least one
 * of the steps that repair it finds something to change on this server (their checks are
 * read-only); otherwise the report says the steps find nothing, and the cause is the person's.
 */
export async function verifyWithFixes(input: DeploymentConfig, host: Host, signal?: AbortSignal): Promise<VerificationReport> {
  const report = await verify(input, host, signal);
  if (report.ok || !report.diagnoses.some((g) => g.fixable)) return report;
  const config = (await resolveConfig(input, host)).config;
  const ctx: StepContext = { config, d: derive(config), host, ...(signal ? { signal } : {}) };
  for (const g of report.diagnoses.filter((x) => x.fixable)) {
    const checks: [Step, CheckResult][] = [];
    for (const id of g.fixSteps) {
      const step = STEPS.find((s) => s.id === id);
      if (step) checks.push([step, await safeCheck(step, ctx)]);
    }
    const needed = checks.filter(([, r]) => r.status !== 'done');
    if (needed.length === 0) {
      g.fixable = false;
      g.evidence.push(`The steps that would repair it (${checks.map(([s]) => s.title).join(', ')}) find nothing to change, so the cause lies outside what the tool sets: follow "What to do".`);
    } else g.evidence.push(...needed.map(([s, r]) => `verify --fix: "${s.title}" will run (${redact(r.reason)}).`));
  }
  return report;
}
