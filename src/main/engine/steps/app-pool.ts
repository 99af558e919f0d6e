/** Application pool: No Managed Code, started. */
import { APPCMD, appcmd } from '../commands';
import { parsePool } from '../parsers';
import { objectKey } from '../ownership';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const appPool: Step = {
  id: 'app-pool',
  title: 'Create the application pool',
  section: 'site',
  dependsOn: ['iis'],
  async check(ctx) {
    const { d, host } = ctx;
    const add = exec(`Add the application pool "${d.appPool}" (No Managed Code)`, APPCMD, appcmd.addPool(d.appPool), {
      creates: { object: objectKey.pool(d.appPool), undo: [exec(`Delete the application pool "${d.appPool}"`, APPCMD, appcmd.deletePool(d.appPool))] },
    });
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', [add]);
    const r = await query(ctx, APPCMD, appcmd.listPool(d.appPool));
    const pool = r?.exitCode === 0 ? parsePool(r.stdout) : undefined;
    if (!pool) return needed(`the application pool "${d.appPool}" does not exist`, [add]);
    const actions: Action[] = [];
    if (pool.managedRuntimeVersion !== '') actions.push(exec('Set the pool to No Managed Code', APPCMD, appcmd.setPoolRuntime(d.appPool)));
    if (pool.state.toLowerCase() === 'stopped') actions.push(exec(`Start the application pool "${d.appPool}"`, APPCMD, appcmd.startPool(d.appPool)));
    if (actions.length === 0) return done(`"${d.appPool}" exists, No Managed Code, ${pool.state}`);
    return needed(`the application pool "${d.appPool}" ${pool.state.toLowerCase() === 'stopped' ? 'is stopped' : 'runs .NET'}`, actions);
  },
  psCheck: ({ d }) => `(& $appcmd list apppool ${psq(d.appPool)}) -ne $null -and $LASTEXITCODE -eq 0`,
};
