/**
 * Ask Django, do not guess. A probe run with the venv's Python, in the application folder, with
 * exactly the environment the FastCGI application gives the site, prints what the project's
 * settings say (STATIC_URL/ROOT, MEDIA_URL/ROOT, DEBUG, ALLOWED_HOSTS, the database, the WSGI
 * application, whether SECRET_KEY is set but never its value). The plan, the virtual
 * directories, permissions and verification follow it; the managed settings block adds only
 * what is missing, and a configuration value that contradicts the project is named as an override.
 *
 * The probe runs with DJANGO_IIS_SETUP_PROBE=1, which the managed block honours by standing
 * aside: the probe sees the project's own settings, so what is "missing" never depends on what
 * the tool added earlier.
 */
import { createHash, randomBytes } from 'node:crypto';
import { projectName, type DeploymentConfig, type Derived } from '../../shared/config';
import type { DjangoSettingsEdit } from '../../shared/plan';
import type { Problem } from '../../shared/problem';
import { registerGeneratedSecret, registerSecret } from '../../shared/problem';
import { canonicalWindowsPath, isInside, relativeParts, samePath, winDirname, winJoin } from '../../shared/winpath';
import { APPCMD, WSGI_HANDLER, appcmd, fastCgiIdentity, managePy } from './commands';
import { findFastCgiApp, parseFastCgiApps, parseHttpPlatform } from './parsers';
import { PROBE_ENV } from './settings-edit';
import { secureSettings } from './https/settings';
import { PROBE_PY } from './probe-py';
import { codeFingerprint, recall, remember } from './check-cache';
import type { StepContext } from './step';
import { projectPathProblems } from './project-paths';
import { RefusedError } from './refusal';
import { objectKey, owns, readJournal } from './ownership';
import { sharedData } from './release/data';
import { liveReleaseContext } from './release/layout';

export { PROBE_ENV };

export interface DjangoFacts {
  djangoVersion: string;
  STATIC_URL: string | null;
  STATIC_ROOT: string | null;
  MEDIA_URL: string | null;
  MEDIA_ROOT: string | null;
  DEBUG: boolean;
  ALLOWED_HOSTS: string[];
  CSRF_TRUSTED_ORIGINS: string[];
  /** Absent in facts kept by an older version of the tool. */
  MIDDLEWARE?: string[];
  AUTHENTICATION_BACKENDS?: string[];
  SECURE_SSL_REDIRECT?: boolean;
  database: { engine: string; name: string | null } | null;
  staticfilesInstalled: boolean;
  adminInstalled: boolean;
  WSGI_APPLICATION: string | null;
  staticfilesStorage: string | null;
  secretKeySet: boolean;
  secretKeyInsecure: boolean;
  /** How many STATICFILES_DIRS lie outside the application folder (collectstatic reads them too). */
  staticDirsOutsideApp: number;
  /** STATICFILES_DIRS: as Django reported each, and as Windows resolves it. */
  staticDirs: { reported: string; path: string }[];
  /** STATIC_ROOT, MEDIA_ROOT and DATABASE_NAME exactly as Django reported them (messages name these). */
  reported: Record<string, string>;
}

export type ProbeResult = { ok: true; facts: DjangoFacts } | { ok: false; error: string; traceback: string };

export { PROBE_PY } from './probe-py';

export function parseProbe(stdout: string, stderr = ''): ProbeResult {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith('DJANGO_IIS_PROBE_JSON '));
  if (!line) return { ok: false, error: lastLine(stderr) || 'The probe printed nothing (Python or Django is not usable in the virtual environment).', traceback: stderr.slice(-6000) };
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line.slice('DJANGO_IIS_PROBE_JSON '.length)) as Record<string, unknown>;
  } catch {
    return { ok: false, error: 'The probe\'s answer could not be read.', traceback: stdout.slice(-6000) };
  }
  if (!j.ok) {
    // Error text and traceback come as plain lines (so paths in them read back as they are).
    const error = /^DJANGO_IIS_PROBE_ERROR (.*)$/m.exec(stdout)?.[1] ?? 'the settings could not be loaded';
    const tb = /DJANGO_IIS_PROBE_TRACEBACK_BEGIN\r?\n([\s\S]*?)\r?\nDJANGO_IIS_PROBE_TRACEBACK_END/.exec(stdout)?.[1] ?? '';
    return { ok: false, error: error.trim(), traceback: tb };
  }
  // Paths as Django reported them (kept for messages), and as Windows resolves them (what the tool uses).
  const reported: Record<string, string> = {};
  const paths: Record<string, string> = {};
  const staticDirs: { reported: string; path: string }[] = [];
  for (const l of stdout.split(/\r?\n/)) {
    const m = /^DJANGO_IIS_PROBE_PATH (\w+)=(.*)$/.exec(l);
    if (!m) continue;
    const raw = (m[2] as string).trim();
    const path = /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\\\') || raw.startsWith('//') ? canonicalWindowsPath(raw) : raw;
    if (m[1] === 'STATICFILES_DIR') {
      if (raw) staticDirs.push({ reported: raw, path });
      continue;
    }
    reported[m[1] as string] = raw;
    paths[m[1] as string] = path;
  }
  const db = j.database as { engine: string } | null;
  return {
    ok: true,
    facts: {
      djangoVersion: typeof j.djangoVersion === 'string' ? j.djangoVersion : '',
      STATIC_URL: (j.STATIC_URL as string | null) ?? null,
      STATIC_ROOT: paths.STATIC_ROOT || null,
      MEDIA_URL: (j.MEDIA_URL as string | null) ?? null,
      MEDIA_ROOT: paths.MEDIA_ROOT || null,
      DEBUG: Boolean(j.DEBUG),
      ALLOWED_HOSTS: (j.ALLOWED_HOSTS as string[] | undefined) ?? [],
      CSRF_TRUSTED_ORIGINS: (j.CSRF_TRUSTED_ORIGINS as string[] | undefined) ?? [],
      ...(Array.isArray(j.MIDDLEWARE) ? { MIDDLEWARE: j.MIDDLEWARE as string[] } : {}),
      ...(Array.isArray(j.AUTHENTICATION_BACKENDS) ? { AUTHENTICATION_BACKENDS: j.AUTHENTICATION_BACKENDS as string[] } : {}),
      ...(typeof j.SECURE_SSL_REDIRECT === 'boolean' ? { SECURE_SSL_REDIRECT: j.SECURE_SSL_REDIRECT } : {}),
      database: db ? { engine: db.engine, name: paths.DATABASE_NAME || null } : null,
      staticfilesInstalled: Boolean(j.staticfilesInstalled),
      adminInstalled: Boolean(j.adminInstalled),
      WSGI_APPLICATION: (j.WSGI_APPLICATION as string | null) ?? null,
      staticfilesStorage: (j.staticfilesStorage as string | null) ?? null,
      secretKeySet: Boolean(j.secretKeySet),
      secretKeyInsecure: Boolean(j.secretKeyInsecure),
      staticDirsOutsideApp: typeof j.staticDirsOutsideApp === 'number' ? j.staticDirsOutsideApp : 0,
      staticDirs,
      reported,
    },
  };
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).at(-1)?.trim() ?? '';
}

// ------------------------------------------------------------------ the application's environment

/** 64 characters of [A-Za-z0-9_-] from a cryptographic source: nothing to escape in appcmd, Python, PowerShell or XML. */
export function generateSecretKey(): string {
  return randomBytes(48).toString('base64url');
}

interface Memo {
  /** Promises, so checks running at the same time share one read and one generated key. */
  secret?: Promise<{ value: string; stored: boolean }>;
  probes: Map<string, Promise<ProbeResult>>;
}

const memos = new WeakMap<StepContext, Memo>();
function memo(ctx: StepContext): Memo {
  let m = memos.get(ctx);
  if (!m) {
    m = { probes: new Map() };
    memos.set(ctx, m);
  }
  return m;
}

/** The FastCGI application's current environment on the server (undefined when it is not registered). */
export async function currentFastCgiEnv(ctx: StepContext): Promise<Record<string, string> | undefined> {
  if (!(await ctx.host.exists(APPCMD))) return undefined;
  const r = await ctx.host.exec(APPCMD, appcmd.listFastCgi(), ctx.signal ? { signal: ctx.signal } : {});
  if (r.exitCode !== 0) return undefined;
  const apps = parseFastCgiApps(r.stdout);
  const app = findFastCgiApp(apps, fastCgiIdentity(ctx.d));
  if (app) return app.env;
  // A new release has no FastCGI application yet: the live release's environment is the one the
  // site runs with (its generated SECRET_KEY carries over: sessions, password-reset links and
  // signed cookies stay valid across an update).
  const live = liveReleaseContext(ctx);
  return live ? findFastCgiApp(apps, fastCgiIdentity(live.d))?.env : undefined;
}

/** The site's httpPlatform environment variables (undefined when the section is not set or not installed). */
export async function currentHttpPlatformEnv(ctx: StepContext): Promise<Record<string, string> | undefined> {
  if (!(await ctx.host.exists(APPCMD))) return undefined;
  const r = await ctx.host.exec(APPCMD, appcmd.listHttpPlatform(ctx.config.siteName), ctx.signal ? { signal: ctx.signal } : {});
  if (r.exitCode !== 0) return undefined;
  const hp = parseHttpPlatform(r.stdout);
  return hp && Object.keys(hp.env).length ? hp.env : undefined;
}

/**
 * The application's environment as the server has it: the configured mode's first, else the other
 * mode's (a switch between wfastcgi and httpplatform carries the generated secret key over).
 */
export async function currentAppEnv(ctx: StepContext): Promise<Record<string, string> | undefined> {
  const order = ctx.d.server === 'httpplatform' ? [currentHttpPlatformEnv, currentFastCgiEnv] : [currentFastCgiEnv, currentHttpPlatformEnv];
  for (const read of order) {
    const env = await read(ctx);
    if (env) return env;
  }
  return undefined;
}

/**
 * The generated SECRET_KEY: the one stored on the server in the FastCGI application when there
 * is one (re-runs keep it), else one generated for this run (stored by the FastCGI step). Every
 * value is registered with redact(), so it never reaches an output, a log or an event.
 */
export async function secretKey(ctx: StepContext): Promise<{ name: string; value: string; stored: boolean } | undefined> {
  const sk = ctx.config.secretKey;
  if (!sk) return undefined;
  const m = memo(ctx);
  m.secret ??= (async () => {
    const env = await currentAppEnv(ctx);
    const existing = env ? Object.entries(env).find(([k]) => k.toUpperCase() === sk.env.toUpperCase())?.[1] : undefined;
    if (existing) registerSecret(existing, `${sk.env} (the SECRET_KEY kept on the server)`);
    const secret = existing && !ctx.rotateSecret ? { value: existing, stored: true } : { value: generateSecretKey(), stored: false };
    if (secret.stored) registerSecret(secret.value);
    else registerGeneratedSecret(secret.value);
    return secret;
  })();
  return { name: sk.env, ...(await m.secret) };
}

/**
 * WSGI_HANDLER: the project's WSGI_APPLICATION (its wsgi.py runs as on Linux); the guide's for the
 * sample. In httpplatform mode, what waitress serves: WSGI_APPLICATION, else <project>.wsgi.application.
 */
export function wsgiHandler(config: DeploymentConfig, facts: DjangoFacts | undefined): string {
  if (config.server === 'httpplatform') return facts?.WSGI_APPLICATION ?? `${projectName(config)}.wsgi.application`;
  if ('sample' in config.djangoProject) return WSGI_HANDLER;
  return facts?.WSGI_APPLICATION ?? WSGI_HANDLER;
}

/** The environment the FastCGI application gives the site: the four the guide sets, the configured ones, the secret. */
export function applicationEnvironment(config: DeploymentConfig, d: Derived, handler: string, secret?: { name: string; value: string }): [string, string][] {
  const env: [string, string][] = [
    ['DJANGO_SETTINGS_MODULE', d.settingsModule],
    ['PYTHONPATH', config.appDir],
    // waitress is given the application on its command line; wfastcgi reads it from WSGI_HANDLER.
    ...(d.server === 'wfastcgi' ? [['WSGI_HANDLER', handler] as [string, string]] : []),
  ];
  if (d.wsgiLog) env.push(['WSGI_LOG', d.wsgiLog]);
  for (const [k, v] of Object.entries(config.environment)) env.push([k, v]);
  if (secret) env.push([secret.name, secret.value]);
  return env;
}

/** What manage.py and the probe run with: the application's environment (so a settings module that needs it loads). */
export async function manageEnv(ctx: StepContext, handler = WSGI_HANDLER): Promise<Record<string, string>> {
  const secret = await secretKey(ctx);
  return Object.fromEntries(applicationEnvironment(ctx.config, ctx.d, handler, secret));
}

export async function probeDjango(ctx: StepContext): Promise<ProbeResult | undefined> {
  const { host, d, config } = ctx;
  if (!(await host.exists(d.venvPython)) || !(await host.exists(managePy(config))) || !(await host.exists(d.settingsFile))) return undefined;
  const env = { ...(await manageEnv(ctx)), [PROBE_ENV]: '1' };
  const key = createHash('sha256').update(await host.readFile(d.settingsFile)).update(JSON.stringify(env)).digest('hex');
  const m = memo(ctx);
  const hit = m.probes.get(key);
  if (hit) return hit;
  // Between runs: the answer is kept under the fingerprint of the code, the packages and the environment.
  const p = (async () => {
    const fp = await codeFingerprint(ctx, env);
    const known = await recall<ProbeResult>(ctx, 'probe-v2', fp);
    if (known?.ok) return known;
    const r = await host.exec(d.venvPython, ['-c', PROBE_PY], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const result = parseProbe(r.stdout, r.stderr);
    if (result.ok) await remember(ctx, 'probe-v2', fp, result);
    return result;
  })();
  m.probes.set(key, p);
  p.catch(() => m.probes.delete(key));
  return p;
}

// ------------------------------------------------------------------ what the deployment follows

/** '/static/' from 'static/', '/static', 'https://cdn/...' stays as it is (served elsewhere). */
export function normalizeUrlPrefix(u: string): string {
  if (/^https?:\/\//i.test(u)) return u;
  let v = u.startsWith('/') ? u : `/${u}`;
  if (!v.endsWith('/')) v = `${v}/`;
  return v;
}

/** Django's validate_host: exact names, ".example.com" (the domain and its subdomains), "*". */
export function hostAllowed(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
    return h === p;
  });
}

/** ALLOWED_HOSTS as Django applies it: with DEBUG on and an empty list, the local names. */
export function effectiveAllowedHosts(f: DjangoFacts): string[] {
  if (f.DEBUG && f.ALLOWED_HOSTS.length === 0) return ['.localhost', '127.0.0.1', '[::1]'];
  return f.ALLOWED_HOSTS;
}

export interface ProjectView {
  /** Undefined when the project or the venv is not in place yet (a fresh server). */
  facts?: DjangoFacts;
  probeError?: { error: string; traceback: string };
  staticUrl: string;
  /** /static (the virtual directory's path), or undefined when STATIC_URL is another server's URL. */
  staticVdirPath?: string;
  staticRoot: string;
  media?: { url: string; vdirPath: string; root: string };
  sqliteFile?: string;
  wsgiHandler: string;
  /** What the managed block must set; null when the project already has everything (its file stays as it is). */
  edit: DjangoSettingsEdit | null;
  /** Where each value came from, and the configuration's explicit overrides, for the plan. */
  notes: string[];
  /** Releases: the project's data and output inside the release folder, relative (release/data.ts). */
  dataParts?: string[];
  staticParts?: string[];
}

interface ForeignFolder {
  kind: 'staticRoot' | 'mediaRoot' | 'databaseFolder';
  path: string;
  setting: string;
  reported: string | undefined;
  use: string;
  fix: string;
}

/** A SQLite NAME that is not an absolute local path, refused with how Windows would open it. */
export function sqliteNameProblem(raw: string, settingsModule: string, appDir: string): { what: string; why: string; fix: string } {
  const canon = canonicalWindowsPath(raw);
  const unc = canon.startsWith('\\\\');
  return {
    what: `The SQLite database in the project's settings (${settingsModule}) is ${raw}${unc ? ' (Windows reads it as a network path)' : ', a relative path'}.`,
    why: unc
      ? 'migrate would open a database on another machine with the administrator\'s rights, and the pool identity (a local account) cannot reach the share.'
      : `Windows opens a relative name from the process's current folder: ${appDir} for manage.py, C:\\Windows\\System32\\inetsrv under IIS, so migrate and the site would use two databases, and ".." can reach any folder.`,
    fix: `Give the database an absolute local path, e.g. NAME = BASE_DIR / 'db.sqlite3' (inside ${appDir}) or D:\\data\\app\\db.sqlite3, then run again.`,
  };
}

/**
 * What the one folder rule refuses among the folders the project hands over (STATIC_ROOT, MEDIA_ROOT,
 * the SQLite database's folder), and a SQLite NAME that is not an absolute local path.
 */
async function foreignFolderProblems(ctx: StepContext, facts: DjangoFacts | undefined, at: { staticRoot: string; media?: { url: string; root: string }; sqliteFile?: string }): Promise<Problem[]> {
  const { config, d } = ctx;
  const { staticRoot, media, sqliteFile } = at;
  // The SQLite NAME as Windows would open it: only an absolute local path is a file the tool can
  // grant and keep; a relative one opens from whatever folder the process runs in (the app folder
  // for manage.py, inetsrv under IIS), a UNC one on another machine with the administrator's rights.
  const refused: Problem[] = [];
  if (!facts) return refused;
  if (facts.database && facts.database.engine.endsWith('sqlite3') && !sqliteFile) {
    const raw = facts.reported.DATABASE_NAME ?? facts.database.name ?? '';
    if (raw && raw !== ':memory:') refused.push(sqliteNameProblem(raw, d.settingsModule, config.appDir));
  }
  // Every folder outside the deployment that it would grant, serve or write into, from the
  // project's settings or the configuration: the deployment's own (its journal says it created
  // it), or one that does not exist yet (the tool creates it and journals it). One that exists and
  // is not ours (another site's folder, someone's documents) is never granted, served or deleted,
  // unless the configuration adopts it.
  const journal = await readJournal(ctx.host, config.siteName);
  const own = (p: string) => isInside(p, config.layout?.root ?? config.appDir) || owns(journal, objectKey.folder(p)) !== undefined;
  const candidates: ForeignFolder[] = [
    { kind: 'staticRoot', path: staticRoot, setting: config.staticRoot ? "STATIC_ROOT (the configuration's staticRoot)" : 'STATIC_ROOT', reported: config.staticRoot ? undefined : facts.reported.STATIC_ROOT, use: 'collectstatic would write into it, IIS would serve all of it, and the tool would not know which files were there before', fix: "Set STATIC_ROOT to a folder that does not exist yet (e.g. BASE_DIR / 'staticfiles')" },
    ...(media ? [{ kind: 'mediaRoot' as const, path: media.root, setting: 'MEDIA_ROOT', reported: facts.reported.MEDIA_ROOT, use: `the pool identity would get modify on all of it and IIS would serve all of it at ${media.url}`, fix: "Set MEDIA_ROOT to a folder that does not exist yet (e.g. BASE_DIR / 'media' or D:\\data\\app\\media)" }] : []),
    ...(sqliteFile ? [{ kind: 'databaseFolder' as const, path: winDirname(sqliteFile), setting: `the SQLite database's folder (NAME ${sqliteFile})`, reported: undefined, use: 'the pool identity would get modify on the whole folder (SQLite writes its journal beside the file) and migrate would write there as administrator', fix: "Put the database in a folder of its own that does not exist yet (e.g. NAME = BASE_DIR / 'db.sqlite3', or D:\\data\\app\\db.sqlite3)" }] : []),
  ];
  for (const c of candidates) {
    if (own(c.path) || config.adopt.includes(c.kind) || !(await ctx.host.exists(c.path))) continue;
    const entries = await ctx.host.readDir(c.path).catch(() => [] as string[]);
    refused.push({
      what: `${c.setting} is ${c.path}${c.kind === 'staticRoot' && config.staticRoot ? '' : ` (from the project's settings${c.reported && c.reported !== c.path ? `: ${c.reported}` : ''})`}, which already exists${entries.length ? ` and holds ${entries.length} item${entries.length === 1 ? '' : 's'} (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})` : ''}, and this tool did not create it.`,
      why: `${c.use}.`,
      fix: `${c.fix}, or, if the folder is meant for this site, add "adopt": ["${c.kind}"] to the configuration (the tool then grants the pool on it and never deletes it). Then run again.`,
    });
  }
  return refused;
}

export async function projectView(ctx: StepContext): Promise<ProjectView> {
  const { config, d } = ctx;
  const probe = await probeDjango(ctx);
  const facts = probe?.ok ? probe.facts : undefined;
  const notes: string[] = [];
  // A release not in place yet: the live release's STATIC_ROOT, at the same place in the new folder (read again once it is in place).
  const predicted = !facts && ctx.release?.live?.staticParts && !config.staticRoot ? winJoin(config.appDir, ...ctx.release.live.staticParts) : undefined;
  const defaultRoot = predicted ?? d.staticRoot;
  // STATIC_URL
  const projectUrl = facts?.STATIC_URL ? normalizeUrlPrefix(facts.STATIC_URL) : undefined;
  const staticUrl = config.staticUrl ?? projectUrl ?? '/static/';
  if (config.staticUrl && projectUrl && config.staticUrl !== projectUrl) notes.push(`override: staticUrl ${config.staticUrl} from the configuration replaces the project's STATIC_URL ${projectUrl}`);
  else if (projectUrl) notes.push(`STATIC_URL ${projectUrl} (from the project)`);
  // STATIC_ROOT
  const projectRoot = facts?.STATIC_ROOT ?? undefined;
  const staticRoot = config.staticRoot ?? projectRoot ?? defaultRoot;
  if (config.staticRoot && projectRoot && !samePath(config.staticRoot, projectRoot)) notes.push(`override: staticRoot ${config.staticRoot} from the configuration replaces the project's STATIC_ROOT ${projectRoot}`);
  else if (projectRoot) notes.push(`STATIC_ROOT ${projectRoot} (from the project)`);
  else if (facts) notes.push(`STATIC_ROOT is not set by the project: the managed block sets it to ${staticRoot}`);
  // MEDIA
  let media: ProjectView['media'];
  let mediaAtRoot: string | undefined;
  if (facts?.MEDIA_ROOT && facts.MEDIA_URL && !/^https?:\/\//i.test(facts.MEDIA_URL)) {
    const url = normalizeUrlPrefix(facts.MEDIA_URL).replace(/\/{2,}/g, '/');
    if (url === '/') mediaAtRoot = facts.MEDIA_URL;
    else if (url !== staticUrl) {
      media = { url, vdirPath: url.replace(/\/$/, ''), root: facts.MEDIA_ROOT };
      notes.push(`MEDIA_ROOT ${facts.MEDIA_ROOT} served at ${url} (from the project)`);
    }
  }
  // Database
  let sqliteFile: string | undefined;
  if (facts?.database) {
    if (facts.database.engine.endsWith('sqlite3') && facts.database.name && /^[A-Za-z]:\\/.test(facts.database.name)) {
      sqliteFile = facts.database.name;
      notes.push(`database: SQLite ${sqliteFile} (the pool gets modify on ${winDirname(sqliteFile)}: SQLite writes its journal beside the file)`);
    } else notes.push(`database: ${facts.database.engine}`);
  }
  const refused = facts
    ? projectPathProblems(config, d, {
        staticRoot,
        staticRootFromProject: config.staticRoot === undefined && projectRoot !== undefined,
        staticUrl: facts.STATIC_URL ?? staticUrl,
        staticUrlFromProject: config.staticUrl === undefined && Boolean(facts.STATIC_URL),
        ...(media ? { media: { root: media.root, url: media.url } } : {}),
        ...(sqliteFile ? { sqliteFile } : {}),
        staticDirs: facts.staticDirs,
        reported: facts.reported,
        ...(mediaAtRoot !== undefined ? { mediaUrlAtRoot: mediaAtRoot } : {}),
        wsgiApplication: facts.WSGI_APPLICATION,
      })
    : [];
  refused.push(...(await foreignFolderProblems(ctx, facts, { staticRoot, ...(media ? { media } : {}), ...(sqliteFile ? { sqliteFile } : {}) })));
  // No step acts on a value the one rule refuses: every step that reads the view stops here.
  if (refused.length) throw new RefusedError(refused);
  // Releases: the data inside the release folder is the shared folder's (release/data.ts).
  const shared = sharedData(config, { ...(sqliteFile ? { sqliteFile } : {}), ...(media ? { mediaRoot: media.root } : {}), staticRoot });
  if (shared.database) sqliteFile = shared.database;
  if (shared.media && media) media = { ...media, root: shared.media };
  notes.push(...shared.notes);
  const handler = wsgiHandler(config, facts);
  if (facts?.WSGI_APPLICATION && handler === facts.WSGI_APPLICATION) notes.push(`${config.server === 'httpplatform' ? 'waitress serves' : 'WSGI_HANDLER'} ${handler} (the project's WSGI_APPLICATION)`);
  if (facts && !facts.secretKeySet) notes.push('SECRET_KEY is empty: Django will refuse to start; set it in "environment" or use "secretKey"');
  if (facts?.secretKeyInsecure) notes.push('SECRET_KEY is a development key (django-insecure-...): use "secretKey" to generate one kept only on the server');
  if (facts?.DEBUG) notes.push('DEBUG is on: Django shows tracebacks to visitors; turn it off for production (e.g. "environment": {"DJANGO_DEBUG": "0"} if the project reads it)');

  // The managed block: only what is missing.
  const missingRoot = !projectRoot || (config.staticRoot !== undefined && !samePath(config.staticRoot, projectRoot));
  const missingUrl = !projectUrl ? facts !== undefined && !facts.STATIC_URL : config.staticUrl !== undefined && config.staticUrl !== projectUrl;
  const needHosts = d.allowedHosts;
  const rejected = facts ? needHosts.filter((h) => !hostAllowed(h, effectiveAllowedHosts(facts))) : needHosts;
  if (facts && rejected.length) notes.push(`ALLOWED_HOSTS would reject ${rejected.join(', ')}: the managed block adds ${rejected.length === 1 ? 'it' : 'them'}`);
  const secure = secureSettings(config, facts, notes);
  let edit: DjangoSettingsEdit | null = null;
  if (missingRoot || missingUrl || rejected.length || shared.database || shared.media || secure.any) {
    const parts = relativeParts(staticRoot, config.appDir);
    edit = {
      settingsDepth: (relativeParts(winDirname(d.settingsFile), config.appDir) ?? []).length,
      ...(missingRoot ? (parts && parts.length > 0 ? { staticRootParts: parts } : { staticRootAbsolute: staticRoot }) : {}),
      ...(missingUrl ? { staticUrl } : {}),
      ...(rejected.length ? { allowedHosts: rejected } : {}),
      ...(shared.database ? { databaseName: shared.database } : {}), ...(shared.media ? { mediaRoot: shared.media } : {}), ...secure.edit,
    };
  }
  return {
    ...(facts ? { facts } : {}),
    ...(probe && !probe.ok ? { probeError: { error: probe.error, traceback: probe.traceback } } : {}),
    staticUrl,
    ...(/^https?:\/\//i.test(staticUrl) ? {} : { staticVdirPath: staticUrl.replace(/\/$/, '') }),
    staticRoot,
    ...(media ? { media } : {}),
    ...(sqliteFile ? { sqliteFile } : {}),
    wsgiHandler: handler,
    edit,
    notes,
    dataParts: shared.dataParts,
    ...(shared.staticParts ? { staticParts: shared.staticParts } : {}),
  };
}

/** Folders the pool identity needs, and with what right (windows-iis.md §5), following the project. */
export function requiredGrants(config: DeploymentConfig, d: Derived, view: Pick<ProjectView, 'staticRoot' | 'media' | 'sqliteFile'>): { path: string; right: 'RX' | 'M' }[] {
  const grants: { path: string; right: 'RX' | 'M' }[] = [];
  const add = (path: string, right: 'RX' | 'M') => {
    const same = grants.find((g) => samePath(g.path, path));
    if (same) {
      if (right === 'M') same.right = 'M';
      return;
    }
    grants.push({ path, right });
  };
  add(d.pythonDir, 'RX');
  add(config.venvDir, 'RX');
  add(config.appDir, 'RX');
  if (!isInside(view.staticRoot, config.appDir)) add(view.staticRoot, 'RX');
  if (d.wsgiLog) add(winDirname(d.wsgiLog), 'M');
  if (d.stdoutLog) add(winDirname(d.stdoutLog), 'M');
  if (view.sqliteFile) add(winDirname(view.sqliteFile), 'M');
  if (view.media) add(view.media.root, 'M');
  return grants;
}

/** The project's name for messages. */
export function projectLabel(config: DeploymentConfig): string {
  return 'sample' in config.djangoProject ? `the sample project "${config.djangoProject.sample}"` : `the project ${projectName(config)}`;
}

/**
 * A manifest storage (Django's or whitenoise's) whose staticfiles.json is missing: the file it
 * needs, else undefined. --dry-run does not count it, and every {% static %} fails without it.
 */
export async function missingManifest(host: StepContext['host'], view: Pick<ProjectView, 'facts' | 'staticRoot'>): Promise<string | undefined> {
  if (!/Manifest/.test(view.facts?.staticfilesStorage ?? '')) return undefined;
  const file = `${view.staticRoot}\\staticfiles.json`;
  return (await host.exists(file)) ? undefined : file;
}
