/**
 * The simulated server's HTTP front: one loopback listener per site binding (site port → a free
 * local port), routing each request as IIS would with the configuration on disk:
 *   site by port → app pool state → configuration errors (500.19) → the handler list in effect at
 *   the URL → module checks (500.21) → StaticFile (content types from staticContent, 404/404.3,
 *   default documents, 403.14) or FastCGI (scriptProcessor must match a <fastCgi> application
 *   exactly, ACLs for the pool identity, Django run by the real Python as wfastcgi would).
 * Error pages follow IIS's detailed local error pages (status, substatus, module, handler, HRESULT).
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, type Dirent } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { effectiveSection, expandEnv, findPool, listSites, resolveUrl, siteBindings, defaultAppPool } from './iisconfig';
import { realPython, mapArg } from './python';
import type { SimulatedServer } from './server';
import { getAttr, type El } from './xml';
import { WSGI_WORKER_PY } from './wsgi-worker';
import { simPythonEnv } from './sim-pyhooks';
import { commandLineToArgv } from '../../../shared/winargv';

export interface FrontResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface ErrorPage {
  status: number;
  sub: number;
  reason: string;
  title: string;
  detail: string;
  module?: string;
  handler?: string;
  hresult?: string;
  causes?: string[];
  fixes?: string[];
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function iisErrorPage(e: Omit<ErrorPage, 'reason'>): FrontResponse {
  const reason = REASONS[e.status] ?? 'Error';
  const code = `${e.status}.${e.sub}`;
  const rows = [
    ['Module', e.module ?? 'IIS Web Core'],
    ['Handler', e.handler ?? 'Not yet determined'],
    ['Error Code', e.hresult ?? '0x00000000'],
  ];
  const body = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>IIS 10.0 Detailed Error - ${code} - ${esc(reason)}</title>
</head>
<body>
<div id="content">
<div class="content-container">
  <h3>HTTP Error ${code} - ${esc(reason)}</h3>
  <h4>${esc(e.title)}</h4>
</div>
<div class="content-container">
 <fieldset><h4>Detailed Error Information:</h4>
  <div id="details-left">
   <table border="0" cellpadding="0" cellspacing="0">
${rows.map(([k, v]) => `    <tr><th>${k}</th><td>&nbsp;&nbsp;&nbsp;${esc(v ?? '')}</td></tr>`).join('\n')}
   </table>
  </div>
  <p>${esc(e.detail)}</p>
 </fieldset>
</div>
${e.causes ? `<div class="content-container"><fieldset><h4>Most likely causes:</h4><ul>${e.causes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></fieldset></div>` : ''}
${e.fixes ? `<div class="content-container"><fieldset><h4>Things you can try:</h4><ul>${e.fixes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></fieldset></div>` : ''}
</div>
</body>
</html>
`;
  return { status: e.status, headers: { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0 (simulated)', 'x-iis-substatus': String(e.sub) }, body: Buffer.from(body) };
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** Newest mtime of *.py / *.config under the site when it started (wfastcgi restarts on change). */
  fingerprint: number;
  /** The pool's recycle count when it started. */
  generation: number;
  queue: Promise<unknown>;
  exited: boolean;
  stderr: string;
  exitCode: number | null;
  lines: AsyncIterator<string>;
  /** Settles once when the process exits (raced against each answer). */
  gone: Promise<IteratorResult<string>>;
}

/** A process HttpPlatformHandler started for a site (the simulator's model of the module). */
interface PlatformProcess {
  child: ChildProcess;
  port: number;
  generation: number;
  exited: boolean;
  exitCode: number | null;
  /** The end of what it wrote to stdout and stderr. */
  output: string;
}

export class HttpFront {
  private readonly listeners = new Map<number, http.Server>();
  private readonly portMap = new Map<number, number>();
  private readonly workers = new Map<string, Worker>();
  /** One process per site (IIS stops the old one when the site's settings or pool change). */
  private readonly platforms = new Map<string, { key: string; pp: PlatformProcess }>();

  constructor(
    private readonly server: SimulatedServer,
    private readonly opts: { listenOnSitePorts: boolean } = { listenOnSitePorts: false },
  ) {}

  /** Starts a loopback listener for every binding of every started site (W3SVC running). */
  async sync(): Promise<void> {
    const s = this.server;
    const wanted = new Set<number>();
    if (s.iisInstalled() && s.state.services.W3SVC?.state === 'RUNNING') {
      for (const site of listSites(s.loadAppHost())) {
        if (s.state.siteState[(getAttr(site, 'name') ?? '').toLowerCase()] !== 'Started') continue;
        for (const b of siteBindings(site)) if (b.protocol === 'http') wanted.add(Number(b.bindingInformation.split(':')[1]));
      }
    }
    for (const [port, srv] of this.listeners) {
      if (!wanted.has(port)) {
        srv.close();
        this.listeners.delete(port);
        this.portMap.delete(port);
      }
    }
    for (const port of wanted) {
      if (this.listeners.has(port)) continue;
      const srv = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          this.handle(port, req.method ?? 'GET', req.url ?? '/', req.headers as Record<string, string>, Buffer.concat(chunks))
            .then((r) => {
              res.writeHead(r.status, r.headers);
              res.end(r.body);
            })
            .catch((err: unknown) => {
              const page = iisErrorPage({ status: 500, sub: 0, title: 'Internal error in the simulated server', detail: String(err) });
              res.writeHead(page.status, page.headers);
              res.end(page.body);
            });
        });
      });
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(this.opts.listenOnSitePorts ? port : 0, '127.0.0.1', () => {
          srv.off('error', reject);
          resolve();
        });
      });
      this.listeners.set(port, srv);
      this.portMap.set(port, (srv.address() as AddressInfo).port);
    }
  }

  /** The real loopback port serving a site port, if any site listens there. */
  localPort(sitePort: number): number | undefined {
    return this.portMap.get(sitePort);
  }

  async stop(): Promise<void> {
    for (const w of this.workers.values()) if (!w.exited) w.child.kill();
    this.workers.clear();
    for (const { pp } of this.platforms.values()) if (!pp.exited) pp.child.kill();
    this.platforms.clear();
    await Promise.all([...this.listeners.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.listeners.clear();
    this.portMap.clear();
  }

  /** Handles one request as IIS would. Exposed for tests that do not need a socket. */
  async handle(sitePort: number, method: string, rawUrl: string, headers: Record<string, string>, body: Buffer): Promise<FrontResponse> {
    const s = this.server;
    const root = s.loadAppHost();
    const hostHeader = (headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    // As http.sys routes: a binding naming this host wins over a binding for any host on the port;
    // among the candidates only a started site serves (a stopped one does not shadow another).
    const started = (x: El): boolean => s.state.siteState[(getAttr(x, 'name') ?? '').toLowerCase()] === 'Started';
    const bound = (x: El, exactHost: boolean): boolean =>
      siteBindings(x).some((b) => {
        const [, port, host] = b.bindingInformation.split(':');
        return b.protocol.toLowerCase() === 'http' && Number(port) === sitePort && (exactHost ? !!host && host.toLowerCase() === hostHeader : !host);
      });
    const sites = listSites(root);
    const site = sites.find((x) => bound(x, true) && started(x)) ?? sites.find((x) => bound(x, true)) ?? sites.find((x) => bound(x, false) && started(x)) ?? sites.find((x) => bound(x, false));
    if (!site || s.state.siteState[(getAttr(site, 'name') ?? '').toLowerCase()] !== 'Started') {
      return { status: 400, headers: { 'content-type': 'text/html' }, body: Buffer.from('<h2>Bad Request - Invalid Hostname</h2><hr><p>HTTP Error 400. The request hostname is invalid.</p>') };
    }
    const siteName = getAttr(site, 'name') ?? '';
    const url = new URL(rawUrl, 'http://localhost');
    const urlPath = decodeURIComponent(url.pathname);
    const r = resolveUrl(site, urlPath);
    if (!r) return iisErrorPage({ status: 404, sub: 0, title: 'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.', detail: 'No application covers this URL.' });
    const poolName = getAttr(r.app, 'applicationPool') ?? defaultAppPool(root);
    if (!findPool(root, poolName) || s.state.poolState[poolName.toLowerCase()] === 'Stopped') {
      return { status: 503, headers: { 'content-type': 'text/html' }, body: Buffer.from('<h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p>') };
    }
    const identity = `IIS AppPool\\${poolName}`;
    const configPath = `${siteName}${urlPath.replace(/\/+$/, '')}`;
    const handlersEff = effectiveSection(s, 'system.webServer/handlers', configPath, root);
    if (handlersEff.errors.length > 0) {
      const e = handlersEff.errors[0] as (typeof handlersEff.errors)[number];
      return iisErrorPage({
        status: 500,
        sub: 19,
        title: 'The requested page cannot be accessed because the related configuration data for the page is invalid.',
        detail: `Config File: \\\\?\\${e.file}\n${e.message}`,
        hresult: e.hresult,
        causes: ['This configuration section cannot be used at this path. The handlers section is locked at server level (overrideModeDefault="Deny").'],
        fixes: ['Write the handlers into applicationHost.config with appcmd ... /commit:apphost, or unlock the section: appcmd unlock config -section:system.webServer/handlers'],
      });
    }
    const fileName = urlPath.split('/').at(-1) ?? '';
    const handler = handlersEff.section.children.find((h) => {
      if (h.name !== 'add') return false;
      const verb = getAttr(h, 'verb') ?? '*';
      const verbOk = verb === '*' || verb.split(',').map((v) => v.trim().toUpperCase()).includes(method.toUpperCase());
      const pattern = getAttr(h, 'path') ?? '*';
      const target = pattern.includes('/') ? urlPath : fileName || '/';
      const re = new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
      return verbOk && (pattern === '*' || re.test(target));
    });
    if (!handler) return iisErrorPage({ status: 404, sub: 4, title: 'The resource you are looking for does not have a handler associated with it.', detail: 'No handler mapping matches this request.' });
    const handlerName = getAttr(handler, 'name') ?? '';
    const modules = (getAttr(handler, 'modules') ?? '').split(',').map((m) => m.trim());
    // A native module runs when it is registered globally (globalModules) and enabled (modules).
    const registered = new Set(effectiveSection(s, 'system.webServer/globalModules', '', root).section.children.filter((c) => c.name === 'add').map((c) => getAttr(c, 'name') ?? ''));
    const installed = new Set(
      effectiveSection(s, 'system.webServer/modules', configPath, root)
        .section.children.filter((c) => c.name === 'add' && registered.has(getAttr(c, 'name') ?? ''))
        .map((c) => getAttr(c, 'name') ?? ''),
    );
    const bad = modules.find((m) => !installed.has(m));
    if (bad) {
      return iisErrorPage({
        status: 500,
        sub: 21,
        title: `Handler "${handlerName}" has a bad module "${bad}" in its module list`,
        detail: `The module ${bad} is not installed on this server.`,
        module: 'IIS Web Core',
        handler: handlerName,
        hresult: '0x8007000d',
        causes: [bad === 'FastCgiModule' || bad === 'CgiModule' ? 'The CGI role service of IIS (IIS-CGI) is not installed.' : `The module ${bad} is not installed.`],
        fixes: [bad === 'httpPlatformHandler' ? 'Install HttpPlatformHandler v1.2 (httpPlatformHandler_amd64.msi).' : 'Enable IIS-CGI: dism /Online /Enable-Feature /FeatureName:IIS-CGI /All'],
      });
    }
    if (modules.includes('httpPlatformHandler')) return this.httpPlatform(root, handler, configPath, r.site, identity, method, url, headers, body);
    if (modules.includes('FastCgiModule')) return this.fastCgi(root, handler, r.physicalPath, r.site, identity, method, url, headers, body, sitePort);
    if (modules.includes('StaticFileModule')) return this.staticFile(configPath, r.physicalPath, identity, handler, urlPath, root);
    if (modules.includes('ProtocolSupportModule')) return { status: 200, headers: { allow: 'OPTIONS, TRACE, GET, HEAD, POST' }, body: Buffer.alloc(0) };
    return iisErrorPage({ status: 404, sub: 2, title: 'The page you are requesting cannot be served because of the ISAPI and CGI Restriction list settings on the Web server.', detail: `Handler ${handlerName} uses ${modules.join(',')}, which the simulator does not run.`, handler: handlerName });
  }

  private staticFile(configPath: string, physical: string | undefined, identity: string, handler: El, urlPath: string, root: El): FrontResponse {
    const s = this.server;
    const handlerName = getAttr(handler, 'name') ?? 'StaticFile';
    const notFound = iisErrorPage({ status: 404, sub: 0, title: 'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.', detail: `Requested URL ${urlPath}; physical path ${physical ?? '(none)'}`, module: 'IIS Web Core', handler: handlerName, hresult: '0x80070002' });
    if (!physical) return notFound;
    const real = s.toReal(physical);
    if (!existsSync(real)) return notFound;
    let file = physical;
    if (statSync(real).isDirectory()) {
      const docs = effectiveSection(s, 'system.webServer/defaultDocument', configPath, root).section;
      const files = docs.children.find((c) => c.name === 'files')?.children.filter((c) => c.name === 'add').map((c) => getAttr(c, 'value') ?? '') ?? [];
      const hit = (getAttr(docs, 'enabled') ?? 'true') === 'true' ? files.find((f) => s.existsWin(`${physical}\\${f}`)) : undefined;
      if (!hit) return iisErrorPage({ status: 403, sub: 14, title: 'The Web server is configured to not list the contents of this directory.', detail: `A default document is not configured for ${urlPath}, and directory browsing is not enabled.`, module: 'DirectoryListingModule', handler: handlerName, hresult: '0x00000000', causes: ['If the request should have reached Django, the Django handler is not applied at this URL: check the site\'s handler mappings.'] });
      file = `${physical}\\${hit}`;
    }
    if (!s.canAccess(identity, file, 'read')) {
      return iisErrorPage({ status: 401, sub: 3, title: 'You do not have permission to view this directory or page because of the access control list (ACL) configuration or encryption settings for this resource on the Web server.', detail: `${identity} cannot read ${file}.`, module: 'StaticFileModule', handler: handlerName, hresult: '0x80070005' });
    }
    const ext = path.extname(file).toLowerCase();
    const mime = effectiveSection(s, 'system.webServer/staticContent', configPath, root).section.children.find((c) => c.name === 'mimeMap' && (getAttr(c, 'fileExtension') ?? '').toLowerCase() === ext);
    if (!mime) return iisErrorPage({ status: 404, sub: 3, title: 'The page you are requesting cannot be served because of the extension configuration.', detail: `No MIME type is configured for ${ext || '(no extension)'}.`, module: 'StaticFileModule', handler: handlerName, hresult: '0x80070032' });
    return { status: 200, headers: { 'content-type': getAttr(mime, 'mimeType') ?? 'application/octet-stream', server: 'Microsoft-IIS/10.0 (simulated)', 'x-simulated-handler': handlerName }, body: readFileSync(s.toReal(file)) };
  }

  private async fastCgi(root: El, handler: El, physical: string | undefined, site: El, identity: string, method: string, url: URL, headers: Record<string, string>, body: Buffer, sitePort: number): Promise<FrontResponse> {
    const s = this.server;
    const handlerName = getAttr(handler, 'name') ?? '';
    const scriptProcessor = getAttr(handler, 'scriptProcessor') ?? '';
    const fcgi = effectiveSection(s, 'system.webServer/fastCgi', '', root).section;
    // UNCONFIRMED whether IIS compares case-insensitively; the simulator demands an exact match.
    const app = fcgi.children.find((a) => a.name === 'application' && `${getAttr(a, 'fullPath') ?? ''}|${getAttr(a, 'arguments') ?? ''}` === scriptProcessor);
    const fail500 = (title: string, detail: string, hresult: string, causes?: string[], fixes?: string[]) =>
      iisErrorPage({ status: 500, sub: 0, title, detail, module: 'FastCgiModule', handler: handlerName, hresult, ...(causes ? { causes } : {}), ...(fixes ? { fixes } : {}) });
    if (!app) {
      return fail500(
        '<handler> scriptProcessor could not be found in <fastCGI> application configuration',
        `The handler's scriptProcessor "${scriptProcessor}" matches no <fastCgi> application (fullPath|arguments).`,
        '0x80070585',
        ['The handler string differs from the FastCGI application\'s fullPath|arguments (quotes, .py vs .exe, another python).'],
        ['Generate the handler\'s scriptProcessor from the same value as the FastCGI application.'],
      );
    }
    const unquote = (x: string) => x.replace(/^"(.*)"$/, '$1');
    const fullPath = unquote(expandEnv(getAttr(app, 'fullPath') ?? ''));
    const args = unquote(expandEnv(getAttr(app, 'arguments') ?? ''));
    if (!s.existsWin(fullPath)) return fail500('The FastCGI executable could not be found', `${fullPath} does not exist.`, '0x80070002');
    const env: Record<string, string> = {};
    for (const v of app.children.find((c) => c.name === 'environmentVariables')?.children ?? []) {
      if (v.name === 'environmentVariable') env[getAttr(v, 'name') ?? ''] = getAttr(v, 'value') ?? '';
    }
    const venv = s.venvForPython(fullPath);
    const base = venv ? s.pythonAt(venv.basePython) : s.pythonAt(fullPath);
    const exited = (why: string) =>
      fail500('The FastCGI process exited unexpectedly', why, '0x00000003', [
        'The application pool identity cannot read Python, the virtual environment or the application (for example a per-user Python install), or cannot write WSGI_LOG.',
      ], ['Install Python for all users; grant the pool identity read/execute with icacls on Python, the venv and the app, and modify on the log folder.']);
    if (!base) return exited(`${fullPath} is not a Python interpreter the server knows.`);
    const rootVdir = resolveUrl(site, '/')?.vdir;
    const sitePhysical = rootVdir ? expandEnv(getAttr(rootVdir, 'physicalPath') ?? '') : (physical ?? '');
    // wfastcgi runs as the pool identity: it must read Python, the venv, its script, the site
    // folder it chdirs to, and every PYTHONPATH entry.
    const mustRead = [base.dir, ...(venv ? [venv.winDir] : []), args, ...(sitePhysical ? [sitePhysical] : []), ...(env.PYTHONPATH ?? '').split(';').filter((x) => /^[A-Za-z]:\\/.test(x))];
    for (const p of mustRead) if (!s.canAccess(identity, p, 'read')) return exited(`${identity} cannot read ${p}.`);
    if (!s.existsWin(args)) return exited(`The script ${args} does not exist (python: can't open file).`);
    if (env.WSGI_LOG) {
      const dir = env.WSGI_LOG.slice(0, env.WSGI_LOG.lastIndexOf('\\'));
      if (!s.existsWin(dir) || !s.canAccess(identity, dir, 'write')) return exited(`${identity} cannot write WSGI_LOG ${env.WSGI_LOG}.`);
    }
    if (!venv && !existsSync(realPython())) return exited(`No real Python at ${realPython()}.`);
    const key = JSON.stringify({ fullPath, args, env, sitePhysical });
    let w = this.workers.get(key);
    // A recycle of the pool (appcmd recycle apppool) counts as a change: a new process starts.
    const generation = s.state.poolRecycles?.[identity.slice('IIS AppPool\\'.length).toLowerCase()] ?? 0;
    const fp = sourceFingerprint(s.toReal(sitePhysical));
    if (w && !w.exited && (w.fingerprint !== fp || w.generation !== generation)) {
      // wfastcgi's default WSGI_RESTART_FILE_REGEX, .*((\.py)|(\.config))$: a changed file restarts the process.
      w.child.kill();
      w = undefined;
    }
    if (!w || w.exited) {
      w = this.startWorker(venv ? path.join(venv.realDir, 'bin', 'python') : realPython(), env, sitePhysical);
      w.generation = generation;
      this.workers.set(key, w);
    }
    const worker = w;
    const send = async (): Promise<FrontResponse> => {
      if (worker.exited) return exited(`The process exited with code ${worker.exitCode ?? '?'}: ${worker.stderr.slice(-2000)}`);
      const reqLine = JSON.stringify({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), headers, body: body.toString('base64'), serverPort: sitePort, serverName: (headers.host ?? 'localhost').replace(/:\d+$/, '') });
      worker.child.stdin.write(`${reqLine}\n`);
      const next = await Promise.race([worker.lines.next(), worker.gone]);
      if (next.done) return exited(`The process exited with code ${worker.exitCode ?? '?'}: ${worker.stderr.slice(-2000)}`);
      const r = JSON.parse(next.value) as { status: string; headers: [string, string][]; body: string; handlerError?: boolean };
      const status = Number(r.status.split(' ')[0]);
      const hdrs: Record<string, string> = { server: 'Microsoft-IIS/10.0 (simulated)', 'x-simulated-handler': handlerName };
      for (const [k, v] of r.headers) hdrs[k.toLowerCase()] = v;
      return { status, headers: hdrs, body: Buffer.from(r.body, 'base64') };
    };
    const p = worker.queue.then(send, send);
    worker.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * HttpPlatformHandler, as the simulator models it (windows-iis.md §9): the site's
   * system.webServer/httpPlatform section names a process; the module starts it (as the pool
   * identity, in the site's folder, with HTTP_PLATFORM_PORT set and substituted in the
   * arguments), waits up to startupTimeLimit seconds for it to listen on that port, and forwards
   * the request. Failures answer 502.3 as the module does: the process exited (0x8007042b), did
   * not listen in time (0x80072ee2), could not be started (0x80070002 / 0x80070005). stdout and
   * stderr go to <stdoutLogFile>_<pid>_<time>.log when enabled and the folder is writable by the
   * pool; otherwise the process runs without a log (the real module writes a warning event).
   * UNCONFIRMED on Windows: the page texts, the process's working folder (the site's folder here).
   */
  private async httpPlatform(root: El, handler: El, configPath: string, site: El, identity: string, method: string, url: URL, headers: Record<string, string>, body: Buffer): Promise<FrontResponse> {
    const s = this.server;
    const handlerName = getAttr(handler, 'name') ?? '';
    const hp = effectiveSection(s, 'system.webServer/httpPlatform', configPath, root).section;
    const attr = (k: string, dflt: string) => getAttr(hp, k) ?? dflt;
    const bad = (hresult: string, detail: string, causes: string[]) =>
      iisErrorPage({ status: 502, sub: 3, title: 'The specified CGI application encountered an error and the server terminated the process.', detail, module: 'httpPlatformHandler', handler: handlerName, hresult, causes });
    const processPath = expandEnv(attr('processPath', ''));
    if (!processPath || !s.existsWin(processPath)) return bad('0x80070002', `Failed to start process with commandline '${processPath} ${attr('arguments', '')}': the file ${processPath || '(processPath is empty)'} does not exist.`, ['processPath in the site\'s httpPlatform settings does not name an existing program.']);
    const env: Record<string, string> = {};
    for (const v of hp.children.find((c) => c.name === 'environmentVariables')?.children ?? []) if (v.name === 'environmentVariable') env[getAttr(v, 'name') ?? ''] = getAttr(v, 'value') ?? '';
    const venv = s.venvForPython(processPath);
    const base = venv ? s.pythonAt(venv.basePython) : s.pythonAt(processPath);
    if (!base) return bad('0x80070005', `${processPath} is not a program the simulated server can run (it models Python interpreters).`, ['processPath must be the virtual environment\'s python.exe.']);
    const rootVdir = resolveUrl(site, '/')?.vdir;
    const sitePhysical = rootVdir ? expandEnv(getAttr(rootVdir, 'physicalPath') ?? '') : '';
    const exitedPage = (pp: PlatformProcess) => bad('0x8007042b', `The process exited with code ${pp.exitCode ?? '?'} before it listened on port ${pp.port}.${pp.output ? `\n${pp.output.slice(-1500)}` : ''}`, ['The process started but then stopped (an error in the application or its settings, a missing package), or it could not read its files.']);
    // The process runs as the pool identity: it must read Python, the venv and the site folder.
    for (const p of [base.dir, ...(venv ? [venv.winDir] : []), ...(sitePhysical ? [sitePhysical] : []), ...(env.PYTHONPATH ?? '').split(';').filter((x) => /^[A-Za-z]:\\/.test(x))]) {
      if (!s.canAccess(identity, p, 'read')) return bad(p === base.dir || p === venv?.winDir ? '0x80070005' : '0x8007042b', `${identity} cannot read ${p}.`, ['The application pool identity cannot read Python, the virtual environment or the application.']);
    }
    const args = attr('arguments', '');
    const generation = s.state.poolRecycles?.[identity.slice('IIS AppPool\\'.length).toLowerCase()] ?? 0;
    const key = JSON.stringify({ processPath, args, env, sitePhysical, log: [attr('stdoutLogEnabled', 'false'), attr('stdoutLogFile', '')], generation });
    const siteKey = (getAttr(site, 'name') ?? '').toLowerCase();
    const running = this.platforms.get(siteKey);
    let pp = running?.key === key ? running.pp : undefined;
    if (running && running.key !== key && !running.pp.exited) running.pp.child.kill();
    if (!pp || pp.exited) {
      const limit = Number(attr('startupTimeLimit', '120')) * 1000;
      const tries = 1 + Number(attr('startupRetryCount', '10'));
      for (let attempt = 0; attempt < tries; attempt++) {
        pp = await this.startPlatformProcess(venv ? path.join(venv.realDir, 'bin', 'python') : realPython(), args, env, sitePhysical, identity, hp);
        pp.generation = generation;
        const started = Date.now();
        let up = false;
        while (!pp.exited && Date.now() - started < limit) {
          if (await canConnect(pp.port)) {
            up = true;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        if (up) break;
        if (!pp.exited) {
          pp.child.kill();
          return bad('0x80072ee2', `The process did not listen on port ${pp.port} within startupTimeLimit (${limit / 1000} s).`, ['The process does not listen on the port in HTTP_PLATFORM_PORT (arguments without %HTTP_PLATFORM_PORT%), or it starts too slowly for startupTimeLimit.']);
        }
      }
      if (!pp || pp.exited) return pp ? exitedPage(pp) : bad('0x8007042b', 'The process could not be started.', []);
      this.platforms.set(siteKey, { key, pp });
    }
    const proc = pp;
    const timeout = timeSpanMs(attr('requestTimeout', '00:02:00'));
    return new Promise<FrontResponse>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: proc.port, method, path: `${url.pathname}${url.search}`, headers: { ...headers, 'x-original-url': `${url.pathname}${url.search}` }, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const hdrs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 502, headers: { ...hdrs, server: 'Microsoft-IIS/10.0 (simulated)', 'x-simulated-handler': handlerName }, body: Buffer.concat(chunks) });
        });
      });
      req.on('timeout', () => {
        req.destroy();
        resolve(bad('0x80072ee2', `The process did not answer within requestTimeout.`, ['The application takes longer than requestTimeout to answer.']));
      });
      req.on('error', () => resolve(proc.exited ? exitedPage(proc) : bad('0x80072efd', `The connection to the process on port ${proc.port} failed.`, ['The process stopped listening.'])));
      req.end(body);
    });
  }

  private async startPlatformProcess(python: string, args: string, env: Record<string, string>, sitePhysical: string, identity: string, hp: El): Promise<PlatformProcess> {
    const s = this.server;
    const port = await freePort();
    const argv = commandLineToArgv(args.replace(/%HTTP_PLATFORM_PORT%/gi, String(port))).map((a) => mapArg(s, a));
    const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
    for (const [k, v] of Object.entries(env)) childEnv[k] = mapArg(s, v);
    childEnv.HTTP_PLATFORM_PORT = String(port);
    Object.assign(childEnv, simPythonEnv(s, env.PYTHONPATH ? mapArg(s, env.PYTHONPATH) : undefined));
    const cwd = sitePhysical && existsSync(s.toReal(sitePhysical)) ? s.toReal(sitePhysical) : s.root;
    const child = spawn(python, argv, { env: childEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const pp: PlatformProcess = { child, port, generation: 0, exited: false, exitCode: null, output: '' };
    // stdout/stderr to the log file when enabled and writable by the pool identity.
    let logFile: string | undefined;
    if ((getAttr(hp, 'stdoutLogEnabled') ?? 'false') === 'true') {
      let prefix = expandEnv(getAttr(hp, 'stdoutLogFile') ?? '.\\httpplatform-stdout');
      if (!/^[A-Za-z]:\\/.test(prefix)) prefix = `${sitePhysical}\\${prefix.replace(/^\.\\/, '')}`;
      const dir = prefix.slice(0, prefix.lastIndexOf('\\'));
      if (s.existsWin(dir) && s.canAccess(identity, dir, 'write')) logFile = s.toReal(stdoutLogName(prefix, child.pid ?? 0, new Date()));
      else s.noteSimulated(`HttpPlatformHandler could not create its stdout log under ${dir} (${identity} cannot write there): the process runs without a log (on Windows: a warning event "Could not create stdoutLogFile").`);
    }
    const onData = (d: Buffer) => {
      const text = s.mapOutput(d.toString());
      pp.output = (pp.output + text).slice(-20000);
      if (logFile) appendFileSync(logFile, text);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      pp.exited = true;
      pp.exitCode = code;
    });
    child.on('error', () => {
      pp.exited = true;
    });
    return pp;
  }

  private startWorker(python: string, env: Record<string, string>, sitePhysical: string): Worker {
    const s = this.server;
    const script = path.join(s.root, '.sim', 'wfastcgi_sim.py');
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, WSGI_WORKER_PY);
    const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
    for (const [k, v] of Object.entries(env)) childEnv[k] = k === 'PYTHONPATH' ? '' : mapArg(s, v);
    childEnv.SIM_PYTHONPATH = env.PYTHONPATH ? mapArg(s, env.PYTHONPATH) : '';
    Object.assign(childEnv, simPythonEnv(s));
    childEnv.SIM_APPL_PHYSICAL_PATH = sitePhysical ? s.toReal(sitePhysical) : '';
    const child = spawn(python, [script], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const gone = new Promise<IteratorResult<string>>((resolve) => child.once('exit', () => resolve({ done: true, value: undefined })));
    const w: Worker = { child, fingerprint: sourceFingerprint(childEnv.SIM_APPL_PHYSICAL_PATH), generation: 0, queue: Promise.resolve(), exited: false, stderr: '', exitCode: null, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), gone };
    child.stderr.on('data', (d: Buffer) => {
      w.stderr = (w.stderr + s.mapOutput(d.toString())).slice(-20000);
    });
    child.on('exit', (code) => {
      w.exited = true;
      w.exitCode = code;
    });
    child.on('error', () => {
      w.exited = true;
    });
    return w;
  }
}

/** HttpPlatformHandler's log file name: the prefix, the process id and the start time (as in its event text). */
export function stdoutLogName(prefix: string, pid: number, at: Date): string {
  const t = `${at.getFullYear()}${at.getMonth() + 1}${at.getDate()}${at.getHours()}${at.getMinutes()}${at.getSeconds()}`;
  return `${prefix}_${pid}_${t}.log`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

function timeSpanMs(v: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})/.exec(v);
  if (!m) return 120_000;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

/** Newest modification time of the .py and .config files below a folder (wfastcgi's restart rule). */
export function sourceFingerprint(dir: string): number {
  let newest = 0;
  const walk = (d: string, depth: number) => {
    if (depth > 6) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full, depth + 1);
      else if (/\.(py|config)$/i.test(e.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  if (dir) walk(dir, 0);
  return newest;
}

