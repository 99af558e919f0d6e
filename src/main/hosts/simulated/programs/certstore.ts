/**
 * SIMULATED certificate stores (LocalMachine\My and Root) and HTTP.sys certificate bindings.
 * The certificates are real: PEM certificates and keys a test made with openssl, parsed with
 * node:crypto's X509Certificate; a PFX is opened with the real `openssl pkcs12` and its password.
 * The tool's fixed PowerShell scripts (engine/https/commands.ts) read and write the store, as
 * Get-ChildItem Cert:\LocalMachine\My, Import-PfxCertificate and Remove-Item do on Windows;
 * netsh http add|show|delete sslcert keeps the bindings the simulated HTTP.sys serves TLS with.
 * Error texts follow netsh's ("SSL Certificate add failed, Error: 183"); 1312 for a certificate
 * not in the store or without its private key is what is reported for both (UNCONFIRMED for the first).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { CERT_LIST_SCRIPT, CERT_REMOVE_SCRIPT, PFX_FILE_ENV, PFX_IMPORT_SCRIPT, PFX_INFO_SCRIPT, PFX_PASSWORD_ENV, THUMBPRINT_ENV } from '../../../engine/https/commands';
import type { ExecOptions } from '../../../engine/host';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res } from './result';
import { addCertificate, certDetails, keyFile } from './cert-data';

export { addCertificate, certDetails, type CertDetails } from './cert-data';

/** The certificate and key HTTP.sys would serve for a thumbprint in LocalMachine\My (undefined: none usable). */
export function serverCredential(s: SimulatedServer, thumb: string): { cert: string; key: string } | undefined {
  const c = s.state.certs?.[thumb.toUpperCase()];
  if (!c || c.store !== 'My' || !c.hasKey || !existsSync(keyFile(s, thumb.toUpperCase()))) return undefined;
  return { cert: c.pem, key: readFileSync(keyFile(s, thumb.toUpperCase()), 'utf8') };
}

/** Root store certificates (what a client on the server trusts). */
export function trustedRoots(s: SimulatedServer): string[] {
  return Object.values(s.state.certs ?? {}).filter((c) => c.store === 'Root').map((c) => c.pem);
}

/** A PFX opened with the real openssl: its first certificate and key, or the reason it cannot be. */
function openPfx(real: string, password: string): { cert: string; key?: string } | { error: string } {
  for (const legacy of [[], ['-legacy']]) {
    const r = spawnSync('openssl', ['pkcs12', ...legacy, '-in', real, '-nodes', '-passin', 'env:SIM_PFX_PASSWORD'], { env: { ...process.env, SIM_PFX_PASSWORD: password }, encoding: 'utf8' });
    if (r.status === 0) {
      const cert = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
      const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(r.stdout)?.[0];
      if (!cert) return { error: 'Cannot find the requested object.' };
      return { cert: `${cert}\n`, ...(key ? { key: `${key}\n` } : {}) };
    }
    if (/mac verify|invalid password/i.test(r.stderr ?? '')) return { error: 'The specified network password is not correct.' };
  }
  return { error: 'Cannot find the requested object.' };
}

const psError = (message: string) => res(1, '', false, `Exception calling ".ctor" with "2" argument(s): "${message}"\r\n    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException\r\n`);

/** The tool's certificate scripts; undefined when the script is none of them. */
export function runCertScript(s: SimulatedServer, script: string, opts: ExecOptions): ProgramResult | undefined {
  const env = opts.env ?? {};
  if (script === CERT_LIST_SCRIPT) {
    const list = Object.entries(s.state.certs ?? {})
      .filter(([, c]) => c.store === 'My')
      .map(([, c]) => {
        const d = certDetails(c.pem);
        return { Thumbprint: d.thumbprint, Subject: d.subject, Issuer: d.issuer, NotBefore: d.notBefore, NotAfter: d.notAfter, HasPrivateKey: c.hasKey, Eku: d.eku, DnsNames: d.dnsNames };
      });
    return res(0, `${JSON.stringify(list)}\r\n`);
  }
  if (script === PFX_INFO_SCRIPT || script === PFX_IMPORT_SCRIPT) {
    const file = env[PFX_FILE_ENV] ?? '';
    if (!s.existsWin(file)) return psError(`The system cannot find the file specified.`);
    const pfx = openPfx(s.toReal(file), env[PFX_PASSWORD_ENV] ?? '');
    if ('error' in pfx) return psError(pfx.error);
    const d = certDetails(pfx.cert);
    s.noteSimulated(`The PFX ${file} was opened with the real openssl; LocalMachine\\My is the simulator's store.`);
    if (script === PFX_INFO_SCRIPT) return res(0, `${JSON.stringify({ Thumbprint: d.thumbprint, Subject: d.subject, NotAfter: d.notAfter, HasPrivateKey: Boolean(pfx.key) })}\r\n`);
    addCertificate(s, pfx.cert, pfx.key, 'My');
    return res(0, `${d.thumbprint}\r\n`, true);
  }
  if (script === CERT_REMOVE_SCRIPT) {
    const t = (env[THUMBPRINT_ENV] ?? '').toUpperCase();
    if (!s.state.certs?.[t]) return res(1, '', false, `Remove-Item : Cannot find path 'Cert:\\LocalMachine\\My\\${t}' because it does not exist.\r\n`);
    delete s.state.certs[t];
    rmSync(keyFile(s, t), { force: true });
    s.save();
    return res(0, '', true);
  }
  return undefined;
}

/** The binding key netsh was given (hostnameport=h:p or ipport=a:p), normalised. */
function keyArg(args: readonly string[]): string | undefined {
  const a = args.find((x) => /^(hostnameport|ipport)=/i.test(x));
  return a ? a.replace(/^(\w+)=/, (_m, k: string) => `${k.toLowerCase()}=`).toLowerCase() : undefined;
}

/** SIMULATED netsh.exe: `http add|show|delete sslcert` (HTTP.sys's certificate bindings). */
export function runNetsh(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [ctx = '', verb = '', what = ''] = args.map((a) => a.toLowerCase());
  if (ctx !== 'http' || what !== 'sslcert' || !['add', 'show', 'delete'].includes(verb)) return res(1, `The following command was not found: ${args.join(' ')}.\r\n`);
  const key = keyArg(args);
  const bindings = (s.state.sslBindings ??= {});
  if (verb === 'show') {
    const list = key ? (bindings[key] ? [bindings[key]] : []) : Object.values(bindings);
    if (key && list.length === 0) return res(1, '\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\nThe system cannot find the file specified.\r\n\r\n');
    const blocks = list.map((b) => {
      const [k, v] = b.key.split('=');
      return `    ${k === 'hostnameport' ? 'Hostname:port' : 'IP:port'}                : ${v ?? ''}\r\n    Certificate Hash             : ${b.certHash.toLowerCase()}\r\n    Application ID               : ${b.appId}\r\n    Certificate Store Name       : ${b.storeName}\r\n    Verify Client Certificate Revocation : Enabled\r\n    Negotiate Client Certificate : Disabled\r\n`;
    });
    return res(0, `\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n${blocks.join('\r\n')}\r\n`);
  }
  if (!s.state.elevated) return res(1, 'SSL Certificate add failed, Error: 5\r\nAccess is denied.\r\n');
  if (!key) return res(1, 'The parameter is incorrect.\r\n');
  if (verb === 'delete') {
    if (!bindings[key]) return res(1, 'SSL Certificate deletion failed, Error: 2\r\nThe system cannot find the file specified.\r\n');
    delete bindings[key];
    s.save();
    return res(0, '\r\nSSL Certificate successfully deleted\r\n\r\n', true);
  }
  const opt = (name: string) => args.find((a) => a.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
  const hash = (opt('certhash') ?? '').toUpperCase();
  const appId = (opt('appid') ?? '').toLowerCase();
  if (!/^[0-9A-F]{40}$/.test(hash) || !/^\{[0-9a-f-]{36}\}$/.test(appId)) return res(1, 'The parameter is incorrect.\r\n');
  if (bindings[key]) return res(1, 'SSL Certificate add failed, Error: 183\r\nCannot create a file when that file already exists.\r\n');
  if (!serverCredential(s, hash)) return res(1, 'SSL Certificate add failed, Error: 1312\r\nA specified logon session does not exist. It may already have been terminated.\r\n');
  bindings[key] = { key, certHash: hash, appId, storeName: opt('certstorename') ?? 'MY' };
  s.save();
  return res(0, '\r\nSSL Certificate successfully added\r\n\r\n', true);
}
