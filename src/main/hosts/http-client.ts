/**
 * A plain HTTP GET/HEAD client over node:http. Not fetch: fetch drops a Host header, and
 * verifying a site bound to a host name needs one (IIS routes by it).
 */
import http from 'node:http';
import type { HttpOptions, HttpResult } from '../engine/host';

export function httpRequest(url: string, opts: HttpOptions = {}, connectTo?: { host: string; port: number }): Promise<HttpResult> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: connectTo?.host ?? u.hostname,
        port: connectTo?.port ?? Number(u.port || 80),
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: { host: u.host, ...(opts.headers ?? {}) },
        timeout: opts.timeoutMs ?? 30000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => resolve({ status: 0, headers: {}, body: '', networkError: String(e) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 30000} ms`)));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', networkError: String(e) }));
    req.end();
  });
}
