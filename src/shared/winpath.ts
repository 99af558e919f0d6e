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

const DEVICE_NAMES = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)(\..*)?$/i;

/** Returns a reason a string is not a usable absolute Windows path, or null when it is. */
export function windowsPathProblem(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (p.startsWith('\\\\')) return 'is a UNC or \\\\?\\ path; give a local folder with a drive letter, e.g. C:\\apps\\foo';
  if (p.includes('/')) return 'uses "/"; write Windows paths with backslashes, e.g. C:\\apps\\foo';
  if (!isAbsoluteWindowsPath(p)) return 'is not an absolute Windows path; start it with a drive letter, e.g. C:\\apps\\foo';
  const rest = p.slice(2);
  if (rest.includes(':')) return 'has a ":" after the drive letter';
  if (FORBIDDEN.test(rest)) return 'contains a character Windows does not allow in paths (< > " | ? * or a control character)';
  const parts = rest.split('\\').slice(1);
  const inner = parts.at(-1) === '' ? parts.slice(0, -1) : parts;
  if (inner.some((x) => x === '')) return 'contains an empty folder name ("\\\\")';
  if (inner.some((x) => x === '.' || x === '..')) return 'contains a "." or ".." folder; write the full path without them';
  const dev = inner.find((x) => DEVICE_NAMES.test(x.trim()));
  if (dev !== undefined) return `contains "${dev}", a reserved device name in Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)`;
  const trailing = inner.find((x) => /[ .]$/.test(x) || /^ /.test(x));
  if (trailing !== undefined) return `has a folder name that starts with a space or ends with a space or "." ("${trailing}"), which Windows silently changes`;
  if (p.length > 240) return 'is longer than 240 characters';
  return null;
}

/** The path as the engine uses it: no trailing backslash (except a drive root "C:\\"). */
export function normalizeWindowsPath(p: string): string {
  if (/^[A-Za-z]:\\*$/.test(p)) return `${p.slice(0, 2)}\\`;
  return p.replace(/\\+$/, '');
}

/**
 * A path as Windows resolves it (GetFullPathName), whatever wrote it: "/" and "\\" are both
 * separators, repeated separators collapse, "." and ".." folders are resolved (never above the
 * drive's root), trailing dots and spaces of a folder name are dropped, and a trailing separator
 * goes (except on a drive root). Case is kept (compare with samePath/isInside, which ignore it).
 * Paths from every source go through this one rule: the configuration, Django's settings as the
 * probe reports them (C:\Web Apps/locallibrary/db.sqlite3), journal entries, web.config files.
 * A UNC path keeps its leading "\\\\"; a path that is not absolute comes back with its separators
 * made "\\" and nothing resolved.
 */
export function canonicalWindowsPath(p: string): string {
  const s = p.replace(/\//g, '\\');
  const drive = /^([A-Za-z]):(.*)$/s.exec(s);
  const unc = !drive && s.startsWith('\\\\');
  if (!drive && !unc) return s.replace(/\\{2,}/g, '\\');
  const rest = drive ? (drive[2] ?? '') : s.slice(2);
  const out: string[] = [];
  for (const raw of rest.split('\\')) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') {
      out.pop();
      continue;
    }
    const part = raw.replace(/[. ]+$/, '');
    if (part !== '') out.push(part);
  }
  if (unc) return `\\\\${out.join('\\')}`;
  return `${drive?.[1] ?? 'C'}:\\${out.join('\\')}`;
}

/**
 * Folders the tool must never take as an application, venv, static or media folder or copy
 * from, nor delete: a drive root, Windows, Program Files, ProgramData, the Users folder and
 * each profile's root (and its AppData), IIS's own folders under C:\\inetpub.
 * Returns what the folder is, or null when it is not protected.
 */
export function protectedPathReason(p: string): string | null {
  const n = canonicalWindowsPath(p).toLowerCase();
  if (n.startsWith('\\\\')) return 'a network (UNC) path';
  if (!/^[a-z]:\\/.test(n)) return 'not an absolute path';
  const parts = n.split('\\').filter((x) => x.length > 0);
  if (parts.length <= 1) return 'the root of a drive';
  const top = parts[1] ?? '';
  if (top === 'windows') return 'the Windows folder (or inside it)';
  // Installed programs (Common Files, another vendor's application): never granted, served or deleted.
  // A Python installed for all users lives here too; the configuration's pythonDir check allows it.
  if (top === 'program files' || top === 'program files (x86)') return parts.length === 2 ? 'the Program Files folder' : 'inside the Program Files folder';
  if (top === 'programdata') return 'ProgramData (or inside it)';
  if (top === 'users' || top === 'documents and settings') {
    if (parts.length <= 3) return parts.length === 2 ? 'the Users folder' : 'a user profile\'s root folder';
    if (parts[3] === 'appdata') return 'a user profile\'s AppData folder (the IIS pool identity cannot read it)';
    return null;
  }
  if (top === 'inetpub' && (parts.length === 2 || (parts.length === 3 && ['wwwroot', 'logs', 'temp', 'custerr', 'history', 'ftproot', 'mailroot'].includes(parts[2] ?? '')))) return `IIS's own folder ${parts.length === 2 ? 'C:\\inetpub' : `inetpub\\${parts[2] ?? ''}`}`;
  if (top === 'system volume information' || top === '$recycle.bin' || top === 'recovery' || top === 'boot') return 'a system folder';
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
  const trimmed = canonicalWindowsPath(p).replace(/\\+$/, '');
  const i = trimmed.lastIndexOf('\\');
  if (/^[A-Za-z]:$/.test(trimmed)) return `${trimmed}\\`;
  if (i <= 2) return trimmed.slice(0, 3);
  return trimmed.slice(0, i);
}

export function winBasename(p: string): string {
  const trimmed = canonicalWindowsPath(p).replace(/\\+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('\\') + 1);
}

/** Case-insensitive comparison, as NTFS paths compare; trailing backslashes ignored. */
export function samePath(a: string, b: string): boolean {
  const n = (x: string) => canonicalWindowsPath(x).replace(/\\+$/, '').toLowerCase();
  return n(a) === n(b);
}

/** True when child is inside (or equal to) parent. */
export function isInside(child: string, parent: string): boolean {
  const c = canonicalWindowsPath(child).replace(/\\+$/, '').toLowerCase();
  const p = canonicalWindowsPath(parent).replace(/\\+$/, '').toLowerCase();
  return c === p || c.startsWith(`${p}\\`);
}

/** Path relative to parent as components, or null when child is not inside parent. */
export function relativeParts(child: string, parent: string): string[] | null {
  if (!isInside(child, parent)) return null;
  const rest = canonicalWindowsPath(child).replace(/\\+$/, '').slice(canonicalWindowsPath(parent).replace(/\\+$/, '').length);
  return rest.split('\\').filter((x) => x.length > 0);
}
