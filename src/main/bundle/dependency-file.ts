/** The dependency files of a project folder on this machine, in the order the tool takes them (dependencies.ts: a lock first). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEPENDENCY_FILES, pyprojectDeclares, type DependencyKind } from '../engine/dependencies';

export function localDependencyFiles(dir: string): { file: string; kind: DependencyKind; at: string }[] {
  return DEPENDENCY_FILES.map((d) => ({ ...d, at: path.join(dir, d.file) })).filter((d) => existsSync(d.at) && (d.kind !== 'pyproject.toml' || pyprojectDeclares(readFileSync(d.at, 'utf8'))));
}
