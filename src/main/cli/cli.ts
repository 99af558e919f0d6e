/**
 * The command line (npm run cli -- <command>; also the packaged exe's headless mode):
 *   plan | apply [--yes] | verify | uninstall [--yes] | export --format powershell | rehearse | schema
 * Options: --config FILE, --json, --simulate DIR (+ --sim-* options for a fresh simulated server).
 * Exit codes: 0 success, 1 a step or a verification failed, 2 bad usage or configuration, or not
 * elevated (nothing changed). Also the console exe (scripts/package-cli.mjs) and `npm run cli`.
 */
import { APP_VERSION } from '../../shared/version';
import { configJsonSchema } from '../../shared/config';
import { redact, redactDeep } from '../../shared/problem';
import { ConflictError, RefusedError } from '../engine/engine';
import { LockError } from '../engine/lock';
import { ToolDataError } from '../engine/tool-data';
import { JournalError } from '../engine/ownership';
import { HostSelectionError } from '../hosts/select';
import { SimulatorError } from '../hosts/simulated/server';
import { applyCommand } from './commands/apply';
import { exportCommand } from './commands/export';
import { planCommand } from './commands/plan';
import { bundleConfig, bundleSumsLine, rehearse } from './commands/rehearse';
import { bundleCommand } from './commands/bundle';
import { findBundleDir } from '../bundle/find';
import path from 'node:path';
import { rollbackCommand } from './commands/rollback';
import { goBackCommand, releasesCommand } from './commands/releases';
import { RegistryError } from '../engine/release/registry';
import { uninstallCommand } from './commands/uninstall';
import { verifyCommand } from './commands/verify';
import { type CliIo, NotElevatedError, type Options, USAGE, UsageError, loadConfig, parseArgs } from './options';

/** One function per command (commands/): each gets the parsed options, the output and the configuration. */
export const COMMAND_RUNNERS = { plan: planCommand, apply: applyCommand, verify: verifyCommand, releases: releasesCommand, 'go-back': goBackCommand, uninstall: uninstallCommand, rollback: rollbackCommand, export: exportCommand };

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
    if (o.project && o.command !== 'rehearse' && o.command !== 'bundle') throw new UsageError('--project is for rehearse and bundle: npm run rehearse -- --project ./path/to/project');
    if (o.command === 'bundle') return await bundleCommand(o, io);
    if (o.bundle && o.config) throw new UsageError('Give --bundle or --config, not both: a bundle\'s configuration is its deploy.json.');
    if (o.bundle && o.project) throw new UsageError('Give --bundle or --project, not both.');
    if (o.rotateSecret && o.command !== 'apply') throw new UsageError('--rotate-secret is for apply.');
    if ((o.to !== undefined || o.restoreBackup || o.reverseMigrations || o.keepMigrations) && o.command !== 'go-back') throw new UsageError('--to, --restore-backup, --reverse-migrations and --keep-migrations are for go-back.');
    if (o.deleteData && o.command !== 'uninstall') throw new UsageError('--delete-data is for uninstall.');
    if (o.command === 'rehearse') return await rehearse(o, io);
    // The console exe finds a bundle it is in (or the one beside it), as the wizard does; node running the bundle does not look.
    const exeDir = /^node(\.exe)?$/i.test(path.basename(process.execPath)) ? undefined : path.dirname(process.execPath);
    const beside = !o.bundle && !o.config && exeDir ? findBundleDir(exeDir) : undefined;
    if (beside) io.err(`Using the bundle ${beside} beside this program (give --config or --bundle to choose another).`);
    const bundleDir = o.bundle ?? beside;
    const config = bundleDir ? bundleConfig(o, bundleDir) : loadConfig(o.config);
    if (bundleDir && !o.json) io.err(bundleSumsLine(bundleDir));
    const runner = COMMAND_RUNNERS[o.command as keyof typeof COMMAND_RUNNERS];
    if (!runner) throw new UsageError(`Unknown command "${o.command}".`);
    return await runner(o, io, config);
  } catch (e) {
    if (e instanceof UsageError || e instanceof NotElevatedError || e instanceof HostSelectionError || e instanceof SimulatorError || e instanceof JournalError || e instanceof LockError || e instanceof ToolDataError || e instanceof RegistryError) {
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

export { COMMANDS, NotElevatedError, UsageError, loadConfig, parseArgs, type CliIo } from './options';
export { formatPlan, formatProblem, formatVerification } from './format';
