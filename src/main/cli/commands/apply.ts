/** apply: the plan shown, confirmed (or --yes), run, verified. */
import { type DeploymentConfig } from '../../../shared/config';
import { redactDeep } from '../../../shared/problem';
import { ConflictError, plan, run } from '../../engine/engine';
import { eventPrinter, formatPlan, formatVerification, runSummary } from '../format';
import { type CliIo, type Options } from '../options';
import { withHost } from '../session';

export async function applyCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
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
}
