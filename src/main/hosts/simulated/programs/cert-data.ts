/** The simulated machine's certificate data: real PEM certificates parsed with node:crypto (programs/certstore.ts runs the programs). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimState } from '../server-state';
import { certDetails } from '../../x509';

/** What the store needs of the simulated server (kept apart from server.ts, which creates stores from a scenario). */
export interface CertMachine {
  state: SimState;
  root: string;
  save(): void;
}

export { certDetails, type CertDetails } from '../../x509';

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

