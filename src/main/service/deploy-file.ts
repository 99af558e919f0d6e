/**
 * A deploy file beside the exe (deploy.json, as `cli apply --config` reads it): the wizard starts
 * from it. A file that is not valid is reported and the built-in defaults are used.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatProblems, parseConfig, type DeploymentConfig } from '../../shared/config';

export function loadDeployFile(dir: string | undefined): { config?: { config: DeploymentConfig; from: string }; problem?: string } {
  if (!dir) return {};
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
