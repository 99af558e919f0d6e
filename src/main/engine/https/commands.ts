/**
 * The commands of HTTPS and Windows sign-in (windows-iis.md §13): the machine's certificate store
 * read and written by fixed PowerShell scripts (their inputs in environment variables, so a PFX
 * password is never on a command line), HTTP.sys certificate bindings by netsh, the site's
 * authentication sections at its location in applicationHost.config by appcmd.
 */
import type { DeploymentConfig } from '../../../shared/config';

export const NETSH = 'netsh.exe';
/** The redirect site of a site (http-redirect.ts): "<site>.http". */
export const REDIRECT_SUFFIX = '.http';
/** This tool's application id in HTTP.sys certificate bindings (how a binding is known to be one it made). */
export const TOOL_APP_ID = '{5b0a4f7e-3c2d-4e8a-9f61-d1a2b3c4e5f6}';
/** IIS Manager's own application id (a binding made by hand in IIS Manager carries it). */
export const IIS_APP_ID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';
export const SERVER_AUTH_EKU = '1.3.6.1.5.5.7.3.1';
export const PFX_FILE_ENV = 'DJANGO_IIS_SETUP_PFX';
export const PFX_PASSWORD_ENV = 'DJANGO_IIS_SETUP_PFX_PASSWORD';
export const THUMBPRINT_ENV = 'DJANGO_IIS_SETUP_THUMBPRINT';

/** LocalMachine\My as JSON: thumbprint, subject, issuer, validity, private key, EKUs, DNS names. */
export const CERT_LIST_SCRIPT =
  "$ErrorActionPreference='Stop'; ConvertTo-Json -Depth 3 -Compress -InputObject @(Get-ChildItem Cert:\\LocalMachine\\My | ForEach-Object { [pscustomobject]@{ Thumbprint=$_.Thumbprint; Subject=$_.Subject; Issuer=$_.Issuer; NotBefore=$_.NotBefore.ToUniversalTime().ToString('o'); NotAfter=$_.NotAfter.ToUniversalTime().ToString('o'); HasPrivateKey=$_.HasPrivateKey; Eku=@($_.EnhancedKeyUsageList | ForEach-Object { $_.ObjectId }); DnsNames=@($_.DnsNameList | ForEach-Object { $_.Unicode }) } })";
/** The certificate inside a PFX (opened with its password from the environment), as JSON. */
export const PFX_INFO_SCRIPT =
  "$ErrorActionPreference='Stop'; $c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($env:DJANGO_IIS_SETUP_PFX, $env:DJANGO_IIS_SETUP_PFX_PASSWORD); ConvertTo-Json -Compress -InputObject ([pscustomobject]@{ Thumbprint=$c.Thumbprint; Subject=$c.Subject; NotAfter=$c.NotAfter.ToUniversalTime().ToString('o'); HasPrivateKey=$c.HasPrivateKey })";
/** Imports a PFX into LocalMachine\My; prints the thumbprint. */
export const PFX_IMPORT_SCRIPT =
  "$ErrorActionPreference='Stop'; $p = ConvertTo-SecureString -String $env:DJANGO_IIS_SETUP_PFX_PASSWORD -AsPlainText -Force; (Import-PfxCertificate -FilePath $env:DJANGO_IIS_SETUP_PFX -CertStoreLocation Cert:\\LocalMachine\\My -Password $p).Thumbprint";
/** The machine's trusted roots (LocalMachine\\Root), one base64 DER per line: a probe on Windows trusts what Windows trusts. */
export const MACHINE_ROOTS_SCRIPT = "$ErrorActionPreference='Stop'; Get-ChildItem Cert:\\LocalMachine\\Root | ForEach-Object { [Convert]::ToBase64String($_.RawData) }";
/** MACHINE_ROOTS_SCRIPT's lines (base64 DER) as PEM certificates. */
export function pemsFromBase64Lines(out: string): string[] {
  return out
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z0-9+/]+=*$/.test(l))
    .map((b) => `-----BEGIN CERTIFICATE-----\n${b.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`);
}

/** Removes a certificate this tool imported (uninstall). */
export const CERT_REMOVE_SCRIPT = "$ErrorActionPreference='Stop'; Remove-Item -LiteralPath ('Cert:\\LocalMachine\\My\\' + $env:DJANGO_IIS_SETUP_THUMBPRINT)";

export { psArgs } from '../commands';

export interface StoreCertificate {
  thumbprint: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  hasPrivateKey: boolean;
  eku: string[];
  dnsNames: string[];
}

/** CERT_LIST_SCRIPT's JSON (PowerShell 5.1 prints one object, not an array, for a list of one; null for none). */
export function parseCertList(out: string): StoreCertificate[] {
  const text = out.trim();
  if (!text) return [];
  const raw = JSON.parse(text) as unknown;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v ? [str(v)] : []);
  return list.map((c) => ({
    thumbprint: str(c.Thumbprint).toUpperCase(),
    subject: str(c.Subject),
    issuer: str(c.Issuer),
    notBefore: str(c.NotBefore),
    notAfter: str(c.NotAfter),
    hasPrivateKey: c.HasPrivateKey === true,
    eku: arr(c.Eku),
    dnsNames: arr(c.DnsNames),
  }));
}

/** The HTTP.sys key of the deployment's binding: hostnameport=host:443 with SNI, else ipport=0.0.0.0:443. */
export function sslKey(c: DeploymentConfig): string {
  const port = c.https?.port ?? 443;
  return c.hostName ? `hostnameport=${c.hostName}:${port}` : `ipport=0.0.0.0:${port}`;
}

export const netsh = {
  show: (key: string): string[] => ['http', 'show', 'sslcert', key],
  add: (key: string, thumbprint: string): string[] => ['http', 'add', 'sslcert', key, `certhash=${thumbprint}`, `appid=${TOOL_APP_ID}`, 'certstorename=MY'],
  delete: (key: string): string[] => ['http', 'delete', 'sslcert', key],
};

export interface SslBinding {
  key: string;
  certHash: string;
  appId: string;
  storeName: string;
}

/** netsh http show sslcert: the bindings it lists (none when it says the file cannot be found). */
export function parseSslShow(out: string): SslBinding[] {
  const blocks = out.split(/\r?\n\s*\r?\n/);
  const list: SslBinding[] = [];
  for (const b of blocks) {
    const field = (name: RegExp) => new RegExp(`^\\s*${name.source}\\s*:\\s*(.*?)\\s*$`, 'im').exec(b)?.[1];
    const host = field(/Hostname:port/);
    const ip = field(/IP:port/);
    const hash = field(/Certificate Hash/);
    if (!hash || (!host && !ip)) continue;
    list.push({ key: host ? `hostnameport=${host}` : `ipport=${ip ?? ''}`, certHash: hash.toUpperCase(), appId: (field(/Application ID/) ?? '').toLowerCase(), storeName: field(/Certificate Store Name/) ?? '' });
  }
  return list;
}

export const HTTPS_BINDING_FLAGS = (c: DeploymentConfig): string => (c.hostName ? '1' : '0');
export const httpsBindingInfo = (c: DeploymentConfig): string => `*:${c.https?.port ?? 443}:${c.hostName}`;

export const appcmdHttps = {
  addBinding: (c: DeploymentConfig): string[] => ['set', 'site', c.siteName, `/+bindings.[protocol='https',bindingInformation='${httpsBindingInfo(c)}',sslFlags='${HTTPS_BINDING_FLAGS(c)}']`],
  removeBinding: (c: DeploymentConfig, info: string): string[] => ['set', 'site', c.siteName, `/-bindings.[protocol='https',bindingInformation='${info}']`],
  /** The binding again with the configured sslFlags, in one commit (removed and added by one appcmd). */
  replaceBinding: (c: DeploymentConfig, info: string): string[] => [...appcmdHttps.removeBinding(c, info), ...appcmdHttps.addBinding(c).slice(3)],
};

export const WINDOWS_AUTH_SECTION = 'system.webServer/security/authentication/windowsAuthentication';
export const ANONYMOUS_AUTH_SECTION = 'system.webServer/security/authentication/anonymousAuthentication';

/** The location path of the site (and of an anonymous URL folder): "Site" or "Site/static". */
export const authLocation = (c: DeploymentConfig, urlPath = '/'): string => `${c.siteName}${urlPath.replace(/\/+$/, '')}`;

export const appcmdAuth = {
  list: (location: string, section: string): string[] => ['list', 'config', location, `-section:${section}`, '/xml'],
  set: (location: string, section: string, enabled: boolean): string[] => ['set', 'config', location, `-section:${section}`, `/enabled:${enabled ? 'true' : 'false'}`, '/commit:apphost'],
  clear: (location: string, section: string): string[] => ['clear', 'config', location, `-section:${section}`, '/commit:apphost'],
};
