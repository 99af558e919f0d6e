/** releases: the deployment's release history; go-back: the previous (or a named) release live again, verified. */
import { type DeploymentConfig } from '../../../shared/config';
import { redactDeep } from '../../../shared/problem';
import { ConflictError, plan, run } from '../../engine/engine';
import { readServingRegistry, type ReleaseRecord } from '../../engine/release/registry';
import { eventPrinter, formatPlan, formatVerification, runSummary } from '../format';
import { type CliIo, type Options } from '../options';
import { confirmChange, withHost } from '../session';

/** "migrate": "maintenance": how long the site answered 503 for a release's migrations, as measured. */
function windowText(w: ReleaseRecord['maintenance']): string {
  if (!w) return '';
  if (w.seconds === undefined) return `; in its maintenance window since ${w.since.slice(0, 19).replace('T', ' ')} (the site answers 503)`;
  return `; maintenance window ${w.seconds.toFixed(1)} s (503, Retry-After ${w.retryAfter}), ${w.outcome === 'switched' ? 'ended by the switch' : 'ended with the previous release serving again'}`;
}

export async function releasesCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    const reg = await readServingRegistry(h, config.siteName);
    if (o.json) {
      io.out(JSON.stringify({ siteName: config.siteName, shared: reg?.shared, releases: (reg?.releases ?? []).map(({ files: _files, placed: _placed, ...r }) => r) }, null, 2));
      return 0;
    }
    if (!reg || reg.releases.length === 0) {
      io.out(`"${config.siteName}" has no releases (a project from a folder or a zip gets one on each apply that changes it).`);
      return 0;
    }
    const rows = [...reg.releases].sort((a, b) => b.number - a.number).map((r) => [
      `${r.state === 'live' ? '*' : ' '} ${String(r.number).padStart(3)}`,
      r.label.padEnd(14),
      r.hash.padEnd(12),
      (r.liveSince ?? r.createdAt).slice(0, 19).replace('T', ' '),
      r.by.padEnd(18),
      r.verified ? 'verified' : 'not verified',
      `${r.state}${r.failure ? ` (${r.failure})` : ''}${windowText(r.maintenance)}`,
    ].join('  '));
    io.out([`Releases of "${config.siteName}" (data in ${reg.shared}; * = live):`, '    #  label           hash          when                 by                  verification  state', ...rows, '', 'go-back puts the previous release live again (go-back --to N for another one).'].join('\n'));
    return 0;
  });
}

export async function goBackCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  return await withHost(o, async (h) => {
    const target = { kind: 'back' as const, ...(o.to !== undefined ? { to: o.to } : {}), ...(o.restoreBackup ? { restoreBackup: true } : {}), ...(o.reverseMigrations ? { reverseMigrations: true } : {}), ...(o.keepMigrations ? { keepMigrations: true } : {}) };
    const p = await plan(config, h, undefined, target);
    if (!o.json) io.out(formatPlan(p));
    if (p.conflicts.length) throw new ConflictError(p.conflicts);
    const t = p.release?.target;
    const refused = await confirmChange(o, io, 'go-back', `Put release ${t?.number ?? '?'} (${t?.label ?? ''}) live again${o.restoreBackup ? ' and RESTORE THE DATABASE BACKUP (rows written since are lost)' : ''}${o.reverseMigrations ? ` and REVERSE release ${p.release?.live?.number ?? '?'}'s MIGRATIONS (what that drops is said above)` : ''}? [y/N] `);
    if (refused !== undefined) return refused;
    const r = await run(config, h, { target, ...(o.json ? {} : { onEvent: eventPrinter(io) }) });
    if (o.json) io.out(JSON.stringify(redactDeep(runSummary(r)), null, 2));
    else if (r.verification) io.out(`\n${formatVerification(r.verification)}`);
    return r.outcome === 'succeeded' ? 0 : 1;
  });
}
