/**
 * bundle: on the team's machine, one folder the department can deploy offline: the project as a
 * zip (without what must not travel), deploy.json with paths relative to the bundle and a release
 * label, the wheels for win_amd64 and the server's Python fetched with the real pip, the Python
 * installer (and the HttpPlatformHandler MSI in that mode), the console exe when it was built,
 * SHA256SUMS over every file, README.html and bundle-report.txt. A requirement with no such wheel
 * is named and the bundle is marked incomplete (INCOMPLETE.txt; the server refuses it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { derive, installerFileVersion } from '../../../shared/config';
import { HTTP_PLATFORM_MSI_URL, pythonInstallerUrl } from '../../engine/commands';
import { resolveConfig } from '../../engine/resolve';
import { DEPENDENCY_FILES, DependencyFileError, deriveRequirements } from '../../engine/dependencies';
import { localDependencyFiles } from '../../bundle/dependency-file';
import { SimulatedHost } from '../../hosts/simulated/sim-host';
import { downloadToFile } from '../../hosts/http-client';
import { projectFiles } from '../../bundle/project-files';
import { completeForServer, downloadWfastcgi, downloadWheels, flattenForWindows, teamPython, type PipSource } from '../../bundle/pip-download';
import { BUNDLE_CONFIG, checksumsSha256, writeChecksums } from '../../bundle/bundle-dir';
import { bundleReadme } from '../../bundle/readme';
import { type CliIo, type Options, UsageError, loadConfig } from '../options';
import { stageProject } from './rehearse';

const ZIP_PY = 'import json, sys, zipfile\nargs = json.loads(sys.stdin.read())\nwith zipfile.ZipFile(args["out"], "w", zipfile.ZIP_DEFLATED) as z:\n    for f in args["files"]:\n        z.write(args["root"] + "/" + f, f)\n';

interface Missing {
  requirement: string;
  error: string;
}

/** The server's Python and the configuration as the run on the server will resolve them (read from a staged copy, nothing run). */
async function resolveForServer(o: Options, project: string): Promise<{ raw: Record<string, unknown>; input: Record<string, unknown>; pythonVersion: string; settingsModule: string; notes: string[]; server: 'wfastcgi' | 'httpplatform' }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'django-iis-bundle-'));
  const host = new SimulatedHost(dir);
  try {
    const staged = stageProject(host, project);
    const config = loadConfig(o.config, staged.input);
    const r = await resolveConfig(config, host);
    const raw = o.config ? (JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>) : {};
    const d = derive(r.config);
    // The notes name the staged copy's place (C:\\drop\\<name>): said as the project's own files here.
    const notes = r.notes.map((n) => n.replace(/C:\\drop\\[^\\\s)]+\\?/gi, "the project's "));
    return { raw, input: staged.input, pythonVersion: d.pythonVersion, settingsModule: d.settingsModule, notes, server: d.server };
  } finally {
    await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The console exe (and the wizard exe) when this checkout built them. */
function builtExes(): string[] {
  const dir = path.resolve('dist');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /\.exe$/i.test(n)).map((n) => path.join(dir, n));
}

function releaseLabel(raw: Record<string, unknown>, project: string, zipFile: string): string {
  if (typeof raw.release === 'string' && raw.release) return raw.release;
  const version = path.join(project, 'VERSION');
  if (existsSync(version)) {
    const v = readFileSync(version, 'utf8').trim().split(/\r?\n/)[0]?.trim();
    if (v) return v;
  }
  return createHash('sha256').update(readFileSync(zipFile)).digest('hex').slice(0, 12);
}

async function installers(o: Options, out: string, pythonVersion: string, server: string, incomplete: Missing[]): Promise<{ python?: string; msi?: string }> {
  const got: { python?: string; msi?: string } = {};
  const python = `python-${pythonVersion}-amd64.exe`;
  if (o.pythonInstaller) {
    const v = installerFileVersion(path.basename(o.pythonInstaller));
    if (!existsSync(o.pythonInstaller)) throw new UsageError(`--python-installer ${o.pythonInstaller} does not exist.`);
    if (v !== pythonVersion) throw new UsageError(`--python-installer ${o.pythonInstaller} is ${v ? `the installer of Python ${v}` : 'not named as a CPython installer (python-3.X.Y-amd64.exe)'}, but the server's Python is ${pythonVersion}: give python-${pythonVersion}-amd64.exe.`);
    copyFileSync(o.pythonInstaller, path.join(out, python));
    got.python = python;
  } else {
    try {
      await downloadToFile(pythonInstallerUrl(pythonVersion), path.join(out, python));
      got.python = python;
    } catch (e) {
      incomplete.push({ requirement: `the Python ${pythonVersion} installer`, error: `${(e as Error).message}; give it with --python-installer FILE` });
    }
  }
  if (server === 'httpplatform') {
    const msi = 'httpPlatformHandler_amd64.msi';
    if (o.msi) copyFileSync(o.msi, path.join(out, msi));
    else await downloadToFile(HTTP_PLATFORM_MSI_URL, path.join(out, msi)).catch((e: unknown) => incomplete.push({ requirement: 'the HttpPlatformHandler MSI', error: `${(e as Error).message}; give it with --msi FILE` }));
    if (existsSync(path.join(out, msi))) got.msi = msi;
  }
  return got;
}

function wheels(o: Options, project: string, out: string, pythonVersion: string, server: string, tmp: string): { missing: Missing[]; dropped: { line: string; why: string }[]; notes: string[] } {
  // The project's dependency file, chosen as on the server (a lock first: dependencies.ts); a lock or pyproject.toml read as pip's format.
  const found = localDependencyFiles(project);
  const source = found[0];
  let reqFile = source?.at;
  const sourceNotes: string[] = [];
  if (source && source.kind !== 'requirements') {
    let d: ReturnType<typeof deriveRequirements>;
    try {
      d = deriveRequirements(source.kind, readFileSync(source.at, 'utf8'), pythonVersion);
    } catch (e) {
      if (e instanceof DependencyFileError) throw new UsageError(`${source.at}: ${e.message}`);
      throw e;
    }
    reqFile = path.join(tmp, `requirements-from-${source.file}.txt`);
    writeFileSync(reqFile, d.text);
    sourceNotes.push(`dependencies: ${source.file} (${d.pinned} pinned)`, ...d.notes);
  } else if (source) sourceNotes.push('dependencies: requirements.txt');
  else sourceNotes.push(`the project declares no dependencies (${DEPENDENCY_FILES.map((d) => d.file).join(', ')}): only Django and the server's package are bundled`);
  for (const u of found.slice(1)) sourceNotes.push(`${u.file} was not used (${source?.file ?? ''} was)`);
  const flat = reqFile ? flattenForWindows([reqFile], pythonVersion) : { lines: [], dropped: [], notes: [], unsupported: [] };
  const names = new Set(flat.lines.map((l) => l.name.toLowerCase()));
  const extra = ['django', ...(server === 'httpplatform' ? ['waitress'] : [])].filter((n) => !names.has(n)).map((n) => ({ name: n, text: n }));
  // In pip's hash-checking mode every line needs a hash: no unhashed line is added to a hashed file.
  const hashed = flat.lines.some((l) => l.text.includes('--hash='));
  const reqs = [...flat.lines, ...(hashed ? [] : extra)];
  // The server's pip installs from this flattened file (markers already decided for Windows).
  writeFileSync(path.join(out, 'requirements.txt'), `${reqs.filter((r) => r.name.toLowerCase() !== 'wfastcgi').map((r) => r.text).join('\n')}\n`);
  const src: PipSource = { findLinks: o.findLinks ?? [], ...(o.indexUrl ? { indexUrl: o.indexUrl } : {}), noIndex: o.noIndex ?? false };
  const dest = path.join(out, 'wheels');
  mkdirSync(dest, { recursive: true });
  const flatFile = path.join(tmp, 'requirements-for-windows.txt');
  const r = downloadWheels(dest, pythonVersion, reqs.filter((x) => x.name.toLowerCase() !== 'wfastcgi'), src, flatFile, (t) => writeFileSync(flatFile, t));
  const c = r.missing.length ? { fetched: [], missing: [] } : completeForServer(dest, pythonVersion, src, hashed);
  const w = server === 'wfastcgi' ? downloadWfastcgi(dest, pythonVersion, src) : { missing: [] };
  const xy = pythonVersion.split('.').slice(0, 2).join('.');
  const decided = c.fetched.length
    ? `Markers of the requirements' own dependencies were decided for Windows and Python ${xy}: pip on this machine skipped ${c.fetched.map((f) => `${f.requirement} (for ${f.by}${f.marker ? `, ${f.marker}` : ''})`).join(', ')}, fetched too`
    : `Markers of the requirements' own dependencies were decided for Windows and Python ${xy} (from each wheel's METADATA)`;
  return { missing: [...flat.unsupported, ...r.missing, ...c.missing, ...w.missing], dropped: flat.dropped, notes: [...sourceNotes, ...flat.notes, decided] };
}

export async function bundleCommand(o: Options, io: CliIo): Promise<number> {
  if (!o.project) throw new UsageError('bundle needs --project DIR (the Django project folder, with manage.py).');
  if (!o.out) throw new UsageError('bundle needs --out DIR (a new or empty folder for the bundle).');
  const project = path.resolve(o.project);
  if (!existsSync(path.join(project, 'manage.py')) || !statSync(project).isDirectory()) throw new UsageError(`--project ${o.project} is not a Django project folder (no manage.py in it).`);
  const out = path.resolve(o.out);
  if (existsSync(out) && readdirSync(out).length) throw new UsageError(`--out ${o.out} is not empty; give a new or empty folder (a bundle is made whole, never over another).`);
  mkdirSync(out, { recursive: true });
  const r = await resolveForServer(o, project);
  io.out(`Bundling ${project} for Python ${r.pythonVersion} on Windows (win_amd64), server mode ${r.server}, into ${out}`);
  const files = projectFiles(project);
  const zip = path.join(out, 'project.zip');
  execFileSync(teamPython(), ['-c', ZIP_PY], { input: JSON.stringify({ out: zip, root: project, files: files.files }) });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'django-iis-bundle-pip-'));
  const incomplete: Missing[] = [];
  let w: ReturnType<typeof wheels>;
  try {
    w = wheels(o, project, out, r.pythonVersion, r.server, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  incomplete.push(...w.missing);
  const inst = await installers(o, out, r.pythonVersion, r.server, incomplete);
  const exes = builtExes();
  for (const e of exes) copyFileSync(e, path.join(out, path.basename(e)));
  const label = releaseLabel(r.raw, project, zip);
  const { djangoProject: _dp, requirementsFile: _rf, ...derived } = r.input;
  // A zip is not opened before it is extracted: the settings module is said, as the team's copy names it.
  const deploy: Record<string, unknown> = { ...derived, settingsModule: r.settingsModule, ...r.raw, djangoProject: { zip: 'project.zip' }, requirementsFile: 'requirements.txt', wheelhouse: 'wheels', pythonVersion: r.pythonVersion, release: label, ...(inst.python ? { pythonInstaller: inst.python } : {}) };
  if (inst.msi) deploy.httpPlatform = { ...(typeof r.raw.httpPlatform === "object" && r.raw.httpPlatform !== null ? r.raw.httpPlatform : {}), installer: inst.msi };
  writeFileSync(path.join(out, BUNDLE_CONFIG), `${JSON.stringify(deploy, null, 2)}\n`);
  const report = [
    `Bundle of ${path.basename(project)}, release ${label}, made ${new Date().toISOString()}`,
    `Python on the server: ${r.pythonVersion}`,
    ...r.notes.map((n) => `  - ${n}`),
    `The project: ${files.files.length} files in project.zip. Left out:`,
    ...(files.left.length ? files.left.map((l) => `  - ${l.path}: ${l.why}`) : ['  (nothing)']),
    'Requirement lines not for Windows (dropped):',
    ...(w.dropped.length ? w.dropped.map((d) => `  - ${d.line}: ${d.why}`) : ['  (none)']),
    ...w.notes.map((n) => `  ! ${n}`),
    ...(incomplete.length ? ['INCOMPLETE: the server will refuse this bundle until these are in it:', ...incomplete.map((m) => `  - ${m.requirement}: ${m.error}`), '  What to do: build the wheel on a Windows machine with that Python (pip wheel -w wheels ...), or pin a version that has a win_amd64 wheel, and bundle again.'] : ['Complete: every requirement has a wheel for win_amd64 and this Python.']),
    ...(exes.length ? [`Included: ${exes.map((e) => path.basename(e)).join(', ')}`] : ['The tool\'s exe was not built in this checkout (npm run package): send it beside the bundle.']),
  ];
  writeFileSync(path.join(out, 'bundle-report.txt'), `${report.join('\n')}\n`);
  if (incomplete.length) writeFileSync(path.join(out, 'INCOMPLETE.txt'), `${incomplete.map((m) => `${m.requirement}: ${m.error.replace(/\s*\n\s*/g, ' ')}`).join('\n')}\n`);
  writeFileSync(path.join(out, 'README.html'), bundleReadme({ name: path.basename(project), label, pythonVersion: r.pythonVersion, server: r.server, siteName: typeof deploy.siteName === 'string' ? deploy.siteName : 'foo', incomplete: incomplete.map((m) => m.requirement), exes: exes.map((e) => path.basename(e)), leftEnv: files.left.some((l) => /environment file/.test(l.why)) }));
  const n = writeChecksums(out);
  io.out(report.join('\n'));
  io.out(`\n${n} files, SHA256SUMS written (its SHA-256: ${checksumsSha256(out) ?? ''}; send this value to the department apart from the bundle, so they can compare it). ${incomplete.length ? 'The bundle is INCOMPLETE (see above).' : 'Rehearse it with: npm run rehearse -- --bundle ' + out}`);
  return incomplete.length ? 1 : 0;
}
