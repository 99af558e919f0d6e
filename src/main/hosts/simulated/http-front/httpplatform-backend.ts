/** The HttpPlatformHandler back end of the simulated front. */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { effectiveSection, expandEnv, resolveUrl } from '../iisconfig';
import { realPythonForBase, mapArg } from '../python';
import type { SimulatedServer } from '../server';
import { getAttr, type El } from '../xml';
import { simPythonEnv } from '../sim-pyhooks';
import { commandLineToArgv } from '../../../../shared/winargv';
import { iisErrorPage, type FrontResponse } from './error-page';

/** A process HttpPlatformHandler started for a site (the simulator's model of the module). */
export interface PlatformProcess {
  child: ChildProcess;
  port: number;
  generation: number;
  exited: boolean;
  exitCode: number | null;
  /** The end of what it wrote to stdout and stderr. */
  output: string;
}

/** HttpPlatformHandler as the simulator models it: one process per site. */
export class HttpPlatformBackend {
  /** One process per site (IIS stops the old one when the site's settings or pool change). */
  readonly platforms = new Map<string, { key: string; pp: PlatformProcess }>();

  constructor(private readonly server: SimulatedServer) {}

  stop(): void {
    for (const { pp } of this.platforms.values()) if (!pp.exited) pp.child.kill();
    this.platforms.clear();
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
  async handle(root: El, handler: El, configPath: string, site: El, identity: string, method: string, url: URL, headers: Record<string, string>, body: Buffer): Promise<FrontResponse> {
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
        pp = await this.startPlatformProcess(venv ? path.join(venv.realDir, 'bin', 'python') : realPythonForBase(s, processPath), args, env, sitePhysical, identity, hp);
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
}

/** HttpPlatformHandler's log file name: the prefix, the process id and the start time (as in its event text). */
export function stdoutLogName(prefix: string, pid: number, at: Date): string {
  const t = `${at.getFullYear()}${at.getMonth() + 1}${at.getDate()}${at.getHours()}${at.getMinutes()}${at.getSeconds()}`;
  return `${prefix}_${pid}_${t}.log`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export function timeSpanMs(v: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})/.exec(v);
  if (!m) return 120_000;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}
