/**
 * End-to-end harness: serves the built renderer (out/renderer) over http on loopback and
 * implements the IPC contract over HTTP (POST /api/<method>, events as server-sent events)
 * against the real main-process code: DeploymentService + dispatch + the winston logger, on a
 * simulated Windows Server in its own folder. The page gets window.djangoIIS from bridgeScript().
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { METHODS, type BridgeEvent, type Desktop } from '../../src/shared/ipc';
import { createLogger } from '../../src/main/logging/logger';
import { loadDeployFile } from '../../src/main/service/deploy-file';
import { DeploymentService } from '../../src/main/service/deployment-service';
import { BadRequestError, dispatch } from '../../src/main/service/dispatch';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import type { Scenario } from '../../src/main/hosts/simulated/server';
import type { DeploymentConfig } from '../../src/shared/config';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const RENDERER = path.resolve(HERE, '../../out/renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface Harness {
  url: string;
  simDir: string;
  /** Where "saved" files go. */
  outDir: string;
  /** URLs and paths the wizard asked to open. */
  opened: string[];
  /** Taskbar progress values set during the run. */
  progress: number[];
  /** Sends a bridge event to the page as main would (the bench feeds the log view with it). */
  emit(e: BridgeEvent): void;
  host: SimulatedHost;
  service: DeploymentService;
  close(): Promise<void>;
}

export async function startHarness(opts: { scenario?: Scenario; folder?: string; defaults?: { config: DeploymentConfig; from: string }; bundleDir?: string } = {}): Promise<Harness> {
  if (!existsSync(path.join(RENDERER, 'index.html'))) throw new Error('out/renderer is missing: run "npm run build" first');
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-sim-'));
  const log = createLogger(mkdtempSync(path.join(os.tmpdir(), 'e2e-logs-')));
  const host = new SimulatedHost(simDir, opts.scenario ?? {});
  const clients = new Set<http.ServerResponse>();
  const history: BridgeEvent[] = [];
  const emit = (e: BridgeEvent) => {
    history.push(e);
    if (history.length > 2000) history.shift();
    for (const c of clients) c.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  // The desktop as the test answers it: folders chosen and files saved under a folder of the run,
  // what would open in the browser or Explorer recorded.
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-out-'));
  const opened: string[] = [];
  const progress: number[] = [];
  const desktop: Desktop = {
    chooseFolder: async (title) => (opts.folder ? opts.folder : `C:\\chosen\\${title.split(' ').at(-1) ?? 'folder'}`),
    saveFile: async (_title, suggestedName) => path.join(outDir, suggestedName),
    openExternal: async (u) => void opened.push(u),
    openPath: async (p) => void opened.push(p),
    setProgress: (f) => void progress.push(f),
  };
  // A bundle "beside the exe": found and opened as main.ts does (checksums, then a copy inside the simulated server).
  const found = opts.bundleDir ? loadDeployFile(opts.bundleDir, simDir) : undefined;
  const defaults = opts.defaults ?? found?.config;
  const service = new DeploymentService({ host, log, emit, version: '0.1.0-e2e', desktop, ...(defaults ? { defaults } : {}), ...(found?.bundle ? { bundle: found.bundle } : {}) });
  log.mirror((entry) => emit({ kind: 'log', entry }));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      for (const e of history) res.write(`data: ${JSON.stringify(e)}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname.startsWith('/api/') && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let payload: unknown;
        try {
          payload = JSON.parse(Buffer.concat(chunks).toString() || 'null');
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'body is not JSON' }));
          return;
        }
        dispatch(service, url.pathname.slice(5), payload).then(
          (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
          (e: unknown) => res.writeHead(e instanceof BadRequestError ? 400 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e) })),
        );
      });
      return;
    }
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(RENDERER) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    simDir,
    outDir,
    opened,
    progress,
    emit,
    host,
    service,
    async close() {
      await service.cancelDeployment();
      for (const c of clients) c.end();
      // The browser keeps idle keep-alive connections open; close them or close() waits forever.
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await host.dispose();
      log.logger.close();
    },
  };
}

/** The page side of the test bridge: the same DjangoIisApi shape the preload exposes. */
export function bridgeScript(): string {
  return `(() => {
  const methods = ${JSON.stringify(METHODS)};
  const listeners = new Set();
  let source;
  const api = {};
  for (const m of methods) {
    api[m] = async (payload) => {
      const r = await fetch('/api/' + m, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload === undefined ? null : payload) });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error);
      return body;
    };
  }
  api.onEvent = (listener) => {
    if (!source) {
      source = new EventSource('/api/events');
      source.onmessage = (m) => { const e = JSON.parse(m.data); listeners.forEach((l) => l(e)); };
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  window.djangoIIS = Object.freeze(api);
})();`;
}
