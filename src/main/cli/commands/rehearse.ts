/** rehearse: a full deployment of the sample app (or --project) on a fresh simulated server, then a second run that must change nothing. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DeploymentConfig } from '../../../shared/config';
import { ConflictError, plan, run } from '../../engine/engine';
import { RefusedError } from '../../engine/refusal';
import { describeAction } from '../../../shared/plan';
import { bundleInput, checksumsSha256 } from '../../bundle/bundle-dir';
import { SimulatedHost } from '../../hosts/simulated/sim-host';
import { playedBy, previewPins, realPython } from '../../hosts/simulated/python';
import { resolveConfig } from '../../engine/resolve';
import { readRequirementsFile } from '../../engine/requirements-read';
import { localDependencyFiles } from '../../bundle/dependency-file';
import { pythonGap } from '../../engine/python-support';
import { eventPrinter, formatVerification } from '../format';
import { type CliIo, type Options, UsageError, loadConfig } from '../options';

/** A local project folder or .zip, put on the simulated server as a team would hand it over. */
export function stageProject(host: SimulatedHost, project: string): { input: Record<string, unknown>; name: string } {
  const abs = path.resolve(project);
  if (!existsSync(abs)) throw new UsageError(`--project ${project} does not exist; give a Django project folder (with manage.py) or a .zip of one.`);
  const isZip = statSync(abs).isFile();
  if (isZip && !abs.toLowerCase().endsWith('.zip')) throw new UsageError(`--project ${project} is a file but not a .zip; give a project folder or a .zip.`);
  const name = (path.basename(abs).replace(/\.zip$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'app').slice(0, 40);
  const drop = `C:\\drop\\${name}`;
  const input: Record<string, unknown> = { siteName: name, appDir: `C:\\apps\\${name}`, venvDir: `C:\\virtualenvs\\${name}` };
  if (!isZip) {
    if (!existsSync(path.join(abs, 'manage.py'))) throw new UsageError(`--project ${project} has no manage.py; give the folder that holds the Django project's manage.py.`);
    // Links are copied as links, their targets verbatim (never followed): the plan lists and refuses them.
    cpSync(abs, host.server.toReal(drop), { recursive: true, verbatimSymlinks: true, filter: (src) => !/[\\/](\.git|__pycache__|node_modules|\.venv|venv)$/.test(src) && !/db\.sqlite3$/.test(src) });
    input.djangoProject = { folder: drop };
    const dep = localDependencyFiles(abs)[0];
    if (dep) input.requirementsFile = `${drop}\\${dep.file}`;
  } else {
    // The zip, plus its requirements files beside it (pip runs before the zip is extracted), as a team sends both.
    mkdirSync(host.server.toReal('C:\\drop'), { recursive: true });
    cpSync(abs, host.server.toReal(`${drop}.zip`));
    input.djangoProject = { zip: `${drop}.zip` };
    const script = 'import json, re, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = z.namelist()\nmanage = [n for n in names if n.rsplit("/", 1)[-1] == "manage.py"]\nroot = min(manage, key=len)[: -len("manage.py")] if manage else ""\nm = re.search(r"DJANGO_SETTINGS_MODULE[\\"\\\'],\\s*[\\"\\\']([\\w.]+)", z.read(min(manage, key=len)).decode()) if manage else None\nreqs = [n for n in names if n.startswith(root) and re.match(r"requirements[^/]*\\.txt$|requirements/|(uv|poetry|Pipfile)\\.lock$|pyproject\\.toml$", n[len(root):]) and not n.endswith("/")]\nz.extractall(sys.argv[2], members=reqs)\nprint(json.dumps({"settings": m.group(1) if m else None, "root": root, "reqs": reqs}))\n';
    const out = execFileSync(realPython(), ['-c', script, abs, host.server.toReal(`${drop}-requirements`)], { encoding: 'utf8' });
    const info = JSON.parse(out) as { settings: string | null; root: string; reqs: string[] };
    if (info.settings) input.settingsModule = info.settings;
    const dep = localDependencyFiles(path.join(host.server.toReal(`${drop}-requirements`), ...info.root.split('/').filter(Boolean)))[0];
    if (dep) input.requirementsFile = `${drop}-requirements\\${info.root.replace(/\//g, '\\')}${dep.file}`;
  }
  return { input, name };
}

/**
 * A bundle's configuration for a command: its checksums checked first (a changed, missing or
 * unlisted file: exit 2, nothing read further), its deploy.json's paths made the server's.
 */
export function bundleConfig(o: Options, dir: string): DeploymentConfig {
  const b = bundleInput(dir, o.simulate);
  if (!b.input) throw new RefusedError(b.problems);
  return loadConfig(undefined, b.input);
}

/** The line that says the bundle's SHA256SUMS hash, for the department to compare with the team's. */
export function bundleSumsLine(dir: string): string {
  return `The bundle's SHA256SUMS has the SHA-256 ${checksumsSha256(dir) ?? '(none)'}: compare it with the value the team sent you; the same value means every file is the one they made.`;
}

/** The object of a configuration file (loadConfig has validated it already); none: {}. */
function configFileObject(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/** The project's pins the rehearsal cannot run as pinned (simulated pip's resolver, before anything installs). */
async function pinsNotRun(input: DeploymentConfig, host: SimulatedHost, pythonVersion: string, lenient: boolean): Promise<string[]> {
  const { config } = await resolveConfig(input, host).catch(() => ({ config: input }));
  const file = config.requirementsFile;
  const read = file && (await host.exists(file)) ? await readRequirementsFile(host, config, file, pythonVersion).catch(() => undefined) : undefined;
  const lines = [...(read?.reqs.map((r) => r.line) ?? []), 'django', config.server === 'httpplatform' ? 'waitress' : 'wfastcgi'];
  return previewPins(pythonVersion, lines, lenient);
}

/** The README's first command: a full deployment of the sample app (or --project) on a fresh simulated server. */
export async function rehearse(o: Options, io: CliIo): Promise<number> {
  const dir = o.keep ?? o.simulate ?? mkdtempSync(path.join(os.tmpdir(), 'django-iis-rehearsal-'));
  const host = new SimulatedHost(dir, o.scenario, { lenientPackages: o.lenientPackages });
  try {
    let config: DeploymentConfig;
    // The configuration the rehearsal derived, written beside the server: the same file plans, applies and verifies it again.
    let derivedFile: string | undefined;
    let derived: string | undefined;
    if (o.bundle) {
      config = bundleConfig({ ...o, simulate: dir }, o.bundle);
      io.out(`Rehearsing the bundle ${path.resolve(o.bundle)} (checksums checked) as "${config.siteName}" on a simulated Windows Server in ${dir}, offline`);
      io.out(bundleSumsLine(o.bundle));
    } else {
      const staged = o.project ? stageProject(host, o.project) : undefined;
      config = loadConfig(o.config, staged?.input);
      io.out(o.project ? `Rehearsing the hand-over of ${path.resolve(o.project)} as "${config.siteName}" on a simulated Windows Server in ${dir}` : `Rehearsing a deployment of "${config.siteName}" on a simulated Windows Server in ${dir}`);
      // The configuration used (what --config gave over what was derived), written beside the server: plan, apply and verify take it again.
      const used = { ...(staged?.input ?? {}), ...configFileObject(o.config) };
      derivedFile = path.join(dir, 'deploy.json');
      if (!o.config || path.resolve(o.config) !== path.resolve(derivedFile)) writeFileSync(derivedFile, `${JSON.stringify(used, null, 2)}\n`);
      derived = !o.config && !staged ? `The configuration of the sample (none was given: every default) is written to ${derivedFile}.\n` : `The configuration ${o.config ? `used (${path.resolve(o.config)}${staged ? ' over what was derived from the project' : ''})` : staged ? 'derived from the project' : 'of the sample'} is written to ${derivedFile}; edit it and give it with --config:\n${JSON.stringify(used, null, 2)}\n`;
    }
    const p = await plan(config, host);
    // What the rehearsal cannot prove, first: the server's Python is played by this machine's.
    const by = playedBy(p.project.pythonVersion);
    io.out(`${pythonGap(p.project.pythonVersion, by.version) ?? `The server's Python ${p.project.pythonVersion} is played by this machine's Python ${by.version} (${by.path}, the same minor version).`}\n`);
    const pins = await pinsNotRun(config, host, p.project.pythonVersion, o.lenientPackages);
    if (pins.length)
      io.out(
        o.lenientPackages
          ? `--sim-lenient-packages: the rehearsal does not run what the project pins here; it runs the nearest version it has (the same major.minor, then major, then any):\n${pins.map((l) => `  - ${l}`).join('\n')}\n`
          : `The rehearsal has no version of these pins (scripts/python-store.sh fetches its versions); pip stops on the first of them, as it would on a server without it (--sim-lenient-packages runs the nearest version instead):\n${pins.map((l) => `  - ${l}`).join('\n')}\n`,
      );
    if (derived) io.out(derived);
    io.out(`The project:\n${p.project.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    if (p.conflicts.length) throw new ConflictError(p.conflicts);
    // A bundle deploys offline: a download in its plan is a bundle that lacks a file.
    const downloads = o.bundle ? p.steps.flatMap((s) => s.actions.filter((a) => a.kind === 'download').map((a) => `${s.title}: ${describeAction(a)}`)) : [];
    if (downloads.length) {
      io.out(`The bundle is not offline: its plan downloads\n${downloads.map((x) => `  - ${x}`).join('\n')}`);
      return 1;
    }
    const first = await run(config, host, { onEvent: eventPrinter(io) });
    if (first.verification) io.out(`\n${formatVerification(first.verification)}`);
    if (first.outcome !== 'succeeded') {
      io.out(`\nThe rehearsal failed. The simulated server is in ${dir}.`);
      return 1;
    }
    io.out('\nRunning apply a second time (every step should already be done)...');
    const second = await run(config, host, {});
    io.out(`Second run: ${second.outcome}, ${second.mutatingCommands} change(s), steps: ${Object.values(second.states).every((s) => s === 'already-done') ? 'all already done' : JSON.stringify(second.states)}.`);
    io.out(`\nThe simulated server lives in ${dir}:`);
    io.out(`  ${path.join(dir, 'C', 'Windows', 'System32', 'inetsrv', 'config', 'applicationHost.config')}  (IIS configuration)`);
    io.out(`  ${host.server.toReal(config.appDir)}  (the Django project, ${config.appDir})`);
    io.out(`  ${path.join(dir, '.sim', 'commands.jsonl')}  (every command run, with exit codes)`);
    const configArg = o.bundle ? ` --bundle ${path.resolve(o.bundle)}` : derivedFile ? ` --config ${derivedFile}` : '';
    io.out(`Inspect it with: npm run cli -- plan --simulate ${dir}${configArg}`);
    return second.outcome === 'succeeded' && second.mutatingCommands === 0 ? 0 : 1;
  } finally {
    await host.dispose();
  }
}
