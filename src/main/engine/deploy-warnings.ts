/**
 * manage.py check --deploy's warnings said in words: what each means for a site on IIS, the
 * setting that answers it, and, when the project's settings read that setting from the
 * environment, the "environment" entry that sets it (the project's own decision, not overridden:
 * the tool never writes these settings itself).
 */
import { settingFromEnv } from './settings-problem';

const EXPLAINED: Record<string, { setting: string; value: string; words: string }> = {
  'security.W004': { setting: 'SECURE_HSTS_SECONDS', value: '3600', words: 'browsers are not told to come back over HTTPS only (HSTS); start small (3600) once the site is served over HTTPS, then a year' },
  'security.W008': { setting: 'SECURE_SSL_REDIRECT', value: 'True', words: 'plain http is not redirected to HTTPS by Django; turn it on only once the site has an https binding, or every page answers with a redirect to an address nothing serves' },
  'security.W009': { setting: 'SECRET_KEY', value: '', words: 'the secret key is short, simple or the generated "django-insecure-" one; "secretKey": {"env": NAME} has the tool make one and keep it on the server' },
  'security.W012': { setting: 'SESSION_COOKIE_SECURE', value: 'True', words: 'the session cookie may travel over plain http; set it once the site is served over HTTPS only' },
  'security.W016': { setting: 'CSRF_COOKIE_SECURE', value: 'True', words: 'the CSRF cookie may travel over plain http; set it once the site is served over HTTPS only' },
  'security.W018': { setting: 'DEBUG', value: 'False', words: 'DEBUG is on: every error shows code and settings to visitors' },
  'security.W020': { setting: 'ALLOWED_HOSTS', value: '', words: 'ALLOWED_HOSTS is empty (the tool adds the site\'s host names in its block)' },
};

/** What the warning means once this deployment serves the site over HTTPS (the "https" key). */
const WITH_HTTPS: Record<string, string> = {
  'security.W004': 'browsers are not told to come back over HTTPS only (HSTS); the site is served over HTTPS now: start small (3600), then a year',
  'security.W008': 'Django does not redirect plain http to HTTPS; the site is served over HTTPS now, so it can be turned on (with "redirectHttp": true IIS already redirects plain http before Django sees it)',
  'security.W012': 'the session cookie may travel over plain http; the site is served over HTTPS now, so it can be set',
  'security.W016': 'the CSRF cookie may travel over plain http; the site is served over HTTPS now, so it can be set',
};

/** One warning line ("manage.py check --deploy: security.W008: <Django's text>") explained, or as it is when the tool knows nothing to add. */
export function explainDeployWarning(line: string, settings: string | undefined, https = false): string {
  const m = /^manage\.py check --deploy: ([\w.]+): /.exec(line);
  const e = m ? EXPLAINED[m[1] as string] : undefined;
  if (!m || !e) return line;
  const env = settings ? settingFromEnv(settings, e.setting) : undefined;
  const offer = env && e.value ? ` The project reads ${e.setting} from the environment variable ${env.name} (settings line ${env.line}): "environment": {"${env.name}": "${e.value}"} sets it without changing the project.` : '';
  return `manage.py check --deploy (${m[1] as string}): ${(https ? WITH_HTTPS[m[1] as string] : undefined) ?? e.words}. The setting that answers it is ${e.setting}, the project's to decide.${offer}`;
}
