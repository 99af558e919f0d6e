/** The new release's migrations read before it is staged: the live release's Django, the source folder's migration files, the live database. */
import { winJoin } from '../../../shared/winpath';
import { managePy } from '../commands';
import { MIGRATION_CHECK_PY, breaking, breakingProblem, parseMigrationCheck, type MigrationCheck } from '../migration-check';
import type { Problem } from '../../../shared/problem';
import { manageEnv } from '../project';
import type { StepContext } from '../step';
import type { ReleaseSummary } from '../../../shared/plan';
import { liveReleaseContext } from './layout';

/**
 * Before anything changes (plan, and apply's refusal before its first change): the new release's
 * migrations as the live release's Django reads them from the source folder, against the live
 * database. Undefined when there is no such reading: not an update, a zip source, no live venv.
 */
export function sourceMigrationCheck(ctx: StepContext): Promise<MigrationCheck | { error: string } | undefined> {
  const r = ctx.release;
  if (!r) return Promise.resolve(undefined);
  // Once per run or plan (the plan's summary, the migrate step and apply's refusal ask the same).
  let p = asked.get(r);
  if (!p) asked.set(r, (p = ask(ctx)));
  return p;
}

const asked = new WeakMap<object, Promise<MigrationCheck | { error: string } | undefined>>();

async function ask(ctx: StepContext): Promise<MigrationCheck | { error: string } | undefined> {
  const r = ctx.release;
  const src = r?.base.djangoProject;
  if (!r?.live || r.summary.mode !== 'update' || !src || !('folder' in src)) return undefined;
  const { host } = ctx;
  let root = src.folder;
  if (!(await host.exists(winJoin(root, 'manage.py')))) {
    const subs: string[] = [];
    for (const n of await host.readDir(root).catch(() => [] as string[])) if (await host.exists(winJoin(root, n, 'manage.py'))) subs.push(winJoin(root, n));
    if (subs.length !== 1) return undefined;
    root = subs[0] as string;
  }
  const liveCtx = liveReleaseContext(ctx);
  if (!liveCtx) return undefined;
  const liveConfig = liveCtx.config;
  if (!(await host.exists(liveCtx.d.venvPython)) || !(await host.exists(managePy(liveConfig)))) return undefined;
  const env = { ...(await manageEnv(liveCtx)), PYTHONDONTWRITEBYTECODE: '1' };
  const q = await host.exec(liveCtx.d.venvPython, ['-c', MIGRATION_CHECK_PY, root], { cwd: liveConfig.appDir, env, timeoutMs: 120_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return parseMigrationCheck(q.stdout);
}

/** What the plan says of the new release's migrations, from that reading: Django's unapplied list and each verdict. */
export async function summarizeSourceMigrations(ctx: StepContext, summary: ReleaseSummary): Promise<void> {
  const found = await sourceMigrationCheck(ctx);
  if (!found) {
    if (summary.newMigrations?.length) summary.notes.push(`migrations: Django reads them when the release is staged, before any runs; one that breaks release ${summary.live?.number ?? ''} stops the update there`);
    return;
  }
  if ('error' in found) {
    summary.notes.push(`migrations: the live release's Django could not read the new ones from the source (${found.error}); they are read again when the release is staged, before any runs`);
    return;
  }
  summary.newMigrations = found.migrations.map((v) => v.migration);
  summary.migrations = found.migrations;
  if (ctx.config.migrate === 'maintenance' && breaking(found.migrations).length)
    summary.notes.push(`"migrate": "maintenance": the site answers 503 (with Retry-After) from just before these run until release ${summary.target.number} serves; static files keep serving; a failure puts the database back and release ${summary.live?.number ?? ''} serves again`);
}

/** The problem that stops an update before anything changes, when the source's migrations break the live release. */
export async function breakingSourceMigrations(ctx: StepContext): Promise<Problem | undefined> {
  const found = await sourceMigrationCheck(ctx);
  const r = ctx.release;
  if (!found || 'error' in found || !r?.live || !breaking(found.migrations).length) return undefined;
  return breakingProblem({ target: r.target, live: r.live, verdicts: found.migrations, django: found.django, python: ctx.d.venvPython, managePy: managePy(ctx.config), staged: false });
}
