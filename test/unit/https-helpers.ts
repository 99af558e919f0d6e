/**
 * Real certificates for the HTTPS tests, made with the machine's openssl: a CA (put into the
 * simulated server's Root store) and a server certificate it signs, with its key and a PFX.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCert {
  pem: string;
  key: string;
  thumbprint: string;
  /** A PFX of the certificate and its key, protected by `password`. */
  pfx: Buffer;
  password: string;
}

export interface TestPki {
  caPem: string;
  issue(opts: { cn: string; dns: string[]; days?: number; eku?: string; password?: string }): TestCert;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function makePki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pki-'));
  try {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=Example Intranet Root CA/O=Example', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    const caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    const caKey = readFileSync(path.join(dir, 'ca.key'), 'utf8');
    let n = 0;
    return {
      caPem,
      issue({ cn, dns, days = 365, eku = 'serverAuth', password = 'correct horse battery staple' }) {
        const d = mkdtempSync(path.join(os.tmpdir(), 'cert-'));
        try {
          writeFileSync(path.join(d, 'ca.pem'), caPem);
          writeFileSync(path.join(d, 'ca.key'), caKey);
          writeFileSync(path.join(d, 'ext.cnf'), `subjectAltName=${dns.map((x) => `DNS:${x}`).join(',')}\nextendedKeyUsage=${eku}\nbasicConstraints=CA:FALSE\n`);
          openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${cn}/O=Example`], d);
          openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + n++), '-days', String(days), '-out', 'leaf.pem', '-extfile', 'ext.cnf'], d);
          openssl(['pkcs12', '-export', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-out', 'leaf.pfx', '-passout', `pass:${password}`], d);
          const pem = readFileSync(path.join(d, 'leaf.pem'), 'utf8');
          return { pem, key: readFileSync(path.join(d, 'leaf.key'), 'utf8'), thumbprint: new X509Certificate(pem).fingerprint.replace(/:/g, ''), pfx: readFileSync(path.join(d, 'leaf.pfx')), password };
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
