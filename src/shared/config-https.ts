/**
 * The deploy file's HTTPS and Windows sign-in keys (windows-iis.md §13). A certificate the
 * department already has: by thumbprint in LocalMachine\My, or a PFX imported there with its
 * password read at run time from an environment variable of the tool's own process (never stored).
 */
import { z } from 'zod';
import { valueProblem } from './safety';

const envVar = z
  .string({ error: 'https.certificate.passwordEnv must be an environment variable name such as "PFX_PASSWORD".' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'https.certificate.passwordEnv must be an environment variable name: letters, digits and "_", not starting with a digit (e.g. "PFX_PASSWORD").');

const pfxPath = z
  .string({ error: 'https.certificate.pfx must be the absolute Windows path of a .pfx file, e.g. C:\\certs\\site.pfx.' })
  .regex(/^[A-Za-z]:\\[^"'`$%]*\.(pfx|p12)$/i, 'https.certificate.pfx must be the absolute Windows path of a .pfx (or .p12) file, e.g. C:\\certs\\site.pfx (no quotes, "$" or "%").')
  .superRefine((v, ctx) => {
    const bad = valueProblem('https.certificate.pfx', v, { appcmdSelector: true });
    if (bad) ctx.addIssue({ code: 'custom', message: bad });
  });

export const CertificateChoice = z.union(
  [
    z.strictObject({
      thumbprint: z
        .string()
        .transform((v) => v.replace(/[\s:\u200e\u200f]/g, '').toUpperCase())
        .pipe(z.string().regex(/^[0-9A-F]{40}$/, 'https.certificate.thumbprint must be the certificate\'s SHA-1 thumbprint: 40 hexadecimal digits (spaces, as the Windows certificate dialog shows it, are fine).')),
    }),
    z.strictObject({ pfx: pfxPath, passwordEnv: envVar }),
  ],
  { error: 'https.certificate must be {"thumbprint": "..."} (a certificate in LocalMachine\\My) or {"pfx": "C:\\\\certs\\\\site.pfx", "passwordEnv": "PFX_PASSWORD"}.' },
);
export type CertificateChoice = z.output<typeof CertificateChoice>;

export const HttpsOptions = z.strictObject({
  port: z.number({ error: 'https.port must be a number from 1 to 65535, e.g. 443.' }).int().min(1, 'https.port must be from 1 to 65535.').max(65535, 'https.port must be from 1 to 65535.').default(443),
  certificate: CertificateChoice,
  /** Plain http on `port` answers with a permanent redirect to the same path on HTTPS (IIS's HTTP Redirection feature). */
  redirectHttp: z.boolean().default(false),
});
export type HttpsOptions = z.output<typeof HttpsOptions>;

export const Authentication = z.enum(['anonymous', 'windows'], { error: 'authentication must be "anonymous" (the default) or "windows" (IIS Windows Authentication; Django gets the user as REMOTE_USER).' }).default('anonymous');

/** URL prefixes that stay open to anonymous requests when authentication is "windows". */
export const AnonymousPaths = z
  .array(z.string().regex(/^\/(?:(?!\.{1,2}\/)[A-Za-z0-9_.~-]+\/)+$/, 'anonymousPaths entries are URL folders below the site\'s root that start and end with "/", e.g. "/static/" or "/health/" ("." and ".." are not folders).'))
  .default([]);

/** The origin browsers use for the site over HTTPS (the port only when it is not 443); undefined without HTTPS. */
export function httpsOrigin(c: { hostName: string; https?: { port: number } | undefined }): string | undefined {
  if (!c.https) return undefined;
  return `https://${c.hostName || 'localhost'}${c.https.port === 443 ? '' : `:${c.https.port}`}`;
}

/** Problems of the combination (the keys are valid one by one). */
export function httpsProblems(c: { port: number; hostName: string; server: string; https?: HttpsOptions | undefined; authentication: string; anonymousPaths: string[]; stagingPort?: number | undefined }): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  if (c.https && c.https.port === c.port) out.push({ key: 'https.port', message: `https.port is ${c.https.port}, the same as port (plain http); give HTTPS a port of its own, usually 443.` });
  if (c.https && c.stagingPort === c.https.port) out.push({ key: 'stagingPort', message: `stagingPort is ${c.stagingPort}, the HTTPS port; choose another.` });
  if (c.https && c.server === 'httpplatform' && !c.https.redirectHttp)
    out.push({ key: 'https.redirectHttp', message: 'in the "httpplatform" mode waitress is told every request came over HTTPS (--url-scheme=https: HttpPlatformHandler forwards no scheme it documents); plain http on the same site would be called secure too. Set "redirectHttp": true (plain http then only redirects to HTTPS), or use the "wfastcgi" mode, where IIS tells Django the scheme of each request.' });
  if (c.authentication === 'windows' && c.server === 'httpplatform')
    out.push({ key: 'authentication', message: 'Windows sign-in needs the "wfastcgi" mode: HttpPlatformHandler sets no REMOTE_USER; it can only forward a Windows token handle (forwardWindowsAuthToken) that waitress and Django cannot use without pywin32 code in the project (django-windowsauthtoken). Use "server": "wfastcgi", or leave authentication "anonymous".' });
  if (c.https?.redirectHttp && !c.hostName) out.push({ key: 'https.redirectHttp', message: 'redirectHttp needs hostName: IIS\'s HTTP Redirection sends every plain-http request to one fixed https:// address, which must be the name the certificate is for. Set hostName (e.g. "app.example.com").' });
  if (c.anonymousPaths.length > 0 && c.authentication !== 'windows') out.push({ key: 'anonymousPaths', message: 'anonymousPaths only mean something with "authentication": "windows" (every path is anonymous otherwise); remove it or set authentication.' });
  return out;
}
