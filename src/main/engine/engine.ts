/**
 * plan → run → verify. The plan is each step's check (done or needed, with its actions); run
 * executes independent steps concurrently as their dependencies finish, re-checking each step
 * right before applying it, then checking again to prove it. A failed step stops its
 * dependants and keeps what others finished. What a step creates is journaled for uninstall.
 */
import { certificate, chosenThumbprint } from './steps/certificate';
import { httpsBindingConflict } from './steps/https-binding';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { derive, type DeploymentConfig } from '../../shared/config';
import { breakingSourceMigrations, summarizeSourceMigrations } from './release/migration-source';
import type { EngineEvent, Plan, StepPlan, StepState, VerificationReport } from '../../shared/plan';
import { redact, redactDeep, type Problem } from '../../shared/problem';
import type { StepId } from '../../shared/steps';
import type { Conflict, ProjectReport } from '../../shared/plan';
import { currentAppEnv, projectView, type ProjectView } from './project';
import { dropBackupsHoldingOldSecret } from './iis-backup';
import { RefusedError } from './refusal';
import { sourceProblems } from './source-check';
import { readRequirementsFile } from './requirements-read';
import { type Resolved } from './resolve';
import { resolveDeployment, type ReleaseTarget } from './release/layout';
import { markVerified, releaseSummary, sealRelease } from './release/summary';
import { historyToWhatServes } from './release/registry';
import { acquireLock } from './lock';
import { RunJournal } from './run-journal';
import { executeAction, type ExecContext } from './execute';
import { finished, terminal, walkSteps } from './schedule';
import { deploymentMove } from './move';
import { withReadCache } from './read-cache';
import { type Host } from './host';
import { checkOwnership, formatConflicts, owns, readJournal, writeJournal, type Journal, type Ownership, type RunOutcome } from './ownership';
import { type CheckResult, type Step, type StepContext } from './step';
import { orderedSteps, STEPS } from './steps';
import { deployCheck, verify } from './verify';
import { ActionFailed } from './action-failed';
import { TOOL_DATA_DIR } from './commands';
import { assertToolDataSecured } from './tool-data';

/**
 * The step on whose behalf code runs (check or apply), for observers such as the bench's latency
 * profile, which attributes each program a step runs to it. Behaviour never depends on it.
 */
export const stepScope = new AsyncLocalStorage<StepId>();

export async function plan(input: DeploymentConfig, outer: Host, signal?: AbortSignal, target: ReleaseTarget = { kind: 'source' }): Promise<Plan> {
  // The tool's folder (its journals and history, which a plan reads and trusts) is checked on its
  // whole tree first and given its ACL again when someone loosened it, as every run does.
  if (await outer.exists(TOOL_DATA_DIR)) await assertToolDataSecured(outer);
  // Nothing else changes during a plan: every step is checked at once, and each read is made once.
  const host = withReadCache(outer);
  const dep = await resolveDeployment(input, host, target);
  const resolved = dep.resolved;
  const config = dep.config;
  const ctx: StepContext = { config, d: derive(config), host, ...(signal ? { signal } : {}), ...(dep.release ? { release: dep.release } : {}) };
  const journal = await readJournal(host, config.siteName);
  // What the project's settings hand the tool, refused before anything when the plan can know it.
  const { view, pipOptions } = await projectViewOrRefusal(ctx);
  const { conflicts } = await checkOwnership(config, ctx.d, host, journal, view?.facts ? { staticRoot: view.staticRoot } : undefined);
  const ordered = orderedSteps(STEPS);
  const results = await Promise.all(ordered.map((s) => stepScope.run(s.id, () => safeCheck(s, ctx))));
  const steps: StepPlan[] = ordered.map((s, i) => toStepPlan(s, results[i] as CheckResult));
  const info = await host.info();
  const project = await projectReport(ctx, resolved, view, pipOptions);
  const move = await deploymentMove(ctx, journal, steps);
  const release = dep.release ? releaseSummary(dep.release, view) : undefined;
  if (release) await summarizeSourceMigrations(ctx, release);
  return { steps, conflicts, project, ...(move ? { move } : {}), ...(release ? { release } : {}), createdAt: new Date().toISOString(), host: { kind: info.kind, productName: info.productName, ...(info.simulatorRoot ? { simulatorRoot: info.simulatorRoot } : {}) } };
}

/** Objects of the deployment's names that are not its own (what run() refuses on), for the release the run is about. */
export async function ownershipConflicts(input: DeploymentConfig, host: Host, target: ReleaseTarget = { kind: 'source' }): Promise<Conflict[]> {
  const dep = await resolveDeployment(input, host, target);
  return (await checkOwnership(dep.config, derive(dep.config), host, await readJournal(host, dep.config.siteName))).conflicts;
}

/** Thrown by run() before any change when objects of the deployment's names are not its own. */
export class ConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(`Nothing was changed: ${conflicts.length === 1 ? 'an object' : `${conflicts.length} objects`} this deployment would change already exist${conflicts.length === 1 ? 's' : ''} and ${conflicts.length === 1 ? 'is' : 'are'} not this tool's:\n${formatConflicts(conflicts)}`);
  }
}

/**
 * What the project hands over, as Django reports it, with the pip options of its requirements;
 * a RefusedError (exit 2, nothing changed) naming every value that is refused (links in the
 * source, requirement lines, settings paths). The view is undefined when the project cannot be
 * read yet (a fresh server).
 */
export async function projectViewOrRefusal(ctx: StepContext): Promise<{ view?: ProjectView; pipOptions: string[] }> {
  const reqs = ctx.config.requirementsFile ? await readRequirementsFile(ctx.host, ctx.config, ctx.config.requirementsFile, ctx.d.pythonVersion) : undefined;
  const refused = [...(await sourceProblems(ctx)), ...(reqs?.problems ?? [])];
  let view: ProjectView | undefined;
  try {
    view = await projectView(ctx);
  } catch (e) {
    if (e instanceof RefusedError) refused.push(...e.problems);
  }
  if (refused.length) throw new RefusedError(refused);
  return { ...(view ? { view } : {}), pipOptions: reqs?.options ?? [] };
}

export function toStepPlan(s: Step, r: CheckResult): StepPlan {
  return { id: s.id, title: s.title, section: s.section, dependsOn: [...s.dependsOn], status: r.status, reason: r.reason, actions: r.actions, ...(r.problem ? { problem: r.problem } : {}) };
}

export async function safeCheck(s: Step, ctx: StepContext): Promise<CheckResult> {
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
  /** The release to deploy (default: the source's), or one to go back to (go-back). */
  target?: ReleaseTarget;
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
export { rollback, rollbackPreview, uninstall, type RollbackPreview, type RollbackResult, type UninstallResult } from './undo';
export { timeoutFor, timeoutKey } from './timeouts';
export { RefusedError } from './refusal';

/** A refusal met during a run (the project's settings became known only then) as the step's problem. */
export function refusalProblem(e: RefusedError): Problem {
  const [first, ...rest] = e.problems;
  return {
    what: `Stopped before acting on it: ${first?.what ?? e.message}${rest.length ? ` (and ${rest.length} more: ${rest.map((p) => p.what).join(' ')})` : ''}`,
    why: first?.why ?? '',
    fix: first?.fix ?? 'Fix the project\'s settings and run again.',
  };
}

/** What the plan learnt from the project (Django's own answers), for the plan view and the CLI. */
export async function projectReport(ctx: StepContext, resolved: Resolved, view: ProjectView | undefined, options: string[]): Promise<ProjectReport> {
  const warnings: string[] = [];
  if (view?.probeError) warnings.push(`The settings ${ctx.d.settingsModule} do not load: ${view.probeError.error}`);
  if (view?.facts?.DEBUG) warnings.push('DEBUG is on: turn it off for production.');
  if (view?.facts) warnings.push(...(await deployCheck(ctx, view.wsgiHandler).catch(() => [])));
  const f = view?.facts;
  const pipOptions = options.length ? [`pip options in the requirements: ${options.join('; ')}`] : [];
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
    // The history says what serves before anything is decided from it.
    await historyToWhatServes(host, input.siteName);
    return await runLocked(input, host, opts);
  } finally {
    await release();
  }
}

async function runLocked(input: DeploymentConfig, outer: Host, opts: RunOptions = {}): Promise<RunResult> {
  const host = withReadCache(outer);
  const dep = await resolveDeployment(input, host, opts.target ?? { kind: 'source' });
  const config = dep.config;
  const runId = opts.runId ?? randomUUID();
  const emit = (e: EngineEvent) => opts.onEvent?.(redactDeep(e));
  const steps = orderedSteps(STEPS);
  const d = derive(config);
  const ctx: StepContext = { config, d, host, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.rotateSecret ? { rotateSecret: true } : {}), ...(dep.release ? { release: dep.release } : {}) };
  // 1. Before anything changes: what the project hands over, and objects of the same names that are not ours.
  const journal = await readJournal(host, config.siteName);
  const ownership = await refuseBeforeChange(ctx, journal).catch(async (e: unknown) => {
    // Refused: nothing changed, but it is the newest run (rollback never reaches past it).
    if (e instanceof RefusedError || e instanceof ConflictError) await noteLatestRun(host, journal, runId, 'refused', false);
    throw e;
  });
  const adoptions = ownership.adoptions.filter((e) => !owns(journal, e.object)).map((e) => ({ ...e, runId }));
  const record = new RunJournal(host, journal, runId, config.keepBackups, adoptions, opts.signal);
  // 2. The steps, as the DAG allows; each checked, applied action by action (journaled first), checked again.
  const states = Object.fromEntries(steps.map((s) => [s.id, 'pending'])) as Record<StepId, StepState>;
  const problems: Partial<Record<StepId, Problem>> = {};
  let verification: VerificationReport | undefined;
  let restartRequired = false;
  let mutating = 0;
  const setState = (s: Step, state: StepState, extra: { detail?: string; problem?: Problem; restartRequired?: boolean } = {}) => {
    states[s.id] = state;
    if (extra.problem) problems[s.id] = extra.problem;
    emit({ type: 'step-state', runId, stepId: s.id, state, ...extra });
  };
  const x: ExecContext = { host, config, d, ctx, runId, journal: record, ...(opts.signal ? { signal: opts.signal } : {}), emit, counted: () => void mutating++, restart: () => void (restartRequired = true) };
  const runStep = async (s: Step): Promise<void> => {
    setState(s, 'checking');
    const before = await s.check(ctx);
    if (before.verification) verification = before.verification;
    if (before.status === 'done') return setState(s, 'already-done', { detail: before.reason });
    if (before.status === 'blocked' || before.actions.length === 0)
      return setState(s, 'failed', { detail: before.reason, problem: before.problem ?? { what: `${s.title}: ${before.reason}.`, why: before.reason, fix: 'Fix the cause and run again.' } });
    setState(s, 'running', { detail: before.reason });
    let index = 0;
    for (const a of before.actions) await executeAction(x, s, a, index++);
    const after = await s.check(ctx);
    if (after.verification) verification = after.verification;
    if (after.status !== 'done')
      return setState(s, 'failed', { detail: after.reason, problem: after.problem ?? { what: `${s.title}: the changes were made but the check still finds: ${after.reason}.`, why: 'The server did not take the change as expected.', fix: 'Read the log; fix the cause and retry.' } });
    setState(s, 'done', { detail: after.reason, ...(restartRequired ? { restartRequired } : {}) });
  };
  const onError = (s: Step, e: unknown) => {
    if (opts.signal?.aborted || (e instanceof Error && e.name === 'AbortError')) setState(s, 'cancelled', { detail: 'cancelled' });
    else if (e instanceof ActionFailed) setState(s, 'failed', { problem: e.problem });
    else if (e instanceof RefusedError) setState(s, 'failed', { problem: refusalProblem(e) });
    else setState(s, 'failed', { problem: { what: `${s.title} failed.`, why: redact(e instanceof Error ? e.message : String(e)), fix: 'Read the log for details; fix the cause and retry.' } });
  };
  emit({ type: 'run-started', runId, steps: steps.map((s) => ({ id: s.id, title: s.title, section: s.section })) });
  const progress = () => emit({ type: 'progress', runId, completed: steps.filter((s) => terminal(states[s.id])).length, total: steps.length });
  await walkSteps({ steps, states, setState, runStep: (s) => stepScope.run(s.id, () => runStep(s)), onError, progress, ...(opts.signal ? { signal: opts.signal } : {}) });
  // 3. The outcome (verification is the last step's).
  const all = Object.values(states);
  const outcome = all.some((s) => s === 'cancelled') ? 'cancelled' : all.every(finished) ? 'succeeded' : 'failed';
  if (verification) emit({ type: 'verification', runId, report: verification });
  if (dep.release && verification?.ok && outcome === 'succeeded') await markVerified(host, config.siteName, dep.release.target.number);
  if (dep.release && outcome === 'succeeded') await sealRelease(host, config.siteName, dep.release.target.number);
  const rec = journal.runs?.find((r) => r.runId === runId);
  if (rec) Object.assign(rec, { outcome, finishedAt: new Date().toISOString() });
  // A rotated key leaves no copy of the old one in the tool's IIS backups (rollback then removes entries instead of restoring).
  if (opts.rotateSecret && outcome === 'succeeded' && config.secretKey) {
    const now = (await currentAppEnv(ctx)) ?? {};
    const value = Object.entries(now).find(([k]) => k.toUpperCase() === config.secretKey?.env.toUpperCase())?.[1];
    const dropped = value ? await dropBackupsHoldingOldSecret(host, config.secretKey.env, value) : [];
    for (const r of journal.runs ?? []) if (r.backup && dropped.includes(r.backup)) delete r.backup;
    if (dropped.length) emit({ type: 'output', runId, stepId: 'fastcgi', stream: 'stdout', line: `The old secret key was in ${dropped.length} of this tool's IIS configuration backups; they are deleted (rollback removes this tool's entries instead of restoring them).` });
  }
  await noteLatestRun(host, journal, runId, outcome, rec !== undefined);
  emit({ type: 'run-finished', runId, outcome, restartRequired, mutatingCommands: mutating });
  return { runId, outcome, states, problems, restartRequired, mutatingCommands: mutating, ...(verification ? { verification } : {}) };
}

/** What stops a run before its first change: the project's values, the HTTPS certificate, objects of the deployment's names that are not its own. */
async function refuseBeforeChange(ctx: StepContext, journal: Journal): Promise<Ownership> {
  const { view } = await projectViewOrRefusal(ctx);
  // The HTTPS certificate: one the server lacks (or cannot use) stops the run before any change (the plan shows the step blocked).
  const cert = ctx.config.https ? await certificate.check(ctx) : undefined;
  if (cert?.status === 'blocked' && cert.problem) throw new RefusedError([cert.problem]);
  // Another site's https binding, or HTTP.sys's binding of another program: before the first change, not after hundreds.
  const https = ctx.config.https ? await httpsBindingConflict(ctx, await chosenThumbprint(ctx)) : undefined;
  if (https) throw new RefusedError([https.problem]);
  const ownership = await checkOwnership(ctx.config, ctx.d, ctx.host, journal, view?.facts ? { staticRoot: view.staticRoot } : undefined);
  if (ownership.conflicts.length > 0) throw new ConflictError(ownership.conflicts);
  // An update whose migrations break the live release: before the release is even staged.
  const breaks = ctx.config.migrate === 'auto' ? await breakingSourceMigrations(ctx) : undefined;
  if (breaks) throw new RefusedError([breaks]);
  return ownership;
}

/**
 * The newest run, whatever it did, in the journal of a deployment that has runs (a server this
 * tool never changed gets no file): rollback undoes a run only while it is the newest.
 */
async function noteLatestRun(host: Host, journal: Journal, runId: string, outcome: RunOutcome, changed: boolean): Promise<void> {
  if (!journal.runs?.length) return;
  journal.latest = { runId, at: new Date().toISOString(), outcome: changed || outcome !== 'succeeded' ? outcome : 'no-change' };
  await writeJournal(host, journal);
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
  const dep = await resolveDeployment(input, host, { kind: 'live' });
  const config = dep.config;
  const ctx: StepContext = { config, d: derive(config), host, ...(signal ? { signal } : {}), ...(dep.release ? { release: dep.release } : {}) };
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
