/**
 * Diagnosis: one cause per reason, not one per URL. Probes that fail for the same reason are
 * grouped under it; each cause carries the evidence the tool gathered itself (IIS's detailed
 * error page in parts, the WSGI handler imported as wfastcgi does with the FastCGI entry's
 * environment and the last frames of its traceback, the tail of WSGI_LOG) and whether the tool
 * can fix it: a fix is the deployment's own check-then-set steps, run again (verify --fix).
 */
import type { Diagnosis, ProbeResult } from '../../shared/plan';
import { redact } from '../../shared/problem';
import type { StepId } from '../../shared/steps';
import { isInside } from '../../shared/winpath';
import { currentAppEnv, manageEnv, projectView } from './project';
import type { StepContext } from './step';

/** The known causes: the steps whose check-then-set fixes each (empty: the tool cannot fix it). */
export const CAUSES: Record<string, { steps: StepId[]; title: string }> = {
  'nothing-listens': { steps: ['iis', 'site'], title: 'Nothing answers on the site\'s port' },
  'pool-stopped': { steps: ['app-pool'], title: 'The application pool is stopped' },
  'cgi-missing': { steps: ['iis'], title: 'The CGI feature of IIS is missing' },
  'handler-fastcgi-mismatch': { steps: ['fastcgi', 'handler'], title: 'The handler mapping and the FastCGI application disagree' },
  'web-config-locked': { steps: ['web-config'], title: 'A web.config sets a locked section' },
  'fastcgi-exited': { steps: ['permissions'], title: 'The FastCGI process exits at start' },
  'wsgi-import': { steps: ['fastcgi', 'httpplatform', 'packages'], title: 'The WSGI handler does not import' },
  'httpplatform-missing': { steps: ['httpplatform-module'], title: 'HttpPlatformHandler is not installed' },
  'httpplatform-exited': { steps: ['packages', 'httpplatform', 'permissions'], title: 'waitress exits at start' },
  'httpplatform-timeout': { steps: ['httpplatform'], title: 'waitress does not listen on its port in time' },
  'httpplatform-start': { steps: ['venv', 'httpplatform', 'permissions'], title: 'HttpPlatformHandler cannot start the process' },
  'stdout-log-unwritable': { steps: ['permissions'], title: 'waitress\'s log cannot be written' },
  'project-code': { steps: [], title: 'The project\'s own code fails when the site starts' },
  'disallowed-host': { steps: ['django-settings'], title: 'Django rejects the host name' },
  'static-django-inherited': { steps: ['static-vdir'], title: 'Django answers for the static files' },
  'static-not-collected': { steps: ['collectstatic', 'static-vdir'], title: 'The static files are not collected' },
  'handler-missing': { steps: ['handler'], title: 'The Django handler is not applied at the site' },
  'acl-denied': { steps: ['permissions'], title: 'The pool identity cannot read the files' },
  'db-not-migrated': { steps: ['migrate'], title: 'The database is not migrated' },
  'db-readonly': { steps: ['permissions'], title: 'The SQLite database is not writable by the pool' },
  'csrf-origin': { steps: [], title: 'Django rejects the request\'s origin (CSRF)' },
  'static-manifest': { steps: ['collectstatic'], title: 'A static file is missing from the manifest' },
  'django-error': { steps: [], title: 'Django answers with a server error' },
  'view-error': { steps: [], title: 'A page of the project raises an exception' },
  'https-redirect': { steps: [], title: 'The project redirects to HTTPS, and the site has none' },
  'https-unreachable': { steps: ['iis', 'site', 'https-binding'], title: 'Nothing answers over HTTPS' },
  'certificate-not-accepted': { steps: [], title: 'Browsers will refuse the site\'s certificate' },
  'http-not-redirected': { steps: ['http-redirect'], title: 'Plain http is not redirected to HTTPS' },
  'anonymous-allowed': { steps: ['windows-auth'], title: 'Windows sign-in is not in force' },
  'anonymous-path-closed': { steps: ['windows-auth'], title: 'A path meant to stay open asks for sign-in' },
  'remote-user-ignored': { steps: ['django-settings'], title: 'Django does not see the Windows user' },
  unknown: { steps: [], title: 'An unexpected answer' },
};

export type CauseId = keyof typeof CAUSES;

export interface IisErrorDetails {
  status: number;
  substatus: number;
  title?: string;
  module?: string;
  handler?: string;
  notification?: string;
  errorCode?: string;
}

const decode = (s: string): string => s.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim();

/** IIS's detailed error page in its parts: status.substatus, module, handler, notification, error code (HRESULT). */
export function parseIisError(body: string): IisErrorDetails | undefined {
  const head = /HTTP Error (\d{3})\.(\d+)/.exec(body);
  if (!head) return undefined;
  const cell = (name: string) => {
    const m = new RegExp(`<th>${name}</th>\\s*<td>([\\s\\S]*?)</td>`, 'i').exec(body);
    return m ? decode(m[1] as string) : undefined;
  };
  const title = /<h4>([^<]+)<\/h4>/.exec(body.slice(body.indexOf(head[0])))?.[1];
  const out: IisErrorDetails = { status: Number(head[1]), substatus: Number(head[2]) };
  if (title) out.title = decode(title);
  for (const [k, n] of [['module', 'Module'], ['handler', 'Handler'], ['notification', 'Notification'], ['errorCode', 'Error Code']] as const) {
    const v = cell(n);
    if (v) out[k] = v;
  }
  return out;
}

export function describeIisError(e: IisErrorDetails): string {
  return [`HTTP ${e.status}.${e.substatus}`, e.title, e.module ? `module ${e.module}` : '', e.handler ? `handler ${e.handler}` : '', e.notification ? `notification ${e.notification}` : '', e.errorCode ? `error code ${e.errorCode}` : ''].filter((x) => x).join('; ');
}

/**
 * The end of a Python traceback, the project's own frame first: the last "File ..., line N" inside
 * the application folder (that is where the person looks), then the final lines (the exception).
 */
export function tracebackFocus(tb: string, appDir: string, keep = 8): string[] {
  // Python's own import machinery frames (<frozen importlib...>) say nothing about the project.
  const lines = tb.replace(/\r\n/g, '\n').trimEnd().split('\n').filter((l) => !/^\s*File "<frozen /.test(l));
  const frames: number[] = [];
  lines.forEach((l, i) => {
    const m = /^\s*File "([^"]+)", line \d+/.exec(l);
    if (m && isInside((m[1] as string).replace(/\//g, '\\'), appDir)) frames.push(i);
  });
  const own = frames.at(-1);
  const tail = lines.slice(-keep);
  const ownLines = own !== undefined && own < lines.length - keep ? [`${lines[own]?.trim() ?? ''}${lines[own + 1] ? `: ${lines[own + 1]?.trim() ?? ''}` : ''}`, '...'] : [];
  return [...ownLines, ...tail].map((l) => redact(l));
}

/**
 * The project's file and line a traceback ends in ("C:\apps\foo\foo\settings.py, line 12"), when
 * the innermost frame is the project's own: an error raised inside Django or importlib (a settings
 * module that does not exist, a wrong variable) is the deployment's, not the project's.
 */
export function projectLocation(tb: string, appDir: string): string | undefined {
  const last = [...tb.matchAll(/File "([^"]+)", line (\d+)/g)].filter((m) => !(m[1] as string).startsWith('<frozen ')).at(-1);
  return last && isInside((last[1] as string).replace(/\//g, '\\'), appDir) ? `${last[1] as string}, line ${last[2] as string}` : undefined;
}

/** Imports WSGI_HANDLER as wfastcgi 3.0.0 does (last dot, shorter module paths, a trailing () calls). */
const WSGI_PROBE_PY = String.raw`
import os, sys, traceback
sys.path[0:0] = [p for p in os.environ.get('PYTHONPATH', '').split(';') if p]
name = os.environ.get('WSGI_HANDLER', '')
try:
    call = name.endswith('()')
    if call:
        name = name[:-2]
    module_name, _, rest = name.rpartition('.')
    handler = None
    while module_name:
        try:
            handler = __import__(module_name, fromlist=[rest.split('.')[0]])
            for part in rest.split('.'):
                handler = getattr(handler, part)
            break
        except ImportError:
            if '.' not in module_name:
                raise
            module_name, _, head = module_name.rpartition('.')
            rest = head + '.' + rest
    if handler is None:
        raise ValueError('"%s" could not be imported' % name)
    if call:
        handler = handler()
    print('DJANGO_IIS_WSGI_OK')
except BaseException:
    print('DJANGO_IIS_WSGI_ERROR')
    print(traceback.format_exc()[-8000:])
`;

/**
 * The Python probe: the venv's Python, in the app folder, with the application's environment as
 * the server has it (the FastCGI entry's, or the site's httpPlatform variables with the application
 * waitress is given).
 */
export async function wsgiProbe(ctx: StepContext): Promise<{ ok: boolean; lines: string[]; location?: string; named: string[] } | undefined> {
  const { config, d, host } = ctx;
  if (!(await host.exists(d.venvPython))) return undefined;
  const env = { ...((await currentAppEnv(ctx)) ?? (await manageEnv(ctx))) };
  if (d.server === 'httpplatform') env.WSGI_HANDLER = (await projectView(ctx)).wsgiHandler;
  const r = await host.exec(d.venvPython, ['-c', WSGI_PROBE_PY], { cwd: config.appDir, env, timeoutMs: 120_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  // The top packages the site's environment names (DJANGO_SETTINGS_MODULE, WSGI_HANDLER): one of
  // them missing is a wrong variable, not a package pip left out.
  const named = [env.DJANGO_SETTINGS_MODULE, env.WSGI_HANDLER].flatMap((m) => (m ? [m.split('.')[0] as string] : []));
  if (r.stdout.includes('DJANGO_IIS_WSGI_OK')) return { ok: true, lines: [], named };
  const tb = r.stdout.split('DJANGO_IIS_WSGI_ERROR').at(-1) ?? `${r.stdout}${r.stderr}`;
  const location = projectLocation(tb, config.appDir);
  return { ok: false, lines: tracebackFocus(tb, config.appDir), named, ...(location ? { location } : {}) };
}

/** The last lines of WSGI_LOG, when the deployment sets one and it exists. */
export async function wsgiLogTail(ctx: StepContext, n = 12): Promise<string[]> {
  const { d, host } = ctx;
  if (!d.wsgiLog || !(await host.exists(d.wsgiLog))) return [];
  const text = await host.readFile(d.wsgiLog).catch(() => '');
  return text.replace(/\r\n/g, '\n').trimEnd().split('\n').filter((l) => l.trim()).slice(-n).map((l) => redact(l));
}

/**
 * waitress's log files (server "httpplatform"): HttpPlatformHandler writes <stdoutLogFile>_<pid>_<time>.log,
 * the time without zero padding, so "newest" is the longest, then last, name (an approximation).
 */
export async function stdoutLogFiles(ctx: StepContext): Promise<string[]> {
  const { d, host } = ctx;
  if (!d.stdoutLog) return [];
  const cut = d.stdoutLog.lastIndexOf('\\');
  const dir = d.stdoutLog.slice(0, cut);
  const base = d.stdoutLog.slice(cut + 1).toLowerCase();
  const names = await host.readDir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.toLowerCase().startsWith(`${base}_`) && n.toLowerCase().endsWith('.log'))
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
    .map((n) => `${dir}\\${n}`);
}

/** The last lines of the newest waitress log. */
export async function stdoutLogTail(ctx: StepContext, n = 12): Promise<{ file: string; lines: string[] } | undefined> {
  const file = (await stdoutLogFiles(ctx)).at(-1);
  if (!file) return undefined;
  const text = await ctx.host.readFile(file).catch(() => '');
  return { file, lines: text.replace(/\r\n/g, '\n').trimEnd().split('\n').filter((l) => l.trim()).slice(-n).map((l) => redact(l)) };
}

/** Groups the failed probes by cause: one diagnosis per cause, with the URLs it explains. */
export function groupDiagnoses(probes: ProbeResult[], evidence: (cause: string) => string[] = () => []): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const p of probes) {
    if (p.ok || !p.diagnosis) continue;
    const cause = p.diagnosis.cause ?? 'unknown';
    const same = out.find((x) => x.cause === cause);
    if (same) {
      same.urls.push(p.url);
      continue;
    }
    const known = CAUSES[cause] ?? CAUSES.unknown;
    out.push({
      cause,
      title: known?.title ?? cause,
      what: p.diagnosis.what,
      why: p.diagnosis.why,
      fix: p.diagnosis.fix,
      urls: [p.url],
      evidence: [...(p.diagnosis.output ? p.diagnosis.output.split('\n') : []), ...evidence(cause)],
      fixable: (known?.steps.length ?? 0) > 0,
      fixSteps: known?.steps ?? [],
    });
  }
  return out;
}

/**
 * Recent Application event log entries from IIS's worker process and WAS (FastCGI failures, pools
 * that stop), newest first. Windows only: where wevtutil.exe is absent (the simulator) there are
 * none. UNCONFIRMED until run on Windows: the provider names and the text format's layout.
 */
export async function recentIisEvents(ctx: StepContext, max = 5): Promise<string[]> {
  const query = "*[System[Provider[@Name='Microsoft-Windows-IIS-W3SVC-WP' or @Name='WAS' or @Name='Microsoft-Windows-WAS'] and TimeCreated[timediff(@SystemTime) <= 3600000]]]";
  try {
    const r = await ctx.host.exec('wevtutil.exe', ['qe', 'Application', `/q:${query}`, `/c:${max}`, '/rd:true', '/f:text'], { timeoutMs: 60_000 });
    if (r.exitCode !== 0) return [];
    return r.stdout.replace(/\r\n/g, '\n').split('\n').filter((l) => /^\s*(Date|Source|Event ID|Description):|^\s{2,}\S/.test(l) || /FastCGI|application pool|wfastcgi/i.test(l)).slice(0, 40).map((l) => redact(l.trimEnd()));
  } catch {
    return [];
  }
}
