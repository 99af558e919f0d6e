/** plan: every step, done or needed, with the exact commands. */
import { type DeploymentConfig } from '../../../shared/config';
import { redactDeep } from '../../../shared/problem';
import { plan } from '../../engine/engine';
import { formatPlan } from '../format';
import { type CliIo, type Options } from '../options';
import { withHost } from '../session';

export async function planCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    const p = await plan(config, h);
    io.out(o.json ? JSON.stringify(redactDeep(p), null, 2) : formatPlan(p));
    if (p.conflicts.length) return 2;
    return p.steps.some((s) => s.status === 'blocked') ? 1 : 0;
  });
}
