/**
 * A bundle beside the program (the wizard, the console exe): the folder the exe is in, when it
 * holds SHA256SUMS and deploy.json, else the one folder beside it that does. Its checksums are
 * checked before its configuration is read; a bundle that fails them is reported, never used.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BundleInfo } from '../../shared/ipc';
import { BUNDLE_CONFIG, CHECKSUMS, bundleFiles, bundleInput, checksumsSha256 } from './bundle-dir';

const isBundle = (d: string) => existsSync(path.join(d, CHECKSUMS)) && existsSync(path.join(d, BUNDLE_CONFIG));

export function findBundleDir(dir: string): string | undefined {
  if (isBundle(dir)) return dir;
  const near = readdirSync(dir)
    .map((n) => path.join(dir, n))
    .filter((d) => {
      try {
        return statSync(d).isDirectory() && isBundle(d);
      } catch {
        return false;
      }
    });
  return near.length === 1 ? near[0] : undefined;
}

/** What the wizard says of a bundle (label, what it holds) and, when its checksums hold, its configuration input for the server. */
export function openBundle(dir: string, simulate?: string): { info: BundleInfo; input?: Record<string, unknown> } {
  const { problems, input } = bundleInput(dir, simulate);
  let label = '';
  try {
    const raw = JSON.parse(readFileSync(path.join(dir, BUNDLE_CONFIG), 'utf8')) as { release?: unknown };
    label = typeof raw.release === 'string' ? raw.release : '';
  } catch {
    label = '';
  }
  const files = existsSync(dir) ? bundleFiles(dir) : [];
  const wheels = files.filter((f) => f.startsWith('wheels/')).length;
  const holds = [files.includes('project.zip') ? 'the project (project.zip)' : '', wheels ? `${wheels} package file${wheels === 1 ? '' : 's'} in wheels/` : '', ...files.filter((f) => /^python-[\d.]+-amd64\.exe$/i.test(f)).map((f) => `the installer ${f}`), ...files.filter((f) => /\.msi$/i.test(f))].filter((x) => x);
  const sums = existsSync(dir) ? checksumsSha256(dir) : undefined;
  return { info: { dir, label, holds, problems: problems.map((p) => `${p.what} ${p.fix}`), ...(sums ? { checksumsSha256: sums } : {}) }, ...(input ? { input } : {}) };
}
