/** The command line's words: the commands, the flags (Node's util.parseArgs, strict), the usage text, and the configuration file it reads. */
import { parseArgs as nodeParseArgs } from 'node:util';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseConfig, type DeploymentConfig } from '../../shared/config';
import { faultProblem, type Fault, type Scenario, type WindowsFlavour } from '../hosts/simulated/server';
import { SIM_LANGUAGES, type SimLanguage } from '../hosts/simulated/language';
import { X509Certificate } from 'node:crypto';

/** --sim-certificate FILE: its certificate with its key into LocalMachine\\My, a CA certificate without a key into Root. */
function simCertificates(file: string): NonNullable<Scenario['certificates']> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--sim-certificate ${file}: ${(e as Error).message}`);
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(text)?.[0];
  if (certs.length === 0) throw new UsageError(`--sim-certificate ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return certs.map((pem, i) => {
    const ca = new X509Certificate(pem).ca;
    if (i === 0 && key) return { pem: `${pem}\n`, key: `${key}\n`, store: 'My' as const };
    return { pem: `${pem}\n`, store: ca ? ('Root' as const) : ('My' as const) };
  });
}

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
export const COMMANDS = ['plan', 'apply', 'verify', 'releases', 'go-back', 'rollback', 'uninstall', 'export', 'rehearse', 'bundle', 'schema', 'help', 'version'] as const;

export interface Options {
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
  /** A bundle folder (deploy.json, SHA256SUMS): checked, then its configuration used. */
  bundle?: string;
  /** bundle: where pip finds the wheels, as pip takes them. */
  findLinks?: string[];
  indexUrl?: string;
  noIndex?: boolean;
  pythonInstaller?: string;
  msi?: string;
  to?: string;
  deleteData?: boolean;
  restoreBackup?: boolean;
  reverseMigrations?: boolean;
  keepMigrations?: boolean;
  rotateSecret: boolean;
  lenientPackages: boolean;
  scenario: Scenario;
  faults?: Fault[];
}

export const USAGE = `Usage: django-iis-setup <command> [options]

Commands:
  plan                 show every step, whether it is done, and the exact commands it would run
  apply                deploy (asks first; --yes to skip the question)
  verify [--fix] [--report FILE]
                       probe the site and explain what is broken, one diagnosis per cause with
                       its evidence; --fix re-runs the steps that repair it (asks first), then
                       verifies again; --report writes the HTML report (secrets removed)
  releases             list the releases (a project from a folder or zip): number, label, hash, when,
                       by whom, verified or not, which one is live
  go-back [--to N|LABEL] [--restore-backup | --reverse-migrations | --keep-migrations]
                       put the previous release (or the one named) live again, verified; its
                       database stays as it is unless --restore-backup (rows written since are lost);
                       when the leaving release's migrations break it, one choice is required:
                       --reverse-migrations (Django's migrate <app> <before>, in a 503 window after a
                       fresh backup), --restore-backup, or --keep-migrations (its writes or reads fail)
  rollback             undo the last run (after a failure or a cancel): the IIS configuration from
                       the run's backup (or this tool's entries), files, folders and grants; not a
                       release (go-back is)
  uninstall [--delete-data]
                       remove what this deployment created (from its journal), restore what it
                       adopted; the database and uploads are kept unless --delete-data
  export --format powershell [--windows 2012r2|2016|2019|2022|2025] [--out FILE]
                       write a standalone, idempotent PowerShell 5.1 script of the same steps
                       (2012r2: Python 3.12, the last for it; the server needs WMF 5.1)
  rehearse [--project DIR|ZIP | --bundle DIR] [--keep DIR]
                       deploy the sample app (or your own project, copied from a local folder
                       or .zip) on a fresh simulated Windows Server, verify it, run it again
  bundle --project DIR [--config FILE] --out DIR [--find-links DIR]... [--index-url URL] [--no-index]
         [--python-installer FILE] [--msi FILE]
                       on the team's machine: one folder to hand over (the project zip, deploy.json,
                       wheels for win_amd64 fetched with pip, the installers, SHA256SUMS, README.html)
  schema               print the JSON Schema of the configuration file
  version              print the version (also --version)

Options:
  --config FILE        deployment configuration (JSON); defaults are the guide's (site foo, port 81)
  --bundle DIR         use a bundle (its checksums are checked first, its deploy.json is the configuration)
  --json               print one JSON document on stdout
  --yes                do not ask before changing the server
  --rotate-secret      apply: replace the generated SECRET_KEY (config "secretKey")
  --simulate DIR       run against the simulated Windows Server in DIR (created when empty)
  --sim-windows 2016|2019|2022|2025|client, --sim-language en-US|de-DE|zh-CN, --sim-not-elevated, --sim-port-in-use PORT,
  --sim-iis none|web-server|with-cgi, --sim-python VERSION=DIR, --sim-certificate FILE.pem (a certificate
                       with its key goes into LocalMachine\\My, a CA certificate into Root; repeatable)
                       shape a fresh simulated server (ignored when DIR already holds one)
  --sim-lenient-packages
                       a requirement the machine's Python lacks is a listed warning, not a pip failure
  --sim-fault JSON     inject a fault, e.g. {"match":"appcmd.exe add site","exitCode":183}
                       ({"commandNumber":N}, {"hang":true}, {"restart":true}, "times":N)
`;

/** The flags, for Node's util.parseArgs (strict: an unknown flag or a missing value is a usage error). */
export const FLAGS = {
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
  bundle: { type: 'string' },
  'find-links': { type: 'string', multiple: true },
  'index-url': { type: 'string' },
  'no-index': { type: 'boolean' },
  'python-installer': { type: 'string' },
  msi: { type: 'string' },
  to: { type: 'string' },
  'delete-data': { type: 'boolean' },
  'restore-backup': { type: 'boolean' },
  'reverse-migrations': { type: 'boolean' },
  'keep-migrations': { type: 'boolean' },
  'rotate-secret': { type: 'boolean' },
  'sim-lenient-packages': { type: 'boolean' },
  'sim-windows': { type: 'string' },
  'sim-language': { type: 'string' },
  'sim-not-elevated': { type: 'boolean' },
  'sim-port-in-use': { type: 'string', multiple: true },
  'sim-iis': { type: 'string' },
  'sim-python': { type: 'string', multiple: true },
  'sim-certificate': { type: 'string', multiple: true },
  'sim-fault': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies NonNullable<Parameters<typeof nodeParseArgs>[0]>['options'];

/** util.parseArgs' messages, said the way the rest of the command line speaks. */
export function usageFromParseError(e: unknown): UsageError {
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
  for (const k of ['config', 'simulate', 'format', 'out', 'windows', 'report', 'keep', 'project', 'bundle', 'index-url', 'python-installer', 'msi', 'to', 'sim-windows', 'sim-language', 'sim-iis'] as const) {
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
  if (v.bundle !== undefined) o.bundle = v.bundle;
  if (v['find-links'] !== undefined) o.findLinks = v['find-links'];
  if (v['index-url'] !== undefined) o.indexUrl = v['index-url'];
  if (v['no-index']) o.noIndex = true;
  if (v['python-installer'] !== undefined) o.pythonInstaller = v['python-installer'];
  if (v.msi !== undefined) o.msi = v.msi;
  if (v.to !== undefined) o.to = v.to;
  if (v['delete-data']) o.deleteData = true;
  if (v['restore-backup']) o.restoreBackup = true;
  if (v['reverse-migrations']) o.reverseMigrations = true;
  if (v['keep-migrations']) o.keepMigrations = true;
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
  for (const file of v['sim-certificate'] ?? []) (o.scenario.certificates ??= []).push(...simCertificates(file));
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
