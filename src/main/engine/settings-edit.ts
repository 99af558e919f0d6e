/**
 * The edit of a Django settings file: one managed block, appended at the end (so it wins over
 * earlier assignments) and replaced in place on later runs. The rest of the file is kept as is.
 */
import type { DjangoSettingsEdit } from '../../shared/plan';
import { pyLiteral } from '../../shared/safety';

export const BLOCK_BEGIN = '# BEGIN Django IIS Setup (managed block: change the deployment configuration, not these lines)';
export const BLOCK_END = '# END Django IIS Setup';

/** Every value written into settings.py goes through this one function (a valid Python literal). */
const pyStr = pyLiteral;

export function settingsBlock(v: DjangoSettingsEdit): string {
  const lines = [BLOCK_BEGIN, 'import os as _django_iis_os'];
  if (v.staticRootParts) {
    // The application folder, found from this file's own location (works wherever it is copied).
    let base = '_django_iis_os.path.abspath(__file__)';
    for (let i = 0; i < v.settingsDepth + 1; i++) base = `_django_iis_os.path.dirname(${base})`;
    lines.push(`STATIC_ROOT = _django_iis_os.path.join(${[base, ...v.staticRootParts.map(pyStr)].join(', ')})`);
  } else {
    lines.push(`STATIC_ROOT = ${pyStr(v.staticRootAbsolute ?? '')}`);
  }
  lines.push(`STATIC_URL = ${pyStr(v.staticUrl)}`);
  lines.push(`ALLOWED_HOSTS = list(dict.fromkeys(list(globals().get('ALLOWED_HOSTS', [])) + [${v.allowedHosts.map(pyStr).join(', ')}]))`);
  lines.push(BLOCK_END);
  return lines.join('\n');
}

export function applySettingsEdit(original: string, v: DjangoSettingsEdit): string {
  const block = settingsBlock(v);
  const begin = original.indexOf(BLOCK_BEGIN);
  const end = original.indexOf(BLOCK_END);
  if (begin >= 0 && end > begin) return original.slice(0, begin) + block + original.slice(end + BLOCK_END.length);
  const sep = original.endsWith('\n') ? '\n' : '\n\n';
  return `${original}${sep}${block}\n`;
}

export function hasSettingsBlock(text: string, v: DjangoSettingsEdit): boolean {
  return text.includes(settingsBlock(v));
}

/** The file without the managed block (undo of an edit made to a project the tool adopted). */
export function removeSettingsBlock(text: string): string {
  const begin = text.indexOf(BLOCK_BEGIN);
  const end = text.indexOf(BLOCK_END);
  if (begin < 0 || end < begin) return text;
  const before = text.slice(0, begin).replace(/\n\n$/, '\n');
  return before + text.slice(end + BLOCK_END.length).replace(/^\r?\n/, '');
}
