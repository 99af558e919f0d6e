/**
 * The edit of a Django settings file: one managed block, appended at the end (so it wins over
 * earlier assignments) and replaced in place on later runs. The rest of the file is kept as is.
 */
import type { DjangoSettingsEdit } from '../../shared/plan';
import { pyLiteral } from '../../shared/safety';

/** Set by the probe: the block stands aside so the probe reads the project's own settings. */
export const PROBE_ENV = 'DJANGO_IIS_SETUP_PROBE';

export const BLOCK_BEGIN = '# BEGIN Django IIS Setup (managed block: change the deployment configuration, not these lines)';
export const BLOCK_END = '# END Django IIS Setup';

export const AUTH_MIDDLEWARE = 'django.contrib.auth.middleware.AuthenticationMiddleware';
export const REMOTE_USER_MIDDLEWARE = 'django.contrib.auth.middleware.RemoteUserMiddleware';
export const REMOTE_USER_BACKEND = 'django.contrib.auth.backends.RemoteUserBackend';

/** Every value written into settings.py goes through this one function (a valid Python literal). */
const pyStr = pyLiteral;

/**
 * The block. It stands aside when Django IIS Setup's probe asks Django what the project itself
 * sets (DJANGO_IIS_SETUP_PROBE=1), so what counts as missing never depends on the block.
 */
export function settingsBlock(v: DjangoSettingsEdit): string {
  const body: string[] = [];
  if (v.staticRootParts) {
    // The application folder, found from this file's own location (works wherever it is copied).
    let base = '_django_iis_os.path.abspath(__file__)';
    for (let i = 0; i < v.settingsDepth + 1; i++) base = `_django_iis_os.path.dirname(${base})`;
    body.push(`STATIC_ROOT = _django_iis_os.path.join(${[base, ...v.staticRootParts.map(pyStr)].join(', ')})`);
  } else if (v.staticRootAbsolute !== undefined) {
    body.push(`STATIC_ROOT = ${pyStr(v.staticRootAbsolute)}`);
  }
  if (v.staticUrl !== undefined) body.push(`STATIC_URL = ${pyStr(v.staticUrl)}`);
  // Releases: every release opens the one shared database and media folder, at one path.
  if (v.databaseName !== undefined) body.push(`DATABASES['default']['NAME'] = ${pyStr(v.databaseName)}`);
  if (v.mediaRoot !== undefined) body.push(`MEDIA_ROOT = ${pyStr(v.mediaRoot)}`);
  if (v.allowedHosts?.length) body.push(`ALLOWED_HOSTS = list(dict.fromkeys(list(globals().get('ALLOWED_HOSTS', [])) + [${v.allowedHosts.map(pyStr).join(', ')}]))`);
  if (v.csrfTrustedOrigins?.length) body.push(`CSRF_TRUSTED_ORIGINS = list(dict.fromkeys(list(globals().get('CSRF_TRUSTED_ORIGINS', [])) + [${v.csrfTrustedOrigins.map(pyStr).join(', ')}]))`);
  // Windows sign-in: IIS's REMOTE_USER logs the user in (Django's "Authentication using REMOTE_USER").
  if (v.remoteUserMiddleware) body.push(`MIDDLEWARE = [_m for _x in MIDDLEWARE for _m in ([_x, ${pyStr(REMOTE_USER_MIDDLEWARE)}] if _x == ${pyStr(AUTH_MIDDLEWARE)} else [_x])]`);
  if (v.remoteUserBackend) body.push(`AUTHENTICATION_BACKENDS = [${pyStr(REMOTE_USER_BACKEND)}] + list(globals().get('AUTHENTICATION_BACKENDS', [${pyStr('django.contrib.auth.backends.ModelBackend')}]))`);
  const lines = [BLOCK_BEGIN, 'import os as _django_iis_os', `if not _django_iis_os.environ.get(${pyStr(PROBE_ENV)}):`, ...(body.length ? body : ['pass']).map((l) => `    ${l}`), BLOCK_END];
  return lines.join('\n');
}

/** A top-level assignment, after the managed block, to a name the block sets: it would undo the block. */
function overriddenAfterBlock(text: string): boolean {
  const end = text.indexOf(BLOCK_END);
  return end >= 0 && /^(ALLOWED_HOSTS|STATIC_ROOT|STATIC_URL|MEDIA_ROOT|DATABASES|CSRF_TRUSTED_ORIGINS|MIDDLEWARE|AUTHENTICATION_BACKENDS)\s*(=|\+=)/m.test(text.slice(end + BLOCK_END.length));
}

export function applySettingsEdit(original: string, v: DjangoSettingsEdit): string {
  const block = settingsBlock(v);
  const begin = original.indexOf(BLOCK_BEGIN);
  const end = original.indexOf(BLOCK_END);
  // The project assigns one of the block's names after it: the block moves to the end, so it wins.
  if (begin >= 0 && end > begin && overriddenAfterBlock(original)) return applySettingsEdit(removeSettingsBlock(original), v);
  if (begin >= 0 && end > begin) return original.slice(0, begin) + block + original.slice(end + BLOCK_END.length);
  const sep = original.endsWith('\n') ? '\n' : '\n\n';
  return `${original}${sep}${block}\n`;
}

export function hasSettingsBlock(text: string, v: DjangoSettingsEdit): boolean {
  return text.includes(settingsBlock(v)) && !overriddenAfterBlock(text);
}

export function hasAnySettingsBlock(text: string): boolean {
  return text.includes(BLOCK_BEGIN);
}

/** The managed block of a file, exactly as it stands, or undefined. */
export function currentSettingsBlock(text: string): string | undefined {
  const begin = text.indexOf(BLOCK_BEGIN);
  const end = text.indexOf(BLOCK_END);
  return begin >= 0 && end > begin ? text.slice(begin, end + BLOCK_END.length) : undefined;
}

/** The file with its managed block replaced by `block` (undo of a run that changed an earlier block). */
export function replaceSettingsBlock(text: string, block: string): string {
  const begin = text.indexOf(BLOCK_BEGIN);
  const end = text.indexOf(BLOCK_END);
  if (begin < 0 || end < begin) return text;
  return text.slice(0, begin) + block + text.slice(end + BLOCK_END.length);
}

/** The file without the managed block (undo of an edit made to a project the tool adopted). */
export function removeSettingsBlock(text: string): string {
  const begin = text.indexOf(BLOCK_BEGIN);
  const end = text.indexOf(BLOCK_END);
  if (begin < 0 || end < begin) return text;
  const before = text.slice(0, begin).replace(/\n\n$/, '\n');
  return before + text.slice(end + BLOCK_END.length).replace(/^\r?\n/, '');
}
