/**
 * The database: migrations applied (manage.py migrate --check decides, migrate --noinput applies),
 * both with the application's environment. SQLite: a missing database file means "not migrated"
 * without running anything (opening it would create it).
 */
import { managePy } from '../commands';
import { manageEnv, projectView } from '../project';
import { blocked, done, exec, needed, psq, type CheckResult, type Step, type StepContext } from '../step';
import type { Action } from '../../../shared/plan';
import { isInside, winDirname, winJoin } from '../../../shared/winpath';
import { objectKey } from '../ownership';
import { codeFingerprint, digest, recall, remember } from '../check-cache';
import { breakingSourceMigrations } from '../release/migration-source';
import { windowBack, windowOpen } from '../release/maintenance';
import { MIGRATION_CHECK_PY, breaking, breakingProblem, parseMigrationCheck, verdictLine, type MigrationVerdict } from '../migration-check';

export { SQLITE_BACKUP_PY } from '../sqlite-py';
import { SQLITE_BACKUP_PY } from '../sqlite-py';

/** The migrations a release would apply (manage.py migrate --plan), one "app.0002_name" each. */
export function plannedMigrations(out: string): string[] {
  return out.split(/\r?\n/).map((l) => /^\s{0,2}([A-Za-z_]\w*\.\d{4}_\w+)\s*$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
}

/**
 * Releases: the new release's migrations run before it takes traffic while the live release keeps
 * serving, so Django is asked first what each does to that release (migration-check.ts): additive
 * ones run; one that breaks the live release's reads or writes, or that Django cannot judge, stops
 * the update before any runs ("migrate": "manual" leaves them to the team).
 * A SQLite database is backed up first; "migrate": "manual" leaves them to the team and stops
 * the release before the switch.
 */
async function releaseMigrations(ctx: StepContext, sqliteFile: string | undefined, env: Record<string, string>, apply: Extract<Action, { kind: 'exec' }>): Promise<CheckResult> {
  const { config, d, host } = ctx;
  const r = ctx.release as NonNullable<StepContext['release']>;
  const p = await host.exec(d.venvPython, [managePy(config), 'migrate', '--plan'], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const names = plannedMigrations(p.stdout);
  const list = names.length ? names.join(', ') : 'unapplied migrations';
  // An update: the live release keeps serving while they run (and again after a go-back), so
  // Django is asked what each one does to it.
  let verdicts: MigrationVerdict[] | undefined;
  if (r.live) {
    const q = await host.exec(d.venvPython, ['-c', MIGRATION_CHECK_PY], { cwd: config.appDir, env, timeoutMs: 120_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const found = parseMigrationCheck(q.stdout);
    if ('error' in found && config.migrate !== 'manual')
      return blocked(`Django could not say what release ${r.target.number}'s migrations do: ${found.error}`, {
        what: `The tool could not ask Django what release ${r.target.number}'s migrations (${list}) do to release ${r.live.number}, which serves while they run.`,
        why: `The migration check (the venv's Python, the application's environment) failed: ${found.error}. Without it the tool cannot tell an additive migration from one that breaks the live release, so it runs none.`,
        fix: `Fix what the error names, or set "migrate": "manual" and run them yourself: ${d.venvPython} ${managePy(config)} migrate. Release ${r.live.number} keeps serving; release ${r.target.number} stays staged.`,
      });
    if (!('error' in found)) {
      verdicts = found.migrations;
      const bad = breaking(verdicts);
      if (bad.length && config.migrate === 'auto')
        return blocked(`release ${r.target.number}'s migrations break release ${r.live.number}: ${bad.map((v) => v.migration).join(', ')}`, breakingProblem({ target: r.target, live: r.live, verdicts, django: found.django, python: d.venvPython, managePy: managePy(config), staged: true }));
      if (bad.length && config.migrate === 'maintenance') return maintenanceMigrations(ctx, sqliteFile, apply, names, verdicts);
    }
  }
  const said = verdicts?.length ? ` (${verdicts.map(verdictLine).join('; ')})` : '';
  if (config.migrate === 'manual' && r.live)
    return blocked(`release ${r.target.number} has ${list} to apply, and "migrate" is "manual"`, {
      what: `Release ${r.target.number} (${r.target.label}) needs migrations the configuration leaves to the team: ${list}${said}.`,
      why: '"migrate": "manual": the tool does not run them, and the release does not take traffic while they are unapplied. The live release keeps serving.',
      fix: `Back the database up, run: ${d.venvPython} ${managePy(config)} migrate (with the application's environment), then apply again.`,
    });
  const backup = sqliteFile && (await host.exists(sqliteFile)) ? backupPath(ctx, sqliteFile, r.target.number) : undefined;
  const actions: Action[] = [
    ...(backup ? [exec(`Back up the database before release ${r.target.number}'s migrations (SQLite's backup API) to ${backup}`, d.venvPython, ['-c', SQLITE_BACKUP_PY, sqliteFile as string, backup])] : []),
    apply,
    { kind: 'release', description: `Record the migrations release ${r.target.number} applied (${list})`, op: { op: 'migrated', number: r.target.number, migrations: names, ...(verdicts ? { verdicts } : {}), ...(backup ? { backup } : {}) } },
  ];
  return needed(`release ${r.target.number} applies ${list}${verdicts?.length ? `, additive by Django's account (release ${r.live?.number ?? ''} keeps reading and writing while they run)` : ''}${backup ? '; the database is backed up first' : sqliteFile ? '' : ' (not SQLite: no backup is taken)'}`, actions);
}

/** Where the SQLite database is backed up before release n's migrations. */
const backupPath = (ctx: StepContext, sqliteFile: string, n: number) => winJoin(ctx.config.layout?.shared ?? winDirname(sqliteFile), 'backups', `${sqliteFile.split('\\').at(-1) ?? 'db.sqlite3'}.before-release-${n}`);

/**
 * "migrate": "maintenance" and migrations that break the live release: the window opens (the site
 * answers 503, static files serve), the database is backed up with no request writing to it, the
 * migrations run; when they fail, the backup is put back (nothing was written since) and the live
 * release serves again. The window stays open through the staging check until the switch.
 */
async function maintenanceMigrations(ctx: StepContext, sqliteFile: string | undefined, apply: Extract<Action, { kind: 'exec' }>, names: string[], verdicts: MigrationVerdict[]): Promise<CheckResult> {
  const { d, host } = ctx;
  const r = ctx.release as NonNullable<StepContext['release']>;
  const live = r.live as NonNullable<typeof r.live>;
  const w = await windowOpen(ctx);
  const backup = sqliteFile && (await host.exists(sqliteFile)) ? backupPath(ctx, sqliteFile, r.target.number) : undefined;
  const failed: Action = { kind: 'release', description: `Record that release ${r.target.number}'s migrations failed in the maintenance window`, op: { op: 'failed', number: r.target.number, why: backup ? `its migrations failed in the maintenance window; the database was put back from ${backup} and release ${live.number} serves again` : `its migrations failed in the maintenance window; release ${live.number} serves again with what they applied (not SQLite: no backup was taken)` } };
  const actions: Action[] = [
    ...w.actions,
    ...(backup ? [exec(`Back up the database in the window, no request writing to it (SQLite's backup API) to ${backup}`, d.venvPython, ['-c', SQLITE_BACKUP_PY, sqliteFile as string, backup])] : []),
    { ...apply, onFailure: [...windowBack(ctx, 'back', backup ? { backup, db: sqliteFile as string, python: d.venvPython } : undefined), failed] },
    { kind: 'release', description: `Record the migrations release ${r.target.number} applied (${names.join(', ')})`, op: { op: 'migrated', number: r.target.number, migrations: names, verdicts, ...(backup ? { backup } : {}) } },
  ];
  const bad = breaking(verdicts);
  return needed(
    `release ${r.target.number}'s migrations break release ${live.number} (${bad.map(verdictLine).join('; ')}): "migrate": "maintenance", so the site answers 503 (Retry-After: ${w.retryAfter}, ${w.said}) from just before they run until release ${r.target.number} serves; static files keep serving${backup ? '; a failure puts the database back from the backup taken in the window (no row is lost: nothing writes in it)' : ' (not SQLite: no backup is taken)'}`,
    actions,
  );
}

export const migrate: Step = {
  id: 'migrate',
  title: 'Apply the database migrations',
  section: 'django',
  dependsOn: ['django-settings', 'release-data'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const view = await projectView(ctx);
    if (view.facts && (!view.facts.database || /dummy/.test(view.facts.database.engine))) return done('the project has no database');
    const env = await manageEnv(ctx, view.wsgiHandler);
    // --fake-initial: an initial migration whose tables all exist is recorded instead of run again.
    // A migrate stopped between its commit and its record (Django records a migration with deferred
    // SQL after committing it; a killed run, a reboot) leaves exactly that: without it every later
    // migrate fails with "table ... already exists".
    const apply = exec('Apply the database migrations (manage.py migrate)', d.venvPython, [managePy(config), 'migrate', '--noinput', '--fake-initial'], { cwd: config.appDir, env });
    if (!view.facts) {
      // An update not yet staged (the plan): what the live release's Django reads from the source.
      const breaks = ctx.config.migrate !== 'manual' ? await breakingSourceMigrations(ctx) : undefined;
      if (breaks && ctx.config.migrate === 'auto') return blocked(`the new migrations break release ${ctx.release?.live?.number ?? ''}`, breaks);
      if (breaks) return needed(`the new migrations break release ${ctx.release?.live?.number ?? ''}: "migrate": "maintenance", so the site will answer 503 from just before they run until release ${ctx.release?.target.number ?? ''} serves (static files keep serving)`, [apply]);
      return needed('the project is not in place yet', [apply]);
    }
    if (view.sqliteFile && !(await host.exists(view.sqliteFile))) {
      // SQLite creates the file, not its folder: a folder of the database's own outside the application
      // is created here, as the deployment's (journaled), and removed by uninstall only when empty (the data stays).
      const folder = winDirname(view.sqliteFile);
      const mkdir: Action[] = (await host.exists(folder)) || isInside(folder, config.layout?.root ?? config.appDir)
        ? []
        : [{ kind: 'mkdir', description: `Create the database's folder ${folder}`, path: folder, creates: { object: objectKey.folder(folder), undo: [{ kind: 'remove', description: `Remove ${folder} if it is empty`, path: folder, onlyIfEmpty: true }] } }];
      return needed(`the SQLite database ${view.sqliteFile} does not exist yet`, [...mkdir, apply]);
    }
    // SQLite: a database found applied is not asked again while the code, the packages and the
    // file itself (size and time: any write, a restored copy) stay the same; another database
    // server is always asked.
    const db = view.sqliteFile ? await host.stat(view.sqliteFile) : undefined;
    const fp = view.sqliteFile && db ? digest(await codeFingerprint(ctx, env), view.sqliteFile, db.size, Math.round(db.mtimeMs)) : undefined;
    if (fp && (await recall<boolean>(ctx, 'migrate', fp))) return done(`every migration is applied (${view.facts.database?.engine ?? ''}; nothing changed since migrate --check said so)`);
    const r = await host.exec(d.venvPython, [managePy(config), 'migrate', '--check'], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (r.exitCode === 0) {
      if (fp) await remember(ctx, 'migrate', fp, true);
      return done(`every migration is applied (${view.facts.database?.engine ?? ''})`);
    }
    const last = `${r.stderr}${r.stdout}`.trim().split(/\r?\n/).at(-1) ?? '';
    const unapplied = r.exitCode === 1 && !/Error|Traceback/.test(r.stderr);
    if (!unapplied || !ctx.release || ctx.release.target.legacy) return needed(unapplied ? 'there are unapplied migrations' : `migrate --check failed: ${last}`, [apply]);
    return releaseMigrations(ctx, view.sqliteFile, env, apply);
  },
  psCheck: ({ config, d }) => `$(& ${psq(d.venvPython)} ${psq(managePy(config))} 'migrate' '--check' | Out-Null; $LASTEXITCODE -eq 0)`,
  explain(action, r) {
    const text = `${r.stdout}${r.stderr}`;
    if (/could not connect|Connection refused|OperationalError/i.test(text) && !/already exists|no such (table|column)/i.test(text))
      return {
        what: 'The database could not be reached to apply the migrations.',
        why: text.trim().split(/\r?\n/).filter((l) => /Error/.test(l)).at(-1) ?? 'The database server refused the connection.',
        fix: 'Check the database settings the project reads (for example DATABASE_URL in "environment") and that the database server accepts connections from this server, then run again.',
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
      };
    return undefined;
  },
};
