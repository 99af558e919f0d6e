/**
 * The real Windows host: execa (argv, no shell) + node:fs + node:http. A thin layer: every argv
 * comes from the engine unchanged, the same argv the simulated server interprets. Never run on
 * Linux; under Windows Node in Wine by the Wine lane (test/windows: its own tests, then whole
 * deployments through the console exe), and on real Windows by .github/workflows/windows.yml.
 */
import tls from 'node:tls';
import { POWERSHELL } from '../../engine/commands';
import { MACHINE_ROOTS_SCRIPT, pemsFromBase64Lines, psArgs } from '../../engine/https/commands';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path, { dirname } from 'node:path';
import os from 'node:os';
import type { ExecOptions, ExecResult, FileStat, Host, HostInfo, HttpOptions, HttpResult } from '../../engine/host';
import { runProcess } from '../process';
import { downloadToFile, httpRequest } from '../http-client';
import { signedInRequest } from './signed-in';
import { parseRegQuery } from '../../engine/parsers';
import { ProgramNotFoundError } from '../../engine/host';
import { decodeConsole, parseOemCodePage } from './codepage';
import { findLinksIn } from '../links';

/**
 * Where Windows would find a program given as a bare name (CreateProcess: System32, then PATH,
 * with PATHEXT when there is no extension); undefined when it is nowhere. Checked before
 * spawning: a missing program otherwise surfaces as cmd.exe's exit 9009 (cross-spawn falls back
 * to cmd.exe), which the engine would read as the program's own failure.
 */
export function findProgram(file: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const hasDir = /[\\/:]/.test(file);
  const exts = path.win32.extname(file) ? [''] : (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean);
  const candidates = hasDir ? [file] : [path.win32.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32'), ...(env.Path ?? env.PATH ?? '').split(';').filter(Boolean)].map((d) => path.win32.join(d.replace(/^"(.*)"$/, '$1'), file));
  for (const c of candidates) for (const e of exts) if (existsSync(c + e)) return c + e;
  return undefined;
}

/**
 * The child's whole environment: the tool's own, with the engine's variables set over it ignoring
 * case, as Windows names them (Path and PATH are one variable). A plain merge would hand the child
 * both "Path" and "PATH", and Windows would take the first, silently dropping the engine's value
 * (the Wine lane's test found it).
 */
export function windowsEnv(base: NodeJS.ProcessEnv, extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  for (const [k, v] of Object.entries(extra ?? {})) {
    for (const have of Object.keys(out)) if (have.toLowerCase() === k.toLowerCase()) delete out[have];
    out[k] = v;
  }
  return out;
}

/** Each atomic write's temporary file gets a name of its own. */
let writeSeq = 0;

export class WindowsHost implements Host {
  private oemCodePage: Promise<number> | undefined;
  private infoP: Promise<HostInfo> | undefined;
  private rootsP: Promise<string[]> | undefined;

  /** The console's OEM code page, read once (437 when the registry does not say). */
  private codePage(): Promise<number> {
    this.oemCodePage ??= runProcess('reg.exe', ['query', 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', '/v', 'OEMCP']).then(
      (r) => parseOemCodePage(r.stdout),
      () => 437,
    );
    return this.oemCodePage;
  }

  async exec(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    const resolved = findProgram(file);
    if (!resolved) throw new ProgramNotFoundError(file);
    const cp = await this.codePage();
    // Python writes to a pipe in the ANSI code page unless told otherwise: told UTF-8 (its streams only).
    const isPython = /^pythonw?\.exe$/i.test(path.win32.basename(resolved));
    const env = windowsEnv(process.env, { ...(isPython ? { PYTHONIOENCODING: 'utf-8' } : {}), ...(opts?.env ?? {}) });
    return runProcess(resolved, args, { ...opts, env }, (b) => decodeConsole(b, cp, isPython), { extendEnv: false });
  }
  readFile(p: string): Promise<string> {
    return readFile(p, 'utf8');
  }
  readBytes(p: string): Promise<Uint8Array> {
    return readFile(p);
  }
  /**
   * Atomic: a temporary file beside the target (a name of its own per write: two writes in the same
   * millisecond never share one), then a rename (a killed run never leaves half a file). Windows
   * refuses the rename (EPERM, EACCES, EBUSY) while another handle has the target open without
   * delete sharing (a concurrent read of the same journal, an antivirus scan): it is tried again
   * for up to about two seconds, as graceful-fs does, then the error stands.
   */
  async writeFile(p: string, content: string): Promise<void> {
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.${Date.now().toString(36)}.${(writeSeq++).toString(36)}.tmp`;
    await writeFile(tmp, content, 'utf8');
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(tmp, p);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (attempt >= 20 || !['EPERM', 'EACCES', 'EBUSY'].includes(code ?? '')) {
          await rm(tmp, { force: true }).catch(() => undefined);
          throw e;
        }
        await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  }
  async createExclusive(p: string, content: string): Promise<boolean> {
    await mkdir(dirname(p), { recursive: true });
    try {
      await writeFile(p, content, { encoding: 'utf8', flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }
  readDir(p: string): Promise<string[]> {
    return readdir(p);
  }
  async exists(p: string): Promise<boolean> {
    return existsSync(p);
  }
  async stat(p: string): Promise<FileStat | undefined> {
    try {
      const st = await stat(p);
      return { size: st.size, mtimeMs: st.mtimeMs, dir: st.isDirectory() };
    } catch {
      return undefined;
    }
  }
  async findLinks(p: string): Promise<{ path: string; target: string }[]> {
    return findLinksIn(p).map((l) => ({ path: l.path, target: l.target || '(unreadable)' }));
  }
  async mkdir(p: string): Promise<void> {
    await mkdir(p, { recursive: true });
  }
  async remove(p: string): Promise<void> {
    await rm(p, { recursive: true, force: true });
  }
  download(url: string, p: string, signal?: AbortSignal): Promise<void> {
    return downloadToFile(url, p, signal);
  }
  http(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
    if (opts.signIn) return signedInRequest(this, url, opts);
    // HTTPS is judged as Windows judges it: the chain must end at a root of the machine's store (read once).
    if (url.startsWith('https:')) return this.machineRoots().then((ca) => httpRequest(url, opts, undefined, { ca: [...tls.rootCertificates, ...ca] }));
    return httpRequest(url, opts);
  }
  private machineRoots(): Promise<string[]> {
    this.rootsP ??= this.exec(POWERSHELL, psArgs(MACHINE_ROOTS_SCRIPT)).then(
      (r) => (r.exitCode === 0 ? pemsFromBase64Lines(r.stdout) : []),
      () => [],
    );
    return this.rootsP;
  }
  /** Read once per process: the Windows version and this process's elevation do not change while it runs. */
  info(): Promise<HostInfo> {
    this.infoP ??= (async () => {
      const r = await this.exec('reg.exe', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion']);
      const v = Object.values(parseRegQuery(r.stdout))[0] ?? {};
      const elevated = (await this.exec('net.exe', ['session'])).exitCode === 0;
      return { kind: 'windows' as const, productName: v.ProductName ?? `Windows ${os.release()}`, build: Number(v.CurrentBuildNumber ?? 0), installationType: v.InstallationType ?? 'Unknown', architecture: process.arch === 'x64' ? 'AMD64' : process.arch, elevated };
    })();
    return this.infoP;
  }
  env(name: string): string | undefined {
    return process.env[name];
  }
  async dispose(): Promise<void> {}
}
