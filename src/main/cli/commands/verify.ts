/** verify: the site probed and failures explained; --fix re-runs the steps that repair them. */
import { type DeploymentConfig } from '../../../shared/config';
import { describeAction } from '../../../shared/plan';
import { ConflictError, plan, run, verify, verifyWithFixes } from '../../engine/engine';
import { eventPrinter, formatVerification, writeReport } from '../format';
import { type CliIo, type Options } from '../options';
import { confirmChange, withHost } from '../session';

export async function verifyCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    let v = await verifyWithFixes(config, h);
    if (o.report) writeReport(o.report, v, config.siteName);
    if (!o.fix || v.ok) {
      io.out(o.json ? JSON.stringify(v, null, 2) : formatVerification(v));
      if (o.report && !o.json) io.out(`Report: ${o.report}`);
      return v.ok ? 0 : 1;
    }
    // --fix: the deployment's own check-then-set steps, shown first, confirmed, then verified again.
    if (!o.json) io.out(formatVerification(v));
    const fixable = v.diagnoses.filter((g) => g.fixable);
    if (fixable.length === 0) {
      if (!o.json) io.out('\nNone of these causes is one the tool can fix: follow "What to do" above.');
      else io.out(JSON.stringify({ verification: v, fixed: false }, null, 2));
      return 1;
    }
    const p = await plan(config, h);
    const needed = p.steps.filter((s) => s.status !== 'done' && s.id !== 'verification');
    if (!o.json) io.out(`\nThe fix re-runs the deployment's steps that are not done:\n${needed.map((s) => `  - ${s.title}: ${s.reason}${s.actions.map((a) => `\n      ${describeAction(a)}`).join('')}`).join('\n') || '  (every step checks as done: the cause is outside what they check)'}`);
    if (p.conflicts.length) throw new ConflictError(p.conflicts);
    const refused = await confirmChange(o, io, 'verify --fix', 'Apply these fixes? [y/N] ');
    if (refused !== undefined) return refused;
    const r = await run(config, h, o.json ? {} : { onEvent: eventPrinter(io) });
    v = r.verification ?? (await verify(config, h));
    if (o.report) writeReport(o.report, v, config.siteName);
    if (o.json) io.out(JSON.stringify({ fixed: v.ok, mutatingCommands: r.mutatingCommands, problems: r.problems, verification: v }, null, 2));
    else io.out(`\n${v.ok ? `Fixed (${r.mutatingCommands} change(s)); verification passes.` : 'Still failing after the fix:'}\n${formatVerification(v)}`);
    return v.ok ? 0 : 1;
  });
}
