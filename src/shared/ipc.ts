/**
 * The one IPC contract between the wizard and the main process. One method per intent; the
 * renderer never sends a command, a path to run or a shell string. Every request is validated
 * in main with these schemas (and its sender checked) before the service sees it.
 */
import { z } from 'zod';
import type { ConfigProblem, DeploymentConfig } from './config';
import type { EngineEvent, Plan, VerificationReport } from './plan';
import { STEP_IDS, type SECTIONS } from './steps';

import type { Method } from './ipc-methods';

export { CHANNEL_PREFIX, EVENT_CHANNEL, METHODS, isMethod, type Method } from './ipc-methods';

/** A deployment configuration as the wizard sends it: validated in full by parseConfig in main. */
const ConfigPayload = z.record(z.string(), z.unknown());

export const REQUESTS: { [M in Method]: z.ZodType } = {
  getStartup: z.null(),
  validateConfig: ConfigPayload,
  getPlan: ConfigPayload,
  startDeployment: ConfigPayload,
  cancelDeployment: z.null(),
  retryStep: z.strictObject({ stepId: z.enum(STEP_IDS) }),
  rollbackLastRun: z.null(),
  runChecks: ConfigPayload,
  runVerification: ConfigPayload,
  exportPowerShell: ConfigPayload,
  savePowerShell: ConfigPayload,
  saveReport: z.null(),
  chooseFolder: z.strictObject({ purpose: z.enum(['appDir', 'venvDir', 'pythonDir', 'project']) }),
  openSite: ConfigPayload,
  openLogsFolder: z.null(),
  uninstall: z.strictObject({ siteName: z.string().min(1).max(64) }),
  goBack: z.strictObject({ config: ConfigPayload, choice: z.enum(['reverse-migrations', 'restore-backup', 'keep-migrations']).optional() }),
  listCertificates: z.null(),
};

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  timestamp: string;
  source: 'main' | 'engine' | 'process';
  stepId?: string;
}

export type BridgeEvent = { kind: 'engine'; event: EngineEvent } | { kind: 'log'; entry: LogEntry };

/** One line of the Checks screen: green, amber or red, with what to do. */
export interface CheckLine {
  id: 'elevation' | 'windows' | 'iis' | 'python' | 'port' | 'disk' | 'downloads' | 'ownership' | 'certificate';
  label: string;
  level: 'ok' | 'warn' | 'error';
  detail: string;
  fix?: string;
}

/** A deployment of this tool found on the server (Welcome offers Repair, Change settings, Uninstall). */
export interface ExistingDeployment {
  siteName: string;
  /** The configuration of its last run, when the journal kept it. */
  config?: DeploymentConfig;
  lastRunAt?: string;
  /** Releases: the live one, the previous one (go back), and a new version waiting in the source. */
  release?: { live?: ReleaseRef; previous?: ReleaseRef; waiting?: ReleaseRef & { source: string } };
}

export interface ReleaseRef {
  number: number;
  label: string;
}

/** What the main process does on the desktop for the wizard (dialogs, the browser, the taskbar). */
export interface Desktop {
  chooseFolder(title: string, defaultPath?: string): Promise<string | undefined>;
  saveFile(title: string, suggestedName: string, filter: { name: string; extensions: string[] }): Promise<string | undefined>;
  openExternal(url: string): Promise<void>;
  openPath(path: string): Promise<void>;
  /** Overall progress on the Windows taskbar (0..1), or -1 to clear it. */
  setProgress(fraction: number, state?: 'normal' | 'error'): void;
}

/** A hand-off bundle found beside the program. */
export interface BundleInfo {
  dir: string;
  /** Its release label (deploy.json "release"). */
  label: string;
  /** What it holds, in words. */
  holds: string[];
  /** Why it is refused (a changed, missing or added file; an incomplete bundle): empty when it is used. */
  problems: string[];
  /** The SHA-256 of its SHA256SUMS, for the department to compare with the value the team sent. */
  checksumsSha256?: string;
}

export interface StartupInfo {
  productName: string;
  version: string;
  defaults: DeploymentConfig;
  sections: typeof SECTIONS;
  host: { kind: 'windows' | 'simulated'; productName: string; simulatorRoot?: string };
  logFile: string;
  /** Deployments of this tool already on this server. */
  existing: ExistingDeployment[];
  /** Where the defaults came from: "built-in", or the deploy file found beside the exe. */
  defaultsFrom: string;
  /** A bundle found beside the exe (used only when its checksums hold). */
  bundle?: BundleInfo;
}

export type Checked<T> = ({ ok: true } & T) | { ok: false; problems: ConfigProblem[] };

export interface Responses {
  getStartup: StartupInfo;
  validateConfig: Checked<{ config: DeploymentConfig }>;
  getPlan: Checked<{ plan: Plan }>;
  startDeployment: Checked<{ runId: string }>;
  cancelDeployment: { cancelled: boolean };
  retryStep: Checked<{ runId: string }>;
  rollbackLastRun: Checked<{ summary: string[] }>;
  runChecks: Checked<{ lines: CheckLine[] }>;
  runVerification: Checked<{ report: VerificationReport }>;
  exportPowerShell: Checked<{ script: string }>;
  savePowerShell: Checked<{ path?: string }>;
  saveReport: Checked<{ path?: string }>;
  chooseFolder: { path?: string };
  openSite: Checked<{ url: string }>;
  openLogsFolder: { path: string };
  uninstall: Checked<{ summary: string[] }>;
  goBack: Checked<{ runId: string }>;
  listCertificates: Checked<{ certificates: MachineCertificate[] }>;
}

export type GoBackChoice = 'reverse-migrations' | 'restore-backup' | 'keep-migrations';

/** Request payloads, as the schemas above accept them. */
export interface Requests {
  getStartup: null;
  validateConfig: Record<string, unknown>;
  getPlan: Record<string, unknown>;
  startDeployment: Record<string, unknown>;
  cancelDeployment: null;
  retryStep: { stepId: (typeof STEP_IDS)[number] };
  rollbackLastRun: null;
  runChecks: Record<string, unknown>;
  runVerification: Record<string, unknown>;
  exportPowerShell: Record<string, unknown>;
  savePowerShell: Record<string, unknown>;
  saveReport: null;
  chooseFolder: { purpose: 'appDir' | 'venvDir' | 'pythonDir' | 'project' };
  openSite: Record<string, unknown>;
  openLogsFolder: null;
  uninstall: { siteName: string };
  /**
   * Puts the previous release live again (the configuration names the deployment); when the live
   * release's migrations break it, one of go-back's choices (the CLI's --reverse-migrations,
   * --restore-backup, --keep-migrations).
   */
  goBack: { config: Record<string, unknown>; choice?: GoBackChoice };
  /** The machine's certificates (LocalMachine\\My) for the HTTPS choice. */
  listCertificates: null;
}

/** A certificate of LocalMachine\\My as the wizard lists it. */
export interface MachineCertificate {
  thumbprint: string;
  subject: string;
  issuer: string;
  notAfter: string;
  dnsNames: string[];
  /** Why it cannot serve the site (no private key, not for server authentication, expired); absent when it can. */
  unusable?: string;
}

/** What the preload exposes as window.djangoIIS, and what the wizard codes against. */
export type DjangoIisApi = { [M in Method]: (payload: Requests[M]) => Promise<Responses[M]> } & {
  onEvent(listener: (e: BridgeEvent) => void): () => void;
};

/** Validates a request payload; throws a message naming the method on bad input. */
export function parseRequest<M extends Method>(method: M, payload: unknown): Requests[M] {
  const schema = REQUESTS[method] as z.ZodType<Requests[M]>;
  const r = schema.safeParse(payload);
  if (!r.success) throw new Error(`Invalid payload for ${method}: ${r.error.issues.map((i) => `${i.path.join('.') || '(payload)'} ${i.message}`).join('; ')}`);
  return r.data;
}

