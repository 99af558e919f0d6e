/**
 * Reading a project's requirements file as the elevated pip on the server would, before pip runs:
 * every include (-r/-c) resolved once by its path as Windows resolves it (a loop, a depth over 10
 * or an include outside the project is refused), every pip option listed for the plan, and every
 * line that would make pip reach another index or host (--index-url, --extra-index-url,
 * --trusted-host, --find-links to a URL or share, VCS and URL requirements) refused unless the
 * configuration says "allowRequirementSources": true.
 */
import type { DeploymentConfig } from '../../shared/config';
import type { Problem } from '../../shared/problem';
import { canonicalWindowsPath, isAbsoluteWindowsPath, isInside, winDirname, winJoin } from '../../shared/winpath';
import type { Host } from './host';
import { DependencyFileError, deriveRequirements, dependencyKind, type DependencyKind } from './dependencies';
import { markerApplies, parseRequirementsFileAt, sourceOf, windowsMarkerEnv, type Requirement } from './requirements';

export const MAX_INCLUDE_DEPTH = 10;

export interface RequirementsRead {
  reqs: Requirement[];
  notes: string[];
  /** Every pip option in the files, with where it is ("requirements.txt:3: --prefer-binary"). */
  options: string[];
  problems: Problem[];
  /** What the file is (a lock or pyproject.toml is read as pip's requirements: dependencies.ts), and how many exact pins it gave. */
  source: { kind: DependencyKind; pinned: number };
  /** For a file that is not pip's own format: the requirements pip is given instead (-r of a file the packages step writes). */
  derived?: string;
}

/** The folders an include may come from: the project's (where it is copied from, and where it lives). */
function projectFolders(config: DeploymentConfig, top: string): string[] {
  const src = config.djangoProject;
  return [config.appDir, ...('folder' in src ? [src.folder] : []), winDirname(top)];
}

/** Not a URL (scheme://, file:) nor a network share: a path on the server (a drive letter, or relative). */
function isLocalPath(p: string): boolean {
  if (p.startsWith('\\\\') || p.startsWith('//')) return false;
  if (/^[A-Za-z]:[\\/]/.test(p)) return true;
  return !/^[a-z][a-z0-9+.-]+:/i.test(p);
}

/** A line pip would take as a path: a drive letter, ./ or ../, a separator, or a wheel or archive name. */
function looksLikePath(p: string): boolean {
  return /^[A-Za-z]:[\\/]|^\.{1,2}([\\/]|$)|[\\/]|\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(p);
}

/** A path in a requirements file as Windows resolves it: absolute as it is, relative to the file's folder. */
function resolveFrom(file: string, p: string): string {
  return canonicalWindowsPath(isAbsoluteWindowsPath(p.replace(/\//g, '\\')) ? p : winJoin(winDirname(file), ...p.split(/[\\/]/)));
}

export async function readRequirementsFile(host: Host, config: DeploymentConfig, file: string, pythonVersion: string): Promise<RequirementsRead> {
  const kind = dependencyKind(file);
  const out: RequirementsRead = { reqs: [], notes: [], options: [], problems: [], source: { kind, pinned: 0 } };
  const env = windowsMarkerEnv(pythonVersion);
  const roots = projectFolders(config, file);
  const wheelRoots = [...roots, ...(config.wheelhouse ? [config.wheelhouse] : [])];
  const done = new Set<string>();
  const refuse = (what: string, why: string, fix: string) => out.problems.push({ what, why, fix });
  const read = async (path: string, chain: string[]): Promise<void> => {
    const key = canonicalWindowsPath(path).toLowerCase();
    if (chain.includes(key)) {
      refuse(`The requirements file ${path} includes itself (${[...chain, key].map((c) => c.split('\\').at(-1)).join(' -> ')}).`, 'pip would read the files in a loop.', 'Remove the -r line that leads back to a file already included, then run again.');
      return;
    }
    if (done.has(key) || !(await host.exists(path))) return;
    done.add(key);
    if (chain.length > MAX_INCLUDE_DEPTH) {
      refuse(`The requirements file ${path} is included ${chain.length} levels deep.`, `The tool follows at most ${MAX_INCLUDE_DEPTH} levels of -r/-c includes.`, 'Flatten the includes into fewer files, then run again.');
      return;
    }
    const name = path.split('\\').at(-1) ?? path;
    let text = await host.readFile(path);
    if (chain.length === 0 && kind !== 'requirements') {
      try {
        const d = deriveRequirements(kind, text, pythonVersion);
        text = d.text;
        out.derived = d.text;
        out.source.pinned = d.pinned;
        out.notes.push(...d.notes);
      } catch (e) {
        if (!(e instanceof DependencyFileError)) throw e;
        refuse(`The project's dependencies cannot be read from ${path}.`, e.message, `Fix ${name} (or give pip's own format with "requirementsFile": a requirements.txt), then run again.`);
        return;
      }
    }
    for (const l of parseRequirementsFileAt(text)) {
      const where = `${name}:${l.lineNo}`;
      const source = sourceOf(l);
      if (source) {
        if (config.allowRequirementSources) out.options.push(`${where}: ${source} (allowed by "allowRequirementSources")`);
        else
          refuse(
            `${path} line ${l.lineNo}: ${source}.`,
            'pip runs as an administrator on the server and would fetch and run code from that place, which the deployment\'s configuration does not name.',
            `Take the line out of the requirements file (install from PyPI${config.wheelhouse ? ' or the wheelhouse' : ''} by name and version instead), or, if the team trusts that source, add "allowRequirementSources": true to the configuration.`,
          );
        continue;
      }
      if (l.kind === 'include') {
        const flag = l.constraint ? '-c' : '-r';
        if (!isLocalPath(l.path)) {
          refuse(`${path} line ${l.lineNo}: ${flag} ${l.path} is ${l.path.startsWith('\\\\') || l.path.startsWith('//') ? 'on a network share' : 'a URL'}.`, 'pip would fetch that file and obey what it says (more packages, other indexes), none of which the project carries.', 'Put the included file in the project and include it by a path relative to the requirements file, then run again.');
          continue;
        }
        const inc = resolveFrom(path, l.path);
        if (!roots.some((r) => isInside(inc, r))) {
          refuse(`${path} line ${l.lineNo}: ${l.constraint ? '-c' : '-r'} ${l.path} is outside the project (${inc}).`, 'pip would read a file the project does not carry, from anywhere on the server.', 'Put the included file in the project and include it by a path relative to the requirements file, then run again.');
          continue;
        }
        out.options.push(`${where}: ${l.constraint ? '-c' : '-r'} ${l.path}`);
        if (l.constraint) continue;
        await read(inc, [...chain, key]);
      } else if (l.kind === 'option') {
        // A local --find-links folder: pip takes any wheel there, so it is the project's or the wheelhouse.
        const fl = /^(-f|--find-links)(?:\s+|=)(.+)$/.exec(l.text);
        const at = fl ? resolveFrom(path, (fl[2] ?? '').trim()) : undefined;
        if (at && !wheelRoots.some((r) => isInside(at, r))) {
          refuse(`${path} line ${l.lineNo}: ${l.text} is a folder outside the project${config.wheelhouse ? ' and the wheelhouse' : ''} (${at}).`, 'pip would install any wheel it finds there, as an administrator.', `Put the wheels in the project or in the configuration's "wheelhouse"${config.wheelhouse ? ` (${config.wheelhouse})` : ''} and take the line out, then run again.`);
          continue;
        }
        out.options.push(`${where}: ${l.text}`);
      }
      else if (l.kind === 'requirement') {
        if (markerApplies(l.req, env)) out.reqs.push(l.req);
        else out.notes.push(`${l.req.name} is not for this server (${l.req.marker ?? ''})`);
      } else {
        // A path to a wheel, an archive or a folder (also "-e ./pkg"): only the project's own files or the wheelhouse's.
        const target = l.text.replace(/^(-e|--editable)[\s=]+/, '').replace(/\s*;.*$/, '').replace(/\[[^\]]*\]$/, '').trim();
        const share = target.startsWith('\\\\') || target.startsWith('//');
        if (share || (isLocalPath(target) && looksLikePath(target))) {
          const at = share ? target : resolveFrom(path, target);
          if (share || !wheelRoots.some((r) => isInside(at, r))) {
            refuse(`${path} line ${l.lineNo}: ${l.text} is a file outside the project${config.wheelhouse ? ' and the wheelhouse' : ''} (${at}).`, 'pip would install whatever that file holds, as an administrator; the project does not carry it.', `Put the wheel in the project or in the configuration's "wheelhouse"${config.wheelhouse ? ` (${config.wheelhouse})` : ''} and name it by a path relative to the requirements file (or by its name and version), then run again.`);
            continue;
          }
        }
        out.notes.push(`"${l.text}" is installed by pip as written (not checked by name)`);
      }
    }
  };
  await read(file, []);
  return out;
}
