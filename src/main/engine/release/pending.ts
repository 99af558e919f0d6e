/**
 * While a new release (or one gone back to) is not live yet, the site's own steps (site, handler,
 * static and media folders, leftovers) have nothing to do before the switch: the switch step
 * changes the live site, in its order, and these steps check the result after it. In a plan their
 * line says so instead of showing the changes the switch will make piecemeal.
 */
import type { StepContext } from '../step';
import { liveRelease, readRegistry } from './registry';

export async function beforeSwitch(ctx: StepContext): Promise<string | undefined> {
  const r = ctx.release;
  if (!r || (r.summary.mode !== 'update' && r.summary.mode !== 'go-back')) return undefined;
  const live = liveRelease(await readRegistry(ctx.host, ctx.config.siteName));
  if (live?.number === r.target.number) return undefined;
  return `checked after the switch to release ${r.target.number} (${r.target.label}): the switch step points the site at it`;
}
