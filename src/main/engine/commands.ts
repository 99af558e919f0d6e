/**
 * Command builders: every argv the engine runs, built from the configuration in one place
 * (windows-iis.md has the reference forms). Pure functions; no shell strings anywhere.
 */
import type { DeploymentConfig, Derived } from '../../shared/config';
import { winJoin } from '../../shared/winpath';

export const APPCMD = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';
export const DISM = 'dism.exe';
export const REG = 'reg.exe';
export const ICACLS = 'icacls.exe';
export const NETSTAT = 'netstat.exe';
export const NET = 'net.exe';
export const SC = 'sc.exe';
export const FSUTIL = 'fsutil.exe';

/** Present while Windows servicing (DISM, updates) waits for a restart. */
export const CBS_REBOOT_PENDING = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending';

export const TOOL_DATA_DIR = 'C:\\ProgramData\\DjangoIISSetup';
export const TOOL_LOG_DIR = `${TOOL_DATA_DIR}\\logs`;

export const DJANGO_HANDLER_NAME = 'Django Handler';
export const WSGI_HANDLER = 'django.core.wsgi.get_wsgi_application()';

export const IIS_FEATURES = [
  'IIS-WebServerRole',
  'IIS-WebServer',
  'IIS-CommonHttpFeatures',
  'IIS-StaticContent',
  'IIS-DefaultDocument',
  'IIS-HttpErrors',
  'IIS-ApplicationDevelopment',
  'IIS-CGI',
  'IIS-ManagementConsole',
] as const;

/** Quotes a path for fullPath/arguments when it has a space (wfastcgi-enable's habit, PTVS#6034). */
export function quoteIfSpaced(p: string): string {
  return /\s/.test(p) ? `"${p}"` : p;
}

/**
 * The FastCGI application's identity and the handler's scriptProcessor, derived from one value so
 * they can never differ (IIS: "scriptProcessor could not be found", 0x80070585).
 */
export function fastCgiIdentity(d: Derived): { fullPath: string; arguments: string; scriptProcessor: string } {
  const fullPath = quoteIfSpaced(d.venvPython);
  // A release has a FastCGI application of its own (IIS knows one by fullPath + arguments), even
  // when it shares the previous release's venv: Python's documented -X option carries the number
  // (an arbitrary -X name=value lands in sys._xoptions and changes nothing else).
  // The maintenance window's application (release/maintenance.ts) is told apart the same way.
  const n = d.release?.number;
  const x = d.maintenanceFor !== undefined ? `-X django_iis_maintenance=${d.maintenanceFor} ` : n ? `-X django_iis_release=${n} ` : '';
  const args = `${x}${quoteIfSpaced(d.wfastcgiScript)}`;
  return { fullPath, arguments: args, scriptProcessor: `${fullPath}|${args}` };
}

/** The [fullPath='…',arguments='…'] selector of the FastCGI application. */
export function fastCgiSelector(d: Derived): string {
  const id = fastCgiIdentity(d);
  return `[fullPath='${id.fullPath}',arguments='${id.arguments}']`;
}

/**
 * HttpPlatformHandler v1.2 (windows-iis.md §9): a separate 64-bit MSI that registers the global
 * module and declares the system.webServer/httpPlatform section.
 */
export const HTTP_PLATFORM_MODULE = 'httpPlatformHandler';
export const HTTP_PLATFORM_MSI_URL = 'https://go.microsoft.com/fwlink/?LinkID=690721';
export const MSIEXEC = 'msiexec.exe';
export function httpPlatformMsiPath(c: DeploymentConfig): string {
  return c.httpPlatform.installer ?? `${TOOL_DATA_DIR}\\downloads\\httpPlatformHandler_amd64.msi`;
}
export const msiexec = {
  install: (msi: string, log: string): string[] => ['/i', msi, '/quiet', '/norestart', '/log', log],
};

/** waitress on the port HttpPlatformHandler chooses, on the loopback only (IIS is the only client). */
export function waitressArguments(wsgiApplication: string, https = false): string {
  const dot = wsgiApplication.lastIndexOf('.');
  const target = dot > 0 ? `${wsgiApplication.slice(0, dot)}:${wsgiApplication.slice(dot + 1)}` : wsgiApplication;
  // HTTPS: every request waitress gets came through IIS over TLS (plain http only redirects), and
  // HttpPlatformHandler documents no scheme header: waitress is told the scheme (waitress docs).
  return `-m waitress --listen=127.0.0.1:%HTTP_PLATFORM_PORT%${https ? ' --url-scheme=https' : ''} ${target}`;
}

export const appcmd = {
  listFastCgi: (): string[] => ['list', 'config', '-section:system.webServer/fastCgi', '/xml'],
  addFastCgi: (c: DeploymentConfig, d: Derived): string[] => {
    const id = fastCgiIdentity(d);
    return [
      'set',
      'config',
      '-section:system.webServer/fastCgi',
      `/+[fullPath='${id.fullPath}',arguments='${id.arguments}',maxInstances='${c.fastCgi.maxInstances}',activityTimeout='${c.fastCgi.activityTimeout}',requestTimeout='${c.fastCgi.requestTimeout}',signalBeforeTerminateSeconds='30']`,
      '/commit:apphost',
    ];
  },
  setFastCgiAttr: (d: Derived, attr: string, value: string | number): string[] => ['set', 'config', '-section:system.webServer/fastCgi', `/${fastCgiSelector(d)}.${attr}:${value}`, '/commit:apphost'],
  addFastCgiEnv: (d: Derived, name: string, value: string): string[] => [
    'set',
    'config',
    '-section:system.webServer/fastCgi',
    `/+${fastCgiSelector(d)}.environmentVariables.[name='${name}',value='${value}']`,
    '/commit:apphost',
  ],
  setFastCgiEnv: (d: Derived, name: string, value: string): string[] => [
    'set',
    'config',
    '-section:system.webServer/fastCgi',
    `/${fastCgiSelector(d)}.environmentVariables.[name='${name}'].value:${value}`,
    '/commit:apphost',
  ],
  removeFastCgiEnv: (d: Derived, name: string): string[] => [
    'set',
    'config',
    '-section:system.webServer/fastCgi',
    `/-${fastCgiSelector(d)}.environmentVariables.[name='${name}']`,
    '/commit:apphost',
  ],
  removeFastCgi: (d: Derived): string[] => ['set', 'config', '-section:system.webServer/fastCgi', `/-${fastCgiSelector(d)}`, '/commit:apphost'],
  listPool: (pool: string): string[] => ['list', 'apppool', pool, '/config', '/xml'],
  addPool: (pool: string): string[] => ['add', 'apppool', `/name:${pool}`, '/managedRuntimeVersion:'],
  setPoolRuntime: (pool: string): string[] => ['set', 'apppool', pool, '/managedRuntimeVersion:'],
  startPool: (pool: string): string[] => ['start', 'apppool', pool],
  recyclePool: (pool: string): string[] => ['recycle', 'apppool', `/apppool.name:${pool}`],
  deletePool: (pool: string): string[] => ['delete', 'apppool', pool],
  listSites: (): string[] => ['list', 'sites', '/xml'],
  listSite: (site: string): string[] => ['list', 'site', site, '/config', '/xml'],
  addSite: (c: DeploymentConfig): string[] => ['add', 'site', `/name:${c.siteName}`, `/bindings:${bindingOf(c)}`, `/physicalPath:${c.appDir}`],
  addBinding: (c: DeploymentConfig): string[] => ['set', 'site', c.siteName, `/+bindings.[protocol='http',bindingInformation='${bindingInfo(c)}']`],
  removeBinding: (c: DeploymentConfig, info: string): string[] => ['set', 'site', c.siteName, `/-bindings.[protocol='http',bindingInformation='${info}']`],
  setRootPath: (c: DeploymentConfig): string[] => ['set', 'vdir', `${c.siteName}/`, `/physicalPath:${c.appDir}`],
  setAppPool: (c: DeploymentConfig, d: Derived): string[] => ['set', 'app', `${c.siteName}/`, `/applicationPool:${d.appPool}`],
  startSite: (site: string): string[] => ['start', 'site', site],
  deleteSite: (site: string): string[] => ['delete', 'site', site],
  listHandlers: (configPath: string): string[] => ['list', 'config', configPath, '-section:system.webServer/handlers', '/xml'],
  addDjangoHandler: (c: DeploymentConfig, d: Derived, scriptProcessor: string = fastCgiIdentity(d).scriptProcessor): string[] => [
    'set',
    'config',
    c.siteName,
    '-section:system.webServer/handlers',
    `/+[name='${DJANGO_HANDLER_NAME}',path='*',verb='*',modules='FastCgiModule',scriptProcessor='${scriptProcessor}',resourceType='Unspecified',requireAccess='Script']`,
    '/commit:apphost',
  ],
  removeHandler: (configPath: string): string[] => ['set', 'config', configPath, '-section:system.webServer/handlers', `/-[name='${DJANGO_HANDLER_NAME}']`, '/commit:apphost'],
  /** Removes the handlers settings made at a URL path (it inherits the site's again). */
  clearHandlers: (configPath: string): string[] => ['clear', 'config', configPath, '-section:system.webServer/handlers', '/commit:apphost'],
  listGlobalModules: (): string[] => ['list', 'config', '-section:system.webServer/globalModules', '/xml'],
  listHttpPlatform: (site: string): string[] => ['list', 'config', site, '-section:system.webServer/httpPlatform', '/xml'],
  setHttpPlatform: (site: string, attrs: [string, string | number | boolean][]): string[] => ['set', 'config', site, '-section:system.webServer/httpPlatform', ...attrs.map(([k, v]) => `/${k}:${String(v)}`), '/commit:apphost'],
  addHttpPlatformEnv: (site: string, name: string, value: string): string[] => ['set', 'config', site, '-section:system.webServer/httpPlatform', `/+environmentVariables.[name='${name}',value='${value}']`, '/commit:apphost'],
  setHttpPlatformEnv: (site: string, name: string, value: string): string[] => ['set', 'config', site, '-section:system.webServer/httpPlatform', `/environmentVariables.[name='${name}'].value:${value}`, '/commit:apphost'],
  removeHttpPlatformEnv: (site: string, name: string): string[] => ['set', 'config', site, '-section:system.webServer/httpPlatform', `/-environmentVariables.[name='${name}']`, '/commit:apphost'],
  clearHttpPlatform: (site: string): string[] => ['clear', 'config', site, '-section:system.webServer/httpPlatform', '/commit:apphost'],
  addHttpPlatformHandler: (c: DeploymentConfig): string[] => [
    'set',
    'config',
    c.siteName,
    '-section:system.webServer/handlers',
    `/+[name='${DJANGO_HANDLER_NAME}',path='*',verb='*',modules='${HTTP_PLATFORM_MODULE}',resourceType='Unspecified',requireAccess='Script']`,
    '/commit:apphost',
  ],
  addVdir: (site: string, urlPath: string, physicalPath: string): string[] => ['add', 'vdir', `/app.name:${site}/`, `/path:${urlPath}`, `/physicalPath:${physicalPath}`],
  setVdir: (site: string, urlPath: string, physicalPath: string): string[] => ['set', 'vdir', `${site}${urlPath}`, `/physicalPath:${physicalPath}`],
  deleteVdir: (site: string, urlPath: string): string[] => ['delete', 'vdir', `${site}${urlPath}`],
  /** Releases: the staging site, answering on the loopback address only. */
  addStagingSite: (name: string, port: number, physicalPath: string, protocol: 'http' | 'https' = 'http'): string[] => ['add', 'site', `/name:${name}`, `/bindings:${protocol}/127.0.0.1:${port}:`, `/physicalPath:${physicalPath}`],
  /** Releases: the handler pointed at another FastCGI application, in one commit. */
  setHandlerScriptProcessor: (site: string, scriptProcessor: string): string[] => ['set', 'config', site, '-section:system.webServer/handlers', `/[name='${DJANGO_HANDLER_NAME}'].scriptProcessor:${scriptProcessor}`, '/commit:apphost'],
  /** Releases: the site's root and virtual directories' physical paths in one command, one commit of one section (windows-iis.md §12). */
  setSitePaths: (site: string, paths: [urlPath: string, physicalPath: string][]): string[] => ['set', 'site', `/site.name:${site}`, ...paths.map(([u, p]) => `/[path='/'].[path='${u}'].physicalPath:${p}`)],
};

/** Releases: the staging site of a site is "<site>.staging". */
export const STAGING_SUFFIX = '.staging';

export function bindingInfo(c: DeploymentConfig): string {
  return `*:${c.port}:${c.hostName}`;
}

export function bindingOf(c: DeploymentConfig): string {
  return `http/${bindingInfo(c)}`;
}

export const dism = {
  featureInfo: (feature: string): string[] => ['/English', '/Online', '/Get-FeatureInfo', `/FeatureName:${feature}`],
  enableIis: (): string[] => ['/English', '/Online', '/Enable-Feature', ...IIS_FEATURES.map((f) => `/FeatureName:${f}`), '/All', '/NoRestart'],
};

export function pythonInstallerUrl(version: string): string {
  return `https://www.python.org/ftp/python/${version}/python-${version}-amd64.exe`;
}

/**
 * Python 3.16 and later have no full installer (deprecated in 3.14): they come from the Python
 * install manager. A server installs the manager from its MSI (per machine; its MSIX is per user
 * and Server 2019 has no MSIX), then the runtime with "install --target=DIR", which writes no PEP
 * 514 registry keys: the runtime is found by its folder. UNCONFIRMED on Windows (not run here):
 * the MSI's download name and that it puts pymanager.exe in C:\Program Files\PyManager.
 */
export const PYMANAGER_VERSION = '25.0';
export const PYMANAGER_EXE = 'C:\\Program Files\\PyManager\\pymanager.exe';
export const pymanagerMsiUrl = (): string => `https://www.python.org/ftp/python/pymanager/python-manager-${PYMANAGER_VERSION}.msi`;
export const pymanagerMsiPath = (): string => `${TOOL_DATA_DIR}\\downloads\\python-manager-${PYMANAGER_VERSION}.msi`;

export function hasFullInstaller(version: string): boolean {
  const [maj = 0, min = 0] = version.split('.').map(Number);
  return maj === 3 && min < 16;
}

export function pythonInstallerPath(c: DeploymentConfig, d: Derived): string {
  return c.pythonInstaller ?? `${TOOL_DATA_DIR}\\downloads\\python-${d.pythonVersion}-amd64.exe`;
}

/** CPython "Installing without UI": all users (the pool identity cannot read %LocalAppData%). */
export function pythonInstallerArgs(d: Derived): string[] {
  return [
    '/quiet',
    'InstallAllUsers=1',
    'PrependPath=1',
    'Include_test=0',
    'Include_launcher=1',
    'Include_pip=1',
    'AssociateFiles=0',
    'Shortcuts=0',
    'CompileAll=1',
    `TargetDir=${d.pythonDir}`,
    '/log',
    `${TOOL_LOG_DIR}\\python-install.log`,
  ];
}

export function pipIndexArgs(c: DeploymentConfig): string[] {
  return c.wheelhouse ? ['--no-index', '--find-links', c.wheelhouse] : [];
}

export const icacls = {
  show: (p: string): string[] => [p],
  grant: (p: string, pool: string, right: 'RX' | 'M'): string[] => [p, '/grant', `IIS AppPool\\${pool}:(OI)(CI)${right}`, '/T'],
  remove: (p: string, pool: string): string[] => [p, '/remove', `IIS AppPool\\${pool}`, '/T'],
};

export function managePy(c: DeploymentConfig): string {
  return winJoin(c.appDir, 'manage.py');
}

/**
 * The Authenticode check run before an installer or MSI is started as an administrator: Windows
 * PowerShell's Get-AuthenticodeSignature, exit 0 only when the signature is Valid and the signer's
 * CN and O are both one of DJANGO_IIS_SETUP_SIGNERS (CN alone would take "O=Evil, CN=Python Software Foundation"). The script is a constant; the file and the signers reach
 * it as environment variables, so no value is ever part of PowerShell code. UNCONFIRMED on
 * Windows (not run here): the signers' subjects ("CN=Python Software Foundation, O=...",
 * "CN=Microsoft Corporation, O=..."); the simulator models the check and a bad signature.
 */
export const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
export const AUTHENTICODE_SCRIPT =
  "$ErrorActionPreference = 'Stop'; $s = Get-AuthenticodeSignature -LiteralPath $env:DJANGO_IIS_SETUP_FILE; $subject = if ($s.SignerCertificate) { $s.SignerCertificate.Subject } else { '' }; Write-Output ('Authenticode: ' + $s.Status + '; signer: ' + $subject); $ok = @($env:DJANGO_IIS_SETUP_SIGNERS -split '\\|' | Where-Object { ($subject -match ('(^|, )CN=\"?' + [regex]::Escape($_) + '\"?(,|$)')) -and ($subject -match ('(^|, )O=\"?' + [regex]::Escape($_) + '\"?(,|$)')) }).Count -gt 0; if ($s.Status -eq 'Valid' -and $ok) { exit 0 }; exit 1";
export const PSF_SIGNER = 'Python Software Foundation';
export const MICROSOFT_SIGNER = 'Microsoft Corporation';

/** powershell.exe's arguments for one of the tool's fixed scripts (its inputs in the environment). */
export function psArgs(script: string): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', script];
}

export function authenticodeArgs(): string[] {
  return psArgs(AUTHENTICODE_SCRIPT);
}

export function authenticodeEnv(file: string, signers: string[]): Record<string, string> {
  return { DJANGO_IIS_SETUP_FILE: file, DJANGO_IIS_SETUP_SIGNERS: signers.join('|') };
}

/**
 * Releases: the switch in one commit (windows-iis.md §12). appcmd changes one section per command,
 * so the handler (system.webServer/handlers at the site) and the site's paths (system.applicationHost/sites)
 * would be two commits with a moment between them where release 2's code serves release 1's
 * static files (and a killed tool would leave it so). IIS's own configuration API
 * (Microsoft.Web.Administration, what IIS Manager and the WebAdministration module use) changes
 * both and writes applicationHost.config once: IIS sees one change. The script is a constant; the
 * values reach it in the environment (SWITCH_ENV). UNCONFIRMED on Windows (not run here): the
 * simulator models the script as the two appcmd edits applied to one document, committed once.
 */
export const SWITCH_ENV = {
  site: 'DJANGO_IIS_SETUP_SITE',
  handler: 'DJANGO_IIS_SETUP_HANDLER',
  scriptProcessor: 'DJANGO_IIS_SETUP_SCRIPT_PROCESSOR',
  root: 'DJANGO_IIS_SETUP_ROOT',
  staticUrl: 'DJANGO_IIS_SETUP_STATIC_URL',
  staticPath: 'DJANGO_IIS_SETUP_STATIC_PATH',
} as const;
export const SWITCH_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "Add-Type -Path (Join-Path $env:windir 'System32\\inetsrv\\Microsoft.Web.Administration.dll')",
  '$sm = New-Object Microsoft.Web.Administration.ServerManager',
  '$site = $sm.Sites[$env:DJANGO_IIS_SETUP_SITE]',
  "if ($null -eq $site) { [Console]::Error.WriteLine('The site ' + $env:DJANGO_IIS_SETUP_SITE + ' does not exist.'); exit 4 }",
  "$app = $site.Applications['/']",
  "$app.VirtualDirectories['/'].PhysicalPath = $env:DJANGO_IIS_SETUP_ROOT",
  "if ($env:DJANGO_IIS_SETUP_STATIC_URL) { $v = $app.VirtualDirectories[$env:DJANGO_IIS_SETUP_STATIC_URL]; if ($null -eq $v) { [Console]::Error.WriteLine('The virtual directory ' + $env:DJANGO_IIS_SETUP_STATIC_URL + ' does not exist.'); exit 4 }; $v.PhysicalPath = $env:DJANGO_IIS_SETUP_STATIC_PATH }",
  "$h = @($sm.GetApplicationHostConfiguration().GetSection('system.webServer/handlers', $site.Name).GetCollection() | Where-Object { $_['name'] -eq $env:DJANGO_IIS_SETUP_HANDLER })",
  "if ($h.Count -ne 1) { [Console]::Error.WriteLine('The handler ' + $env:DJANGO_IIS_SETUP_HANDLER + ' is not at the site.'); exit 4 }",
  "$h[0]['scriptProcessor'] = $env:DJANGO_IIS_SETUP_SCRIPT_PROCESSOR",
  '$sm.CommitChanges()',
  "Write-Output ('switched ' + $site.Name)",
].join('; ');

/** The switch's inputs: the site, its Django handler's scriptProcessor, the root's path and /static's (when the site has it). */
export function switchEnv(site: string, scriptProcessor: string, root: string, staticDir?: [urlPath: string, physicalPath: string]): Record<string, string> {
  return {
    [SWITCH_ENV.site]: site,
    [SWITCH_ENV.handler]: DJANGO_HANDLER_NAME,
    [SWITCH_ENV.scriptProcessor]: scriptProcessor,
    [SWITCH_ENV.root]: root,
    ...(staticDir ? { [SWITCH_ENV.staticUrl]: staticDir[0], [SWITCH_ENV.staticPath]: staticDir[1] } : {}),
  };
}
