/** Certificates as Windows shows them (subject most specific first, SHA-1 thumbprint in capitals), for the simulated store and the HTTPS probe alike. */
import { X509Certificate } from 'node:crypto';

/** Windows prints a distinguished name most specific first: "CN=app, O=Example, C=US". */
const windowsDn = (dn: string): string => dn.split('\n').filter((x) => x).reverse().join(', ');

export interface CertDetails {
  thumbprint: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  eku: string[];
  dnsNames: string[];
}

/** A certificate as Windows shows it (a PEM text, or one a TLS peer presented). */
export function certDetails(cert: string | X509Certificate): CertDetails {
  const x = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return {
    thumbprint: x.fingerprint.replace(/:/g, '').toUpperCase(),
    subject: windowsDn(x.subject),
    issuer: windowsDn(x.issuer),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    eku: x.keyUsage ?? [],
    dnsNames: (x.subjectAltName ?? '').split(/,\s*/).filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
  };
}
