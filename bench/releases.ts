/**
 * Releases in the bench (issue: the next version), on the hand-over fixture (test/fixtures/locallibrary):
 *  - a code-only update (a template changed), as a Windows estimate (the latency profile of
 *    bench/windows-latency.ts): its wall time against copy + collectstatic + the checks + the
 *    verification it cannot do without (target within 1.2x), and that it runs no pip install, no
 *    Python installer and no DISM;
 *  - an update with one changed requirement: what pip installs;
 *  - the time from the switch to the first response of the new release (simulated, measured; and
 *    estimated for Windows: the staging site already started the release's process);
 *  - the failed requests of 8 clients looping over the site during the update (target 0);
 *  - admin writes (two people adding books through the add form) during an additive migration
 *    (target 0 failed) and a NOT NULL one with "migrate": "maintenance" (0 failed; refused with 503
 *    only in the window, whose measured length is given).
 * Simulated figures are measured here; Windows figures are estimates, none measured on Windows.
 */
import { cpSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeploymentConfig } from '../src/shared/config';
import type { EngineEvent } from '../src/shared/plan';
import { run } from '../src/main/engine/engine';
import { SWITCH_ENV } from '../src/main/engine/commands';
import { readRegistry } from '../src/main/engine/release/registry';
import { AdminWriter, addAdmin } from '../test/unit/release-helpers';
import { SimulatedHost } from '../src/main/hosts/simulated/sim-host';
import { HTTP_NEXT_COST, ProfilingHost } from './windows-latency';

const s = (x: number) => `${(x / 1000).toFixed(1)} s`;

export async function releaseFigures(config: DeploymentConfig): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-releases-'));
  const h = new SimulatedHost(dir);
  const src = h.server.toReal('C:\\drop\\locallibrary');
  cpSync(path.resolve('test/fixtures/locallibrary'), src, { recursive: true });
  const out: string[] = [];
  try {
    const prof = new ProfilingHost(h);
    if ((await run(config, prof.host)).outcome !== 'succeeded') return ['releases: the first deployment failed; no figures'];
    const tpl = path.join(src, 'catalog/templates/catalog/index.html');
    const page = () => h.http('http://localhost:8081/catalog/', { headers: { host: `${config.hostName || 'localhost'}:8081` } });

    // 1. code only, under load, with the switch timed
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('The library has', 'Our library holds'));
    prof.reset();
    const from = h.commandLog().length;
    let stop = false;
    let failed = 0;
    let total = 0;
    let switchedAt: number | undefined;
    let firstNew: number | undefined;
    const client = async () => {
      while (!stop) {
        const r = await page();
        total++;
        if (r.status !== 200) failed++;
        else if (switchedAt !== undefined && firstNew === undefined && r.body.includes('Our library holds')) firstNew = performance.now();
      }
    };
    const onEvent = (e: EngineEvent) => {
      // the switch: the one-commit script (SWITCH_SCRIPT) pointing the handler and the paths at the release
      if (e.type === 'action' && e.state === 'finished' && e.action.kind === 'exec' && e.action.env?.[SWITCH_ENV.site] !== undefined && e.stepId === 'release-switch') switchedAt = performance.now();
    };
    const clients = Array.from({ length: 8 }, client);
    const t0 = performance.now();
    const up = await run(config, prof.host, { onEvent });
    const tUp = performance.now() - t0;
    stop = true;
    await Promise.all(clients);
    const cmds = h.commandLog().slice(from).map((c) => c.argv.join(' '));
    const pip = cmds.filter((c) => / -m pip install /.test(c)).length;
    const dism = cmds.filter((c) => /dism\.exe/i.test(c)).length;
    const installer = cmds.filter((c) => /python-3[\d.]+-amd64\.exe/i.test(c)).length;
    const e = prof.estimate('dag');
    // What the update cannot do without: the copy, collectstatic, the checks and the verifications (staging and after the switch).
    const need = prof.calls.filter((c) => c.step === 'django-project' || c.step === 'collectstatic' || c.step === 'release-staging' || c.step === 'release-switch' || c.step === 'verification').reduce((a, c) => a + c.ms, 0);
    out.push(`code-only update (simulated):     ${s(tUp)} (${up.outcome}); ${pip} pip install, ${installer} Python installer, ${dism} DISM (target: 0, 0, 0)`);
    out.push(`code-only update, Windows est.:   ${s(e.wallMs)} wall; copy + collectstatic + checks + verification ${s(need)}; ratio ${(e.wallMs / Math.max(1, need)).toFixed(2)} (target <= 1.2); ${e.processCount} processes`);
    out.push(`switch to the first new response: ${switchedAt !== undefined && firstNew !== undefined ? `${(firstNew - switchedAt).toFixed(0)} ms simulated` : 'not seen'}; Windows est. ${s(HTTP_NEXT_COST.ms)} (the staging site started the release's FastCGI process in the same pool)`);
    out.push(`update under load (8 clients):    ${failed} failed of ${total} requests (target 0)`);

    // 2. one changed requirement
    const req = path.join(src, 'requirements.txt');
    writeFileSync(req, `${readFileSync(req, 'utf8')}waitress>=1.4\n`);
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('Our library holds', 'This library holds'));
    prof.reset();
    const from2 = h.commandLog().length;
    const r2 = await run(config, prof.host);
    const e2 = prof.estimate('dag');
    const installs = h.commandLog().slice(from2).filter((c) => c.argv.includes('pip') && c.argv.includes('install'));
    out.push(`one changed requirement, Windows est.: ${s(e2.wallMs)} wall (${r2.outcome}); ${installs.length} pip install commands into a venv of its own (the whole requirements file, with the new one: target was only the changed package, not met)`);

    // 3. writes (#33): two admins adding books through the add form during an additive migration,
    // then during a NOT NULL one with "migrate": "maintenance" (the 503 window, measured)
    const login = addAdmin(h);
    const writers = [new AdminWriter(h, 'alice', login), new AdminWriter(h, 'bob', login)];
    for (const w of writers) await w.signIn();
    const cover = "    cover = models.FileField(upload_to='covers/', blank=True)";
    const models = path.join(src, 'catalog/models.py');
    const underWriters = async (c: DeploymentConfig) => {
      let done = false;
      const since = Date.now();
      const loops = writers.map(async (w) => {
        for (let n = w.writes.length; !done; n++) await w.addBook(n);
      });
      const r = await run(c, h);
      done = true;
      await Promise.all(loops);
      const all = writers.flatMap((w) => w.writes).filter((w) => w.at >= since);
      return { outcome: r.outcome, all, failed: all.filter((w) => w.outcome === 'failed').length, refused: all.filter((w) => w.outcome === 'refused').length };
    };
    writeFileSync(models, readFileSync(models, 'utf8').replace(cover, `${cover}\n    note = models.TextField(blank=True, null=True)`));
    writeFileSync(path.join(src, 'catalog/migrations/0002_book_note.py'), "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('catalog', '0001_initial')]\n    operations = [migrations.AddField(model_name='book', name='note', field=models.TextField(blank=True, null=True))]\n");
    const add = await underWriters(config);
    out.push(`additive migration, 2 writers:    ${add.failed} failed of ${add.all.length} admin writes, ${add.refused} refused (${add.outcome}; target 0 failed, 0 refused: zero downtime)`);
    writeFileSync(models, readFileSync(models, 'utf8').replace(cover, `${cover}\n    subtitle = models.CharField(max_length=200, default='')`));
    writeFileSync(path.join(src, 'catalog/migrations/0003_book_subtitle.py'), "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('catalog', '0002_book_note')]\n    operations = [migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default=''))]\n");
    const mc = { ...config, migrate: 'maintenance' as const };
    const brk = await underWriters(mc);
    const win = (await readRegistry(h, config.siteName))?.releases.find((x) => x.maintenance?.seconds !== undefined)?.maintenance;
    out.push(`NOT NULL migration, maintenance:  ${brk.failed} failed of ${brk.all.length} admin writes, ${brk.refused} refused with 503 + Retry-After (${brk.outcome}; target 0 failed); window ${win?.seconds !== undefined ? `${win.seconds.toFixed(1)} s simulated (migrate, staging check, switch)` : 'not measured'}`);
  } finally {
    await h.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
