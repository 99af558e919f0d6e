/**
 * The simulated server's HTTP front: one loopback listener per site binding (site port → a free
 * local port), routing each request as IIS would with the configuration on disk:
 *   site by port → app pool state → configuration errors (500.19) → the handler list in effect at
 *   the URL → module checks (500.21) → StaticFile (content types from staticContent, 404/404.3,
 *   default documents, 403.14) or FastCGI (scriptProcessor must match a <fastCgi> application
 *   exactly, ACLs for the pool identity, Django run by the real Python as wfastcgi would).
 * Error pages follow IIS's detailed local error pages (status, substatus, module, handler, HRESULT).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { effectiveSection, findPool, listSites, resolveUrl, siteBindings, defaultAppPool } from './iisconfig';
import type { SimulatedServer } from './server';
import { getAttr, type El } from './xml';
import { iisErrorPage, type FrontResponse } from './http-front/error-page';
import { FastCgiBackend } from './http-front/fastcgi-backend';
import { HttpPlatformBackend } from './http-front/httpplatform-backend';
import { authenticate, httpRedirect, tlsCredential } from './http-front/security';

export { iisErrorPage, type FrontResponse } from './http-front/error-page';
export { sourceFingerprint } from './http-front/fastcgi-backend';
export { stdoutLogName } from './http-front/httpplatform-backend';

export class HttpFront {
  private readonly listeners = new Map<string, http.Server>();
  private readonly portMap = new Map<string, number>();
  private readonly fastCgiBackend: FastCgiBackend;
  private readonly platformBackend: HttpPlatformBackend;

  constructor(
    private readonly server: SimulatedServer,
    private readonly opts: { listenOnSitePorts: boolean } = { listenOnSitePorts: false },
  ) {
    this.fastCgiBackend = new FastCgiBackend(server);
    this.platformBackend = new HttpPlatformBackend(server);
  }

  /** Starts a loopback listener for every binding of every started site (W3SVC running): http, and https with HTTP.sys's certificate. */
  async sync(): Promise<void> {
    const s = this.server;
    const wanted = new Set<string>();
    if (s.iisInstalled() && s.state.services.W3SVC?.state === 'RUNNING') {
      for (const site of listSites(s.loadAppHost())) {
        if (s.state.siteState[(getAttr(site, 'name') ?? '').toLowerCase()] !== 'Started') continue;
        for (const b of siteBindings(site)) if (b.protocol === 'http' || b.protocol === 'https') wanted.add(`${b.protocol}:${Number(b.bindingInformation.split(':')[1])}`);
      }
    }
    for (const [key, srv] of this.listeners) {
      if (!wanted.has(key)) {
        srv.close();
        this.listeners.delete(key);
        this.portMap.delete(key);
      }
    }
    for (const key of wanted) {
      if (this.listeners.has(key)) continue;
      const [protocol = 'http', p = '0'] = key.split(':');
      const port = Number(p);
      const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          this.handle(port, req.method ?? 'GET', req.url ?? '/', req.headers as Record<string, string>, Buffer.concat(chunks), protocol === 'https' ? 'https' : 'http')
            .then((r) => {
              res.writeHead(r.status, { ...r.headers, ...(r.multi ?? {}) });
              res.end(r.body);
            })
            .catch((err: unknown) => {
              const page = iisErrorPage({ status: 500, sub: 0, title: 'Internal error in the simulated server', detail: String(err) });
              res.writeHead(page.status, page.headers);
              res.end(page.body);
            });
        });
      };
      // HTTP.sys picks the certificate per TLS hello: the SNI binding of the name, else the port's
      // IP binding; with neither, the handshake fails (as a browser sees a reset connection).
      const srv =
        protocol === 'https'
          ? https.createServer(
              {
                SNICallback: (name, cb) => {
                  const cred = tlsCredential(s, port, name);
                  if (!cred) cb(new Error(`no HTTP.sys certificate binding for ${name}:${port} or 0.0.0.0:${port}`));
                  else cb(null, tls.createSecureContext(cred));
                },
              },
              onRequest,
            )
          : http.createServer(onRequest);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(this.opts.listenOnSitePorts ? port : 0, '127.0.0.1', () => {
          srv.off('error', reject);
          resolve();
        });
      });
      this.listeners.set(key, srv);
      this.portMap.set(key, (srv.address() as AddressInfo).port);
    }
  }

  /** The real loopback port serving a site port, if any site listens there. */
  localPort(sitePort: number, protocol: 'http' | 'https' = 'http'): number | undefined {
    return this.portMap.get(`${protocol}:${sitePort}`);
  }

  async stop(): Promise<void> {
    this.fastCgiBackend.stop();
    this.platformBackend.stop();
    await Promise.all([...this.listeners.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.listeners.clear();
    this.portMap.clear();
  }

  /** Handles one request as IIS would. Exposed for tests that do not need a socket. */
  async handle(sitePort: number, method: string, rawUrl: string, headers: Record<string, string>, body: Buffer, protocol: 'http' | 'https' = 'http'): Promise<FrontResponse> {
    const s = this.server;
    const root = s.loadAppHost();
    const hostHeader = (headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    // As http.sys routes: a binding naming this host wins over a binding for any host on the port;
    // among the candidates only a started site serves (a stopped one does not shadow another).
    const started = (x: El): boolean => s.state.siteState[(getAttr(x, 'name') ?? '').toLowerCase()] === 'Started';
    const bound = (x: El, exactHost: boolean): boolean =>
      siteBindings(x).some((b) => {
        const [, port, host] = b.bindingInformation.split(':');
        return b.protocol.toLowerCase() === protocol && Number(port) === sitePort && (exactHost ? !!host && host.toLowerCase() === hostHeader : !host);
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
    const auth = authenticate(s, root, configPath, headers);
    if ('denied' in auth) return auth.denied;
    const moved = httpRedirect(s, root, configPath, url);
    if (moved) return moved;
    // The server variables wfastcgi copies into the WSGI environ (HTTPS decides wsgi.url_scheme).
    const serverVars: Record<string, string> = { HTTPS: protocol === 'https' ? 'on' : 'off', SERVER_PORT_SECURE: protocol === 'https' ? '1' : '0', REMOTE_USER: auth.user, AUTH_USER: auth.user, LOGON_USER: auth.user, AUTH_TYPE: auth.authType };
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
    if (modules.includes('httpPlatformHandler')) return this.platformBackend.handle(root, handler, configPath, r.site, identity, method, url, headers, body);
    if (modules.includes('FastCgiModule')) return this.fastCgiBackend.handle(root, handler, r.physicalPath, r.site, identity, method, url, headers, body, sitePort, serverVars);
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
}
