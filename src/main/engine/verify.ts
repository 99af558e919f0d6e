/**
 * Verification: HTTP probes of the deployed site (the guide's "browse to http://localhost:81" and
 * "/admin has its CSS"), with diagnostics that turn each failure into cause and fix
 * (windows-iis.md §7).
 */
import { missingModule, missingModuleFix } from '../../shared/import-names';
import type { DeploymentConfig, Derived } from '../../shared/config';
import { derive } from '../../shared/config';
import type { ProbeResult, VerificationReport } from '../../shared/plan';
import { redact, redactDeep, type Problem } from '../../shared/problem';
import { managePy } from './commands';
import type { Host, HttpResult } from './host';
import { manageEnv, missingManifest, projectView, type ProjectView } from './project';
import { codeFingerprint, recall, remember } from './check-cache';
import { resolveDeployment } from './release/layout';
import type { StepContext } from './step';
import { explainDeployWarning } from './deploy-warnings';
import { securityProbes, siteAddress } from './https/verify';
import { settingFromEnv } from './settings-problem';
import { collectedSample, decodeEntities, parseDebugPage, responseEvidence, type DebugPage } from './response-evidence';
import { describeIisError, groupDiagnoses, parseIisError, recentIisEvents, stdoutLogFiles, stdoutLogTail, wsgiLogTail, wsgiProbe } from './diagnosis';

export function isIisErrorPage(r: HttpResult): boolean {
  return /<title>IIS [\d.]+ Detailed Error|HTTP Error \d{3}\.\d+|<h2>Service Unavailable<\/h2>|Bad Request - Invalid Hostname/.test(r.body);
}

function iisTitle(body: string): string | undefined {
  const h3 = /<h3>(HTTP Error [^<]+)<\/h3>\s*<h4>([^<]+)<\/h4>/.exec(body);
  if (h3) return `${h3[1]}: ${decodeEntities(h3[2] ?? '')}`;
  return /<p>(HTTP Error[^<]+)<\/p>/.exec(body)?.[1];
}

/** A redirect to https:// (what the project's SECURE_SSL_REDIRECT answers plain http with). */
const toHttps = (r: HttpResult) => r.status >= 300 && r.status < 400 && /^https:\/\//i.test(r.headers.location ?? '');

/** Maps a bad answer to its known cause: what happened, why and what to do (the cause groups probes). */
export function diagnose(r: HttpResult, c: DeploymentConfig, d: Derived, kind: 'page' | 'static', view: Pick<ProjectView, 'staticUrl' | 'staticRoot'> & { debug?: boolean } = { staticUrl: c.staticUrl ?? '/static/', staticRoot: d.staticRoot }): Problem & { cause: string } {
  const staticVdirPath = view.staticUrl.replace(/\/$/, '');
  const body = r.body;
  const details = parseIisError(body);
  const title = details ? describeIisError(details) : iisTitle(body);
  // IIS's error page in its parts, else the answer itself: status line, Location, the first lines.
  const output = title ?? responseEvidence(r).join('\n');
  const p = (cause: string, what: string, why: string, fix: string): Problem & { cause: string } => ({ cause, what, why, fix, output });
  if (r.networkError && c.https)
    return p('https-unreachable', `No HTTPS answer on port ${c.https.port}${c.hostName ? ` for ${c.hostName}` : ''}.`, 'W3SVC or the site is stopped, the https binding is missing, or HTTP.sys has no certificate bound to the address (netsh http show sslcert): the TLS handshake then fails.', 'Run Setup again (or verify --fix): the "Bind HTTPS with the certificate" step puts the binding and the certificate back.');
  if (r.networkError)
    return p('nothing-listens', `Nothing answered on port ${c.port}.`, 'The World Wide Web Publishing Service (W3SVC) is stopped, the site is stopped, or its binding is missing.', `Start W3SVC (sc start W3SVC) and the site (appcmd start site ${c.siteName}); check the binding http/*:${c.port}:.`);
  if (toHttps(r)) return httpsRedirect(r, c, output);
  if (r.status === 503) return p('pool-stopped', 'HTTP 503: the service is unavailable.', `The application pool "${d.appPool}" is stopped or missing.`, `Start it: appcmd start apppool ${d.appPool} (run Setup again to recreate it).`);
  if (/bad module "httpPlatformHandler"/i.test(body)) return p('httpplatform-missing', 'HTTP 500.21: the handler has a bad module httpPlatformHandler.', 'HttpPlatformHandler is not installed on this server (or was removed).', 'Run Setup again (or verify --fix): the "Install HttpPlatformHandler" step installs it.');
  if (r.status === 502 && details?.module === 'httpPlatformHandler') {
    const code = (details.errorCode ?? '').toLowerCase();
    if (code === '0x80072ee2')
      return p('httpplatform-timeout', 'HTTP 502.3: waitress did not answer in time.', `The process HttpPlatformHandler starts did not listen on the port it was given (HTTP_PLATFORM_PORT) within startupTimeLimit (${c.httpPlatform.startupTimeLimit} s): its arguments lack --listen=127.0.0.1:%HTTP_PLATFORM_PORT%, or the application starts too slowly.`, 'Run Setup again (or verify --fix): the httpPlatform step writes the arguments back; if the application is slow to start, raise httpPlatform.startupTimeLimit.');
    if (code === '0x80070002' || code === '0x80070005')
      return p('httpplatform-start', 'HTTP 502.3: HttpPlatformHandler could not start the process.', `processPath (${d.venvPython}) does not exist or IIS AppPool\\${d.appPool} cannot run it.`, 'Run Setup again (or verify --fix): the venv, httpPlatform and permissions steps put the interpreter, the settings and the grants back.');
    return p('httpplatform-exited', 'HTTP 502.3: the waitress process exited at start.', `The process HttpPlatformHandler starts (${d.venvPython} -m waitress ...) stopped before it listened: the application or its settings fail to import, a package (waitress) is missing, or the pool cannot read the files.`, `Read the evidence (the import as waitress does it, and the end of ${d.stdoutLog}_*.log); run Setup again (or verify --fix) for packages, settings and grants.`);
  }
  if (/bad module "FastCgiModule"|bad module "CgiModule"/.test(body)) return p('cgi-missing', 'HTTP 500.21: the handler has a bad module FastCgiModule.', 'The CGI role service of IIS is not installed.', 'Enable IIS-CGI (the "IIS with CGI" step) and run again.');
  if (/scriptProcessor could not be found/.test(decodeEntities(body)))
    return p('handler-fastcgi-mismatch', 'HTTP 500.0: the handler\'s scriptProcessor was not found in <fastCGI>.', 'The handler mapping and the FastCGI application disagree (quotes, .py vs .exe, another python).', 'Run Setup again: it writes both from one value.');
  if (/related configuration data for the page is invalid|500\.19/.test(body))
    return p('web-config-locked', 'HTTP 500.19: invalid configuration.', 'A web.config defines a locked section (handlers are locked at server level by default), typically the project\'s own web.config from an Azure or PTVS template.', 'Run Setup again: its web.config step takes the <handlers> section out of the project\'s web.config (recorded for undo).');
  if (/FastCGI process exited unexpectedly/.test(body))
    return p('fastcgi-exited', 'HTTP 500.0: the FastCGI process exited unexpectedly.', `IIS AppPool\\${d.appPool} cannot read Python, the venv or the app, or cannot write WSGI_LOG (${d.wsgiLog || 'not set'}).`, 'Run the permissions step again (icacls grants), install Python for all users, and read the Application event log.');
  if (/Error occurred while reading WSGI handler/.test(body)) {
    const last = body.trim().split(/\r?\n/).filter((l) => /Error|Exception/.test(l)).at(-1) ?? '';
    return {
      cause: 'wsgi-import',
      what: 'wfastcgi could not load the Django application.',
      why: `${last.trim() || 'The WSGI handler import failed.'} (WSGI_HANDLER, PYTHONPATH=${c.appDir} or DJANGO_SETTINGS_MODULE=${d.settingsModule} is wrong, the project has an error, or a package is missing.)`,
      fix: 'Read the evidence: where the import fails is shown first. Run Setup again (or verify --fix) to put the FastCGI variables back; if a package is missing, add it to the requirements.',
      output: body.slice(-1500),
    };
  }
  if (/DisallowedHost|Invalid HTTP_HOST header/.test(body) || (r.status === 400 && /Bad Request \(400\)/.test(body)))
    return p('disallowed-host', 'Django rejected the host name (DisallowedHost).', 'The host is not in ALLOWED_HOSTS as Django evaluates it.', 'Run Setup again (or verify --fix): the settings step adds the site\'s host names; other names go into allowedHosts in the configuration.');
  if (/no such table|relation "[^"]+" does not exist|Table '[^']+' doesn't exist/i.test(body))
    return p('db-not-migrated', 'Django cannot find a database table.', 'The database is not migrated (manage.py migrate has not run against it).', 'Run Setup again (or verify --fix): the migrate step applies the migrations.');
  if (/attempt to write a readonly database|unable to open database file/i.test(body))
    return p('db-readonly', 'Django cannot write the SQLite database.', `IIS AppPool\\${d.appPool} has no modify right on the database's folder (SQLite writes a journal beside the file).`, 'Run Setup again (or verify --fix): the permissions step grants modify on the database folder.');
  if (/CSRF verification failed|Origin checking failed/i.test(body))
    return p('csrf-origin', 'Django refused a form post (CSRF verification failed).', 'The origin the browser sends (scheme and host) is not in CSRF_TRUSTED_ORIGINS, or the site is served over http while the settings expect https.', 'Add the origin (e.g. https://app.example.com) to CSRF_TRUSTED_ORIGINS in the project\'s settings, or serve the site as its settings expect.');
  if (/Missing staticfiles manifest entry/i.test(body))
    return p('static-manifest', 'Django cannot find a static file in the manifest.', 'The project uses a manifest storage (e.g. whitenoise) and collectstatic has not run since the file was added.', 'Run Setup again (or verify --fix): the collectstatic step collects the files.');
  if (r.status === 403 && /403\.14/.test(body)) return p('handler-missing', 'HTTP 403.14: directory listing denied.', 'The request reached the static file handler, not Django: the Django handler is not applied at the site.', `Check the handler mapping of "${c.siteName}" (the "Django handler" step).`);
  if (r.status === 404 && kind === 'static') {
    if (isIisErrorPage(r)) return p('static-not-collected', `HTTP 404 for a static file under ${view.staticUrl}.`, `The file is not in ${view.staticRoot}: collectstatic has not run, or STATIC_ROOT differs from the virtual directory.`, 'Run the collectstatic step again and check the /static virtual directory.');
    return p('static-django-inherited', `Django answered a request for a static file under ${view.staticUrl}.`, `The Django handler is still in force in the ${staticVdirPath} virtual directory (inherited from the site).`, 'Run the static files step again: it removes the Django handler at the virtual directory.');
  }
  if (kind === 'page' && r.status === 404 && details?.handler === 'StaticFile')
    return p('handler-missing', `HTTP 404 from IIS's static file handler for a Django page.`, 'The request reached the static file handler, not Django: the Django handler is not applied at the site.', `Run Setup again (or verify --fix): the handler step maps "${c.siteName}" to Django.`);
  if (r.status === 404 && /404\.17/.test(body)) return p('handler-missing', 'HTTP 404.17: the request reached the static handler.', 'The Django handler is not applied at the site.', 'Check the handler mapping (the "Django handler" step).');
  if (r.status === 401 && /401\.3/.test(body)) return p('acl-denied', 'HTTP 401.3: access denied by ACL.', `IIS AppPool\\${d.appPool} cannot read the files.`, 'Run the permissions step again.');
  // Django's debug page, once the causes it may show (DisallowedHost, a missing table, ...) are ruled out.
  const page = parseDebugPage(body, c.appDir);
  if (page) return debugPageProblem(r, page, output);
  if (r.status >= 500 && !details)
    return p('django-error', `Django answered HTTP ${r.status}.`, `The application raised an error; ${view.debug === false ? 'DEBUG is off, so' : 'with DEBUG off'} Django shows only "Server Error (500)" and writes the traceback to its log.`, `Read WSGI_LOG (${d.wsgiLog || 'not set'}) and the project's own logging for the traceback.`);
  return p('unknown', `Unexpected answer: HTTP ${r.status}${title ? ` (${title})` : ''}.`, 'The answer is none the tool knows; the evidence shows what came back.', 'Open the URL in a browser on the server to see the whole answer; check WSGI_LOG.');
}

/** A redirect to https:// (the project's SECURE_SSL_REDIRECT, Django's SecurityMiddleware) on a site served over http. */
function httpsRedirect(r: HttpResult, c: DeploymentConfig, output: string): Problem & { cause: string } {
  return {
    cause: 'https-redirect',
    what: `HTTP ${r.status}: Django sends the request to ${r.headers.location ?? ''}.`,
    why: `The project's settings send every plain-http request to HTTPS (SECURE_SSL_REDIRECT = True, applied by Django's SecurityMiddleware). The site "${c.siteName}" is served over http on port ${c.port} only, so a browser is sent to an address where the site does not answer.`,
    fix: 'Serve the site over HTTPS as the project expects: add "https": {"port": 443, "certificate": {"thumbprint": "..."}} (a certificate in LocalMachine\\My; or {"pfx": ..., "passwordEnv": ...}) with "hostName", and "redirectHttp": true if plain http should redirect. Or, where the project reads it from the environment, turn SECURE_SSL_REDIRECT off through "environment" until the site has one.',
    output,
  };
}

/** Django's debug page (DEBUG on): the exception and the project's frame it was raised in. */
function debugPageProblem(r: HttpResult, page: DebugPage, output: string): Problem & { cause: string } {
  const where = page.projectFrame ?? page.lastFrame;
  const head = output.split('\n').filter((l) => /^(HTTP \d|Content-Type:)/.test(l));
  const evidence = [`Django's debug page (DEBUG is on): ${page.type} at ${page.path}: ${page.value}`, ...(page.projectFrame ? [`raised in the project's ${page.projectFrame}`] : page.lastFrame ? [`raised in ${page.lastFrame} (no frame of the project)`] : []), ...head].join('\n');
  return {
    cause: page.projectFrame ? 'view-error' : 'django-error',
    what: `${page.path} raises ${page.type}: ${page.value}${where ? ` (${where})` : ''}.`,
    why: page.projectFrame ? `The page's code in the project fails; Django's debug page (DEBUG is on) names the exception and the frame.` : `Django answered HTTP ${r.status}; its debug page (DEBUG is on) shows the exception, raised outside the project's own files (a setting, a package, the database).`,
    fix: page.projectFrame ? `Fix ${page.projectFrame.replace(/, in .*$/, '')} in the project and deploy the fixed version. Turn DEBUG off for production: the debug page shows settings and code to every visitor.` : 'Read the exception in the evidence; fix the setting or package it names, then verify again. Turn DEBUG off for production.',
    output: evidence,
  };
}

/** manage.py check --deploy, with the application's environment: "security.W004: ..." lines (kept under the code's fingerprint between runs). */
export async function deployCheck(ctx: StepContext, handler: string, settingsText?: string): Promise<string[]> {
  const { config, d, host } = ctx;
  const env = await manageEnv(ctx, handler);
  const fp = await codeFingerprint(ctx, env);
  const settings = settingsText ?? (await host.readFile(d.settingsFile).catch(() => undefined));
  const explain = (lines: string[]) => lines.map((l) => explainDeployWarning(l, settings, Boolean(config.https)));
  const known = await recall<string[]>(ctx, 'check-deploy', fp);
  if (known) return explain(known);
  const r = await host.exec(d.venvPython, [managePy(config), 'check', '--deploy'], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const out: string[] = [];
  for (const l of `${r.stdout}\n${r.stderr}`.split(/\r?\n/)) {
    const m = /^\S+: \(([\w.]+)\) (.+)$/.exec(l.trim());
    if (m) out.push(`manage.py check --deploy: ${m[1]}: ${m[2]}`);
  }
  // Only a check that ran to its end is kept (exit 0 with warnings, or 1 with its own messages).
  if (r.exitCode === 0 || out.length) await remember(ctx, 'check-deploy', fp, out);
  return explain(out);
}

export async function verify(input: DeploymentConfig, host: Host, signal?: AbortSignal): Promise<VerificationReport> {
  // The live release is verified (a new one waiting in the source is not live yet).
  const dep = await resolveDeployment(input, host, { kind: 'live' });
  return verifyIn({ config: dep.config, d: derive(dep.config), host, ...(signal ? { signal } : {}), ...(dep.release ? { release: dep.release } : {}) });
}

/** Verification within a run's context (the run's config is resolved and its probe answers are reused). */
export async function verifyIn(ctx: StepContext): Promise<VerificationReport> {
  const { d, host } = ctx;
  const view = await projectView(ctx);
  const warnings: string[] = [];
  if (view.probeError) warnings.push(`The settings ${d.settingsModule} do not load: ${view.probeError.error}`);
  // The settings file, read once for what the warnings offer ("environment" entries of the settings it reads).
  const settings = view.facts ? await host.readFile(d.settingsFile).catch(() => undefined) : undefined;
  if (view.facts?.DEBUG) {
    const env = settingFromEnv(settings ?? '', 'DEBUG');
    warnings.push(`DEBUG is on: Django shows tracebacks and settings to visitors. Turn it off for production${env ? `: the project reads it from ${env.name} (settings line ${env.line}), so "environment": {"${env.name}": "False"} does it (check the value the settings expect)` : ' (the project sets it in its settings file, not from the environment)'}.`);
  }
  if (view.facts) warnings.push(...(await deployCheck(ctx, view.wsgiHandler, settings)));
  const probes = await probeSite(ctx, view, warnings);
  const extra = await gatherEvidence(ctx, view, probes);
  const diagnoses = groupDiagnoses(probes, (cause) => extra[cause] ?? []);
  return redactDeep({ ok: probes.every((p) => p.ok), probes, diagnoses, simulated: host.simulationNotes?.() ?? [], warnings });
}

/** The probes: the home page, the admin login and its CSS (or, without the admin, a collected file), waitress's log, the configured extra URLs. */
async function probeSite(ctx: StepContext, view: ProjectView, warnings: string[]): Promise<ProbeResult[]> {
  const { config, d, host, signal } = ctx;
  // HTTPS when it is on; signed in with Windows when the site asks for it (the anonymous side is probed apart).
  const { base, headers, servername } = siteAddress(config);
  const signIn = config.authentication === 'windows';
  const get = (path: string) => host.http(`${base}${path}`, { headers, servername, timeoutMs: 60000, ...(signIn ? { signIn } : {}), ...(signal ? { signal } : {}) });
  const probes: ProbeResult[] = [];
  const ct = (r: HttpResult) => (r.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';

  const pageView = { ...view, ...(view.facts ? { debug: view.facts.DEBUG } : {}) };
  const home = await get('/');
  // 2xx/3xx, or Django's own 404 (a project without a page at "/"); 400 is Django refusing the host.
  // A redirect to https:// is not an answer: the site has no https binding to follow it to.
  const homeOk = !home.networkError && !isIisErrorPage(home) && (home.status < 400 || home.status === 404) && !toHttps(home);
  probes.push({
    name: 'Django answers the home page',
    url: `${base}/`,
    ok: homeOk,
    status: home.status,
    contentType: ct(home),
    detail: homeOk ? (/The install worked successfully/.test(home.body) ? 'Django\'s "The install worked successfully!" page' : `HTTP ${home.status} from Django`) : home.networkError ?? `HTTP ${home.status}`,
    ...(homeOk ? {} : { diagnosis: diagnose(home, config, d, 'page', pageView) }),
  });

  const admin = await get('/admin/login/');
  // The admin's own login form (Django's "install worked" page also says "Django", for any path of a project with no URLs).
  const adminOk = admin.status === 200 && /id="login-form"|Django site admin|Django administration/.test(admin.body) && !isIisErrorPage(admin);
  const adminMissing = !adminOk && !isIisErrorPage(admin) && (admin.status === 404 || admin.status === 200);
  probes.push({
    name: 'The admin login page renders',
    url: `${base}/admin/login/`,
    ok: adminOk || adminMissing,
    status: admin.status,
    contentType: ct(admin),
    detail: adminOk ? 'Django administration login page' : adminMissing ? `the project has no admin at /admin/ (HTTP ${admin.status}, not an error)` : admin.networkError ?? `HTTP ${admin.status}`,
    ...(adminOk || adminMissing ? {} : { diagnosis: diagnose(admin, config, d, 'page', pageView) }),
  });

  const cssPath = /href="([^"]*admin\/css\/base(?:\.[0-9a-f]{6,})?\.css)"/.exec(admin.body)?.[1] ?? `${view.staticUrl}admin/css/base.css`;
  if (adminOk || !adminMissing) {
    const css = await get(cssPath);
    const cssOk = css.status === 200 && ct(css) === 'text/css';
    probes.push({
      name: 'The admin CSS is served by IIS as text/css',
      url: `${base}${cssPath}`,
      ok: cssOk,
      status: css.status,
      contentType: ct(css),
      detail: cssOk ? `${css.body.length} bytes of CSS` : css.networkError ?? `HTTP ${css.status} ${ct(css)}`,
      ...(cssOk ? {} : { diagnosis: diagnose(css, config, d, 'static', view) }),
    });
  }

  // No admin: one of the project's own collected files stands for the static files.
  const sample = adminMissing && view.staticVdirPath !== undefined ? await collectedSample(host, view.staticRoot) : undefined;
  if (sample) {
    const url = `${view.staticUrl}${sample.split('/').map(encodeURIComponent).join('/')}`;
    const r = await get(url);
    // Django's own pages are HTML: a .css or .js answered as text/html came from Django, not the file.
    const ok = r.status === 200 && !isIisErrorPage(r) && (/\.html?$/i.test(sample) || !/^text\/html/.test(ct(r)));
    probes.push({ name: 'A collected static file is served by IIS', url: `${base}${url}`, ok, status: r.status, contentType: ct(r), detail: ok ? `${r.body.length} bytes (${ct(r) || 'no content type'}) of ${sample} from ${view.staticRoot}` : r.networkError ?? `HTTP ${r.status} ${ct(r)}`, ...(ok ? {} : { diagnosis: diagnose(r, config, d, 'static', view) }) });
  }

  // HttpPlatformHandler started waitress for the home page: its log must be there (an unwritable
  // folder does not stop the site, it only loses every traceback: the module writes a warning event).
  if (d.server === 'httpplatform' && homeOk) {
    const logs = await stdoutLogFiles(ctx);
    const dir = d.stdoutLog.slice(0, d.stdoutLog.lastIndexOf('\\'));
    probes.push({
      name: "waitress's output is logged",
      url: `file:${d.stdoutLog}_*.log`,
      ok: logs.length > 0,
      detail: logs.length ? `${logs.length} log file${logs.length === 1 ? '' : 's'} in ${dir}` : `no ${d.stdoutLog}_*.log after the site answered`,
      ...(logs.length
        ? {}
        : { diagnosis: { cause: 'stdout-log-unwritable', what: `HttpPlatformHandler wrote no log for waitress in ${dir}.`, why: `The folder is missing or IIS AppPool\\${d.appPool} cannot write it: the site runs, but every error message of the application is lost (Windows records a warning "Could not create stdoutLogFile" in the Application log).`, fix: 'Run Setup again (or verify --fix): the permissions step creates the folder and grants modify on it.' } }),
    });
  }

  const security = await securityProbes(ctx, home, adminOk, [cssPath]);
  probes.push(...security.probes);
  warnings.push(...security.warnings);

  for (const extra of config.verify.urls) {
    const r = await get(extra);
    const ok = !r.networkError && r.status < 400;
    const ok2 = ok && !toHttps(r);
    probes.push({ name: `Extra URL ${extra}`, url: `${base}${extra}`, ok: ok2, status: r.status, contentType: ct(r), detail: ok2 ? `HTTP ${r.status}` : r.networkError ?? `HTTP ${r.status}`, ...(ok2 ? {} : { diagnosis: diagnose(r, config, d, 'page', pageView) }) });
  }
  return probes;
}

/** Evidence the tool gathers itself for the failed probes' causes (the WSGI import, migrations, logs, events); refines their diagnoses. */
async function gatherEvidence(ctx: StepContext, view: ProjectView, probes: ProbeResult[]): Promise<Record<string, string[]>> {
  const { config, d, host, signal } = ctx;
  const causes = new Set(probes.filter((p) => !p.ok).map((p) => p.diagnosis?.cause));
  const extra: Record<string, string[]> = {};
  if (causes.has('wsgi-import') || causes.has('django-error') || causes.has('httpplatform-exited')) {
    const w = await wsgiProbe(ctx).catch(() => undefined);
    if (w && !w.ok) {
      const evidence = [`The WSGI handler imported as ${d.server === 'httpplatform' ? 'waitress does (venv Python, the site\'s httpPlatform environment)' : `wfastcgi does (venv Python, ${config.appDir}, the FastCGI entry's environment)`} fails${w.location ? ` at ${w.location}` : ''}:`, ...w.lines];
      const error = w.lines.at(-1)?.trim() ?? '';
      for (const p of probes) {
        if (p.ok || !['wsgi-import', 'django-error', 'httpplatform-exited'].includes(p.diagnosis?.cause ?? '')) continue;
        // An error inside the project's own files is the project's to fix; elsewhere (an import of a
        // module that is not there, a wrong variable) the deployment's steps can put it right.
        const missing = missingModule(error);
        const install = missing && !w.named.includes(missing) ? missingModuleFix(error, config.requirementsFile) : undefined;
        if (install && p.diagnosis) {
          // Not the project's code: a package its code imports is not in the venv.
          const { output: _page, ...rest } = p.diagnosis;
          p.diagnosis = { ...rest, cause: 'project-code', what: `The project fails when the site starts: ${error}${w.location ? ` at ${w.location}` : ''}.`, why: `${d.server === 'httpplatform' ? 'waitress' : 'wfastcgi'} imports the WSGI application, which imports what the project uses; pip did not install that package in ${config.venvDir}.`, fix: install };
        } else if (w.location && p.diagnosis) {
          const { output: _page, ...rest } = p.diagnosis;
          p.diagnosis = { ...rest, cause: 'project-code', what: `The project fails when the site starts: ${error} at ${w.location}.`, why: `${d.server === 'httpplatform' ? 'waitress' : 'wfastcgi'} imports the WSGI application, which loads the settings and the project's modules; this error is in the project's own file.`, fix: `Fix ${w.location} in the project (or in ${config.appDir} on the server), then verify again.` };
        }
      }
      extra['wsgi-import'] = evidence;
      extra['project-code'] = evidence;
      extra['httpplatform-exited'] = evidence;
      // The tool's own import shows the error better than the end of wfastcgi's page.
      for (const p of probes) {
        if (p.diagnosis?.cause !== 'wsgi-import') continue;
        const { output: _page, ...rest } = p.diagnosis;
        p.diagnosis = rest;
      }
    }
  }
  // A bare "Server Error (500)" (DEBUG off): a manifest storage without its manifest fails every {% static %}.
  const manifestFile = causes.has('django-error') ? await missingManifest(host, view) : undefined;
  if (manifestFile) {
    for (const p of probes)
      if (p.diagnosis?.cause === 'django-error')
        p.diagnosis = { cause: 'static-manifest', what: `Django answers HTTP ${p.status ?? 500}: its static files manifest is missing.`, why: `STATICFILES_STORAGE is ${view.facts?.staticfilesStorage ?? ''}, which resolves every {% static %} through ${manifestFile}; that file does not exist, so each page using a static file fails ("Missing staticfiles manifest entry").`, fix: 'Run Setup again (or verify --fix): the collectstatic step writes the files and the manifest.' };
    extra['static-manifest'] = [`${manifestFile} does not exist (storage ${view.facts?.staticfilesStorage ?? ''}).`];
    causes.delete('django-error');
  }
  // A bare "Server Error (500)" (DEBUG off): ask Django whether migrations are unapplied.
  if (causes.has('django-error')) {
    const m = await host.exec(d.venvPython, [managePy(config), 'migrate', '--check'], { cwd: config.appDir, env: await manageEnv(ctx), timeoutMs: 120_000, ...(signal ? { signal } : {}) }).catch(() => undefined);
    if (m && m.exitCode === 1) {
      for (const p of probes)
        if (p.diagnosis?.cause === 'django-error')
          p.diagnosis = { cause: 'db-not-migrated', what: `Django answers HTTP ${p.status ?? 500} and the database has unapplied migrations.`, why: 'The pages query tables that migrate has not created (Django shows only "Server Error (500)" with DEBUG off).', fix: 'Run Setup again (or verify --fix): the migrate step applies the migrations.' };
      extra['db-not-migrated'] = ['manage.py migrate --check (with the application\'s environment) exits 1: there are unapplied migrations.', ...`${m.stdout}${m.stderr}`.trim().split(/\r?\n/).slice(-5).map((l) => redact(l))];
    }
  }
  // WSGI_LOG when the tool could not reproduce the error itself.
  const log = causes.has('fastcgi-exited') || ((causes.has('wsgi-import') || causes.has('django-error')) && !extra['wsgi-import']) ? await wsgiLogTail(ctx).catch(() => []) : [];
  if (log.length) for (const k of ['fastcgi-exited', 'wsgi-import', 'django-error']) extra[k] = [...(extra[k] ?? []), `The end of WSGI_LOG (${d.wsgiLog}):`, ...log];
  if (causes.has('httpplatform-exited') || causes.has('httpplatform-timeout')) {
    const tail = await stdoutLogTail(ctx).catch(() => undefined);
    if (tail) for (const k of ['httpplatform-exited', 'httpplatform-timeout', 'project-code']) if (causes.has(k) || k === 'project-code') extra[k] = [...(extra[k] ?? []), `The end of waitress's log (${tail.file}):`, ...tail.lines];
  }
  if (causes.has('fastcgi-exited') || causes.has('pool-stopped')) {
    const events = await recentIisEvents(ctx);
    if (events.length) for (const k of ['fastcgi-exited', 'pool-stopped']) extra[k] = [...(extra[k] ?? []), 'Recent IIS entries in the Application event log:', ...events];
  }
  return extra;
}
