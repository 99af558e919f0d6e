/**
 * A plain HTTP GET/HEAD client over node:http. Not fetch: fetch drops a Host header, and
 * verifying a site bound to a host name needs one (IIS routes by it).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import type { HttpOptions, HttpResult, TlsPeer } from '../engine/host';
import { certDetails } from './x509';

export function httpRequest(url: string, opts: HttpOptions = {}, connectTo?: { host: string; port: number }, trust: { ca?: string[] } = {}): Promise<HttpResult> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const servername = opts.servername ?? u.hostname;
  return new Promise((resolve) => {
    const common = {
      host: connectTo?.host ?? u.hostname,
      port: connectTo?.port ?? Number(u.port || (secure ? 443 : 80)),
      path: `${u.pathname}${u.search}`,
      method: opts.method ?? 'GET',
      headers: { host: u.host, ...(opts.headers ?? {}), ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
      timeout: opts.timeoutMs ?? 30000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      // The certificate is read before the body: the socket may be gone once the answer ends.
      const peer = secure ? tlsPeer(res.socket as TLSSocket, servername) : undefined;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8'), ...(peer ? { tls: peer } : {}) });
      });
      res.on('error', (e) => resolve({ status: 0, headers: {}, body: '', networkError: String(e) }));
    };
    // The chain and the name are checked and reported, not enforced: the probe must see the answer
    // to say what is wrong (an untrusted or misnamed certificate is a finding, not a dead end).
    const req = secure
      ? https.request({ ...common, servername, rejectUnauthorized: false, agent: false, ...(trust.ca ? { ca: trust.ca } : {}) }, onResponse)
      : http.request(common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 30000} ms`)));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', networkError: String(e) }));
    req.end(opts.body);
  });
}

function tlsPeer(socket: TLSSocket, servername: string): TlsPeer | undefined {
  const cert = socket.getPeerCertificate?.();
  if (!cert || !cert.raw) return undefined;
  const d = certDetails(new X509Certificate(cert.raw));
  const nameError = checkServerIdentity(servername, cert);
  return {
    subject: d.subject,
    issuer: d.issuer,
    validTo: d.notAfter,
    thumbprint: d.thumbprint,
    dnsNames: d.dnsNames,
    trusted: socket.authorized,
    ...(socket.authorizationError ? { trustError: String(socket.authorizationError) } : {}),
    nameMatches: !nameError,
    ...(nameError ? { nameError: nameError.message } : {}),
  };
}

/**
 * Downloads a URL to a file over node:http/https, following up to 5 redirects (go.microsoft.com/fwlink
 * answers 302). Not fetch: under Wine, undici's connect fails ("connect UNKNOWN") where node:http
 * works (seen in the Wine lane); the same code serves Windows. A failed download leaves no file.
 */
export async function downloadToFile(url: string, file: string, signal?: AbortSignal, redirects = 5, tls: { ca?: string } = {}): Promise<void> {
  const u = new URL(url);
  // HTTPS only, redirects included: an installer run as an administrator never comes over plain HTTP.
  if (u.protocol !== 'https:') throw new Error(`Download of ${url} refused: only https addresses are downloaded (a redirect to http is refused too)`);
  const get = https.get;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = get(u, { timeout: 60_000, ...(signal ? { signal } : {}), ...(tls.ca ? { ca: tls.ca } : {}) }, resolve);
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', (e) => reject(new Error(`Download of ${url} failed: ${e.message}`)));
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects <= 0) throw new Error(`Download of ${url} failed: too many redirects`);
    return downloadToFile(new URL(res.headers.location, u).toString(), file, signal, redirects - 1, tls);
  }
  if (status !== 200) {
    res.resume();
    throw new Error(`Download of ${url} failed: HTTP ${status}`);
  }
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.download`;
  try {
    await pipeline(res, createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`Download of ${url} failed: ${(e as Error).message}`);
  }
}
