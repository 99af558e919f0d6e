/**
 * The certificate HTTPS serves, in LocalMachine\My: found by thumbprint, or imported from a PFX
 * whose password is read at run time from the tool's own environment (never stored, never shown).
 * Shown in the plan as the administrator would check it: subject, issuer, expiry, private key,
 * server authentication; a certificate that expires within 30 days is warned about.
 */
import type { DeploymentConfig } from '../../../shared/config';
import { registerSecret, type Problem } from '../../../shared/problem';
import { POWERSHELL } from '../commands';
import { CERT_LIST_SCRIPT, CERT_REMOVE_SCRIPT, PFX_FILE_ENV, PFX_IMPORT_SCRIPT, PFX_INFO_SCRIPT, PFX_PASSWORD_ENV, SERVER_AUTH_EKU, THUMBPRINT_ENV, parseCertList, psArgs, type StoreCertificate } from '../https/commands';
import { blocked, done, exec, needed, psq, query, type CheckResult, type StepContext, type Step } from '../step';
import type { Host } from '../host';

export const EXPIRY_WARNING_DAYS = 30;

/** The store's certificates (LocalMachine\My); undefined when PowerShell cannot be asked. */
export async function storeCertificates(ctx: StepContext): Promise<StoreCertificate[] | undefined> {
  const r = await query(ctx, POWERSHELL, psArgs(CERT_LIST_SCRIPT));
  if (!r || r.exitCode !== 0) return undefined;
  try {
    return parseCertList(r.stdout);
  } catch {
    return undefined;
  }
}

/** Whole days from now to an ISO date (negative: past). */
export const days = (iso: string, now = Date.now()): number => Math.floor((Date.parse(iso) - now) / 86_400_000);

/** One line for a person: subject, issuer, expiry, key, purpose. */
export function describeCertificate(c: StoreCertificate): string {
  const left = days(c.notAfter);
  return `${c.subject} (issued by ${c.issuer === c.subject ? 'itself: self-signed' : c.issuer}; thumbprint ${c.thumbprint}; expires ${c.notAfter.slice(0, 10)}, ${left < 0 ? `${-left} days ago` : `in ${left} days`}; ${c.hasPrivateKey ? 'private key present' : 'NO private key'}; ${serverAuthOk(c) ? 'usable for server authentication' : 'NOT for server authentication'})`;
}

const serverAuthOk = (c: StoreCertificate) => c.eku.length === 0 || c.eku.includes(SERVER_AUTH_EKU);

/** The machine's certificates, for a list to choose from (the wizard's Settings). */
export function machineCertificates(host: Host): Promise<StoreCertificate[] | undefined> {
  return storeCertificates({ host } as StepContext);
}

/** Why a certificate cannot serve a site at all (whatever its name), or undefined. */
export function unusableReason(c: StoreCertificate): string | undefined {
  if (!c.hasPrivateKey) return 'no private key';
  if (!serverAuthOk(c)) return 'not for server authentication';
  if (days(c.notAfter) < 0) return `expired ${c.notAfter.slice(0, 10)}`;
  return undefined;
}

/** What makes a certificate unusable for the site, or undefined. */
export function certificateProblem(c: StoreCertificate, config: DeploymentConfig): Problem | undefined {
  const what = describeCertificate(c);
  const unusable = unusableReason(c);
  if (unusable === 'no private key') return { what: `The certificate ${c.thumbprint} has no private key on this server.`, why: `HTTP.sys needs the key to serve HTTPS (netsh answers error 1312 without it): ${what}.`, fix: 'Import the certificate from its PFX (with the key), or give "certificate": {"pfx": "C:\\\\certs\\\\site.pfx", "passwordEnv": "PFX_PASSWORD"}.' };
  if (unusable === 'not for server authentication') return { what: `The certificate ${c.thumbprint} is not for server authentication.`, why: `Its enhanced key usage (${c.eku.join(', ')}) lacks Server Authentication (${SERVER_AUTH_EKU}); browsers refuse it for a web site: ${what}.`, fix: 'Request a certificate for server authentication (the "Web Server" template of an enterprise CA).' };
  if (unusable) return { what: `The certificate ${c.thumbprint} expired on ${c.notAfter.slice(0, 10)}.`, why: `Browsers refuse an expired certificate: ${what}.`, fix: 'Renew it, import the new one, and give its thumbprint (or PFX) in "https".' };
  if (config.hostName && c.dnsNames.length > 0 && !c.dnsNames.some((n) => n.toLowerCase() === config.hostName.toLowerCase() || (n.startsWith('*.') && config.hostName.toLowerCase().endsWith(n.slice(1).toLowerCase()) && !config.hostName.slice(0, -n.length + 1).includes('.'))))
    return { what: `The certificate ${c.thumbprint} is not for ${config.hostName}.`, why: `It names ${c.dnsNames.join(', ')}; browsers refuse a certificate for another name: ${what}.`, fix: `Use a certificate whose subject alternative names include ${config.hostName}, or set hostName to one of ${c.dnsNames.join(', ')}.` };
  return undefined;
}

/** The PFX's password from the tool's environment, registered as a secret (never shown). */
function pfxPassword(name: string): string | undefined {
  const v = process.env[name];
  if (v) registerSecret(v, name);
  return v || undefined;
}

const pfxThumbs = new Map<string, string>();

/** The PFX's certificate thumbprint (opened with its password; kept per file, size and time), or why it cannot be opened. */
async function readPfx(ctx: StepContext, choice: { pfx: string; passwordEnv: string }): Promise<{ thumbprint: string } | { blocked: CheckResult }> {
  const password = pfxPassword(choice.passwordEnv);
  if (!password)
    return { blocked: blocked(`the PFX password variable ${choice.passwordEnv} is not set`, { what: `The environment variable ${choice.passwordEnv} (the password of ${choice.pfx}) is not set in this tool's process.`, why: 'The PFX is imported into LocalMachine\\My with its password, which the tool reads from that variable at run time and never stores.', fix: `Set it in the window the tool is started from (PowerShell: $env:${choice.passwordEnv} = Read-Host -AsSecureString ... or $env:${choice.passwordEnv} = '...'), then run again.` }) };
  const st = await ctx.host.stat(choice.pfx);
  if (!st) return { blocked: blocked(`${choice.pfx} does not exist`, { what: `The PFX file ${choice.pfx} does not exist on this server.`, why: 'https.certificate.pfx names the file to import.', fix: 'Copy the PFX to the server (e.g. C:\\certs\\site.pfx) or correct the path.' }) };
  const key = `${choice.pfx.toLowerCase()}|${st.size}|${st.mtimeMs}`;
  const known = pfxThumbs.get(key);
  if (known) return { thumbprint: known };
  const info = await ctx.host.exec(POWERSHELL, psArgs(PFX_INFO_SCRIPT), { env: { [PFX_FILE_ENV]: choice.pfx, [PFX_PASSWORD_ENV]: password }, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (info.exitCode !== 0) {
    const first = info.stderr.split(/\r?\n/)[0] ?? '';
    const msg = /"([^"]+)"\s*$/m.exec(first)?.[1] ?? first;
    const wrong = /password/i.test(msg);
    return { blocked: blocked(`${choice.pfx} cannot be opened: ${msg}`, { what: `The PFX ${choice.pfx} cannot be opened: ${msg}`, why: wrong ? `The password in ${choice.passwordEnv} is not the PFX's.` : 'The file is not a PFX (PKCS#12) the server can read.', fix: wrong ? `Set ${choice.passwordEnv} to the PFX's password and run again.` : 'Export the certificate again as a .pfx with its private key.' }) };
  }
  const thumbprint = String((JSON.parse(info.stdout) as { Thumbprint?: string }).Thumbprint ?? '').toUpperCase();
  pfxThumbs.set(key, thumbprint);
  return { thumbprint };
}

/** The thumbprint HTTPS uses: the configured one, or the PFX's; undefined when it is not known (the certificate step says why). */
export async function chosenThumbprint(ctx: StepContext): Promise<string | undefined> {
  const choice = ctx.config.https?.certificate;
  if (!choice) return undefined;
  if ('thumbprint' in choice) return choice.thumbprint;
  const pfx = await readPfx(ctx, choice);
  return 'thumbprint' in pfx ? pfx.thumbprint : undefined;
}

export const certificate: Step = {
  id: 'certificate',
  title: 'Find the HTTPS certificate',
  section: 'https',
  dependsOn: ['preflight'],
  async check(ctx) {
    const https = ctx.config.https;
    if (!https) return done('HTTPS is not configured (plain http only)');
    const list = await storeCertificates(ctx);
    if (!list) return blocked('the certificate store cannot be read', { what: 'Windows PowerShell could not list the certificates of LocalMachine\\My.', why: 'The certificate for HTTPS is looked up there (Get-ChildItem Cert:\\LocalMachine\\My).', fix: 'Run the tool as an administrator on a server with Windows PowerShell 5.1, then run again.', command: [POWERSHELL, ...psArgs(CERT_LIST_SCRIPT)] });
    const choice = https.certificate;
    let thumb: string;
    if ('pfx' in choice) {
      const pfx = await readPfx(ctx, choice);
      if ('blocked' in pfx) return pfx.blocked;
      thumb = pfx.thumbprint;
      if (!list.some((c) => c.thumbprint === thumb))
        return needed(`the certificate in ${choice.pfx} (${thumb}) is not in LocalMachine\\My`, [
          exec(`Import ${choice.pfx} into LocalMachine\\My (password from ${choice.passwordEnv})`, POWERSHELL, psArgs(PFX_IMPORT_SCRIPT), {
            env: { [PFX_FILE_ENV]: choice.pfx },
            secretEnv: { [PFX_PASSWORD_ENV]: choice.passwordEnv },
            creates: { object: `cert:${thumb.toLowerCase()}`, undo: [exec(`Remove the certificate ${thumb} this deployment imported`, POWERSHELL, psArgs(CERT_REMOVE_SCRIPT), { env: { [THUMBPRINT_ENV]: thumb } })] },
          }),
        ]);
    } else thumb = choice.thumbprint;
    const cert = list.find((c) => c.thumbprint === thumb);
    if (!cert) {
      const have = list.map((c) => `  ${describeCertificate(c)}`);
      return blocked(`no certificate ${thumb} in LocalMachine\\My`, { what: `The certificate ${thumb} is not in LocalMachine\\My (the computer's Personal store).`, why: 'https.certificate.thumbprint names the certificate HTTP.sys serves; it must be in the machine store with its private key.', fix: `Import it (certlm.msc, or "certificate": {"pfx": ...}), or give the thumbprint of one the store has:\n${have.join('\n') || '  (the store is empty)'}` });
    }
    const problem = certificateProblem(cert, ctx.config);
    if (problem) return blocked(problem.what, problem);
    const left = days(cert.notAfter);
    const warn = left <= EXPIRY_WARNING_DAYS ? ` WARNING: it expires in ${left} days; renew it before ${cert.notAfter.slice(0, 10)}.` : '';
    return done(`HTTPS serves ${describeCertificate(cert)}.${warn}`);
  },
  psCheck: ({ config }) => {
    const c = config.https?.certificate;
    return c && 'thumbprint' in c ? `Test-Path ${psq(`Cert:\\LocalMachine\\My\\${c.thumbprint}`)}` : '$true';
  },
};
