/**
 * The database: migrations applied (manage.py migrate --check decides, migrate --noinput applies),
 * both with the application's environment. SQLite: a missing database file means "not migrated"
 * without running anything (opening it would create it).
 */
import { managePy } from '../commands';
import { manageEnv, projectView } from '../project';
import { done, exec, needed, psq, type Step } from '../step';
import { codeFingerprint, digest, recall, remember } from '../check-cache';

export const migrate: Step = {
  id: 'migrate',
  title: 'Apply the database migrations',
  section: 'django',
  dependsOn: ['django-settings'],
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
    if (!view.facts) return needed('the project is not in place yet', [apply]);
    if (view.sqliteFile && !(await host.exists(view.sqliteFile))) return needed(`the SQLite database ${view.sqliteFile} does not exist yet`, [apply]);
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
    return needed(r.exitCode === 1 && !/Error|Traceback/.test(r.stderr) ? 'there are unapplied migrations' : `migrate --check failed: ${last}`, [apply]);
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
