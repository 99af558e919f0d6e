/**
 * Windows path helpers that run on any OS. The engine only ever handles Windows paths
 * (C:\apps\foo); node:path/win32 would work too, but the renderer cannot import node modules,
 * and these few functions are all the shared code needs.
 */

/** Characters Windows forbids in a path component (besides the drive colon). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what Windows forbids
const FORBIDDEN = /[<>"|?*\u0000-\u001f]/;

export function isAbsoluteWindowsPath(p: string): boolean {
  return /^[A-Za-z]:\\/.test(p);
}

/** Returns a reason a string is not a usable absolute Windows path, or null when it is. */
export function windowsPathProblem(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (p.includes('/')) return 'uses "/"; write Windows paths with backslashes, e.g. C:\\apps\\foo';
  if (!isAbsoluteWindowsPath(p)) return 'is not an absolute Windows path; start it with a drive letter, e.g. C:\\apps\\foo';
  const rest = p.slice(2);
  if (rest.includes(':')) return 'has a ":" after the drive letter';
  if (FORBIDDEN.test(rest)) return 'contains a character Windows does not allow in paths (< > " | ? *)';
  if (/\\\\/.test(rest)) return 'contains an empty folder name ("\\\\")';
  if (p.length > 240) return 'is longer than 240 characters';
  return null;
}

export function winJoin(...parts: string[]): string {
  const cleaned = parts
    .filter((x) => x.length > 0)
    .map((x, i) => (i === 0 ? x.replace(/\\+$/, '') : x.replace(/^\\+|\\+$/g, '')));
  const joined = cleaned.join('\\');
  return /^[A-Za-z]:$/.test(joined) ? `${joined}\\` : joined;
}

export function winDirname(p: string): string {
  const trimmed = p.replace(/\\+$/, '');
  const i = trimmed.lastIndexOf('\\');
  if (i <= 2) return trimmed.slice(0, 3);
  return trimmed.slice(0, i);
}

export function winBasename(p: string): string {
  const trimmed = p.replace(/\\+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('\\') + 1);
}

/** Case-insensitive comparison, as NTFS paths compare; trailing backslashes ignored. */
export function samePath(a: string, b: string): boolean {
  const n = (x: string) => x.replace(/\\+$/, '').toLowerCase();
  return n(a) === n(b);
}

/** True when child is inside (or equal to) parent. */
export function isInside(child: string, parent: string): boolean {
  const c = child.replace(/\\+$/, '').toLowerCase();
  const p = parent.replace(/\\+$/, '').toLowerCase();
  return c === p || c.startsWith(`${p}\\`);
}

/** Path relative to parent as components, or null when child is not inside parent. */
export function relativeParts(child: string, parent: string): string[] | null {
  if (!isInside(child, parent)) return null;
  const rest = child.replace(/\\+$/, '').slice(parent.replace(/\\+$/, '').length);
  return rest.split('\\').filter((x) => x.length > 0);
}
