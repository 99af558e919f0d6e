/**
 * DeploymentConfig: what to deploy and where. Defaults are the guide's (site foo on port 81,
 * C:\apps\foo, C:\virtualenvs\foo). Every message names the key and says what to do.
 */
import { z } from 'zod';
import { valueProblem } from './safety';
import { AnonymousPaths, Authentication, HttpsOptions, httpsProblems } from './config-https';
import { isInside, normalizeWindowsPath, protectedPathReason, samePath, windowsPathProblem, winJoin } from './winpath';

/** The newest CPython whose full Windows installer the reference knows (windows-iis.md §11); one constant. */
export const DEFAULT_PYTHON_VERSION = '3.14.6';

/** IIS rejects these in site names (appcmd: "Invalid site name"); '/' and '\' break config paths. */
const SITE_NAME_FORBIDDEN = /[\\/?;:@&=+$,|"<>*']/;
/** Application pool names: IIS forbids these characters (iis-docs applicationPools/add). */
const POOL_NAME_FORBIDDEN = /[\\/?;:@&=+$,|"<>*']/;

function refineWith(check: (v: string) => string | null) {
  return (v: string, ctx: z.RefinementCtx) => {
    const problem = check(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/** A value that lands in appcmd selectors, PowerShell and XML: one line, no quote of any kind. */
const safeValue = (key: string, maxLength?: number) => (v: string) => valueProblem(key, v, { appcmdSelector: true, noQuoteLookalikes: true, ...(maxLength !== undefined ? { maxLength } : {}) });

const winPath = (key: string) =>
  z
    .string({ error: `${key} must be a string: an absolute Windows path such as C:\\apps\\foo` })
    .superRefine(
      refineWith((v) => {
        const bad = safeValue(key)(v);
        if (bad) return bad;
        const p = windowsPathProblem(v);
        return p ? `${key} ${p}.` : null;
      }),
    )
    .transform(normalizeWindowsPath);

const siteName = z
  .string({ error: 'siteName must be a string, e.g. "foo"' })
  .min(1, 'siteName is empty; give the IIS site a name, e.g. "foo".')
  .max(64, 'siteName is longer than 64 characters; choose a shorter name.')
  .superRefine(
    refineWith((v) =>
      safeValue('siteName')(v) ??
      (v.startsWith('-')
        ? `siteName "${v}" starts with "-", which appcmd reads as an option; start it with a letter or digit.`
        : SITE_NAME_FORBIDDEN.test(v) || v.trim() !== v
        ? `siteName "${v}" has a character IIS does not allow in site names (\\ / ? ; : @ & = + $ , | " < > * ' or leading/trailing spaces); use letters, digits, spaces, "-", "_" or ".".`
        : null),
    ),
  );

const poolName = z
  .string()
  .min(1, 'appPool is empty; give the application pool a name, or leave appPool out to use siteName.')
  .max(64, 'appPool is longer than 64 characters; choose a shorter name.')
  .superRefine(
    refineWith((v) =>
      safeValue('appPool')(v) ??
      (v.startsWith('-')
        ? `appPool "${v}" starts with "-", which appcmd reads as an option; start it with a letter or digit.`
        : POOL_NAME_FORBIDDEN.test(v) || v.trim() !== v
        ? `appPool "${v}" has a character IIS does not allow in application pool names (\\ / ? ; : @ & = + $ , | " < > * ' or leading/trailing spaces).`
        : null),
    ),
  );

const dottedName = (key: string, example: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/,
      `${key} must be a dotted Python module name such as "${example}" (letters, digits, "_" and ".").`,
    );

const hostName = z
  .string()
  .regex(
    /^$|^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'hostName must be empty (any host name) or a DNS name such as "app.example.com" (no scheme, port or path).',
  );

export const DjangoProjectSource = z.union(
  [
    z.strictObject({ sample: dottedName('djangoProject.sample', 'foo').refine((v) => !v.includes('.'), 'djangoProject.sample is a project name without dots, e.g. "foo".') }),
    z.strictObject({ folder: winPath('djangoProject.folder') }),
    z.strictObject({ zip: winPath('djangoProject.zip').refine((v) => v.toLowerCase().endsWith('.zip'), 'djangoProject.zip must name a .zip file.') }),
  ],
  { error: 'djangoProject must be {"sample": "foo"} (create the guide\'s sample project), {"folder": "C:\\\\src\\\\app"} or {"zip": "C:\\\\src\\\\app.zip"}.' },
);
export type DjangoProjectSource = z.infer<typeof DjangoProjectSource>;

const FastCgiOptions = z.strictObject({
  maxInstances: z.number().int().min(0, 'fastCgi.maxInstances must be 0 (automatic) or more.').max(10000, 'fastCgi.maxInstances must be at most 10000 (IIS limit).').default(0),
  activityTimeout: z.number().int().min(10, 'fastCgi.activityTimeout must be at least 10 seconds (IIS limit).').max(2592000, 'fastCgi.activityTimeout must be at most 2592000 seconds.').default(70),
  requestTimeout: z.number().int().min(10, 'fastCgi.requestTimeout must be at least 10 seconds (IIS limit).').max(2592000, 'fastCgi.requestTimeout must be at most 2592000 seconds.').default(90),
  /** WSGI_LOG file. Absent: <appDir>\logs\wfastcgi.log. Empty string: no WSGI_LOG. */
  wsgiLog: z.union([winPath('fastCgi.wsgiLog'), z.literal('')]).optional(),
});

/** HttpPlatformHandler (server "httpplatform"): IIS starts waitress and proxies to it (windows-iis.md §9). */
const HttpPlatformOptions = z.strictObject({
  /** HttpPlatformHandler v1.2's 64-bit MSI on the server (offline). Absent: downloaded from Microsoft. */
  installer: winPath('httpPlatform.installer')
    .refine((v) => v.toLowerCase().endsWith('.msi'), 'httpPlatform.installer must name the HttpPlatformHandler .msi file (httpPlatformHandler_amd64.msi).')
    .optional(),
  /** Seconds IIS waits for waitress to listen on its port before it gives up (502.3). */
  startupTimeLimit: z.number().int().min(1, 'httpPlatform.startupTimeLimit must be at least 1 second.').max(3600, 'httpPlatform.startupTimeLimit must be at most 3600 seconds (IIS limit).').default(60),
  /** How many times IIS starts the process again when it fails to start. */
  startupRetryCount: z.number().int().min(0, 'httpPlatform.startupRetryCount must be 0 or more.').max(100, 'httpPlatform.startupRetryCount must be at most 100 (IIS limit).').default(3),
  /** Prefix of waitress's stdout/stderr log files (IIS appends _<pid>_<time>.log). Absent: <appDir>\logs\waitress. */
  stdoutLogFile: winPath('httpPlatform.stdoutLogFile').optional(),
});

const VerifyOptions = z.strictObject({
  urls: z
    // eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
    .array(z.string().regex(/^\/[^\s'\u0000-\u001f\u007f-\u009f\u2018-\u201b]*$/, 'verify.urls entries are paths on the site starting with "/", e.g. "/health/" (no spaces, quotes or control characters).'))
    .default([]),
});

/** Environment variable names the tool sets itself on the FastCGI application. */
/** (HTTP_PLATFORM_PORT is set by HttpPlatformHandler itself.) */
export const MANAGED_ENV_NAMES = ['DJANGO_SETTINGS_MODULE', 'PYTHONPATH', 'WSGI_HANDLER', 'WSGI_LOG', 'HTTP_PLATFORM_PORT'] as const;

const envName = (key: string) =>
  z
    .string({ error: `${key} must be an environment variable name such as "DJANGO_SECRET_KEY".` })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, `${key} must be an environment variable name: letters, digits and "_", not starting with a digit (e.g. "DJANGO_SECRET_KEY").`)
    .max(128, `${key} is longer than 128 characters.`)
    .refine((v) => !(MANAGED_ENV_NAMES as readonly string[]).includes(v.toUpperCase()), `${key}: the tool sets ${MANAGED_ENV_NAMES.join(', ')} itself; use settingsModule, appDir or fastCgi.wsgiLog instead.`);

/** Objects that may already exist on the server and that the configuration says to take over. */
export const ADOPTABLE = ['site', 'appPool', 'fastCgi', 'appDir', 'venvDir', 'staticRoot', 'mediaRoot', 'databaseFolder'] as const;
export type Adoptable = (typeof ADOPTABLE)[number];

const ConfigObject = z.strictObject({
  $schema: z.string().optional(),
  siteName: siteName.default('foo'),
  port: z
    .number({ error: 'port must be a number from 1 to 65535, e.g. 81.' })
    .int('port must be a whole number from 1 to 65535.')
    .min(1, 'port must be from 1 to 65535.')
    .max(65535, 'port must be from 1 to 65535.')
    .default(81),
  hostName: hostName.default(''),
  appPool: poolName.optional(),
  appDir: winPath('appDir').default('C:\\apps\\foo'),
  venvDir: winPath('venvDir').default('C:\\virtualenvs\\foo'),
  /** Absent: C:\PythonXY for the version (the installer's own habit for all-users installs in the guide). */
  pythonDir: winPath('pythonDir').optional(),
  /** Absent: the project's (runtime.txt, .python-version, pyproject.toml requires-python), else DEFAULT_PYTHON_VERSION. */
  pythonVersion: z
    .string()
    .regex(/^3\.(1[0-9]|[6-9])\.\d+$/, 'pythonVersion must be a full CPython version from 3.6 on, such as "3.14.6" or "3.10.11" (major.minor.patch), as runtime.txt gives it.')
    .optional(),
  pythonInstaller: winPath('pythonInstaller')
    .refine((v) => v.toLowerCase().endsWith('.exe'), 'pythonInstaller must name the CPython installer .exe (python-3.X.Y-amd64.exe).')
    .optional(),
  wheelhouse: winPath('wheelhouse').optional(),
  /**
   * Requirement-file lines that make pip reach another index or host (--index-url,
   * --extra-index-url, --trusted-host, --find-links to a URL or share, VCS and URL requirements)
   * are refused unless this is true: the elevated pip on the server would follow them.
   */
  allowRequirementSources: z.boolean().default(false),
  djangoProject: DjangoProjectSource.default({ sample: 'foo' }),
  settingsModule: dottedName('settingsModule', 'foo.settings').optional(),
  requirementsFile: winPath('requirementsFile').optional(),
  /** Absent: the project's STATIC_URL. Given and different: an explicit override, named in the plan. */
  staticUrl: z
    .string()
    .regex(/^\/(?:[A-Za-z0-9_-]+\/)+$/, 'staticUrl must start and end with "/" and be a path of its own below the site\'s root (folder names, no empty "//" part), e.g. "/static/": "/" or "//" would give the whole site to the static handler.')
    .optional(),
  staticRoot: winPath('staticRoot').optional(),
  allowedHosts: z
    .array(z.string().regex(/^[A-Za-z0-9.\-*:[\]]+$/, 'allowedHosts entries are host names such as "app.example.com" or ".example.com".'))
    .default([]),
  /**
   * How IIS runs Django: "wfastcgi" (the guide's way: FastCGI and wfastcgi.py) or "httpplatform"
   * (HttpPlatformHandler starts waitress and forwards requests to it).
   */
  server: z.enum(['wfastcgi', 'httpplatform'], { error: 'server must be "wfastcgi" (the guide\'s FastCGI way) or "httpplatform" (HttpPlatformHandler with waitress).' }).default('wfastcgi'),
  fastCgi: FastCgiOptions.prefault({}),
  httpPlatform: HttpPlatformOptions.prefault({}),
  verify: VerifyOptions.prefault({}),
  /**
   * Existing objects of the same name (made by hand or another tool) to take over. Without it,
   * such an object is a conflict and nothing is changed. Adopted objects are restored, not
   * deleted, by uninstall.
   */
  /**
   * The application's environment (NAME -> value), set on the FastCGI application next to the
   * variables the tool manages, and converged on every run (added, changed, removed).
   */
  environment: z
    .record(
      z.string(),
      z.string({ error: 'environment values must be strings (quote numbers: "1").' }).superRefine((v, ctx) => {
        const bad = valueProblem('the value', v, { appcmdSelector: true, maxLength: 4096 });
        if (bad) ctx.addIssue({ code: 'custom', message: bad });
      }),
    )
    .superRefine((rec, ctx) => {
      for (const name of Object.keys(rec)) {
        const r = envName(`environment name "${name}"`).safeParse(name);
        if (!r.success) ctx.addIssue({ code: 'custom', path: [name], message: r.error.issues[0]?.message ?? `environment name "${name}" is not valid.` });
      }
    })
    .default({}),
  /**
   * Generate a strong Django SECRET_KEY once, keep it only on the server in this environment
   * variable of the FastCGI application, and never show it. apply --rotate-secret replaces it.
   */
  secretKey: z.strictObject({ env: envName('secretKey.env') }).optional(),
  /** How many of this tool's IIS configuration backups (appcmd add backup) to keep. */
  keepBackups: z.number().int().min(1, 'keepBackups must be at least 1.').max(100, 'keepBackups must be at most 100.').default(10),
  /** Seconds each kind of program may run before it is stopped as hung. */
  timeouts: z
    .strictObject({
      dism: z.number().int().min(10).max(86400).optional(),
      pythonInstaller: z.number().int().min(10).max(86400).optional(),
      pip: z.number().int().min(10).max(86400).optional(),
      python: z.number().int().min(10).max(86400).optional(),
      appcmd: z.number().int().min(5).max(86400).optional(),
      icacls: z.number().int().min(10).max(86400).optional(),
      other: z.number().int().min(10).max(86400).optional(),
    })
    .prefault({}),
  /**
   * The release's label (e.g. "1.4.2"). Absent: the project's VERSION file, else the content hash.
   * Releases apply to a project from a folder or a zip: each lives in <appDir>\releases\<n>.
   */
  release: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'release must be a short label such as "1.4.2" (letters, digits, ".", "_", "+", "-"; at most 64).')
    .optional(),
  /** Release folders kept (the live and the previous one are never removed). */
  keepReleases: z.number().int().min(2, 'keepReleases must be at least 2: the live release and the previous one are always kept.').max(50, 'keepReleases must be at most 50.').default(3),
  /**
   * "auto": a release's migrations run before it takes traffic (a SQLite database is backed up
   * first). "manual": a release that replaces a live one does not run them; the plan lists them
   * and the release is not switched to while any is unapplied (the first release migrates its new database).
   * "maintenance": as "auto", but when Django says a migration breaks the live release, the site
   * answers 503 (Retry-After, the project's 503.html or a plain page; static files keep serving)
   * from just before they run until the new release serves (release/maintenance.ts).
   */
  migrate: z.enum(['auto', 'manual', 'maintenance'], { error: 'migrate must be "auto" (run a release\'s migrations before it takes traffic), "maintenance" (as auto, with a 503 window when a migration breaks the live release) or "manual".' }).default('auto'),
  /** The loopback-only port of the staging site a new release is verified on before the switch. Absent: port + 10000 (or port - 10000). */
  stagingPort: z.number().int().min(1).max(65535).optional(),
  /** An HTTPS binding with a certificate the server has (or a PFX it imports); absent: plain http only. */
  https: HttpsOptions.optional(),
  /** "windows": IIS Windows Authentication on the site, the user handed to Django as REMOTE_USER (wfastcgi mode). */
  authentication: Authentication,
  anonymousPaths: AnonymousPaths,
  adopt: z
    .array(z.enum(ADOPTABLE, { error: `adopt entries are ${ADOPTABLE.map((a) => `"${a}"`).join(', ')}.` }))
    .default([]),
}).superRefine((c, ctx) => {
  // An installer named for one version and a pythonVersion of another cannot both be right.
  const inst = c.pythonInstaller ? installerFileVersion(c.pythonInstaller) : undefined;
  if (inst && c.pythonVersion && inst !== c.pythonVersion)
    ctx.addIssue({ code: 'custom', path: ['pythonInstaller'], message: `pythonInstaller is the installer of Python ${inst} but pythonVersion is ${c.pythonVersion}; give the installer of ${c.pythonVersion}, or remove pythonVersion (the installer's version is then used).` });
  // The window is the tool's own FastCGI application (release/maintenance.ts): wfastcgi mode only.
  if (c.migrate === 'maintenance' && c.server !== 'wfastcgi')
    ctx.addIssue({ code: 'custom', path: ['migrate'], message: '"migrate": "maintenance" needs "server": "wfastcgi" (the 503 window is a FastCGI application of the tool\'s own); with "httpplatform" use "manual" and run the migrations in a window of your own.' });
});

/** The version in a CPython installer's file name (python-3.14.6-amd64.exe → 3.14.6). */
export function installerFileVersion(file: string): string | undefined {
  return /(?:^|[\\/])python-(3\.\d+\.\d+)(?:-amd64|-arm64)?\.exe$/i.exec(file)?.[1];
}

export const DeploymentConfigSchema = ConfigObject;
export type DeploymentConfigInput = z.input<typeof ConfigObject>;

/**
 * Where one release of a project from a folder or zip lives (engine/release/layout.ts): set by the
 * engine on the configuration it derives for that release, never by a deploy file (the schema is strict).
 */
export interface ReleaseLayout {
  /** The release's number (1, 2, ...); 0 for a deployment made before releases (in place in appDir). */
  number: number;
  /** The configured appDir: <root>\releases\<n> holds each release. */
  root: string;
  /** Where the data every release shares lives (SQLite, media, logs): <root>\shared, or root for a deployment made before releases. */
  shared: string;
}
export type DeploymentConfig = z.output<typeof ConfigObject> & { layout?: ReleaseLayout };

/** The project name that startproject uses / the folder that holds settings.py. */
export function projectName(c: DeploymentConfig): string {
  if ('sample' in c.djangoProject) return c.djangoProject.sample;
  return (c.settingsModule ?? 'foo.settings').split('.')[0] ?? 'foo';
}

/** Values derived from the config. One place, so nothing is typed twice. */
export interface Derived {
  appPool: string;
  settingsModule: string;
  /** The configured STATIC_ROOT, else the guide's default (<appDir>\<project>\static); the project's own wins over the default at run time. */
  staticRoot: string;
  /** WSGI_LOG (wfastcgi mode; empty when none or in httpplatform mode). */
  wsgiLog: string;
  server: 'wfastcgi' | 'httpplatform';
  /** HttpPlatformHandler's stdoutLogFile prefix (httpplatform mode; empty otherwise). */
  stdoutLog: string;
  pythonVersion: string;
  pythonDir: string;
  pythonExe: string;
  pythonTag: string;
  venvPython: string;
  wfastcgiScript: string;
  settingsFile: string;
  /** The host names the site must answer for (verification asks for localhost). */
  allowedHosts: string[];
  /** The release this configuration is of (absent: the sample, deployed in place). */
  release?: ReleaseLayout;
  /** Set only for the maintenance window's FastCGI application (release/maintenance.ts): the release it is the window of. */
  maintenanceFor?: number;
}

/** C:\Python313 for 3.13.x. */
export function defaultPythonDir(version: string): string {
  const [maj, min] = version.split('.');
  return `C:\\Python${maj ?? '3'}${min ?? ''}`;
}

export function derive(c: DeploymentConfig): Derived {
  const name = projectName(c);
  const settingsModule = c.settingsModule ?? `${name}.settings`;
  const settingsFile = winJoin(c.appDir, ...settingsModule.split('.').slice(0, -1), `${settingsModule.split('.').at(-1) ?? 'settings'}.py`);
  // Bound to a host name, the site is asked for by that name (verification sends it too); else by localhost.
  const hosts = [...(c.hostName ? [c.hostName] : ['localhost', '127.0.0.1']), ...c.allowedHosts];
  const pythonVersion = c.pythonVersion ?? DEFAULT_PYTHON_VERSION;
  const pythonDir = c.pythonDir ?? defaultPythonDir(pythonVersion);
  const [maj, min] = pythonVersion.split('.');
  return {
    appPool: c.appPool ?? c.siteName,
    settingsModule,
    staticRoot: c.staticRoot ?? winJoin(c.appDir, name, 'static'),
    // Logs are data: every release writes them to the shared folder.
    wsgiLog: c.server === 'wfastcgi' ? (c.fastCgi.wsgiLog ?? winJoin(c.layout?.shared ?? c.appDir, 'logs', 'wfastcgi.log')) : '',
    server: c.server,
    stdoutLog: c.server === 'httpplatform' ? (c.httpPlatform.stdoutLogFile ?? winJoin(c.layout?.shared ?? c.appDir, 'logs', 'waitress')) : '',
    pythonVersion,
    pythonDir,
    pythonExe: winJoin(pythonDir, 'python.exe'),
    pythonTag: `${maj}.${min}`,
    venvPython: winJoin(c.venvDir, 'Scripts', 'python.exe'),
    wfastcgiScript: winJoin(c.venvDir, 'Lib', 'site-packages', 'wfastcgi.py'),
    settingsFile,
    allowedHosts: [...new Set(hosts)],
    ...(c.layout ? { release: c.layout } : {}),
  };
}

export interface ConfigProblem {
  key: string;
  message: string;
}

export type ParseResult = { ok: true; config: DeploymentConfig } | { ok: false; problems: ConfigProblem[] };

export function parseConfig(input: unknown): ParseResult {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input)))
    return { ok: false, problems: [{ key: '(top level)', message: `the configuration must be a JSON object such as {"siteName": "foo"}, not ${input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`}.` }] };
  const r = ConfigObject.safeParse(input ?? {});
  if (!r.success) {
    return {
      ok: false,
      problems: r.error.issues.map((i) => {
        const key = i.path.join('.') || '(top level)';
        let message = i.message;
        if (i.code === 'unrecognized_keys') {
          message = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}${key === '(top level)' ? '' : ` in ${key}`}: check the spelling; the known keys are listed in deploy.schema.json.`;
        } else if (i.code === 'invalid_type' && !message.includes(key)) {
          message = `${key}: ${message}`;
        }
        return { key, message };
      }),
    };
  }
  const config = r.data;
  const problems: ConfigProblem[] = [];
  const d = derive(config);
  problems.push(...pathSafetyProblems(config, d), ...httpsProblems(config));
  const seen = new Map<string, string>();
  for (const name of [...Object.keys(config.environment), ...(config.secretKey ? [config.secretKey.env] : [])]) {
    const prev = seen.get(name.toUpperCase());
    if (prev !== undefined) problems.push({ key: `environment.${name}`, message: `environment: ${name} is given twice (${prev} and ${name}; Windows environment names ignore case${config.secretKey?.env === name ? ', and secretKey.env sets it too' : ''}). Keep one.` });
    seen.set(name.toUpperCase(), name);
  }
  if (d.staticRoot.toLowerCase() === config.appDir.toLowerCase()) {
    problems.push({ key: 'staticRoot', message: 'staticRoot cannot be appDir itself: collectstatic would mix files into the application; use a subfolder such as <appDir>\\static.' });
  }
  if ('zip' in config.djangoProject && !config.settingsModule) {
    problems.push({ key: 'settingsModule', message: 'a project from a zip needs settingsModule (the DJANGO_SETTINGS_MODULE its manage.py sets, e.g. "mysite.settings"): the zip is not opened before it is extracted.' });
  }
  if ('sample' in config.djangoProject && config.settingsModule && config.settingsModule !== `${config.djangoProject.sample}.settings`) {
    problems.push({ key: 'settingsModule', message: `the sample project "${config.djangoProject.sample}" has its settings in "${config.djangoProject.sample}.settings"; remove settingsModule or make it match.` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config };
}

/**
 * Folders the tool writes to, copies from or may delete: never a protected folder (a drive root,
 * Windows, Program Files, ProgramData, a profile root, IIS's own folders) nor the Python install,
 * and never one inside another where uninstalling one would delete the other.
 */
function pathSafetyProblems(c: DeploymentConfig, d: Derived): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const pythonDir = d.pythonDir;
  const src = c.djangoProject;
  const owned: [string, string][] = [
    ['appDir', c.appDir],
    ['venvDir', c.venvDir],
    ['staticRoot', d.staticRoot],
    ...('folder' in src ? [['djangoProject.folder', src.folder] as [string, string]] : []),
    ...('zip' in src ? [['djangoProject.zip', src.zip] as [string, string]] : []),
    ...(c.fastCgi.wsgiLog ? [['fastCgi.wsgiLog', c.fastCgi.wsgiLog] as [string, string]] : []),
    ...(c.httpPlatform.stdoutLogFile ? [['httpPlatform.stdoutLogFile', c.httpPlatform.stdoutLogFile] as [string, string]] : []),
  ];
  for (const [key, p] of owned) {
    const why = protectedPathReason(key === 'fastCgi.wsgiLog' || key === 'httpPlatform.stdoutLogFile' ? p.slice(0, p.lastIndexOf('\\')) || p : p);
    if (why) out.push({ key, message: `${key} is ${p}, which is ${why}. The tool creates, changes and on uninstall deletes this folder; choose a folder of its own, e.g. C:\\apps\\${c.siteName.replace(/[^A-Za-z0-9_.-]/g, '_')}.` });
    else if (isInside(p, pythonDir)) out.push({ key, message: `${key} (${p}) is inside the Python installation ${pythonDir}; choose a folder outside it.` });
  }
  const py = protectedPathReason(pythonDir);
  if (py && !/Program Files/i.test(py)) out.push({ key: 'pythonDir', message: `pythonDir is ${pythonDir}, which is ${py}; install Python into a folder of its own, e.g. C:\\Python313.` });
  else if (samePath(pythonDir, `${pythonDir.slice(0, 2)}\\Program Files`)) out.push({ key: 'pythonDir', message: 'pythonDir cannot be the Program Files folder itself; use a subfolder such as C:\\Program Files\\Python313.' });
  for (const [key, p] of [['appDir', c.appDir], ['venvDir', c.venvDir]] as const) {
    if (isInside(pythonDir, p)) out.push({ key, message: `${key} (${p}) contains the Python installation ${pythonDir}; uninstalling would delete Python. Choose another folder.` });
  }
  if (samePath(c.venvDir, c.appDir)) out.push({ key: 'venvDir', message: 'venvDir and appDir are the same folder; keep the virtual environment outside the application folder, e.g. C:\\virtualenvs\\foo.' });
  else if (isInside(c.venvDir, c.appDir) || isInside(c.appDir, c.venvDir))
    out.push({ key: 'venvDir', message: `venvDir (${c.venvDir}) and appDir (${c.appDir}) are inside one another; keep them apart, e.g. C:\\apps\\foo and C:\\virtualenvs\\foo.` });
  if ('folder' in src && (isInside(c.appDir, src.folder) || isInside(src.folder, c.appDir)))
    out.push({ key: 'djangoProject.folder', message: `djangoProject.folder (${src.folder}) and appDir (${c.appDir}) overlap; copy from a folder outside the application folder.` });
  if (isInside(c.venvDir, d.staticRoot) || isInside(d.staticRoot, c.venvDir)) out.push({ key: 'staticRoot', message: `staticRoot (${d.staticRoot}) and venvDir (${c.venvDir}) overlap; choose another staticRoot.` });
  return out;
}

export function defaultConfig(): DeploymentConfig {
  const r = parseConfig({});
  if (!r.ok) throw new Error('the default configuration does not validate');
  return r.config;
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.key}: ${p.message.startsWith(p.key) ? p.message.slice(p.key.length).replace(/^[:\s]+/, '') : p.message}`).join('\n');
}

/** JSON Schema for deploy files (editors complete keys from it). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigObject, { io: 'input', unrepresentable: 'any' });
}
