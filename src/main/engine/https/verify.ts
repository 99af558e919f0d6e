/**
 * Verification of HTTPS and Windows sign-in (windows-iis.md §13): the certificate the site really
 * serves (chain to a trusted root, the host name, the thumbprint the configuration names, expiry),
 * plain http answered with the permanent redirect, and sign-in: an anonymous request gets 401 with
 * the Negotiate challenge, the anonymous paths stay open, and a signed-in request reaches Django as
 * that account (the admin's login page names the user it is authenticated as).
 */
import type { DeploymentConfig } from '../../../shared/config';
import type { ProbeResult } from '../../../shared/plan';
import type { HttpResult } from '../host';
import type { StepContext } from '../step';
import { chosenThumbprint, days, EXPIRY_WARNING_DAYS } from '../steps/certificate';
import { redirectTarget } from '../steps/http-redirect';

/** Where the probes go: HTTPS when it is on (by localhost, with the site's host name as Host and SNI). */
export function siteAddress(c: DeploymentConfig): { base: string; port: number; headers: Record<string, string>; servername: string } {
  const port = c.https ? c.https.port : c.port;
  return { base: `${c.https ? 'https' : 'http'}://localhost:${port}`, port, headers: c.hostName ? { host: `${c.hostName}:${port}` } : {}, servername: c.hostName || 'localhost' };
}

/** `files`: URLs known to exist (the admin CSS): an anonymous path is probed at one of them when it can be (a folder answers 403.14). */
export async function securityProbes(ctx: StepContext, home: HttpResult, adminAvailable: boolean, files: string[] = []): Promise<{ probes: ProbeResult[]; warnings: string[] }> {
  const { config, host, signal } = ctx;
  const probes: ProbeResult[] = [];
  const warnings: string[] = [];
  const addr = siteAddress(config);
  const get = (url: string, extra: { signIn?: boolean; headers?: Record<string, string> } = {}) =>
    host.http(url, { headers: extra.headers ?? addr.headers, servername: addr.servername, timeoutMs: 60000, ...(extra.signIn ? { signIn: true } : {}), ...(signal ? { signal } : {}) });
  if (config.https && home.tls) {
    const t = home.tls;
    const want = await chosenThumbprint(ctx);
    const problems = [
      ...(want && t.thumbprint !== want ? [`HTTP.sys serves the certificate ${t.thumbprint}, not ${want}`] : []),
      ...(t.trusted ? [] : [`the chain does not end at a root this server trusts (${t.trustError ?? 'untrusted'})`]),
      ...(config.hostName && !t.nameMatches ? [`it is not for ${config.hostName} (it names ${t.dnsNames.join(', ') || t.subject})`] : []),
    ];
    const left = days(t.validTo);
    if (left <= EXPIRY_WARNING_DAYS) warnings.push(`The HTTPS certificate ${t.thumbprint} (${t.subject}) expires in ${left} days (${t.validTo.slice(0, 10)}): renew it, import the new one and run again with its thumbprint.`);
    probes.push({
      name: 'The HTTPS certificate is trusted and is for the site',
      url: `${addr.base}/`,
      ok: problems.length === 0,
      status: home.status,
      detail: `${t.subject}, issued by ${t.issuer}, thumbprint ${t.thumbprint}, expires ${t.validTo.slice(0, 10)} (in ${left} days); chain ${t.trusted ? 'trusted' : 'NOT trusted'}; name ${config.hostName ? (t.nameMatches ? `matches ${config.hostName}` : `does NOT match ${config.hostName}`) : `not checked (no hostName; the certificate names ${t.dnsNames.join(', ') || t.subject})`}`,
      ...(problems.length
        ? { diagnosis: { cause: 'certificate-not-accepted', what: `Browsers will refuse the site's certificate: ${problems.join('; ')}.`, why: 'The TLS handshake works, but a browser checks the chain to a trusted root, the name in the address bar, and the certificate is the one configured.', fix: 'Use a certificate from a CA the clients trust (an enterprise CA whose root is in their Trusted Root store) whose subject alternative names include hostName; give its thumbprint in "https" and run again.' } }
        : {}),
    });
  }
  if (config.https?.redirectHttp) {
    const path = '/admin/login/?next=/admin/';
    const r = await host.http(`http://localhost:${config.port}${path}`, { headers: { host: `${config.hostName}:${config.port}` }, timeoutMs: 60000, ...(signal ? { signal } : {}) });
    const want = `${redirectTarget(config)}${path}`;
    const ok = (r.status === 301 || r.status === 308) && r.headers.location === want;
    probes.push({
      name: 'Plain http redirects to HTTPS (permanent, same path)',
      url: `http://${config.hostName}:${config.port}${path}`,
      ok,
      status: r.status,
      detail: ok ? `HTTP ${r.status} to ${want}` : r.networkError ?? `HTTP ${r.status}${r.headers.location ? ` to ${r.headers.location}` : ''} (wanted 301 to ${want})`,
      ...(ok ? {} : { diagnosis: { cause: 'http-not-redirected', what: `Plain http on port ${config.port} does not redirect to ${redirectTarget(config)}.`, why: `The redirect site "${config.siteName}.http" is missing or stopped, IIS's HTTP Redirection role service is off, or its httpRedirect setting differs.`, fix: 'Run Setup again (or verify --fix): the "Redirect plain http to HTTPS" step puts it back.' } }),
    });
  }
  if (config.authentication === 'windows') {
    const anon = await get(`${addr.base}/`);
    const challenge = (anon.headers['www-authenticate'] ?? '').split(/,\s*/);
    const ok = anon.status === 401 && challenge.some((c) => /^Negotiate\b/i.test(c));
    probes.push({
      name: 'An anonymous request is asked to sign in with Windows',
      url: `${addr.base}/`,
      ok,
      status: anon.status,
      detail: ok ? `HTTP 401 with WWW-Authenticate: ${challenge.join(', ')}` : anon.networkError ?? `HTTP ${anon.status}${challenge[0] ? ` (WWW-Authenticate: ${challenge.join(', ')})` : ''}`,
      ...(ok ? {} : { diagnosis: { cause: 'anonymous-allowed', what: 'The site answers anonymous requests: Windows sign-in is not in force.', why: 'Anonymous authentication is still on at the site, or Windows authentication is off (or its role service IIS-WindowsAuthentication is not installed).', fix: 'Run Setup again (or verify --fix): the "Sign in with Windows" step sets both at the site\'s location in applicationHost.config.' } }),
    });
    for (const p of config.anonymousPaths) {
      const at = files.find((f) => f.toLowerCase().startsWith(p.toLowerCase())) ?? p;
      const r = await get(`${addr.base}${at}`);
      const open = !r.networkError && r.status !== 401;
      probes.push({ name: `${p} stays open to anonymous requests`, url: `${addr.base}${at}`, ok: open, status: r.status, detail: open ? `HTTP ${r.status} without signing in` : r.networkError ?? `HTTP ${r.status}: anonymous requests are refused here`, ...(open ? {} : { diagnosis: { cause: 'anonymous-path-closed', what: `${p} asks anonymous requests to sign in.`, why: `anonymousPaths lists it, but anonymous authentication is off at ${config.siteName}${p.replace(/\/$/, '')}.`, fix: 'Run Setup again (or verify --fix).' } }) });
    }
    const me = await get(`${addr.base}/admin/login/`, { signIn: true });
    const who = /You are authenticated as ([^,<]+),/.exec(me.body)?.[1]?.trim();
    const okUser = who !== undefined && me.signedInAs !== undefined && who.toLowerCase() === me.signedInAs.toLowerCase();
    const unconfirmed = !adminAvailable && me.status < 400;
    probes.push({
      name: 'A Windows sign-in reaches Django as that account',
      url: `${addr.base}/admin/login/`,
      ok: okUser || unconfirmed,
      status: me.status,
      detail: okUser ? `Django's admin says "You are authenticated as ${who}" (signed in as ${me.signedInAs ?? ''})` : unconfirmed ? `signed in as ${me.signedInAs ?? '?'} (HTTP ${me.status}); the project has no admin to show which user Django sees` : me.networkError ?? `HTTP ${me.status}: Django did not show the user ${me.signedInAs ?? ''}`,
      ...(okUser || unconfirmed ? {} : { diagnosis: { cause: 'remote-user-ignored', what: `Signed in as ${me.signedInAs ?? 'the current account'}, Django does not see the user.`, why: 'IIS passes REMOTE_USER through wfastcgi, but Django logs it in only with django.contrib.auth.middleware.RemoteUserMiddleware (after AuthenticationMiddleware) and django.contrib.auth.backends.RemoteUserBackend; the project overrides them after the managed block, or Windows sign-in failed.', fix: 'Run Setup again: the settings step adds both when the project lacks them; if the project sets MIDDLEWARE or AUTHENTICATION_BACKENDS itself, add them there.' } }),
    });
  }
  return { probes, warnings };
}
