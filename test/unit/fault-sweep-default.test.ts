/** The fault sweep on the default configuration (see fault-sweep.ts). */
import { expect, it } from 'vitest';
import { config } from './helpers';
import { faultSweep, formatSweep } from './fault-sweep';

it('a failure at every mutating command: re-run deploys, rollback restores, the other site is untouched (N/N)', async () => {
  const r = await faultSweep('default configuration', config());
  console.log(formatSweep(r));
  expect(r.failures).toEqual([]);
  expect(r.commands).toBeGreaterThan(15);
  expect([r.rerun, r.rolledBack, r.untouched]).toEqual([r.commands, r.commands, r.commands]);
}, 1_800_000);
