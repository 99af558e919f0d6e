/**
 * The command line (npm run cli -- <command>; also the packaged exe's headless mode):
 *   plan | apply [--yes] | verify | uninstall [--yes] | export --format powershell | rehearse | schema
 * Options: --config FILE, --json, --simulate DIR (+ --sim-* options for a fresh simulated server).
 * Exit codes: 0 success, 1 a step or a verification failed, 2 bad usage or configuration, or not
 * elevated (nothing changed). Also the console exe (scripts/package-cli.mjs) and `npm run cli`.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs as nodeParseArgs } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_VERSION } from '../../shared/version';
import { configJsonSchema, parseConfig, type DeploymentConfig } from '../../shared/config';
import { describeAction, describeArgv, type EngineEvent, type Plan, type VerificationReport } from '../../shared/plan';
import { redact, redactDeep, type Problem } from '../../shared/problem';
import { ConflictError, RefusedError, plan, rollback, run, uninstall, verify, verifyWithFixes, type RunResult } from '../engine/engine';
import { LockError } from '../engine/lock';
import { ToolDataError } from '../engine/tool-data';
import { formatConflicts, JournalError } from '../engine/ownership';
import type { Host } from '../engine/host';
import { EXPORT_TARGETS, ExportError, exportPowerShell, type ExportTarget } from '../engine/export-powershell';
import { HostSelectionError, selectHost } from '../hosts/select';
import { renderReportHtml } from '../engine/report';
import { faultProblem, SimulatorError, type Fault, type Scenario, type WindowsFlavour } from '../hosts/simulated/server';
import { SIM_LANGUAGES, type SimLanguage } from '../hosts/simulated/language';
import { SimulatedHost } from '../hosts/simulated/sim-host';
import { realPython } from '../hosts/simulated/python';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export class UsageError extends Error {}

/** Exit code 2 (nothing was changed): the tool runs without administrator rights. */
export class NotElevatedError extends Error {
  constructor(why: string) {
    super(`${why} Django IIS Setup needs administrator rights for IIS, DISM, icacls and the services, even to read them. Open cmd or PowerShell with "Run as administrator" (or run the scheduled task with highest privileges) and run the same command again. Nothing was changed.`);
  }
}

/** The commands of the command line (the packaged exe runs headless when given one). */
export const COMMANDS = ['plan', 'apply', 'verify', 'rollback', 'uninstall', 'export', 'rehearse', 'schema', 'help', 'version'] as const;

interface Options {
  command: string;
  config?: string;
  json: boolean;
  yes: boolean;
  simulate?: string;
  format?: string;
  /** verify: repair what the diagnoses say the tool can fix; write the HTML report to a file. */
  fix?: boolean;
  report?: string;
  /** export: the Windows Server version the script is for (2012r2 picks Python 3.12). */
  windows?: string;
  out?: string;
  keep?: string;
  project?: string;
  rotateSecret: boolean;
  lenientPackages: boolean;
  scenario: Scenario;
  faults?: Fault[];
}

const USAGE = `Usage: django-iis-setup <command> [options]

Commands:
  plan                 show every step, whether it is done, and the exact commands it would run
  apply                deploy (asks first; --yes to skip the question)
  verify [--fix] [--report FILE]
                       probe the site and explain what is broken, one diagnosis per cause with
                       its evidence; --fix re-runs the steps that repair it (asks first), then
                       verifies again; --report writes the HTML report (secrets removed)
  rollback             undo the last run (after a failure or a cancel): the IIS configuration from
                       the run's backup (or this tool's entries), files, folders and grants
  uninstall            remove what this deployment created (from its journal), restore what it adopted
  export --format powershell [--windows 2012r2|2016|2019|2022|2025] [--out FILE]
                       write a standalone, idempotent PowerShell 5.1 script of the same steps
                       (2012r2: Python 3.12, the last for it; the server needs WMF 5.1)
  rehearse [--project DIR|ZIP] [--keep DIR]
                       deploy the sample app (or your own project, copied from a local folder
                       or .zip) on a fresh simulated Windows Server, verify it, run it again
  schema               print the JSON Schema of the configuration file
  version              print the version (also --version)

Options:
  --config FILE        deployment configuration (JSON); defaults are the guide's (site foo, port 81)
  --json               print one JSON document on stdout
  --yes                do not ask before changing the server
  --rotate-secret      apply: replace the generated SECRET_KEY (config "secretKey")
  --simulate DIR       run against the simulated Windows Server in DIR (created when empty)
  --sim-windows 2016|2019|2022|2025|client, --sim-language en-US|de-DE|zh-CN, --sim-not-elevated, --sim-port-in-use PORT,
  --sim-iis none|web-server|with-cgi, --sim-python VERSION=DIR
                       shape a fresh simulated server (ignored when DIR already holds one)
  --sim-lenient-packages
                       a requirement the machine's Python lacks is a listed warning, not a pip failure
  --sim-fault JSON     inject a fault, e.g. {"match":"appcmd.exe add site","exitCode":183}
                       ({"commandNumber":N}, {"hang":true}, {"restart":true}, "times":N)
`;

/** The flags, for Node's util.parseArgs (strict: an unknown flag or a missing value is a usage error). */
const FLAGS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  simulate: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  windows: { type: 'string' },
  fix: { type: 'boolean' },
  report: { type: 'string' },
  keep: { type: 'string' },
  project: { type: 'string' },
  'rotate-secret': { type: 'boolean' },
  'sim-lenient-packages': { type: 'boolean' },
  'sim-windows': { type: 'string' },
  'sim-language': { type: 'string' },
  'sim-not-elevated': { type: 'boolean' },
  'sim-port-in-use': { type: 'string', multiple: true },
  'sim-iis': { type: 'string' },
  'sim-python': { type: 'string', multiple: true },
  'sim-fault': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies NonNullable<Parameters<typeof nodeParseArgs>[0]>['options'];

/** util.parseArgs' messages, said the way the rest of the command line speaks. */
function usageFromParseError(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  const flag = /'(-[-\w]+)/.exec(msg)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`Unknown option ${flag ?? msg}.`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(msg)) return new UsageError(`${flag ?? 'This option'} takes no value.`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`${flag ?? 'An option'} needs a value.`);
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(msg);
  return new UsageError(msg);
}

export function parseArgs(argv: string[]): Options {
  let parsed: ReturnType<typeof nodeParseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: true; strict: true }>>;
  try {
    parsed = nodeParseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageFromParseError(e);
  }
  const v = parsed.values;
  const o: Options = { command: '', json: v.json ?? false, yes: v.yes ?? false, rotateSecret: v['rotate-secret'] ?? false, lenientPackages: v['sim-lenient-packages'] ?? false, scenario: {} };
  // A value that looks like the next flag (--config --json) is a forgotten value, as before.
  for (const k of ['config', 'simulate', 'format', 'out', 'windows', 'report', 'keep', 'project', 'sim-windows', 'sim-language', 'sim-iis'] as const) {
    const val = v[k];
    if (val !== undefined && val.startsWith('--')) throw new UsageError(`--${k} needs a value.`);
  }
  if (v.config !== undefined) o.config = v.config;
  if (v.simulate !== undefined) o.simulate = v.simulate;
  if (v.format !== undefined) o.format = v.format;
  if (v.out !== undefined) o.out = v.out;
  if (v.windows !== undefined) o.windows = v.windows;
  if (v.fix) o.fix = true;
  if (v.report !== undefined) o.report = v.report;
  if (v.keep !== undefined) o.keep = v.keep;
  if (v.project !== undefined) o.project = v.project;
  const sw = v['sim-windows'];
  if (sw !== undefined) {
    if (!['2016', '2019', '2022', '2025', 'client'].includes(sw)) throw new UsageError('--sim-windows takes 2016, 2019, 2022, 2025 or client.');
    o.scenario.windows = sw as WindowsFlavour;
  }
  const sl = v['sim-language'];
  if (sl !== undefined) {
    if (!(SIM_LANGUAGES as readonly string[]).includes(sl)) throw new UsageError(`--sim-language takes ${SIM_LANGUAGES.join(', ')}.`);
    o.scenario.language = sl as SimLanguage;
  }
  if (v['sim-not-elevated']) o.scenario.elevated = false;
  for (const raw of v['sim-port-in-use'] ?? []) {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--sim-port-in-use takes a port number.');
    (o.scenario.portsInUse ??= []).push({ port, process: 'httpd.exe' });
  }
  const si = v['sim-iis'];
  if (si !== undefined) {
    if (!['none', 'web-server', 'with-cgi'].includes(si)) throw new UsageError('--sim-iis takes none, web-server or with-cgi.');
    o.scenario.iis = si as Scenario['iis'] & string;
  }
  for (const raw of v['sim-python'] ?? []) {
    const m = /^(\d+\.\d+\.\d+)=([A-Za-z]:\\.*)$/.exec(raw);
    if (!m) throw new UsageError('--sim-python takes VERSION=DIR, e.g. 3.14.6=C:\\Python314.');
    (o.scenario.python ??= []).push({ version: m[1] as string, dir: m[2] as string, allUsers: true });
  }
  for (const raw of v['sim-fault'] ?? []) {
    let f: unknown;
    try {
      f = JSON.parse(raw);
    } catch {
      throw new UsageError('--sim-fault takes JSON, e.g. {"match":"appcmd.exe add site","exitCode":183}.');
    }
    const bad = faultProblem(f);
    if (bad) throw new UsageError(`--sim-fault: ${bad}.`);
    (o.faults ??= []).push(f as Fault);
  }
  const [command, extra] = parsed.positionals;
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  if (v.help) o.command = 'help';
  else if (v.version) o.command = 'version';
  else if (command !== undefined) o.command = command;
  if (!o.command) throw new UsageError('No command given.');
  return o;
}

/** Reads and validates the configuration file; errors are one line each and exit code 2. */
export function loadConfig(file: string | undefined, defaults: Record<string, unknown> = {}): DeploymentConfig {
  let raw: unknown = {};
  if (file) {
    if (!existsSync(file)) throw new UsageError(`The configuration file ${file} does not exist.`);
    if (statSync(file).isDirectory()) throw new UsageError(`The configuration file ${file} is a folder; give the deploy .json file.`);
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`The configuration file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  // Values the caller derived (rehearse --project) stand under the file's own.
  const r = parseConfig(typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...defaults, ...raw } : raw);
  if (!r.ok) throw new UsageError(`The configuration${file ? ` in ${file}` : ''} is not valid:\n${r.problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`);
  return r.config;
}

const ICON: Record<string, string> = { done: '✔', needed: '•', blocked: '✖' };

export function formatPlan(p: Plan): string {
  const lines = [`Plan for ${p.host.productName}${p.host.simulatorRoot ? ` [simulated server in ${p.host.simulatorRoot}]` : ''}`, ''];
  const pr = p.project;
  lines.push(`The project${pr.inspected ? ' (as Django reports it)' : ' (not in place yet: what Django reports is read when it is)'}:`, ...pr.notes.map((n) => `  - ${n}`));
  if (pr.warnings.length) lines.push('Warnings:', ...pr.warnings.map((w) => `  ! ${w}`));
  lines.push('');
  if (p.conflicts.length) lines.push('CONFLICTS: these already exist and are not this deployment\'s; nothing will run until they are resolved:', formatConflicts(p.conflicts), '');
  for (const s of p.steps) {
    lines.push(`${ICON[s.status] ?? '?'} ${s.title.padEnd(36)} ${s.status === 'done' ? 'already done' : s.status}: ${s.reason}`);
    for (const a of s.actions) lines.push(`      ${describeAction(a)}`);
    if (s.problem) lines.push(...formatProblem(s.problem, '      '));
  }
  const todo = p.steps.filter((s) => s.status === 'needed').length;
  lines.push('', p.conflicts.length ? `Refused: ${p.conflicts.length} conflict(s) (see above).` : todo === 0 ? 'Nothing to change.' : `${todo} step(s) would change the server.`);
  return lines.join('\n');
}

export function formatProblem(p: Problem, indent = '  '): string[] {
  const out = [`${indent}What happened: ${p.what}`, `${indent}Why: ${p.why}`, `${indent}What to do: ${p.fix}`];
  if (p.command) out.push(`${indent}Command: ${describeArgv(p.command[0] ?? '', p.command.slice(1))}${p.exitCode !== undefined ? ` (exit ${p.exitCode})` : ''}`);
  if (p.output) out.push(...p.output.split('\n').slice(0, 20).map((l) => `${indent}  | ${l}`));
  return out;
}

function writeReport(file: string, v: VerificationReport, siteName: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--report ${file} is a folder; give a file name such as report.html.`);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, renderReportHtml(v, siteName));
}

export function formatVerification(v: VerificationReport): string {
  const lines: string[] = [];
  // The report leads with the causes (one per cause, however many URLs it breaks), then the probes.
  if (v.diagnoses.length) {
    lines.push(v.diagnoses.length === 1 ? 'Diagnosis: one cause' : `Diagnosis: ${v.diagnoses.length} independent causes`);
    v.diagnoses.forEach((g, i) => {
      lines.push(`  ${i + 1}. ${g.title}${g.fixable ? ' [verify --fix repairs it]' : ''}`, ...formatProblem(g, '     '), `     Affects: ${g.urls.join(', ')}`);
      if (g.evidence.length) lines.push('     Evidence:', ...g.evidence.map((e) => `       ${e}`));
    });
    lines.push('');
  }
  lines.push('Verification:');
  for (const p of v.probes) lines.push(`  ${p.ok ? '✔' : '✖'} ${p.name}: ${p.url} → ${p.status ?? (p.url.startsWith('file:') ? (p.ok ? 'present' : 'missing') : 'no answer')}${p.contentType ? ` ${p.contentType}` : ''} (${p.detail})${p.diagnosis ? ` — see ${v.diagnoses.findIndex((g) => g.cause === p.diagnosis?.cause) + 1}.` : ''}`);
  if (v.warnings.length) lines.push('', 'Warnings:', ...v.warnings.map((w) => `  ! ${w}`));
  if (v.simulated.length) lines.push('', 'Simulated in this rehearsal (not real):', ...v.simulated.map((s) => `  - ${s}`));
  return lines.join('\n');
}

function eventPrinter(io: CliIo): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'step-state': {
        if (e.state === 'checking') return;
        const label = e.stepId === 'verification' && e.state === 'already-done' ? 'passed' : e.state;
        io.out(`[${label.padEnd(12)}] ${e.stepId}${e.detail ? `: ${e.detail}` : ''}`);
        if (e.problem) io.out(formatProblem(e.problem, '      ').join('\n'));
        break;
      }
      case 'action':
        if (e.state === 'started') io.out(`  ${e.stepId.padEnd(14)} ${describeAction(e.action)}`);
        break;
      case 'output':
        io.out(`  ${e.stepId.padEnd(14)}   | ${e.line}`);
        break;
      case 'run-finished':
        io.out(`\nRun ${e.outcome}; ${e.mutatingCommands} change(s) made${e.restartRequired ? '; WINDOWS NEEDS A RESTART to finish' : ''}.`);
        break;
      default:
    }
  };
}

function runSummary(r: RunResult): unknown {
  return { outcome: r.outcome, steps: r.states, problems: r.problems, restartRequired: r.restartRequired, mutatingCommands: r.mutatingCommands, verification: r.verification };
}

/** Asks before a command changes the server (unless --yes): undefined to go on, else the exit code. */
async function confirmChange(o: Options, io: CliIo, command: string, question: string): Promise<number | undefined> {
  if (o.yes) return undefined;
  const ok = io.confirm ? await io.confirm(question) : undefined;
  if (ok === undefined) {
    io.err(`${command} changes the server and there is no terminal to ask on: add --yes to confirm.`);
    return 2;
  }
  return ok ? undefined : 1;
}

async function withHost<T>(o: Options, fn: (h: Host) => Promise<T>): Promise<T> {
  if (o.faults && !o.simulate) throw new UsageError('--sim-fault needs --simulate DIR.');
  if (o.lenientPackages && !o.simulate) throw new UsageError('--sim-lenient-packages needs --simulate DIR (it changes only the simulated pip).');
  const host = selectHost({ ...(o.simulate ? { simulate: o.simulate } : {}), scenario: o.scenario, lenientPackages: o.lenientPackages });
  if (host instanceof SimulatedHost) for (const f of o.faults ?? []) host.server.addFault(f);
  try {
    // IIS's configuration, DISM, icacls and the services need an administrator; reading them does too.
    // Said first and plainly (a console exe cannot raise its own rights), before anything is read or changed.
    const info = await host.info();
    if (!info.elevated) throw new NotElevatedError(info.kind === 'simulated' ? 'The simulated server runs this tool without administrator rights (--sim-not-elevated).' : 'This command prompt is not elevated.');
    return await fn(host);
  } finally {
    await host.dispose();
  }
}

export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  // Everything printed passes through redact(): a generated secret key or a password never reaches the terminal.
  const io: CliIo = { out: (s) => rawIo.out(redact(s)), err: (s) => rawIo.err(redact(s)), ...(rawIo.confirm ? { confirm: rawIo.confirm } : {}) };
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  try {
    if (o.command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (o.command === 'version') {
      io.out(`django-iis-setup ${APP_VERSION}`);
      return 0;
    }
    if (o.command === 'schema') {
      io.out(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    }
    // The simulated server runs Linux's Python on POSIX paths: a rehearsal is for the team's Linux or macOS machine.
    if (process.platform === 'win32' && (o.command === 'rehearse' || o.simulate))
      throw new UsageError(`${o.command === 'rehearse' ? 'rehearse' : '--simulate'} runs the simulated Windows Server, which needs Linux or macOS (it runs Debian's Python and Django there): rehearse on the developer's machine with npm run rehearse. On this server, plan shows what apply would change, without changing anything.`);
    if (o.project && o.command !== 'rehearse') throw new UsageError('--project is for rehearse: npm run rehearse -- --project ./path/to/project');
    if (o.rotateSecret && o.command !== 'apply') throw new UsageError('--rotate-secret is for apply.');
    if (o.command === 'rehearse') return await rehearse(o, io);
    const config = loadConfig(o.config);
    switch (o.command) {
      case 'plan':
        return await withHost(o, async (h) => {
          const p = await plan(config, h);
          io.out(o.json ? JSON.stringify(redactDeep(p), null, 2) : formatPlan(p));
          if (p.conflicts.length) return 2;
          return p.steps.some((s) => s.status === 'blocked') ? 1 : 0;
        });
      case 'apply':
        return await withHost(o, async (h) => {
          if (!o.yes) {
            const p = await plan(config, h);
            if (!o.json) io.out(formatPlan(p));
            if (p.conflicts.length) throw new ConflictError(p.conflicts);
            if (p.steps.every((s) => s.status === 'done')) {
              if (o.json) io.out(JSON.stringify(redactDeep({ outcome: 'succeeded', mutatingCommands: 0, plan: p }), null, 2));
              return 0;
            }
            const ok = io.confirm ? await io.confirm('Apply these changes to the server? [y/N] ') : undefined;
            if (ok === undefined) {
              io.err('apply changes the server and there is no terminal to ask on: add --yes to confirm.');
              return 2;
            }
            if (!ok) {
              io.err('Nothing was changed.');
              return 1;
            }
          }
          const r = await run(config, h, { ...(o.json ? {} : { onEvent: eventPrinter(io) }), ...(o.rotateSecret ? { rotateSecret: true } : {}) });
          if (o.json) io.out(JSON.stringify(redactDeep(runSummary(r)), null, 2));
          else if (r.verification) io.out(`\n${formatVerification(r.verification)}`);
          return r.outcome === 'succeeded' ? 0 : 1;
        });
      case 'verify':
        return await withHost(o, async (h) => {
          let v = await verifyWithFixes(config, h);
          if (o.report) writeReport(o.report, v, config.siteName);
          if (!o.fix || v.ok) {
            io.out(o.json ? JSON.stringify(v, null, 2) : formatVerification(v));
            if (o.report && !o.json) io.out(`Report: ${o.report}`);
            return v.ok ? 0 : 1;
          }
          // --fix: the deployment's own check-then-set steps, shown first, confirmed, then verified again.
          if (!o.json) io.out(formatVerification(v));
          const fixable = v.diagnoses.filter((g) => g.fixable);
          if (fixable.length === 0) {
            if (!o.json) io.out('\nNone of these causes is one the tool can fix: follow "What to do" above.');
            else io.out(JSON.stringify({ verification: v, fixed: false }, null, 2));
            return 1;
          }
          const p = await plan(config, h);
          const needed = p.steps.filter((s) => s.status !== 'done' && s.id !== 'verification');
          if (!o.json) io.out(`\nThe fix re-runs the deployment's steps that are not done:\n${needed.map((s) => `  - ${s.title}: ${s.reason}${s.actions.map((a) => `\n      ${describeAction(a)}`).join('')}`).join('\n') || '  (every step checks as done: the cause is outside what they check)'}`);
          if (p.conflicts.length) throw new ConflictError(p.conflicts);
          const refused = await confirmChange(o, io, 'verify --fix', 'Apply these fixes? [y/N] ');
          if (refused !== undefined) return refused;
          const r = await run(config, h, o.json ? {} : { onEvent: eventPrinter(io) });
          v = r.verification ?? (await verify(config, h));
          if (o.report) writeReport(o.report, v, config.siteName);
          if (o.json) io.out(JSON.stringify({ fixed: v.ok, mutatingCommands: r.mutatingCommands, problems: r.problems, verification: v }, null, 2));
          else io.out(`\n${v.ok ? `Fixed (${r.mutatingCommands} change(s)); verification passes.` : 'Still failing after the fix:'}\n${formatVerification(v)}`);
          return v.ok ? 0 : 1;
        });
      case 'uninstall':
        return await withHost(o, async (h) => {
          const refused = await confirmChange(o, io, 'uninstall', 'Remove the site, pool, FastCGI application, grants and folders this tool created? [y/N] ');
          if (refused !== undefined) return refused;
          const r = await uninstall(h, config.siteName, o.json ? undefined : (l) => io.out(`  ${l}`));
          io.out(
            o.json
              ? JSON.stringify(r, null, 2)
              : r.problems.length
                ? `Some things could not be removed:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`
                : `Removed ${r.removed.length} item(s)${r.restored.length ? `; restored ${r.restored.length} setting(s) of objects that existed before` : ''}.\n${r.kept.join('\n')}`,
          );
          return r.problems.length ? 1 : 0;
        });
      case 'rollback':
        return await withHost(o, async (h) => {
          const refused = await confirmChange(o, io, 'rollback', 'Undo the last run of this deployment? [y/N] ');
          if (refused !== undefined) return refused;
          const r = await rollback(h, config.siteName, o.json ? undefined : (l) => io.out(`  ${l}`));
          if (o.json) io.out(JSON.stringify(r, null, 2));
          else if (!r.runId) io.out(`There is no run of "${config.siteName}" to roll back.`);
          else
            io.out(
              [
                `Rolled back run ${r.runId}: IIS configuration ${r.iisConfig === 'restored-from-backup' ? `restored from the backup "${r.backup ?? ''}"` : r.iisConfig === 'entries-removed' ? "this tool's entries removed" : 'not touched by the run'}; ${r.removed.length + r.restored.length} change(s) undone.`,
                ...r.kept,
                ...(r.problems.length ? ['Some things could not be undone:', ...r.problems.map((p) => `  - ${p}`)] : []),
              ].join('\n'),
            );
          return r.problems.length ? 1 : 0;
        });
      case 'export': {
        if (o.format !== 'powershell') throw new UsageError('export needs --format powershell.');
        if (o.windows !== undefined && !(EXPORT_TARGETS as readonly string[]).includes(o.windows)) throw new UsageError(`--windows ${o.windows} is not one of ${EXPORT_TARGETS.join(', ')}.`);
        let script: string;
        try {
          script = await exportPowerShell(config, o.windows ? { windows: o.windows as ExportTarget } : {});
        } catch (e) {
          if (e instanceof ExportError) throw new UsageError(`Nothing was written: ${e.message}`);
          throw e;
        }
        if (o.out) {
          if (existsSync(o.out) && statSync(o.out).isDirectory()) throw new UsageError(`--out ${o.out} is a folder; give a file name such as deploy.ps1.`);
          mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
          writeFileSync(o.out, script);
          io.out(o.json ? JSON.stringify({ written: o.out }) : `Wrote ${o.out}`);
        } else io.out(script);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${o.command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof NotElevatedError || e instanceof HostSelectionError || e instanceof SimulatorError || e instanceof JournalError || e instanceof LockError || e instanceof ToolDataError) {
      io.err(e.message);
      return 2;
    }
    if (e instanceof RefusedError) {
      if (o.json) io.out(JSON.stringify(redactDeep({ outcome: 'refused', problems: e.problems }), null, 2));
      io.err(redact(e.message));
      return 2;
    }
    if (e instanceof ConflictError) {
      if (o.json) io.out(JSON.stringify({ outcome: 'refused', conflicts: e.conflicts }, null, 2));
      io.err(e.message);
      return 2;
    }
    throw e;
  }
}

/** A local project folder or .zip, put on the simulated server as a team would hand it over. */
function stageProject(host: SimulatedHost, project: string): { input: Record<string, unknown>; name: string } {
  const abs = path.resolve(project);
  if (!existsSync(abs)) throw new UsageError(`--project ${project} does not exist; give a Django project folder (with manage.py) or a .zip of one.`);
  const isZip = statSync(abs).isFile();
  if (isZip && !abs.toLowerCase().endsWith('.zip')) throw new UsageError(`--project ${project} is a file but not a .zip; give a project folder or a .zip.`);
  const name = (path.basename(abs).replace(/\.zip$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'app').slice(0, 40);
  const drop = `C:\\drop\\${name}`;
  const input: Record<string, unknown> = { siteName: name, appDir: `C:\\apps\\${name}`, venvDir: `C:\\virtualenvs\\${name}` };
  if (!isZip) {
    if (!existsSync(path.join(abs, 'manage.py'))) throw new UsageError(`--project ${project} has no manage.py; give the folder that holds the Django project's manage.py.`);
    // Links are copied as links, their targets verbatim (never followed): the plan lists and refuses them.
    cpSync(abs, host.server.toReal(drop), { recursive: true, verbatimSymlinks: true, filter: (src) => !/[\\/](\.git|__pycache__|node_modules|\.venv|venv)$/.test(src) && !/db\.sqlite3$/.test(src) });
    input.djangoProject = { folder: drop };
    if (existsSync(path.join(abs, 'requirements.txt'))) input.requirementsFile = `${drop}\\requirements.txt`;
  } else {
    // The zip, plus its requirements files beside it (pip runs before the zip is extracted), as a team sends both.
    mkdirSync(host.server.toReal('C:\\drop'), { recursive: true });
    cpSync(abs, host.server.toReal(`${drop}.zip`));
    input.djangoProject = { zip: `${drop}.zip` };
    const script = 'import json, re, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = z.namelist()\nmanage = [n for n in names if n.rsplit("/", 1)[-1] == "manage.py"]\nroot = min(manage, key=len)[: -len("manage.py")] if manage else ""\nm = re.search(r"DJANGO_SETTINGS_MODULE[\\"\\\'],\\s*[\\"\\\']([\\w.]+)", z.read(min(manage, key=len)).decode()) if manage else None\nreqs = [n for n in names if n.startswith(root) and re.match(r"requirements[^/]*\\.txt$|requirements/", n[len(root):]) and not n.endswith("/")]\nz.extractall(sys.argv[2], members=reqs)\nprint(json.dumps({"settings": m.group(1) if m else None, "root": root, "reqs": reqs}))\n';
    const out = execFileSync(realPython(), ['-c', script, abs, host.server.toReal(`${drop}-requirements`)], { encoding: 'utf8' });
    const info = JSON.parse(out) as { settings: string | null; root: string; reqs: string[] };
    if (info.settings) input.settingsModule = info.settings;
    if (info.reqs.includes(`${info.root}requirements.txt`)) input.requirementsFile = `${drop}-requirements\\${info.root.replace(/\//g, '\\')}requirements.txt`;
  }
  return { input, name };
}

/** The README's first command: a full deployment of the sample app (or --project) on a fresh simulated server. */
async function rehearse(o: Options, io: CliIo): Promise<number> {
  const dir = o.keep ?? o.simulate ?? mkdtempSync(path.join(os.tmpdir(), 'django-iis-rehearsal-'));
  const host = new SimulatedHost(dir, o.scenario, { lenientPackages: o.lenientPackages });
  try {
    let config: DeploymentConfig;
    if (o.project) {
      const staged = stageProject(host, o.project);
      config = loadConfig(o.config, staged.input);
      io.out(`Rehearsing the hand-over of ${path.resolve(o.project)} as "${config.siteName}" on a simulated Windows Server in ${dir}\n`);
    } else {
      config = loadConfig(o.config);
      io.out(`Rehearsing a deployment of "${config.siteName}" on a simulated Windows Server in ${dir}\n`);
    }
    const p = await plan(config, host);
    io.out(`The project:\n${p.project.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    if (p.conflicts.length) throw new ConflictError(p.conflicts);
    const first = await run(config, host, { onEvent: eventPrinter(io) });
    if (first.verification) io.out(`\n${formatVerification(first.verification)}`);
    if (first.outcome !== 'succeeded') {
      io.out(`\nThe rehearsal failed. The simulated server is in ${dir}.`);
      return 1;
    }
    io.out('\nRunning apply a second time (every step should already be done)...');
    const second = await run(config, host, {});
    io.out(`Second run: ${second.outcome}, ${second.mutatingCommands} change(s), steps: ${Object.values(second.states).every((s) => s === 'already-done') ? 'all already done' : JSON.stringify(second.states)}.`);
    io.out(`\nThe simulated server lives in ${dir}:`);
    io.out(`  ${path.join(dir, 'C', 'Windows', 'System32', 'inetsrv', 'config', 'applicationHost.config')}  (IIS configuration)`);
    io.out(`  ${host.server.toReal(config.appDir)}  (the Django project, ${config.appDir})`);
    io.out(`  ${path.join(dir, '.sim', 'commands.jsonl')}  (every command run, with exit codes)`);
    io.out(`Inspect it with: npm run cli -- plan --simulate ${dir}${o.project || o.config ? ' --config <the same configuration>' : ''}`);
    return second.outcome === 'succeeded' && second.mutatingCommands === 0 ? 0 : 1;
  } finally {
    await host.dispose();
  }
}
