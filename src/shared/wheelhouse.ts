/**
 * An offline wheelhouse (pip install --no-index --find-links DIR): which distributions a folder
 * offers, read from the file names as pip does (wheels: name-version[-build]-py-abi-platform.whl;
 * source archives: name-version.tar.gz / .zip). Shared by the engine's plan and the simulated pip.
 *
 * wfastcgi 3.0.0 exists only as a source archive; pip builds it with setuptools, which a Python
 * 3.12+ venv does not have, so offline it needs a setuptools wheel in the same folder.
 */

export interface Distribution {
  file: string;
  /** Canonical name (PEP 503: lower case, runs of - _ . as one -). */
  name: string;
  version: string;
  kind: 'wheel' | 'sdist';
}

export const canonical = (n: string): string => n.toLowerCase().replace(/[-_.]+/g, '-');

export function parseDistFilename(file: string): Distribution | undefined {
  const w = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/i.exec(file);
  if (w) return { file, name: canonical(w[1] as string), version: w[2] as string, kind: 'wheel' };
  const s = /^(.+)-(\d[^-]*?)\.(?:tar\.gz|zip|tar\.bz2)$/i.exec(file);
  if (s) return { file, name: canonical(s[1] as string), version: s[2] as string, kind: 'sdist' };
  return undefined;
}

export interface WheelhouseNeed {
  name: string;
  /** PEP 440 specifier as written; only == pins are checked against file versions. */
  specifier: string;
}

/**
 * What the wheelhouse lacks for these requirements on this Python (one line each, for a person).
 * Checks the names given (not their dependencies: those are only in the wheels' metadata).
 */
export function wheelhouseMissing(files: readonly string[], needs: readonly WheelhouseNeed[], pythonVersion: string): string[] {
  const dists = files.map(parseDistFilename).filter((d): d is Distribution => d !== undefined);
  const missing: string[] = [];
  const [maj = 0, min = 0] = pythonVersion.split('.').map(Number);
  const noSetuptools = maj > 3 || (maj === 3 && min >= 12);
  const sourceOnly: string[] = [];
  for (const n of needs) {
    const name = canonical(n.name);
    const pin = /^===?\s*([^,\s]+)$/.exec(n.specifier.trim())?.[1];
    const offered = dists.filter((d) => d.name === name && (!pin || d.version === pin));
    if (offered.length === 0) {
      missing.push(`${n.name}${pin ? ` ${pin}` : ''} (no wheel or source archive of it)`);
      continue;
    }
    if (!offered.some((d) => d.kind === 'wheel') && noSetuptools && name !== 'setuptools') sourceOnly.push(n.name);
  }
  if (sourceOnly.length && !dists.some((d) => d.name === 'setuptools' && d.kind === 'wheel'))
    missing.push(`setuptools, as a wheel (${sourceOnly.join(', ')} ${sourceOnly.length > 1 ? 'are' : 'is'} only a source archive there, which pip builds with setuptools, and a Python ${maj}.${min} venv has none)`);
  return missing;
}
