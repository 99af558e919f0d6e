/**
 * The implementation of the IPC contract over the engine. Used by the Electron glue and by the
 * end-to-end harness (over HTTP), so the wizard is tested against the real main-process code.
 * Holds one host and at most one running deployment.
 */
import { httpsOrigin } from '../../shared/config-https';
import { derive, parseConfig, defaultConfig, type DeploymentConfig } from '../../shared/config';
import { JournalError, journalPath, readJournal } from '../engine/ownership';
import type { BridgeEvent, Requests, Responses, StartupInfo } from '../../shared/ipc';
import type { EngineEvent } from '../../shared/plan';
import { SECTIONS } from '../../shared/steps';
import { ownershipConflicts, plan, RefusedError, rollback, run, uninstall, verifyWithFixes } from '../engine/engine';
import { redact } from '../../shared/problem';
import { DEPLOYMENTS_DIR } from '../engine/ownership';
import { renderRunReport } from '../engine/report';
import { TOOL_LOG_DIR } from '../engine/commands';
import type { BundleInfo, CheckLine, Desktop, ExistingDeployment, LogEntry, ReleaseRef } from '../../shared/ipc';
import { resolveDeployment, type ReleaseTarget } from '../engine/release/layout';
import { liveRelease, previousRelease, readRegistry, RegistryError } from '../engine/release/registry';
import type { Plan, VerificationReport } from '../../shared/plan';
import { LockError, lockHolder } from '../engine/lock';
import { ToolDataError } from '../engine/tool-data';
import { exportPowerShell } from '../export/powershell';
import { machineCertificates, unusableReason } from '../engine/steps/certificate';
import type { Host } from '../engine/host';
import type { AppLogger } from '../logging/logger';

export interface ServiceDeps {
  host: Host;
  log: AppLogger;
  emit: (e: BridgeEvent) => void;
  version: string;
  /** Dialogs, the browser, the taskbar (Electron's; the e2e harness answers them itself). */
  desktop: Desktop;
  /** A deploy file beside the exe: the wizard starts from it. */
  defaults?: { config: DeploymentConfig; from: string };
  /** A bundle found beside the exe (its problems, when it is refused). */
  bundle?: BundleInfo;
}

type Handlers = { [M in keyof Responses]: (payload: Requests[M]) => Promise<Responses[M]> };

export class DeploymentService implements Handlers {
  private current: { controller: AbortController; done: Promise<unknown> } | undefined;
  private lastConfig: DeploymentConfig | undefined;
  /** What the report is made of: the last plan, verification and every log line of the session. */
  private lastPlan: Plan | undefined;
  private lastVerification: VerificationReport | undefined;
  private readonly logLines: LogEntry[] = [];

  constructor(private readonly deps: ServiceDeps) {
    deps.log.mirror((entry) => this.logLines.push(entry));
  }

  private log(level: 'info' | 'warn' | 'error' | 'debug', message: string, meta: Record<string, unknown> = {}) {
    this.deps.log.logger.log(level, message, meta);
  }

  async getStartup(): Promise<StartupInfo> {
    const info = await this.deps.host.info();
    this.log('info', `Django IIS Setup ${this.deps.version} started on ${info.productName}`);
    return {
      productName: 'Django IIS Setup',
      version: this.deps.version,
      defaults: this.deps.defaults?.config ?? defaultConfig(),
      defaultsFrom: this.deps.defaults?.from ?? 'built-in',
      ...(this.deps.bundle ? { bundle: this.deps.bundle } : {}),
      sections: SECTIONS,
      host: { kind: info.kind, productName: info.productName, ...(info.simulatorRoot ? { simulatorRoot: info.simulatorRoot } : {}) },
      logFile: this.deps.log.file,
      existing: await this.existingDeployments(),
    };
  }

  /** This tool's journals on the server: one per deployed site. */
  private async existingDeployments(): Promise<ExistingDeployment[]> {
    const names = await this.deps.host.readDir(DEPLOYMENTS_DIR).catch(() => [] as string[]);
    const out: ExistingDeployment[] = [];
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      try {
        const raw = JSON.parse(await this.deps.host.readFile(`${DEPLOYMENTS_DIR}\\${n}`)) as { siteName?: unknown };
        if (typeof raw.siteName !== 'string' || journalPath(raw.siteName).toLowerCase() !== `${DEPLOYMENTS_DIR}\\${n}`.toLowerCase()) continue;
        // Only a journal that passes the engine's check is a deployment (a planted file is not).
        const j = await readJournal(this.deps.host, raw.siteName);
        if (j.entries.length) out.push({ siteName: j.siteName, ...(j.runs?.at(-1)?.startedAt ? { lastRunAt: j.runs.at(-1)?.startedAt } : {}), ...(await this.releasesOf(j.siteName)) });
      } catch {
        // not a journal (or a damaged one: apply says so when it reads it)
      }
    }
    return out;
  }

  /** The live and previous releases, and (for the deployment the defaults describe) a new version waiting in its source. */
  private async releasesOf(siteName: string): Promise<Pick<ExistingDeployment, 'release'>> {
    const reg = await readRegistry(this.deps.host, siteName).catch(() => undefined);
    if (!reg) return {};
    const ref = (r: { number: number; label: string } | undefined) => (r ? { number: r.number, label: r.label } : undefined);
    const live = ref(liveRelease(reg));
    const previous = ref(previousRelease(reg));
    const defaults = this.deps.defaults?.config;
    let waiting: (ReleaseRef & { source: string }) | undefined;
    if (defaults && defaults.siteName.toLowerCase() === siteName.toLowerCase()) {
      const dep = await resolveDeployment(defaults, this.deps.host).catch(() => undefined);
      const src = defaults.djangoProject;
      if (dep?.release?.summary.mode === 'update') waiting = { number: dep.release.target.number, label: dep.release.target.label, source: 'folder' in src ? src.folder : 'zip' in src ? src.zip : '' };
    }
    return { release: { ...(live ? { live } : {}), ...(previous ? { previous } : {}), ...(waiting ? { waiting } : {}) } };
  }

  /** The previous release live again, verified (the CLI's go-back). */
  async goBack(input: Requests['goBack']): Promise<Responses['goBack']> {
    const r = parseConfig(input.config);
    if (!r.ok) return { ok: false, problems: r.problems };
    const c = input.choice;
    return this.start(r.config, { kind: 'back', ...(c === 'reverse-migrations' ? { reverseMigrations: true } : c === 'restore-backup' ? { restoreBackup: true } : c === 'keep-migrations' ? { keepMigrations: true } : {}) });
  }

  /**
   * The Checks screen: elevation, Windows, IIS with CGI, Python, the port, disk space and what will
   * be downloaded, each green, amber or red with what to do, from the engine's own checks.
   */
  async runChecks(input: Requests['runChecks']): Promise<Responses['runChecks']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    const c = r.config;
    const info = await this.deps.host.info();
    let p: Awaited<ReturnType<typeof plan>>;
    try {
      p = await plan(c, this.deps.host);
    } catch (e) {
      if (e instanceof RefusedError) return { ok: false, problems: e.problems.map((x) => ({ key: '(project)', message: redact(`${x.what} ${x.why} What to do: ${x.fix}`) })) };
      throw e;
    }
    this.lastPlan = p;
    const step = (id: string) => p.steps.find((s) => s.id === id);
    const pre = step('preflight');
    const lines: CheckLine[] = [];
    lines.push(info.elevated ? { id: 'elevation', label: 'Administrator rights', level: 'ok', detail: 'The tool runs elevated.' } : { id: 'elevation', label: 'Administrator rights', level: 'error', detail: 'The tool is not running as an administrator.', fix: 'Close it and start it again with "Run as administrator".' });
    lines.push({ id: 'windows', label: 'Windows version and edition', level: info.build && info.build < 14393 ? 'error' : 'ok', detail: `${info.productName} (build ${info.build}, ${info.installationType})`, ...(info.build && info.build < 14393 ? { fix: 'Use Windows Server 2016 or later, or the PowerShell export for 2012 R2.' } : {}) });
    if (pre?.status === 'blocked' && pre.problem) lines.push({ id: /port|binding/i.test(pre.reason) ? 'port' : /disk/i.test(pre.reason) ? 'disk' : 'windows', label: /port|binding/i.test(pre.reason) ? `Port ${c.port}` : 'The server', level: 'error', detail: pre.problem.what, fix: pre.problem.fix });
    else lines.push({ id: 'port', label: `Port ${c.port}`, level: 'ok', detail: /port \d+ ([^,]+)/.exec(pre?.reason ?? '')?.[0] ?? `port ${c.port} is free` });
    const iis = step('iis');
    lines.push({ id: 'iis', label: 'IIS with CGI', level: iis?.status === 'done' ? 'ok' : iis?.status === 'blocked' ? 'error' : 'warn', detail: iis?.status === 'done' ? iis.reason : `Not ready: ${iis?.reason ?? ''}. The deployment enables it (DISM; it can take minutes).`, ...(iis?.problem ? { fix: iis.problem.fix } : {}) });
    const py = step('python');
    lines.push({ id: 'python', label: `Python ${derive(c).pythonVersion}`, level: py?.status === 'done' ? 'ok' : py?.status === 'blocked' ? 'error' : 'warn', detail: py?.status === 'done' ? py.reason : `${py?.reason ?? ''}: the deployment installs it for all users.`, ...(py?.problem ? { fix: py.problem.fix } : {}) });
    const disk = /(\d+) GB free/.exec(pre?.reason ?? '')?.[1];
    lines.push({ id: 'disk', label: 'Disk space on C:', level: 'ok', detail: disk ? `${disk} GB free` : 'Checked until the virtual environment exists (it is there).' });
    const offline = c.wheelhouse || c.pythonInstaller;
    lines.push({
      id: 'downloads',
      label: 'Internet or offline files',
      level: 'warn',
      detail: offline ? `Offline files: ${[c.pythonInstaller ? `Python installer ${c.pythonInstaller}` : '', c.wheelhouse ? `wheelhouse ${c.wheelhouse}` : ''].filter((x) => x).join(', ')}; anything else is downloaded.` : 'Python comes from python.org and the packages from pypi.org: the server needs internet access (not tested here).',
      fix: 'Without internet access, set pythonInstaller and wheelhouse to files copied onto the server.',
    });
    // HTTPS: the chosen certificate as the certificate step found it (subject, issuer, expiry, key, purpose; expiry warned).
    const cert = c.https ? step('certificate') : undefined;
    if (cert) lines.push({ id: 'certificate', label: 'HTTPS certificate', level: cert.status === 'blocked' ? 'error' : /WARNING/.test(cert.reason) ? 'warn' : 'ok', detail: cert.problem?.what ?? cert.reason, ...(cert.problem ? { fix: cert.problem.fix } : {}) });
    if (p.conflicts.length) lines.push({ id: 'ownership', label: 'Objects of the same names', level: 'error', detail: p.conflicts.map((x) => x.what).join(' '), fix: p.conflicts[0]?.fix ?? '' });
    return { ok: true, lines };
  }

  async validateConfig(input: Requests['validateConfig']): Promise<Responses['validateConfig']> {
    const r = parseConfig(input);
    return r.ok ? { ok: true, config: r.config } : { ok: false, problems: r.problems };
  }

  async getPlan(input: Requests['getPlan']): Promise<Responses['getPlan']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    this.log('info', `Planning the deployment of "${r.config.siteName}" on port ${r.config.port}`);
    let p: Awaited<ReturnType<typeof plan>>;
    try {
      p = await plan(r.config, this.deps.host);
    } catch (e) {
      if (e instanceof RefusedError) return { ok: false, problems: e.problems.map((x) => ({ key: '(project)', message: redact(`${x.what} ${x.why} What to do: ${x.fix}`) })) };
      throw e;
    }
    this.lastPlan = p;
    for (const s of p.steps) this.log('debug', `plan: ${s.status}: ${s.reason}`, { source: 'engine', stepId: s.id });
    return { ok: true, plan: p };
  }

  async startDeployment(input: Requests['startDeployment']): Promise<Responses['startDeployment']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    return this.start(r.config);
  }

  private async start(config: DeploymentConfig, target: ReleaseTarget = { kind: 'source' }): Promise<Responses['startDeployment']> {
    if (this.current) return { ok: false, problems: [{ key: '(deployment)', message: 'A deployment is already running; wait for it or cancel it first.' }] };
    // Objects of the same names that are not this deployment's: refuse before anything runs.
    try {
      const conflicts = await ownershipConflicts(config, this.deps.host, target);
      if (conflicts.length) return { ok: false, problems: conflicts.map((c) => ({ key: 'adopt', message: `${c.what} ${c.differs.length ? `(${c.differs.join('; ')}) ` : ''}${c.fix}` })) };
    } catch (e) {
      if (e instanceof JournalError) return { ok: false, problems: [{ key: '(journal)', message: e.message }] };
      if (e instanceof RefusedError) return { ok: false, problems: e.problems.map((x) => ({ key: '(project)', message: redact(`${x.what} ${x.why} What to do: ${x.fix}`) })) };
      if (e instanceof RegistryError) return { ok: false, problems: [{ key: '(releases)', message: e.message }] };
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
      // Overall progress on the Windows taskbar.
      if (e.type === 'progress') this.deps.desktop.setProgress(e.total ? e.completed / e.total : 0);
      else if (e.type === 'run-finished') this.deps.desktop.setProgress(e.outcome === 'succeeded' ? -1 : 1, e.outcome === 'succeeded' ? 'normal' : 'error');
      else if (e.type === 'verification') this.lastVerification = e.report;
      if (e.type === 'output') this.log('debug', e.line, { source: 'process', stepId: e.stepId });
      else if (e.type === 'step-state' && e.state !== 'checking') this.log(e.state === 'failed' ? 'error' : 'info', `${e.state}${e.detail ? ` (${e.detail})` : ''}`, { source: 'engine', stepId: e.stepId });
      else if (e.type === 'action' && e.state === 'started') this.log('info', e.action.description, { source: 'engine', stepId: e.stepId });
      else if (e.type === 'run-finished') this.log(e.outcome === 'succeeded' ? 'info' : 'warn', `Deployment ${e.outcome}; ${e.mutatingCommands} change(s)${e.restartRequired ? '; Windows needs a restart' : ''}`, { source: 'engine' });
    };
    const done = run(config, this.deps.host, { signal: controller.signal, onEvent, runId, target })
      .catch((e: unknown) => {
        if (e instanceof RefusedError) {
          this.log('error', redact(e.message), { source: 'engine' });
          this.deps.emit({ kind: 'engine', event: { type: 'run-finished', runId, outcome: 'failed', restartRequired: false, mutatingCommands: 0 } });
          return;
        }
        this.log('error', `Deployment crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      })
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
        r.runId ? `IIS configuration: ${r.iisConfig === 'restored-from-backup' ? `restored from the backup "${r.backup ?? ''}" taken before the run` : r.iisConfig === 'entries-removed' ? "this tool's entries removed" : 'not changed by the run'}; ${r.removed.length + r.restored.length} change(s) undone.` : (r.nothing ?? 'There was no run to roll back.'),
        ...r.kept,
        ...r.problems.map((p) => `Not undone: ${p}`),
      ];
      for (const l of summary) this.log(r.problems.length ? 'warn' : 'info', l, { source: 'engine' });
      return { ok: true, summary };
    } catch (e) {
      if (e instanceof LockError || e instanceof JournalError || e instanceof ToolDataError) return { ok: false, problems: [{ key: '(deployment)', message: e.message }] };
      throw e;
    }
  }

  async runVerification(input: Requests['runVerification']): Promise<Responses['runVerification']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    const report = await verifyWithFixes(r.config, this.deps.host);
    this.lastVerification = report;
    this.log(report.ok ? 'info' : 'warn', `Verification ${report.ok ? 'passed' : 'failed'}`);
    return { ok: true, report };
  }

  async exportPowerShell(input: Requests['exportPowerShell']): Promise<Responses['exportPowerShell']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    return { ok: true, script: await exportPowerShell(r.config) };
  }

  /** Save as PowerShell…: the script, written where the person chooses. */
  async savePowerShell(input: Requests['savePowerShell']): Promise<Responses['savePowerShell']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    const script = await exportPowerShell(r.config);
    const path = await this.deps.desktop.saveFile('Save the deployment as a PowerShell script', `deploy-${r.config.siteName}.ps1`, { name: 'PowerShell script', extensions: ['ps1'] });
    if (!path) return { ok: true };
    await writeLocal(path, script);
    this.log('info', `PowerShell script saved to ${path}`);
    return { ok: true, path };
  }

  /** Save report…: one self-contained HTML file (configuration, plan, log, verification; secrets removed), then opened. */
  async saveReport(): Promise<Responses['saveReport']> {
    const siteName = this.lastConfig?.siteName ?? 'site';
    const path = await this.deps.desktop.saveFile('Save the deployment report', `django-iis-setup-${siteName}.html`, { name: 'HTML report', extensions: ['html'] });
    if (!path) return { ok: true };
    const html = renderRunReport({ siteName, ...(this.lastConfig ? { config: this.lastConfig } : {}), ...(this.lastPlan ? { plan: this.lastPlan } : {}), ...(this.lastVerification ? { verification: this.lastVerification } : {}), log: this.logLines, version: this.deps.version });
    await writeLocal(path, html);
    this.log('info', `Report saved to ${path}`);
    await this.deps.desktop.openPath(path);
    return { ok: true, path };
  }

  async chooseFolder(input: Requests['chooseFolder']): Promise<Responses['chooseFolder']> {
    const titles = { appDir: 'The application folder', venvDir: 'The virtual environment folder', pythonDir: 'The Python folder', project: 'The project the developers handed over' } as const;
    const path = await this.deps.desktop.chooseFolder(titles[input.purpose]);
    return path ? { path } : {};
  }

  /** Open the site: the site's own URL in the default browser (never a URL from the renderer). */
  async openSite(input: Requests['openSite']): Promise<Responses['openSite']> {
    const r = parseConfig(input);
    if (!r.ok) return { ok: false, problems: r.problems };
    const c = r.config;
    const url = `${httpsOrigin(c) ?? `http://${c.hostName || 'localhost'}:${c.port}`}/`;
    await this.deps.desktop.openExternal(url);
    return { ok: true, url };
  }

  /** The machine's certificates for the HTTPS choice (what the certificate step reads). */
  async listCertificates(): Promise<Responses['listCertificates']> {
    const list = await machineCertificates(this.deps.host);
    if (!list) return { ok: false, problems: [{ key: 'https.certificate', message: 'The certificate store (LocalMachine\\My) could not be read: PowerShell did not answer.' }] };
    return { ok: true, certificates: list.map((c) => ({ thumbprint: c.thumbprint, subject: c.subject, issuer: c.issuer, notAfter: c.notAfter, dnsNames: c.dnsNames, ...(unusableReason(c) ? { unusable: unusableReason(c) } : {}) })) };
  }

  async openLogsFolder(): Promise<Responses['openLogsFolder']> {
    const info = await this.deps.host.info();
    const path = info.kind === 'windows' ? TOOL_LOG_DIR : this.deps.log.file.replace(/[\\/][^\\/]+$/, '');
    await this.deps.desktop.openPath(path);
    return { path };
  }

  async uninstall(input: Requests['uninstall']): Promise<Responses['uninstall']> {
    if (this.current) return { ok: false, problems: [{ key: '(deployment)', message: 'A deployment is running; cancel it first.' }] };
    this.log('warn', `Uninstalling the deployment of "${input.siteName}"`);
    try {
      const r = await uninstall(this.deps.host, input.siteName, (line) => this.log('info', line, { source: 'engine' }));
      const summary = [`Removed ${r.removed.length} item(s)${r.restored.length ? `, restored ${r.restored.length}` : ''}.`, ...r.kept, ...r.problems.map((p) => `Not removed: ${p}`)];
      return { ok: true, summary };
    } catch (e) {
      if (e instanceof LockError || e instanceof JournalError || e instanceof ToolDataError) return { ok: false, problems: [{ key: '(deployment)', message: e.message }] };
      throw e;
    }
  }

  /** Waits for a running deployment (tests, shutdown). */
  async idle(): Promise<void> {
    await this.current?.done;
  }
}

/** Writes a file the person chose on this machine (the report, the script): not a server path. */
async function writeLocal(path: string, content: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, content, 'utf8');
}
