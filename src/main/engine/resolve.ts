/**
 * What the configuration leaves out, read from the project itself before anything is planned:
 * the settings module (manage.py's DJANGO_SETTINGS_MODULE) and the Python version (runtime.txt,
 * .python-version, pyproject.toml requires-python), else the default. The plan says which.
 */
import { chooseDependencies, DEPENDENCY_FILES, dependencyKind } from './dependencies';
import { DEFAULT_PYTHON_VERSION, installerFileVersion, type DeploymentConfig } from '../../shared/config';
import { registerSecret } from '../../shared/problem';
import { winJoin } from '../../shared/winpath';
import { secretKeyVariable } from './settings-problem';
import type { Host } from './host';
import { compareVersions, djangoSeries, djangoSupports, DJANGO_PYTHONS, eolWarning, parseVersion, satisfies, type Version } from './python-support';
import { readRequirementsFile } from './requirements-read';
import { canonicalName } from './requirements';
import { RefusedError } from './refusal';

/** The newest CPython release of each minor version that has the Windows installer (windows-iis.md). */
export const INSTALLER_VERSIONS: Record<string, string> = {
  // The last release of each with a Windows installer (later ones are source-only security releases).
  '3.6': '3.6.8',
  '3.7': '3.7.9',
  '3.8': '3.8.10',
  '3.9': '3.9.13',
  '3.10': '3.10.11',
  '3.11': '3.11.9',
  '3.12': '3.12.10',
  '3.13': '3.13.14',
  '3.14': DEFAULT_PYTHON_VERSION,
};

// A Python version names at least its minor ("3.11"); python-support parses and compares.
const parse = (v: string) => (/^\d+\.\d+/.test(v.trim()) ? parseVersion(v) : undefined);
const cmp = compareVersions;

export { satisfies };

/** A full installer version for what a project asks: "3.11" → 3.11.9; "3.11.4" stays. */
export function installerVersionFor(asked: string): string | undefined {
  const v = parse(asked);
  if (!v) return undefined;
  if (/^\d+\.\d+\.\d+$/.test(asked.trim())) return asked.trim();
  return INSTALLER_VERSIONS[`${v[0]}.${v[1]}`] ?? `${v[0]}.${v[1]}.0`;
}

export interface Resolved {
  config: DeploymentConfig;
  pythonSource: string;
  notes: string[];
}

async function readIf(host: Host, p: string): Promise<string | undefined> {
  try {
    return (await host.exists(p)) ? await host.readFile(p) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project's folder as handed over (the copy source). Only the source is read, never the
 * deployed copy, so what is decided is the same on the first run and every later one. A zip is
 * not read: give settingsModule (required) and pythonVersion for it.
 */
async function projectFolders(config: DeploymentConfig): Promise<string[]> {
  return 'folder' in config.djangoProject ? [config.djangoProject.folder] : [];
}

/** The Python a project folder pins: runtime.txt ("python-3.11.4"), else .python-version ("3.11"). */
async function pinnedPython(host: Host, folder: string): Promise<{ version: string; file: string; label: string } | undefined> {
  const runtime = await readIf(host, winJoin(folder, 'runtime.txt'));
  const rm = runtime ? /python-(\d+\.\d+(?:\.\d+)?)/.exec(runtime) : null;
  if (rm) return { version: rm[1] as string, file: 'runtime.txt', label: `runtime.txt (${rm[0].trim()})` };
  const pv = await readIf(host, winJoin(folder, '.python-version'));
  const pm = pv ? /^\s*(?:python-|cpython-)?(\d+\.\d+(?:\.\d+)?)/m.exec(pv) : null;
  if (pm) return { version: pm[1] as string, file: '.python-version', label: `.python-version (${pm[1] as string})` };
  return undefined;
}

export async function resolveConfig(input: DeploymentConfig, host: Host): Promise<Resolved> {
  let config = input;
  const notes: string[] = [];
  const folders = await projectFolders(config);
  if (!config.settingsModule && !('sample' in config.djangoProject)) {
    for (const f of folders) {
      const manage = await readIf(host, winJoin(f, 'manage.py'));
      const m = manage ? /environ\.setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"]/.exec(manage) : null;
      if (m) {
        config = { ...config, settingsModule: m[1] };
        notes.push(`settingsModule ${m[1] as string} (from ${winJoin(f, 'manage.py')})`);
        break;
      }
    }
  }
  // A SECRET_KEY the settings read from an environment variable nobody sets: the tool makes one and keeps it on the server.
  if (!config.secretKey && config.settingsModule && folders[0] !== undefined) {
    const rel = config.settingsModule.split('.').join('\\');
    const text = (await readIf(host, winJoin(folders[0], `${rel}.py`))) ?? (await readIf(host, winJoin(folders[0], `${rel}\\__init__.py`)));
    const name = text ? secretKeyVariable(text)?.name : undefined;
    // One the server already sets (a machine environment variable) is left to the server.
    if (name && !Object.keys(config.environment).some((k) => k.toLowerCase() === name.toLowerCase()) && host.env(name) === undefined) {
      config = { ...config, secretKey: { env: name } };
      notes.push(`secretKey from the environment variable ${name} (the settings read SECRET_KEY from it): the tool makes a key and keeps it on the server; "secretKey" or "environment" chooses`);
    }
  }
  // Where the project declares its dependencies (dependencies.ts: a lock first); "requirementsFile" chooses.
  const deps = folders[0] === undefined ? { unused: [] } : await chooseDependencies(host, folders[0]);
  if (!config.requirementsFile && deps.file) config = { ...config, requirementsFile: deps.file };
  let pythonSource = config.pythonVersion ? 'the configuration (pythonVersion)' : `the default (${DEFAULT_PYTHON_VERSION})`;
  // The installer the team handed over decides the version (the configuration cannot say otherwise: config.ts).
  const fromInstaller = !config.pythonVersion && config.pythonInstaller ? installerFileVersion(config.pythonInstaller) : undefined;
  if (fromInstaller) {
    const asked = folders[0] === undefined ? undefined : await pinnedPython(host, folders[0]);
    config = { ...config, pythonVersion: fromInstaller };
    pythonSource = `the installer given (pythonInstaller ${config.pythonInstaller ?? ''})`;
    if (asked && asked.version.split('.').slice(0, 2).join('.') !== fromInstaller.split('.').slice(0, 2).join('.'))
      notes.push(`WARNING: the project asks for Python ${asked.version} (${asked.file}) but the installer given is Python ${fromInstaller}: the site will run on ${fromInstaller}; hand over the installer of ${asked.version.split('.').slice(0, 2).join('.')} if the project needs it.`);
  }
  if (!config.pythonVersion) {
    search: for (const f of folders) {
      const pin = await pinnedPython(host, f);
      const v = pin ? installerVersionFor(pin.version) : undefined;
      if (pin && v) {
        config = { ...config, pythonVersion: v };
        pythonSource = pin.label;
        break search;
      }
      const py = await readIf(host, winJoin(f, 'pyproject.toml'));
      const rq = py ? /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(py) : null;
      if (rq) {
        const spec = rq[1] as string;
        const candidates = Object.values(INSTALLER_VERSIONS).sort((a, b) => cmp(parse(b) as Version, parse(a) as Version));
        // The default when it fits (the tested line), else the newest release that does.
        const pick = satisfies(DEFAULT_PYTHON_VERSION, spec) ? DEFAULT_PYTHON_VERSION : candidates.find((c) => satisfies(c, spec));
        if (pick) {
          config = { ...config, pythonVersion: pick };
          pythonSource = `pyproject.toml requires-python "${spec}"`;
        } else notes.push(`pyproject.toml asks for Python "${spec}", which no known installer satisfies; using ${DEFAULT_PYTHON_VERSION}`);
        break search;
      }
    }
  }
  const fit = await fitToDjango(host, config, pythonSource, notes);
  config = fit.config;
  pythonSource = fit.pythonSource;
  notes.unshift(`Python ${config.pythonVersion ?? DEFAULT_PYTHON_VERSION} from ${pythonSource}`);
  notes.push(...(await dependencyNotes(host, config, deps)));
  const eol = eolWarning(config.pythonVersion ?? DEFAULT_PYTHON_VERSION, new Date().toISOString().slice(0, 10));
  if (eol) notes.push(eol);
  registerConfigSecrets(config);
  return { config, pythonSource, notes };
}

/** What the plan says of the project's dependencies: the file used (with its exact pins), the others not used, or that there are none. */
async function dependencyNotes(host: Host, config: DeploymentConfig, deps: { file?: string; unused: string[] }): Promise<string[]> {
  const file = config.requirementsFile;
  if (!file && 'zip' in config.djangoProject)
    return [`the zip ${config.djangoProject.zip} is not read for its dependencies: only Django and the server's package (wfastcgi or waitress) are installed unless "requirementsFile" names the project's requirements file (or lock) beside it; an import the site then misses is named in the verification`];
  if (!file) return [`the project declares no dependencies (${DEPENDENCY_FILES.map((d) => d.file).join(', ')}): only Django and the server's package (wfastcgi or waitress) are installed; an import the site then misses is named in the verification`];
  const read = await readRequirementsFile(host, config, file, config.pythonVersion ?? DEFAULT_PYTHON_VERSION).catch(() => undefined);
  const kind = dependencyKind(file);
  const count = read ? (kind === 'requirements' || kind === 'pyproject.toml' ? `${read.reqs.length} requirement${read.reqs.length === 1 ? '' : 's'}${read.source.pinned ? `, ${read.source.pinned} pinned` : ''}` : `${read.source.pinned} pinned`) : 'not readable';
  const others = [...new Set([...deps.unused, ...(deps.file && deps.file.toLowerCase() !== file.toLowerCase() ? [deps.file] : [])])].filter((f) => f.toLowerCase() !== file.toLowerCase());
  return [
    `dependencies: ${file} (${count})`,
    ...others.map((o) => `${o} is not used (the dependencies come from ${file.split('\\').at(-1) ?? file}; "requirementsFile" chooses)`),
    ...(read?.notes.filter((n) => /not installed on the server/.test(n)) ?? []),
  ];
}

/** The Django requirement of the project (the requirements file and what it includes), as its specifier and line. */
async function djangoRequirement(host: Host, config: DeploymentConfig): Promise<{ spec: string; line: string } | undefined> {
  if (!config.requirementsFile || !(await host.exists(config.requirementsFile))) return undefined;
  const read = await readRequirementsFile(host, config, config.requirementsFile, DEFAULT_PYTHON_VERSION).catch(() => undefined);
  const r = read?.reqs.find((x) => canonicalName(x.name) === 'django');
  return r ? { spec: r.specifier, line: r.line.trim() } : undefined;
}

/**
 * Python follows the project's Django (python-support.ts): with nothing pinned, the newest Python
 * with a Windows installer that the newest Django the requirements admit supports; a pinned
 * Python that Django does not support is refused before anything changes; an old patch release
 * names the last one of its minor with an installer.
 */
async function fitToDjango(host: Host, input: DeploymentConfig, source: string, notes: string[]): Promise<{ config: DeploymentConfig; pythonSource: string }> {
  const config = input;
  const dj = await djangoRequirement(host, config);
  const series = dj ? djangoSeries(dj.spec) : [];
  const newest = series[0];
  const range = newest ? DJANGO_PYTHONS[newest] : undefined;
  if (!dj || !newest || !range) return { config, pythonSource: source };
  const said = `Django ${newest} (${dj.line} in the requirements) supports Python ${range[0]} to ${range[1]}`;
  if (!config.pythonVersion) {
    const pick = [DEFAULT_PYTHON_VERSION, ...Object.values(INSTALLER_VERSIONS).sort((a, b) => cmp(parse(b) as Version, parse(a) as Version))].find((v) => djangoSupports(newest, v));
    if (!pick || djangoSupports(newest, DEFAULT_PYTHON_VERSION)) return { config, pythonSource: `${source}; ${said}` };
    return { config: { ...config, pythonVersion: pick }, pythonSource: `${said}: the newest of those with a Windows installer (no runtime.txt, .python-version or requires-python)` };
  }
  const asked = config.pythonVersion;
  if (!series.some((s) => djangoSupports(s, asked)))
    throw new RefusedError([{
      what: `Python ${asked} (from ${source}) does not run the project's Django: ${said}.`,
      why: "Every request would fail on the server (Django 3.2, for one, imports the cgi module that Python 3.13 removed), and a rehearsal would not show it: it runs this machine's Python.",
      fix: `Pin a Python Django supports (runtime.txt "python-${INSTALLER_VERSIONS[range[1]] ?? `${range[1]}.0`}", or "pythonVersion" in the configuration), or move the project to a Django that supports Python ${asked.split('.').slice(0, 2).join('.')}.`,
    }]);
  const minor = asked.split('.').slice(0, 2).join('.');
  const last = INSTALLER_VERSIONS[minor];
  if (last && cmp(parse(asked) as Version, parse(last) as Version) < 0) notes.push(`Python ${asked} is an old release of ${minor}: ${last} is the last ${minor} with a Windows installer (and its fixes); pin python-${last} unless the project needs ${asked}.`);
  return { config, pythonSource: source };
}

/** Values of the configured environment that are secrets (by name, or a URL's password) never reach an output. */
export function registerConfigSecrets(config: DeploymentConfig): void {
  for (const [k, v] of Object.entries(config.environment)) {
    if (/SECRET|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|PRIVATE|CREDENTIAL/i.test(k)) registerSecret(v, `the environment variable ${k}`);
    const url = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/i.exec(v);
    if (url) registerSecret(url[1] as string, `the password in the environment variable ${k}`);
  }
}
