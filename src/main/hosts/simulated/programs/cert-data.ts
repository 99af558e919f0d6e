/** The simulated machine's certificate data: real PEM certificates parsed with node:crypto (programs/certstore.ts runs the programs). */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimState } from '../server-state';

/** What the store needs of the simulated server (kept apart from server.ts, which creates stores from a scenario). */
export interface CertMachine {
  state: SimState;
  root: string;
  save(): void;
}

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

export function certDetails(pem: string): CertDetails {
  const x = new X509Certificate(pem);
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

export const keyFile = (s: CertMachine, thumb: string) => path.join(s.root, '.sim', 'certstore', `${thumb}.key`);

/** Puts a certificate (and its private key) into a store of the simulated machine; returns its thumbprint. */
export function addCertificate(s: CertMachine, pem: string, key: string | undefined, store: 'My' | 'Root'): string {
  const d = certDetails(pem);
  s.state.certs ??= {};
  if (key) {
    mkdirSync(path.dirname(keyFile(s, d.thumbprint)), { recursive: true });
    writeFileSync(keyFile(s, d.thumbprint), key, { mode: 0o600 });
  }
  s.state.certs[d.thumbprint] = { store, pem, hasKey: Boolean(key) };
  s.save();
  return d.thumbprint;
}

