/**
 * A deploy file beside the exe (deploy.json, as `cli apply --config` reads it): the wizard starts
 * from it. A file that is not valid is reported and the built-in defaults are used.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatProblems, parseConfig, type DeploymentConfig } from '../../shared/config';
import type { BundleInfo } from '../../shared/ipc';
import { findBundleDir, openBundle } from '../bundle/find';

export function loadDeployFile(dir: string | undefined, simulate?: string): { config?: { config: DeploymentConfig; from: string }; problem?: string; bundle?: BundleInfo } {
  if (!dir) return {};
  // A hand-off bundle (the exe in it, or one folder beside it): its checksums first, then its deploy.json.
  const bundleDir = existsSync(dir) ? findBundleDir(dir) : undefined;
  if (bundleDir) {
    const b = openBundle(bundleDir, simulate);
    if (!b.input) return { bundle: b.info, problem: `The bundle ${bundleDir} is refused: ${b.info.problems.join(' ')}` };
    const r = parseConfig(b.input);
    if (!r.ok) return { bundle: { ...b.info, problems: [`its deploy.json is not valid: ${formatProblems(r.problems)}`] }, problem: `The bundle ${bundleDir}'s deploy.json is not valid: ${formatProblems(r.problems)}` };
    return { bundle: b.info, config: { config: r.config, from: `the bundle ${bundleDir}${b.info.label ? ` (release ${b.info.label})` : ''}` } };
  }
  const file = path.join(dir, 'deploy.json');
  if (!existsSync(file)) return {};
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { problem: `${file} is not valid JSON (${(e as Error).message}); the built-in defaults are used.` };
  }
  const r = parseConfig(input);
  if (!r.ok) return { problem: `${file} is not a valid deployment configuration: ${formatProblems(r.problems)}; the built-in defaults are used.` };
  return { config: { config: r.config, from: file } };
}
