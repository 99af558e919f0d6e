/**
 * What the managed block adds for HTTPS and Windows sign-in, decided from the project's own
 * settings (the probe reads them without the block): CSRF_TRUSTED_ORIGINS for the HTTPS origin on
 * Django 4.0+ (3.2 checks the Referer of a secure request against the host itself), and Django's
 * REMOTE_USER pieces when the site signs in with Windows. The project's own choices stay.
 */
import type { DeploymentConfig } from '../../../shared/config';
import { httpsOrigin } from '../../../shared/config-https';
import type { DjangoSettingsEdit } from '../../../shared/plan';
import { AUTH_MIDDLEWARE, REMOTE_USER_BACKEND, REMOTE_USER_MIDDLEWARE } from '../settings-edit';


const major = (v: string) => Number(v.split('.')[0] ?? '0');

/** What this part reads of the probe's facts (project.ts DjangoFacts). */
interface Facts {
  djangoVersion: string;
  CSRF_TRUSTED_ORIGINS: string[];
  MIDDLEWARE?: string[];
  AUTHENTICATION_BACKENDS?: string[];
}

/** The block's HTTPS and sign-in part; its notes go into `notes` (the plan's). */
export function secureSettings(c: DeploymentConfig, facts: Facts | undefined, notes: string[]): { edit: Partial<DjangoSettingsEdit>; any: boolean } {
  const edit: Partial<DjangoSettingsEdit> = {};
  const origin = httpsOrigin(c);
  // On a fresh server the project is not read yet: the block is decided when the step runs.
  if (origin && facts && major(facts.djangoVersion) >= 4 && !facts.CSRF_TRUSTED_ORIGINS.some((o) => o.toLowerCase() === origin.toLowerCase() || o === '*')) {
    edit.csrfTrustedOrigins = [origin];
    notes.push(`CSRF_TRUSTED_ORIGINS lacks ${origin} (Django ${facts.djangoVersion} checks the Origin of every form post): the managed block adds it`);
  }
  if (c.https && c.server === 'wfastcgi') notes.push("HTTPS: IIS's HTTPS variable reaches Django through wfastcgi (wsgi.url_scheme https), so request.is_secure() is true without SECURE_PROXY_SSL_HEADER");
  if (c.https && c.server === 'httpplatform') notes.push('HTTPS: waitress is started with --url-scheme=https (it listens on loopback only; every request it gets came through IIS over HTTPS)');
  if (c.authentication === 'windows' && facts) {
    const mw = facts.MIDDLEWARE ?? [];
    const backends = facts.AUTHENTICATION_BACKENDS ?? [];
    const hasMw = mw.some((m) => /RemoteUserMiddleware$/.test(m));
    const hasBackend = backends.some((b) => /RemoteUserBackend$/.test(b));
    if (!mw.includes(AUTH_MIDDLEWARE) && !hasMw)
      notes.push(`Windows sign-in: the project's MIDDLEWARE has no ${AUTH_MIDDLEWARE}; RemoteUserMiddleware goes after it, so the block cannot add it: add both to the settings (Django's "Authentication using REMOTE_USER")`);
    else if (!hasMw) edit.remoteUserMiddleware = true;
    if (!hasBackend) edit.remoteUserBackend = true;
    notes.push(
      `Windows sign-in: the project ${hasMw ? 'has' : 'lacks'} ${REMOTE_USER_MIDDLEWARE.split('.').at(-1) ?? ''} and ${hasBackend ? 'has' : 'lacks'} ${REMOTE_USER_BACKEND.split('.').at(-1) ?? ''}${edit.remoteUserMiddleware || edit.remoteUserBackend ? `: the managed block adds ${[edit.remoteUserMiddleware ? 'the middleware (after AuthenticationMiddleware)' : '', edit.remoteUserBackend ? 'the backend (first)' : ''].filter((x) => x).join(' and ')}` : ''}; IIS hands Django the account as REMOTE_USER (DOMAIN\\user), and RemoteUserBackend creates a Django user of that name at the first sign-in`,
    );
  }
  return { edit, any: Object.keys(edit).length > 0 };
}
