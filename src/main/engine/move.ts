/**
 * A configuration that moves a live deployment: another appDir or venvDir (or another project)
 * for a site this tool deployed. The plan says it as a move, from where to where, with what the
 * run deletes (the leftovers step's removals) and what it keeps, before the list of steps.
 */
import type { Move, StepPlan } from '../../shared/plan';
import { describeAction } from '../../shared/plan';
import { samePath } from '../../shared/winpath';
import { APPCMD, appcmd } from './commands';
import type { Journal } from './ownership';
import { parseHandlers, parseSite } from './parsers';
import { projectLabel } from './project';
import { liveRelease, readRegistry } from './release/registry';
import { query, type StepContext } from './step';

/** Where the live deployment is: its application folder and venv, as the server says. */
async function liveFolders(ctx: StepContext): Promise<{ appDir?: string; venvDir?: string; releases: boolean }> {
  const reg = await readRegistry(ctx.host, ctx.config.siteName).catch(() => undefined);
  const live = reg ? liveRelease(reg) : undefined;
  if (reg && live && !live.legacy) return { appDir: reg.root, venvDir: live.venvDir, releases: true };
  if (!(await ctx.host.exists(APPCMD))) return { releases: false };
  const site = await query(ctx, APPCMD, appcmd.listSite(ctx.config.siteName));
  const root = site?.exitCode === 0 ? parseSite(site.stdout)?.apps.find((a) => a.path === '/')?.vdirs.find((v) => v.path === '/')?.physicalPath : undefined;
  const h = await query(ctx, APPCMD, appcmd.listHandlers(ctx.config.siteName));
  const sp = h?.exitCode === 0 ? parseHandlers(h.stdout).find((x) => x.modules === 'FastCgiModule')?.scriptProcessor : undefined;
  const venv = sp ? /^"?(.+?)\\Scripts\\python\.exe"?\|/i.exec(sp)?.[1] : undefined;
  return { ...(root ? { appDir: root } : {}), ...(venv ? { venvDir: venv } : {}), releases: false };
}

export async function deploymentMove(ctx: StepContext, journal: Journal, steps: StepPlan[]): Promise<Move | undefined> {
  if (journal.entries.length === 0) return undefined;
  const base = ctx.release?.base ?? ctx.config;
  const live = await liveFolders(ctx);
  const appMoves = live.appDir !== undefined && !samePath(live.appDir, base.appDir);
  // A release with other requirements has a venv of its own beside the configured one (<venvDir>-<n>).
  const venvMoves = live.venvDir !== undefined && !samePath(live.venvDir, base.venvDir) && !(live.releases && live.venvDir.toLowerCase().startsWith(`${base.venvDir.toLowerCase()}-`));
  const toSample = live.releases && 'sample' in base.djangoProject;
  if (!appMoves && !venvMoves && !toSample) return undefined;
  const left = steps.find((s) => s.id === 'leftovers');
  const deletes = (left?.actions ?? []).filter((a) => a.kind !== 'forget').map((a) => describeAction(a));
  const kept = /; kept (.*)$/.exec(left?.reason ?? '')?.[1];
  const parts = [
    appMoves ? `the application from ${live.appDir ?? ''} to ${base.appDir}` : '',
    venvMoves ? `the virtual environment from ${live.venvDir ?? ''} to ${base.venvDir}` : '',
    toSample ? `the project now live is replaced by ${projectLabel(base)} (the configuration names no djangoProject)` : '',
  ].filter((x) => x);
  return {
    summary: `This configuration moves the deployment of "${base.siteName}": ${parts.join('; ')}.`,
    from: { ...(live.appDir ? { appDir: live.appDir } : {}), ...(live.venvDir ? { venvDir: live.venvDir } : {}) },
    to: { appDir: base.appDir, venvDir: base.venvDir, project: projectLabel(base) },
    deletes,
    ...(kept ? { keeps: kept } : {}),
    hint: 'If the deployment is meant to stay where it is, plan with the configuration it was deployed with (a rehearsal writes it as deploy.json) or set appDir, venvDir and djangoProject as they are.',
  };
}
