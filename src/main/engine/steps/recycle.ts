/**
 * A running Django process keeps what it read at start: a manifest storage its staticfiles.json,
 * waitress (server "httpplatform") the settings module and its log handles. After such a change the
 * pool is recycled so the process starts again; wfastcgi restarts by itself on a .py change.
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, appcmd } from '../commands';
import { parsePool } from '../parsers';
import { exec, query, type StepContext } from '../step';

/** The recycle action when the pool exists and runs (none on a fresh server, where nothing runs yet). */
export async function recycleIfRunning(ctx: StepContext, why: string): Promise<Action[]> {
  const { d, host } = ctx;
  if (!(await host.exists(APPCMD))) return [];
  const pool = await query(ctx, APPCMD, appcmd.listPool(d.appPool));
  if (pool?.exitCode !== 0 || parsePool(pool.stdout)?.state.toLowerCase() === 'stopped') return [];
  return [exec(`Recycle the pool "${d.appPool}" ${why}`, APPCMD, appcmd.recyclePool(d.appPool))];
}
