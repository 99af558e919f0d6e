/**
 * A step of the deployment: check-then-set, as Ansible modules and DSC resources are. check()
 * reads the server and says whether the step is done, and if not, the actions that apply it
 * (data; exactly what apply runs). After applying, the engine checks again: the step is done
 * only when its check says so.
 */
import type { DeploymentConfig, Derived } from '../../shared/config';
import { psQuote } from '../../shared/safety';
import type { Action, StepStatus, VerificationReport } from '../../shared/plan';
import type { Problem } from '../../shared/problem';
import type { SectionId, StepId } from '../../shared/steps';
import type { ExecResult, Host } from './host';
import { POWERSHELL, authenticodeArgs, authenticodeEnv } from './commands';
import type { ReleaseContext } from '../../shared/release';

export interface StepContext {
  config: DeploymentConfig;
  d: Derived;
  host: Host;
  signal?: AbortSignal;
  /** apply --rotate-secret: replace the generated SECRET_KEY. */
  rotateSecret?: boolean;
  /** The release the run is about (a project from a folder or zip): release/layout.ts. */
  release?: ReleaseContext;
}

export interface CheckResult {
  status: StepStatus;
  reason: string;
  actions: Action[];
  problem?: Problem;
  /** The probes' report, when the check is a verification. */
  verification?: VerificationReport;
}

export interface Step {
  id: StepId;
  title: string;
  section: SectionId;
  dependsOn: StepId[];
  check(ctx: StepContext): Promise<CheckResult>;
  /** A PowerShell 5.1 expression that is $true when the step is done (for the exported script). */
  psCheck(ctx: Pick<StepContext, 'config' | 'd'>): string;
  /** Turns a failed action into cause and fix, when the step knows better than the generic text. */
  explain?(action: Extract<Action, { kind: 'exec' }>, result: ExecResult, ctx: StepContext): Problem | undefined;
}

export const done = (reason: string): CheckResult => ({ status: 'done', reason, actions: [] });
export const needed = (reason: string, actions: Action[]): CheckResult => ({ status: 'needed', reason, actions });
export const blocked = (reason: string, problem: Problem): CheckResult => ({ status: 'blocked', reason, actions: [], problem });

export function exec(description: string, file: string, args: string[], extra: Partial<Extract<Action, { kind: 'exec' }>> = {}): Extract<Action, { kind: 'exec' }> {
  return { kind: 'exec', description, file, args, ...extra };
}

/** Runs a read-only command for a check. Returns undefined when the program is not there. */
export async function query(ctx: StepContext, file: string, args: string[], opts: { cwd?: string } = {}): Promise<ExecResult | undefined> {
  try {
    return await ctx.host.exec(file, args, { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  } catch (e) {
    if (e instanceof Error && e.name !== 'AbortError' && /not found/i.test(e.message)) return undefined;
    throw e;
  }
}

/** Single-quote a string for PowerShell (every PowerShell single-quote character doubled). */
export const psq = psQuote;

export function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

/** appcmd puts its errors on stdout as ERROR ( message:... ). */
export function appcmdMessage(r: ExecResult): string {
  const m = /ERROR \( (?:hresult:[0-9a-f]+, )?message:([\s\S]*?)\s*\)\s*$/i.exec(r.stdout.trim());
  return (m?.[1] ?? (r.stdout.trim() || r.stderr.trim())).replace(/\s+/g, ' ').trim();
}

/** The Authenticode check of a file before it runs as an administrator (commands.ts AUTHENTICODE_SCRIPT). */
export function signatureCheck(file: string, signer: string): Action {
  return exec(`Check the Authenticode signature of ${file} (signed by ${signer})`, POWERSHELL, authenticodeArgs(), { env: authenticodeEnv(file, [signer]) });
}
