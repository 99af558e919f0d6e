/**
 * The implementation of the IPC contract over the engine. Used by the Electron glue and by the
 * end-to-end harness (over HTTP), so the wizard is tested against the real main-process code.
 * Holds one host and at most one running deployment.
 */
import { derive, parseConfig, defaultConfig, type DeploymentConfig } from '../../shared/config';
import { checkOwnership, JournalError, readJournal } from '../engine/ownership';
import type { BridgeEvent, Requests, Responses, StartupInfo } from '../../shared/ipc';
import type { EngineEvent } from '../../shared/plan';
import { SECTIONS } from '../../shared/steps';
import { plan, rollback, run, verifyWithFixes } from '../engine/engine';
import { LockError, lockHolder } from '../engine/lock';
import { exportPowerShell } from '../engine/export-powershell';
import type { Host } from '../engine/host';
import type { AppLogger } from '../logging/logger';

export interface ServiceDeps {
  host: Host;
  log: AppLogger;
  emit: (e: BridgeEvent) => void;
  version: string;
}

type Handlers = { [M in keyof Responses]: (payload: Requests[M]) => Promise<Responses[M]> };

export class DeploymentService implements Handlers {
  private current: { controller: AbortController; done: Promise<unknown> } | undefined;
  private lastConfig: DeploymentConfig | undefined;

  constructor(private readonly deps: ServiceDeps) {}

  private log(level: 'info' | 'warn' | 'error' | 'debug', message: string, meta: Record<string, unknown> = {}) {
    this.deps.log.logger.log(level, message, meta);
  }

  async getStartup(): Promise<StartupInfo> {
    const info = await this.deps.host.info();
    this.log('info', `Django IIS Setup ${this.deps.version} started on ${info.productName}`);
    return {
      productName: 'Django IIS Setup',
      version: this.deps.version,
      defaults: defaultConfig(),
      sections: SECTIONS,
      host: { kind: info.kind, productName: info.productName, ...(info.simulatorRoot ? { simulatorRoot: info.simulatorRoot } : {}) },
      logFile: this.deps.log.file,
    };
  }

  async validateConfig(input: Requests['validateConfig']): Promise<Responses['validateConfig']> {
    const r = parseConfig(input);
    return r.ok ? { ok: true, config: r.config } : { ok: false, problems: r.problems };
  }

  async getPlan(input: Requests['getPlan']): Promise<Responses['getPlan']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    this.log('info', `Planning the deployment of "${r.config.siteName}" on port ${r.config.port}`);
    const p = await plan(r.config, this.deps.host);
    for (const s of p.steps) this.log('debug', `plan: ${s.status}: ${s.reason}`, { source: 'engine', stepId: s.id });
    return { ok: true, plan: p };
  }

  async startDeployment(input: Requests['startDeployment']): Promise<Responses['startDeployment']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    return this.start(r.config);
  }

  private async start(config: DeploymentConfig): Promise<Responses['startDeployment']> {
    if (this.current) return { ok: false, problems: [{ key: '(deployment)', message: 'A deployment is already running; wait for it or cancel it first.' }] };
    // Objects of the same names that are not this deployment's: refuse before anything runs.
    try {
      const d = derive(config);
      const own = await checkOwnership(config, d, this.deps.host, await readJournal(this.deps.host, config.siteName));
      if (own.conflicts.length) return { ok: false, problems: own.conflicts.map((c) => ({ key: 'adopt', message: `${c.what} ${c.differs.length ? `(${c.differs.join('; ')}) ` : ''}${c.fix}` })) };
    } catch (e) {
      if (e instanceof JournalError) return { ok: false, problems: [{ key: '(journal)', message: e.message }] };
      throw e;
    }
    const holder = await lockHolder(this.deps.host);
    if (holder) return { ok: false, problems: [{ key: '(deployment)', message: `Another run is changing this server (${holder.command}, process ${holder.pid}, started ${holder.startedAt}); wait for it to finish.` }] };
    if (this.current) return { ok: false, problems: [{ key: '(deployment)', message: 'A deployment is already running; wait for it or cancel it first.' }] };
    this.lastConfig = config;
    const controller = new AbortController();
    const runId = `run-${Date.now().toString(36)}`;
    this.log('info', `Deployment ${runId} of "${config.siteName}" started`);
    const onEvent = (e: EngineEvent) => {
      this.deps.emit({ kind: 'engine', event: e });
      if (e.type === 'output') this.log('debug', e.line, { source: 'process', stepId: e.stepId });
      else if (e.type === 'step-state' && e.state !== 'checking') this.log(e.state === 'failed' ? 'error' : 'info', `${e.state}${e.detail ? ` (${e.detail})` : ''}`, { source: 'engine', stepId: e.stepId });
      else if (e.type === 'action' && e.state === 'started') this.log('info', e.action.description, { source: 'engine', stepId: e.stepId });
      else if (e.type === 'run-finished') this.log(e.outcome === 'succeeded' ? 'info' : 'warn', `Deployment ${e.outcome}; ${e.mutatingCommands} change(s)${e.restartRequired ? '; Windows needs a restart' : ''}`, { source: 'engine' });
    };
    const done = run(config, this.deps.host, { signal: controller.signal, onEvent, runId })
      .catch((e: unknown) => this.log('error', `Deployment crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
      .finally(() => {
        this.current = undefined;
      });
    this.current = { controller, done };
    return { ok: true, runId };
  }

  async cancelDeployment(): Promise<Responses['cancelDeployment']> {
    if (!this.current) return { cancelled: false };
    this.log('warn', 'Cancelling the deployment');
    this.current.controller.abort();
    await this.current.done;
    return { cancelled: true };
  }

  /** Retrying is running again: steps that finished are checked and skipped, the failed one re-applied. */
  async retryStep(input: Requests['retryStep']): Promise<Responses['retryStep']> {
    if (!this.lastConfig) return { ok: false, problems: [{ key: 'stepId', message: 'Nothing to retry: no deployment has run yet.' }] };
    this.log('info', `Retrying from ${input.stepId}`);
    return this.start(this.lastConfig);
  }

  /** Undoes the last run (after a failure or a cancel); features enabled and Python stay. */
  async rollbackLastRun(): Promise<Responses['rollbackLastRun']> {
    if (this.current) return { ok: false, problems: [{ key: '(deployment)', message: 'A deployment is running; cancel it first, then roll back.' }] };
    if (!this.lastConfig) return { ok: false, problems: [{ key: '(deployment)', message: 'Nothing to roll back: no deployment has run in this session.' }] };
    this.log('warn', `Rolling back the last run of "${this.lastConfig.siteName}"`);
    try {
      const r = await rollback(this.deps.host, this.lastConfig.siteName, (line) => this.log('info', line, { source: 'engine' }));
      const summary = [
        r.runId ? `IIS configuration: ${r.iisConfig === 'restored-from-backup' ? `restored from the backup "${r.backup ?? ''}" taken before the run` : r.iisConfig === 'entries-removed' ? "this tool's entries removed" : 'not changed by the run'}; ${r.removed.length + r.restored.length} change(s) undone.` : 'There was no run to roll back.',
        ...r.kept,
        ...r.problems.map((p) => `Not undone: ${p}`),
      ];
      for (const l of summary) this.log(r.problems.length ? 'warn' : 'info', l, { source: 'engine' });
      return { ok: true, summary };
    } catch (e) {
      if (e instanceof LockError || e instanceof JournalError) return { ok: false, problems: [{ key: '(deployment)', message: e.message }] };
      throw e;
    }
  }

  async runVerification(input: Requests['runVerification']): Promise<Responses['runVerification']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    const report = await verifyWithFixes(r.config, this.deps.host);
    this.log(report.ok ? 'info' : 'warn', `Verification ${report.ok ? 'passed' : 'failed'}`);
    return { ok: true, report };
  }

  async exportPowerShell(input: Requests['exportPowerShell']): Promise<Responses['exportPowerShell']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    return { ok: true, script: await exportPowerShell(r.config) };
  }

  /** Waits for a running deployment (tests, shutdown). */
  async idle(): Promise<void> {
    await this.current?.done;
  }
}
