/**
 * The hand-off bundle (issue: the hand-off bundle): which files of the team's project travel.
 * Left out, each with its reason in the bundle's report: version control and caches, virtual
 * environments, local SQLite databases, the media folder (uploads are data, not code), .env files
 * (never: their values go through "environment"), and what the project's .gitignore ignores.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ProjectFiles {
  /** Relative paths with "/", sorted. */
  files: string[];
  /** Left out: relative path (a folder ends with "/") and why. */
  left: { path: string; why: string }[];
}

const ALWAYS: [RegExp, string][] = [
  [/^(\.git|\.hg|\.svn)$/, 'version control'],
  [/^(__pycache__|\.pytest_cache|\.mypy_cache|\.tox|node_modules)$/, 'a cache or build folder'],
  [/^(\.venv|venv|env|\.virtualenv)$/, 'a virtual environment (the server makes its own)'],
];

/** A .gitignore line as a test on a relative path (the common forms: name, *.ext, dir/, /anchored, a/b, **); negations are not followed. */
export function gitignoreMatcher(text: string): ((rel: string, dir: boolean) => boolean) | undefined {
  const rules: { re: RegExp; dirOnly: boolean }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const dirOnly = line.endsWith('/');
    let p = line.replace(/\/+$/, '');
    const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
    p = p.replace(/^\//, '');
    const body = p
      .split('')
      .map((ch, i, all) => (ch === '*' ? (all[i + 1] === '*' ? '@@DEEP@@' : all[i - 1] === '*' ? '' : '[^/]*') : ch === '?' ? '[^/]' : /[.+^${}()|[\]\\]/.test(ch) ? `\\${ch}` : ch))
      .join('')
      .replace(/@@DEEP@@\//g, '(?:.*/)?')
      .replace(/@@DEEP@@/g, '.*');
    rules.push({ re: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`), dirOnly });
  }
  if (!rules.length) return undefined;
  return (rel, dir) => rules.some((r) => (!r.dirOnly || dir) && r.re.test(rel));
}

/** Walks the project folder (links are not followed: they are left out and named). */
export function projectFiles(root: string): ProjectFiles {
  let ignored: ((rel: string, dir: boolean) => boolean) | undefined;
  try {
    ignored = gitignoreMatcher(readFileSync(path.join(root, '.gitignore'), 'utf8'));
  } catch {
    ignored = undefined;
  }
  const out: ProjectFiles = { files: [], left: [] };
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(full);
      const isDir = st.isDirectory();
      const always = ALWAYS.find(([re]) => isDir && re.test(name));
      let why: string | undefined = always?.[1];
      if (!why && st.isSymbolicLink()) why = 'a symbolic link (the server copies no links; put the files it points at in its place)';
      if (!why && /^\.env(\..*)?$/.test(name) && !isDir) why = 'an environment file: never bundled (it holds secrets); give its values in "environment" (and a secret as "secretKey") of deploy.json';
      if (!why && !isDir && /\.(sqlite3?|db)$/i.test(name)) why = 'a local database (the server makes its own; a database to hand over goes separately)';
      if (!why && isDir && rel === '' && name === 'media') why = 'the media folder (uploads are data, not code)';
      if (!why && !isDir && /\.py[co]$/.test(name)) why = 'compiled Python';
      if (!why && ignored?.(r, isDir)) why = 'ignored by the project\'s .gitignore';
      if (why) {
        out.left.push({ path: isDir ? `${r}/` : r, why });
        continue;
      }
      if (isDir) walk(full, r);
      else out.files.push(r);
    }
  };
  walk(root, '');
  return out;
}
