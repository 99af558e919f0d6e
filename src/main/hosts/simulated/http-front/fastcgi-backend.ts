/** The FastCGI back end of the simulated front: the handler's scriptProcessor matched against <fastCgi>, the pool's ACLs, Django run by the real Python as wfastcgi would. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { effectiveSection, expandEnv, resolveUrl } from '../iisconfig';
import { realPythonForBase, mapArg, pythonPlaces } from '../python';
import type { PythonPlaces } from '../python-paths';
import type { SimulatedServer } from '../server';
import { getAttr, type El } from '../xml';
import { WSGI_WORKER_PY } from '../wsgi-worker';
import { simPythonEnv } from '../sim-pyhooks';
import { iisErrorPage, type FrontResponse } from './error-page';

export interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** Where its Python's libraries are on the server (its tracebacks and pages name those). */
  places: PythonPlaces;
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
  /** The <fastCgi> application it runs for (fullPath|arguments). */
  entry: string;
}

/** The script of a python.exe command line (CommandLineToArgvW's quoting; options such as -X name=value skipped). */
export function scriptOf(commandLine: string): string {
  const tokens = [...commandLine.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === '-X' || t === '-W') i++;
    else if (!t.startsWith('-')) return t;
  }
  return '';
}

/** wfastcgi as the simulator runs it: one worker process per FastCGI application (restarted when the code changes or the pool recycles). */
export class FastCgiBackend {
  readonly workers = new Map<string, Worker>();

  constructor(private readonly server: SimulatedServer) {}

  stop(): void {
    for (const w of this.workers.values()) if (!w.exited) w.child.kill();
    this.workers.clear();
  }

  async handle(root: El, handler: El, physical: string | undefined, site: El, identity: string, method: string, url: URL, headers: Record<string, string>, body: Buffer, sitePort: number, serverVars: Record<string, string> = {}): Promise<FrontResponse> {
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
    // python.exe's command line: options (-X name=value, -u, ...) before the script, as Python reads them.
    const args = scriptOf(expandEnv(getAttr(app, 'arguments') ?? ''));
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
    if (!venv && !existsSync(realPythonForBase(s, fullPath))) return exited(`No real Python at ${realPythonForBase(s, fullPath)}.`);
    // An application no longer in <fastCgi> has no processes: IIS ends them when the entry goes.
    this.endRemoved(fcgi);
    const key = JSON.stringify({ fullPath, args: getAttr(app, 'arguments') ?? '', env, sitePhysical });
    let w = this.workers.get(key);
    // A recycle of the pool (appcmd recycle apppool) counts as a change: a new process starts.
    const generation = s.state.poolRecycles?.[identity.slice('IIS AppPool\\'.length).toLowerCase()] ?? 0;
    const fp = sourceFingerprint(s.toReal(sitePhysical));
    if (w && !w.exited && w.fingerprint !== fp) {
      // wfastcgi's default WSGI_RESTART_FILE_REGEX, .*((\.py)|(\.config))$: a changed file ends the
      // process at once (ExitProcess(0)): the requests it was serving fail.
      w.child.kill();
      w = undefined;
    } else if (w && !w.exited && w.generation !== generation) {
      // A recycle overlaps (IIS's default, disallowOverlappingRotation=false): the old process
      // finishes the requests it has, the next ones go to a new one.
      const old = w;
      void old.queue.then(() => old.child.kill());
      w = undefined;
    }
    if (!w || w.exited) {
      w = this.startWorker(venv ? path.join(venv.realDir, 'bin', 'python') : realPythonForBase(s, fullPath), env, sitePhysical, pythonPlaces(s, fullPath));
      w.generation = generation;
      w.entry = scriptProcessor;
      this.workers.set(key, w);
    }
    const worker = w;
    const send = async (): Promise<FrontResponse> => {
      if (worker.exited) return exited(`The process exited with code ${worker.exitCode ?? '?'}: ${worker.stderr.slice(-2000)}`);
      const reqLine = JSON.stringify({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), headers, body: body.toString('base64'), serverPort: sitePort, serverName: (headers.host ?? 'localhost').replace(/:\d+$/, ''), vars: serverVars });
      worker.child.stdin.write(`${reqLine}\n`);
      const next = await Promise.race([worker.lines.next(), worker.gone]);
      if (next.done) return exited(`The process exited with code ${worker.exitCode ?? '?'}: ${worker.stderr.slice(-2000)}`);
      const r = JSON.parse(next.value) as { status: string; headers: [string, string][]; body: string; handlerError?: boolean };
      const status = Number(r.status.split(' ')[0]);
      const hdrs: Record<string, string> = { server: 'Microsoft-IIS/10.0 (simulated)', 'x-simulated-handler': handlerName };
      for (const [k, v] of r.headers) hdrs[k.toLowerCase()] = v;
      const raw = Buffer.from(r.body, 'base64');
      // A page that prints paths (Django's debug page, a traceback) names the server's, as on Windows.
      const text = /^text\//i.test(hdrs['content-type'] ?? '') && raw.includes(s.root);
      const out = text ? Buffer.from(s.mapOutput(raw.toString('utf8'), worker.places)) : raw;
      if (hdrs['content-length'] !== undefined) hdrs['content-length'] = String(out.length);
      return { status, headers: hdrs, body: out };
    };
    const p = worker.queue.then(send, send);
    worker.queue = p.catch(() => undefined);
    return p;
  }

  /** Ends the workers of FastCGI applications removed from the configuration (their requests in flight fail). */
  private endRemoved(fcgi: El): void {
    const present = new Set(fcgi.children.filter((a) => a.name === 'application').map((a) => `${getAttr(a, 'fullPath') ?? ''}|${getAttr(a, 'arguments') ?? ''}`));
    for (const [key, w] of this.workers) {
      if (present.has(w.entry)) continue;
      if (!w.exited) w.child.kill();
      this.workers.delete(key);
    }
  }

  private startWorker(python: string, env: Record<string, string>, sitePhysical: string, places: PythonPlaces): Worker {
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
    // A request written to a process that was just ended fails as that request (not the simulator).
    child.stdin.on('error', () => undefined);
    const gone = new Promise<IteratorResult<string>>((resolve) => child.once('exit', () => resolve({ done: true, value: undefined })));
    const w: Worker = { child, places, fingerprint: sourceFingerprint(childEnv.SIM_APPL_PHYSICAL_PATH), generation: 0, entry: '', queue: Promise.resolve(), exited: false, stderr: '', exitCode: null, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), gone };
    child.stderr.on('data', (d: Buffer) => {
      w.stderr = (w.stderr + s.mapOutput(d.toString(), places)).slice(-20000);
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
