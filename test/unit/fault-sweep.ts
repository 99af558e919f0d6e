/**
 * The fault sweep (shared by the tests and the bench): for every mutating command of a fresh
 * deployment, on a server that already hosts another site, pool, FastCGI application and
 * handler, inject a failure there; then (a) a re-run without the fault ends deployed and
 * verified; (b) rollback leaves applicationHost.config byte-identical to before the run and the
 * files, ACLs and registry as they were; (c) the other site's objects are untouched throughout.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentConfig } from '../../src/shared/config';
import { rollback, run } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';

const APPCMD = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';

/** A server with IIS (CGI), Python, and another site with its own pool, FastCGI application and handler. */
export async function busyServer(root: string): Promise<void> {
  const h = new SimulatedHost(root, { iis: 'with-cgi', python: [{ version: '3.14.6', dir: 'C:\\Python314', allUsers: true }] });
  try {
    const cmds: string[][] = [
      ['add', 'apppool', '/name:legacy', '/managedRuntimeVersion:'],
      ['add', 'site', '/name:legacy', '/bindings:http/*:8088:', '/physicalPath:C:\\sites\\legacy'],
      ['set', 'app', 'legacy/', '/applicationPool:legacy'],
      ['set', 'config', '-section:system.webServer/fastCgi', "/+[fullPath='C:\\Python314\\python.exe',arguments='C:\\sites\\legacy\\run.py',maxInstances='2']", '/commit:apphost'],
      ['set', 'config', 'legacy', '-section:system.webServer/handlers', "/+[name='Legacy Python',path='*.py',verb='*',modules='FastCgiModule',scriptProcessor='C:\\Python314\\python.exe|C:\\sites\\legacy\\run.py',resourceType='Unspecified']", '/commit:apphost'],
    ];
    await h.mkdir('C:\\sites\\legacy');
    for (const c of cmds) {
      const r = await h.exec(APPCMD, c);
      if (r.exitCode !== 0) throw new Error(`setting up the other site failed: ${c.join(' ')}: ${r.stdout}`);
    }
  } finally {
    await h.dispose();
  }
}

/** The other site's objects as they appear in applicationHost.config. */
export function otherObjects(cfg: string): string[] {
  const pick = (re: RegExp) => cfg.match(re)?.[0] ?? '(missing)';
  return [pick(/<site name="legacy"[\s\S]*?<\/site>/), pick(/<add name="legacy"[^>]*\/?>/), pick(/<application fullPath="C:\\Python314\\python.exe"[^>]*>/), pick(/<location path="legacy"[\s\S]*?<\/location>/)];
}

/** Files under C:\ (not the tool's own folder, IIS's backups or the simulator's bookkeeping). */
export function filesHash(root: string): string {
  const h = createHash('sha256');
  const skip = [path.join(root, 'C', 'ProgramData', 'DjangoIISSetup'), path.join(root, 'C', 'Windows', 'System32', 'inetsrv', 'backup')].map((p) => p.toLowerCase());
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (skip.includes(full.toLowerCase())) continue;
      h.update(`${path.relative(root, full)}\n`);
      if (statSync(full).isDirectory()) walk(full);
      else h.update(readFileSync(full));
    }
  };
  walk(path.join(root, 'C'));
  return h.digest('hex');
}

/** ACLs of folders that exist (empty explicit entries dropped) and the registry. */
export function stateHash(host: SimulatedHost): string {
  const s = host.server.state;
  const acls = Object.values(s.acls)
    // The tool's own folder (its ACL is the tool's, like its files, which filesHash leaves out too).
    .filter((a) => host.server.existsWin(a.path) && (a.aces.length > 0 || a.protected) && !a.path.toLowerCase().startsWith('c:\\programdata\\djangoiissetup'))
    .map((a) => ({ p: a.path.toLowerCase(), prot: a.protected, aces: a.aces.map((x) => `${x.identity.toLowerCase()}:${x.rights}:${x.inherit.join('')}`).sort() }))
    .sort((a, b) => a.p.localeCompare(b.p));
  return createHash('sha256').update(JSON.stringify({ acls, reg: s.registry })).digest('hex');
}

export interface SweepResult {
  label: string;
  commands: number;
  rerun: number;
  rolledBack: number;
  untouched: number;
  failures: string[];
  ms: number;
}

export async function faultSweep(label: string, config: DeploymentConfig, opts: { limit?: number } = {}): Promise<SweepResult> {
  const t0 = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
  try {
    const base = path.join(work, 'base');
    await busyServer(base);
    // 1. a clean deployment lists the mutating commands
    const clean = path.join(work, 'clean');
    cpSync(base, clean, { recursive: true });
    const ch = new SimulatedHost(clean);
    const n0 = ch.commandLog().length;
    const ok = await run(config, ch);
    if (ok.outcome !== 'succeeded') throw new Error(`the clean deployment failed: ${JSON.stringify(ok.problems)}`);
    // (The IIS backup itself is left out: its name has the run's time in it, and a failed backup does not stop a run.)
    // (So is the ACL of the tool's own folder: a failure there stops the run before it starts, exit 2; hostile-project.test.ts.)
    const mutating = ch.commandLog().slice(n0).filter((c) => c.mutating && !/ (add|delete) backup /.test(c.argv.join(' ')) && !c.argv.join(' ').includes('DjangoIISSetup /inheritance:r')).map((c) => c.argv.join(' '));
    await ch.dispose();
    const targets = [...new Set(mutating)].slice(0, opts.limit ?? Infinity);
    const res: SweepResult = { label, commands: targets.length, rerun: 0, rolledBack: 0, untouched: 0, failures: [], ms: 0 };
    let i = 0;
    for (const target of targets) {
      i++;
      const dir = path.join(work, `f${i}`);
      cpSync(base, dir, { recursive: true });
      const h = new SimulatedHost(dir);
      const cfgBefore = h.server.appHostText();
      const other = otherObjects(cfgBefore);
      const filesBefore = filesHash(dir);
      const stateBefore = stateHash(h);
      h.server.addFault({ match: target, exact: true, exitCode: 1, stdout: 'ERROR ( message:Injected fault. )\r\n' });
      const failed = await run(config, h);
      let untouched = JSON.stringify(otherObjects(h.server.appHostText())) === JSON.stringify(other);
      if (failed.outcome === 'succeeded') res.failures.push(`#${i} ${target}: the injected fault did not make the run fail`);
      await h.dispose();
      // (b) on a copy of the failed server: roll back
      const dirB = path.join(work, `f${i}b`);
      cpSync(dir, dirB, { recursive: true });
      const hb = new SimulatedHost(dirB);
      const rb = await rollback(hb, config.siteName);
      const cfgOk = hb.server.appHostText() === cfgBefore;
      const filesOk = filesHash(dirB) === filesBefore;
      const stateOk = stateHash(hb) === stateBefore;
      untouched &&= JSON.stringify(otherObjects(hb.server.appHostText())) === JSON.stringify(other);
      if (cfgOk && filesOk && stateOk && rb.problems.length === 0) res.rolledBack++;
      else res.failures.push(`#${i} ${target}: rollback left ${[cfgOk ? '' : 'applicationHost.config', filesOk ? '' : 'files', stateOk ? '' : 'ACLs/registry', rb.problems.join('; ')].filter((x) => x).join(', ')} different`);
      await hb.dispose();
      rmSync(dirB, { recursive: true, force: true });
      // (a) on the failed server: run again without the fault
      const ha = new SimulatedHost(dir);
      const again = await run(config, ha);
      untouched &&= JSON.stringify(otherObjects(ha.server.appHostText())) === JSON.stringify(other);
      if (again.outcome === 'succeeded' && again.verification?.ok) res.rerun++;
      else res.failures.push(`#${i} ${target}: the re-run ended ${again.outcome}: ${JSON.stringify(again.problems).slice(0, 300)}`);
      await ha.dispose();
      if (untouched) res.untouched++;
      else res.failures.push(`#${i} ${target}: the other site's objects changed`);
      rmSync(dir, { recursive: true, force: true });
    }
    res.ms = Date.now() - t0;
    return res;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatSweep(r: SweepResult): string {
  return `${r.label}: ${r.commands} mutating commands; (a) re-run deployed and verified ${r.rerun}/${r.commands}; (b) rollback restored config, files, ACLs and registry ${r.rolledBack}/${r.commands}; (c) other site untouched ${r.untouched}/${r.commands} (${(r.ms / 1000).toFixed(0)} s)`;
}

