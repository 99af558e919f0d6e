/**
 * The simulated IIS's request security: the TLS credential HTTP.sys serves for a binding (from
 * the netsh bindings and the certificate store), IIS's HTTP Redirection module, and the
 * authentication modules (anonymous and Windows) as configured at the URL.
 * SIMULATED Windows sign-in: no Kerberos or NTLM exchange happens. A request carrying
 * "Authorization: Negotiate <base64 of SIMULATED-NEGOTIATE:DOMAIN\user>" is signed in as that
 * account when it is the server's test identity (scenario testIdentity); any other token is refused.
 */
import { effectiveSection } from '../iisconfig';
import type { SimulatedServer } from '../server';
import { getAttr, type El } from '../xml';
import { iisErrorPage, type FrontResponse } from './error-page';
import { serverCredential } from '../programs/certstore';

export const SIMULATED_NEGOTIATE_PREFIX = 'SIMULATED-NEGOTIATE:';
/** The account the tool runs as on the simulated machine (whoami), the test identity unless a scenario names another. */
export const DEFAULT_TEST_IDENTITY = 'WIN-SIM\\Administrator';

/** The Authorization header value of a simulated Negotiate sign-in as `account`. */
export function simulatedNegotiate(account: string): string {
  return `Negotiate ${Buffer.from(`${SIMULATED_NEGOTIATE_PREFIX}${account}`).toString('base64')}`;
}

/** What HTTP.sys serves for a TLS hello on a port: the SNI binding for the name, else the port's IP binding. */
export function tlsCredential(s: SimulatedServer, port: number, servername: string | undefined): { cert: string; key: string } | undefined {
  const b = s.state.sslBindings ?? {};
  const hit = (servername ? b[`hostnameport=${servername.toLowerCase()}:${port}`] : undefined) ?? b[`ipport=127.0.0.1:${port}`] ?? b[`ipport=0.0.0.0:${port}`];
  return hit ? serverCredential(s, hit.certHash) : undefined;
}

function moduleOn(s: SimulatedServer, root: El, name: string): boolean {
  return effectiveSection(s, 'system.webServer/globalModules', '', root).section.children.some((c) => c.name === 'add' && getAttr(c, 'name') === name);
}

/** IIS's httpRedirect at the URL: the redirect it answers with, if it is on there. */
export function httpRedirect(s: SimulatedServer, root: El, configPath: string, url: URL): FrontResponse | undefined {
  if (!moduleOn(s, root, 'HttpRedirectionModule')) return undefined;
  const sec = effectiveSection(s, 'system.webServer/httpRedirect', configPath, root).section;
  if (getAttr(sec, 'enabled') !== 'true') return undefined;
  const dest = getAttr(sec, 'destination') ?? '';
  const exact = getAttr(sec, 'exactDestination') === 'true';
  const location = exact ? dest : `${dest.replace(/\/+$/, '')}${url.pathname}${url.search}`;
  const status = { Permanent: 301, Found: 302, Temporary: 307, PermRedirect: 308 }[getAttr(sec, 'httpResponseStatus') ?? 'Found'] ?? 302;
  return { status, headers: { location, 'content-type': 'text/html; charset=UTF-8', server: 'Microsoft-IIS/10.0 (simulated)' }, body: Buffer.from(`<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found <a HREF="${location}">here</a></body>`) };
}

export type AuthOutcome = { user: string; authType: string } | { denied: FrontResponse };

/** Anonymous and Windows authentication as configured at the URL (their modules must be installed). */
export function authenticate(s: SimulatedServer, root: El, configPath: string, headers: Record<string, string>): AuthOutcome {
  const on = (section: string, module: string) => moduleOn(s, root, module) && getAttr(effectiveSection(s, section, configPath, root).section, 'enabled') === 'true';
  const anonymous = on('system.webServer/security/authentication/anonymousAuthentication', 'AnonymousAuthenticationModule');
  const windows = on('system.webServer/security/authentication/windowsAuthentication', 'WindowsAuthenticationModule');
  const auth = headers.authorization ?? '';
  if (windows && /^Negotiate /i.test(auth)) {
    const token = Buffer.from(auth.slice('Negotiate '.length).trim(), 'base64').toString('utf8');
    const account = token.startsWith(SIMULATED_NEGOTIATE_PREFIX) ? token.slice(SIMULATED_NEGOTIATE_PREFIX.length) : '';
    const known = s.state.testIdentity ?? DEFAULT_TEST_IDENTITY;
    if (account && account.toLowerCase() === known.toLowerCase()) return { user: known, authType: 'Negotiate' };
    return { denied: { ...iisErrorPage({ status: 401, sub: 1, title: 'You do not have permission to view this directory or page using the credentials that you supplied.', detail: 'Logon failed (the simulated Negotiate token names no account this server knows).', module: 'WindowsAuthenticationModule', hresult: '0x8009030e' }), multi: { 'www-authenticate': ['Negotiate', 'NTLM'] } } };
  }
  if (anonymous) return { user: '', authType: '' };
  return {
    denied: {
      ...iisErrorPage({ status: 401, sub: 2, title: 'You are not authorized to view this page due to invalid authentication headers.', detail: windows ? 'Anonymous authentication is off here; sign in with Windows (Negotiate or NTLM).' : 'No authentication method is enabled here.', module: 'IIS Web Core', hresult: '0x80070005' }),
      ...(windows ? { multi: { 'www-authenticate': ['Negotiate', 'NTLM'] } } : {}),
    },
  };
}
