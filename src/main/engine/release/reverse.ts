/**
 * go-back --reverse-migrations (issue #33 item 3): the leaving release's migrations are reversed
 * by its own Django (`manage.py migrate <app> <the migration before them>`, its venv, its code, the
 * application's environment) before the release gone back to takes traffic. It runs in a
 * maintenance window (release/maintenance.ts): the site answers 503 while neither release's code
 * matches the schema, a fresh backup is taken in it (no request writes), and a failed reversal
 * puts that backup back with the leaving release serving again.
 */
import type { Action } from '../../../shared/plan';
import { winDirname, winJoin } from '../../../shared/winpath';
import { managePy } from '../commands';
import { manageEnv } from '../project';
import { blocked, exec, type CheckResult, type StepContext } from '../step';
import { liveReleaseContext } from './layout';
import { SQLITE_BACKUP_PY } from '../sqlite-py';
import { windowBack, windowOpen } from './maintenance';

/**
 * For each app, the migration to migrate back to: the newest of that app's parents of the leaving
 * release's migrations that the leaving release did not apply itself ("zero" when there is none),
 * read from Django's migration graph.
 */
export const REVERSE_TARGETS_PY = [
  'import json, sys',
  'import django',
  'django.setup()',
  'from django.db import connection',
  'from django.db.migrations.loader import MigrationLoader',
  'loader = MigrationLoader(connection)',
  'leaving = set(tuple(x.split(".", 1)) for x in json.loads(sys.argv[1]))',
  'targets = {}',
  'for app, name in sorted(leaving):',
  '    node = loader.graph.node_map.get((app, name))',
  '    if node is None:',
  '        print(json.dumps({"error": "%s.%s is not in the migration graph of this release" % (app, name)}))',
  '        sys.exit(0)',
  '    targets.setdefault(app, set())',
  '    for p in node.parents:',
  '        if p.key[0] == app and p.key not in leaving:',
  '            targets[app].add(p.key[1])',
  'print(json.dumps({"targets": {a: (sorted(t)[-1] if t else "zero") for a, t in targets.items()}}))',
  '',
].join('\n');

/** The window, the fresh backup, Django's reversal per app, each with its way back; the switch follows (release-switch.ts). */
export async function reverseActions(ctx: StepContext, sqliteFile: string | undefined): Promise<{ actions: Action[]; back: Action[]; said: string } | CheckResult> {
  const { host } = ctx;
  const r = ctx.release;
  const lctx = liveReleaseContext(ctx);
  if (!r?.live || !r.reverseMigrations || !lctx) throw new Error('nothing to reverse');
  const { config: leaving, d: ld } = lctx;
  const env = await manageEnv(lctx);
  const q = await host.exec(ld.venvPython, ['-c', REVERSE_TARGETS_PY, JSON.stringify(r.reverseMigrations.migrations)], { cwd: leaving.appDir, env, timeoutMs: 120_000 });
  let found: { targets?: Record<string, string>; error?: string } = {};
  try {
    found = JSON.parse(q.stdout.trim().split(/\r?\n/).at(-1) ?? '') as typeof found;
  } catch {
    found = { error: `${q.stderr}${q.stdout}`.trim().split(/\r?\n/).at(-1) ?? `exit ${q.exitCode}` };
  }
  if (!found.targets)
    return blocked(`Django could not say where to migrate back to: ${found.error ?? ''}`, {
      what: `Release ${r.live.number}'s migrations (${r.reverseMigrations.migrations.join(', ')}) cannot be reversed: its Django could not read them.`,
      why: found.error ?? 'The migration graph could not be read.',
      fix: 'Fix what the error names, or go back with --restore-backup or --keep-migrations. Nothing was changed.',
    });
  const w = await windowOpen(ctx);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const backup = sqliteFile ? winJoin(r.summary.shared, 'backups', `${sqliteFile.split('\\').at(-1) ?? 'db.sqlite3'}.before-reverse-${stamp}`) : undefined;
  const back = windowBack(ctx, 'back', backup && sqliteFile ? { backup, db: sqliteFile, python: ld.venvPython } : undefined);
  const drops = r.reverseMigrations.drops.length ? r.reverseMigrations.drops.join(', ') : 'no stored values';
  const actions: Action[] = [
    ...w.actions,
    ...(backup && sqliteFile ? [exec(`Back up the database in the window, no request writing to it (SQLite's backup API) to ${backup}`, ld.venvPython, ['-c', SQLITE_BACKUP_PY, sqliteFile, backup])] : []),
    ...Object.entries(found.targets).map(([app, to]) =>
      exec(`Reverse release ${r.live?.number ?? ''}'s migrations of ${app} with its own Django: manage.py migrate ${app} ${to} (drops ${drops})`, ld.venvPython, [managePy(leaving), 'migrate', app, to, '--noinput'], { cwd: leaving.appDir, env, onFailure: back }),
    ),
  ];
  return { actions, back, said: `${Object.entries(found.targets).map(([a, t]) => `${a} → ${t}`).join(', ')}, in a maintenance window (Retry-After: ${w.retryAfter}) after a fresh backup${backup ? ` (${winDirname(backup)})` : ' (not SQLite: no backup is taken)'}; drops ${drops}` };
}
