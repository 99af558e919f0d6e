/** The fault sweep with spaces in every name and path (see fault-sweep.ts). */
import { expect, it } from 'vitest';
import { config } from './helpers';
import { faultSweep, formatSweep } from './fault-sweep';

it('with spaces in names and paths: re-run deploys, rollback restores, the other site is untouched (N/N)', async () => {
  const c = config({ siteName: 'my shop', appPool: 'my shop pool', port: 8090, appDir: 'C:\\apps\\my shop', venvDir: 'C:\\virtual envs\\my shop' });
  const r = await faultSweep('spaces in names and paths', c);
  console.log(formatSweep(r));
  expect(r.failures).toEqual([]);
  expect(r.commands).toBeGreaterThan(15);
  expect([r.rerun, r.rolledBack, r.untouched]).toEqual([r.commands, r.commands, r.commands]);
}, 1_800_000);
