/**
 * Host over the simulated Windows Server: the same argv the real host would spawn is
 * interpreted by the simulated programs; files are real files under DIR; HTTP goes to the
 * simulated server's loopback front. Faults (DIR/faults.json) apply here, to any command.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecOptions, ExecResult, FileStat, Host, HostInfo, HttpOptions, HttpResult } from '../../engine/host';
import { ProgramNotFoundError } from '../process';
import { httpRequest } from '../http-client';
import { runAppcmd, type ProgramResult } from './appcmd';
import { HttpFront } from './http-front';
import { runDism, runFsutil, runIcacls, runNet, runNetstat, runMsiexec, runPymanager, runPythonInstaller, runReg, runRobocopy, runSc, runTar, runWhoami } from './programs';
import { installerFileVersion } from '../../../shared/config';
import { pythonGap } from '../../engine/python-support';
import { playedBy, runPython, SUBSTITUTION } from './python';
import { runPowerShell } from './programs/powershell';
import { runNetsh, trustedRoots } from './programs/certstore';
import { DEFAULT_TEST_IDENTITY, simulatedNegotiate } from './http-front/security';
import { SimulatedServer, type Scenario } from './server';
import { findLinksIn } from '../links';

const CBS_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing';

const SYSTEM32 = 'C:\\Windows\\System32';

export class SimulatedHost implements Host {
  readonly server: SimulatedServer;
  private readonly front: HttpFront;

  /**
   * options.programImage and options.listenOnSitePorts are for the Wine lane (test/windows): programs
   * are written as the stand-in exe, and each site binding is served on its own port of 127.0.0.1 (so
   * a real HTTP client reaches http://localhost:81), instead of a free port only this host knows.
   */
  constructor(root: string, scenario: Scenario = {}, options: { lenientPackages?: boolean; programImage?: Buffer; listenOnSitePorts?: boolean } = {}) {
    this.server = SimulatedServer.open(root, scenario, options.programImage ? { programImage: options.programImage } : {});
    this.server.lenientPackages = options.lenientPackages ?? false;
    this.front = new HttpFront(this.server, { listenOnSitePorts: options.listenOnSitePorts ?? false });
  }

  /** Brings the HTTP listeners in line with the sites (after a change the host did not make itself). */
  syncFront(): Promise<void> {
    return this.front.sync();
  }

  private resolveProgram(file: string): string {
    const isAbs = /^[A-Za-z]:\\/.test(file);
    const win = isAbs ? file : `${SYSTEM32}\\${file}`;
    if (!this.server.existsWin(win)) throw new ProgramNotFoundError(file);
    return win;
  }

  async exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const s = this.server;
    s.loadFaultFile();
    const win = this.resolveProgram(file);
    const { n, fault } = s.nextCommand([file, ...args]);
    const emit = (text: string, stream: 'stdout' | 'stderr') => {
      if (!opts.onLine || !text) return;
      const lines = text.replace(/\r\n/g, '\n').split('\n');
      if (lines.at(-1) === '') lines.pop();
      for (const l of lines) opts.onLine(stream, l);
    };
    if (fault?.hang) {
      await new Promise<void>((resolve) => {
        if (opts.signal?.aborted) return resolve();
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
        if (opts.timeoutMs) setTimeout(resolve, opts.timeoutMs);
      });
      s.logCommand(n, { argv: [file, ...args], exitCode: -1, mutating: false, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
      return { exitCode: -1, stdout: '', stderr: '', killed: true };
    }
    if (fault && !fault.restart) {
      const r: ExecResult = { exitCode: fault.exitCode ?? 1, stdout: fault.stdout ?? '', stderr: fault.stderr ?? '', killed: false };
      emit(r.stdout, 'stdout');
      emit(r.stderr, 'stderr');
      s.logCommand(n, { argv: [file, ...args], exitCode: r.exitCode, mutating: false, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
      return r;
    }
    if (opts.signal?.aborted) return { exitCode: -1, stdout: '', stderr: '', killed: true };
    const streamed = { any: false };
    const onLine = opts.onLine
      ? (stream: 'stdout' | 'stderr', line: string) => {
          streamed.any = true;
          opts.onLine?.(stream, line);
        }
      : undefined;
    const featuresBefore = { ...s.state.features };
    const r = await this.dispatch(win, [...args], { ...opts, ...(onLine ? { onLine } : {}) });
    if (!streamed.any) {
      emit(r.stdout, 'stdout');
      emit(r.stderr, 'stderr');
    }
    let exitCode = r.exitCode;
    if (fault?.restart && exitCode === 0) {
      exitCode = 3010;
      s.state.restartPending = true;
      // Windows servicing marks the pending restart in the registry (what the iis step reads first).
      s.setReg(`${CBS_KEY}\\RebootPending`, '(Default)', 'REG_SZ', '');
      // DISM's features enabled by this command wait for the restart, as on Windows ("Enable Pending").
      for (const [k, v] of Object.entries(s.state.features)) if (v === 'Enabled' && featuresBefore[k] !== 'Enabled') s.state.features[k] = 'Enable Pending';
      s.save();
    }
    s.logCommand(n, { argv: [file, ...args], exitCode, mutating: r.mutating, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    if (r.mutating) await this.front.sync();
    return { exitCode, stdout: r.stdout, stderr: r.stderr, killed: Boolean(opts.signal?.aborted) };
  }

  private async dispatch(win: string, args: string[], opts: ExecOptions): Promise<ProgramResult> {
    const s = this.server;
    const name = win.slice(win.lastIndexOf('\\') + 1).toLowerCase();
    switch (name) {
      case 'appcmd.exe':
        return runAppcmd(s, args);
      case 'dism.exe':
        return runDism(s, args);
      case 'reg.exe':
        return runReg(s, args);
      case 'sc.exe':
        return runSc(s, args);
      case 'net.exe':
        return runNet(s, args);
      case 'whoami.exe':
        return runWhoami(s, args);
      case 'netstat.exe':
        return runNetstat(s, args);
      case 'icacls.exe':
        return runIcacls(s, args);
      case 'fsutil.exe':
        return runFsutil(s, args);
      case 'python.exe':
        return runPython(s, win, args, opts);
      case 'robocopy.exe':
        return runRobocopy(s, args);
      case 'tar.exe':
        return runTar(s, args, opts);
      case 'msiexec.exe':
        return runMsiexec(s, args);
      case 'pymanager.exe':
        return runPymanager(s, args);
      case 'netsh.exe':
        return runNetsh(s, args);
      case 'powershell.exe':
        return runPowerShell(s, args, opts);
      default:
        if (installerFileVersion(win)) return runPythonInstaller(s, win, args);
        return { exitCode: 1, stdout: '', stderr: `${win}: the simulated server cannot run this program.\r\n`, mutating: false };
    }
  }

  async readFile(p: string): Promise<string> {
    return readFileSync(this.server.toReal(p), 'utf8');
  }

  async readBytes(p: string): Promise<Uint8Array> {
    return readFileSync(this.server.toReal(p));
  }

  async writeFile(p: string, content: string): Promise<void> {
    const real = this.server.toReal(p);
    mkdirSync(path.dirname(real), { recursive: true });
    const tmp = `${real}.${process.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, real);
  }

  async createExclusive(p: string, content: string): Promise<boolean> {
    const real = this.server.toReal(p);
    mkdirSync(path.dirname(real), { recursive: true });
    try {
      writeFileSync(real, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  async readDir(p: string): Promise<string[]> {
    return readdirSync(this.server.toReal(p));
  }

  async exists(p: string): Promise<boolean> {
    return existsSync(this.server.toReal(p));
  }

  async stat(p: string): Promise<FileStat | undefined> {
    try {
      const st = statSync(this.server.toReal(p));
      return { size: st.size, mtimeMs: st.mtimeMs, dir: st.isDirectory() };
    } catch {
      return undefined;
    }
  }

  async findLinks(p: string): Promise<{ path: string; target: string }[]> {
    const root = this.server.root;
    const win = (real: string) => (real === root || real.startsWith(`${root}${path.sep}`) ? this.server.toWin(real) : `${real} (outside the simulated server: a file of the machine running the rehearsal)`);
    return findLinksIn(this.server.toReal(p)).map((l) => ({ path: this.server.toWin(l.path), target: l.target ? win(l.target) : '(unreadable)' }));
  }

  async mkdir(p: string): Promise<void> {
    mkdirSync(this.server.toReal(p), { recursive: true });
  }

  async remove(p: string): Promise<void> {
    rmSync(this.server.toReal(p), { recursive: true, force: true });
    // As on NTFS, an ACL lives with its file: gone with it.
    this.server.forgetAcls(p);
  }

  /** SIMULATED: no network. Writes a marked stand-in for the file (installers are recognised by name). */
  async download(url: string, p: string): Promise<void> {
    await this.writeFile(p, `SIMULATED download of ${url}\r\n`);
    this.server.noteSimulated(`The download of ${url} was simulated (no network): a marked stand-in file was written to ${p}.`);
  }

  async http(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
    await this.front.sync();
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const sitePort = Number(u.port || (secure ? 443 : 80));
    const isLocal = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    const local = this.front.localPort(sitePort, secure ? 'https' : 'http');
    if (!isLocal || local === undefined) {
      return { status: 0, headers: {}, body: '', networkError: `connect ECONNREFUSED ${u.hostname}:${sitePort} (nothing listens on port ${sitePort} of the simulated server)` };
    }
    // SIMULATED sign-in: the simulator's Negotiate token for the machine's test identity (http-front/security.ts).
    const account = opts.signIn ? (this.server.state.testIdentity ?? DEFAULT_TEST_IDENTITY) : undefined;
    const headers = { host: `${u.hostname}:${sitePort}`, ...(opts.headers ?? {}), ...(account ? { authorization: simulatedNegotiate(account) } : {}) };
    // A client on the server trusts the machine's Root store (the simulator's: what the test put there).
    const r = await httpRequest(url, { ...opts, headers }, { host: '127.0.0.1', port: local }, secure ? { ca: trustedRoots(this.server) } : {});
    return account ? { ...r, signedInAs: account } : r;
  }

  async info(): Promise<HostInfo> {
    const o = this.server.state.os;
    return { kind: 'simulated', productName: `${o.productName} (simulated)`, build: o.build, installationType: o.installationType, architecture: 'AMD64', elevated: this.server.state.elevated, simulatorRoot: this.server.root };
  }

  env(name: string): string | undefined {
    const vars: Record<string, string> = { windir: 'C:\\Windows', systemroot: 'C:\\Windows', programdata: 'C:\\ProgramData', systemdrive: 'C:', programfiles: 'C:\\Program Files', localappdata: 'C:\\Users\\Administrator\\AppData\\Local', computername: 'WIN-SIM' };
    return vars[name.toLowerCase()];
  }

  simulationNotes(): string[] {
    return [
      'The Windows Server is simulated (state in ' + this.server.root + '); IIS routing is modelled from applicationHost.config.',
      // What --sim-lenient-packages ran in place of a pin comes first: the rehearsal did not run what the project pins.
      ...this.server.state.simulated.filter((n) => n.startsWith(SUBSTITUTION)),
      ...this.server.state.simulated.filter((n) => !n.startsWith(SUBSTITUTION)),
      ...(Object.keys(this.server.state.sslBindings ?? {}).length
        ? ['HTTPS: the certificate store and the HTTP.sys certificate bindings are the simulator\'s; the certificates are real and the site served real TLS on loopback with the bound one (trust checked against the simulated LocalMachine\\Root).']
        : []),
      ...(this.server.iisInstalled() && /windowsAuthentication[^>]*enabled="true"/.test(this.server.appHostText())
        ? [`Windows sign-in: no Kerberos or NTLM exchange happened; a signed-in request carried the simulator's token for ${this.server.state.testIdentity ?? DEFAULT_TEST_IDENTITY}, which reached Django as REMOTE_USER.`]
        : []),
      // Every simulated Python is played by one of the machine's (its minor, else the nearest): what lies between the two is not proven.
      ...Object.values(this.server.state.pythons)
        .map((p) => pythonGap(p.version, playedBy(p.version).version))
        .filter((x): x is string => x !== undefined),
    ];
  }

  async dispose(): Promise<void> {
    await this.front.stop();
  }

  /** Commands run on this server (from DIR/.sim/commands.jsonl), for reports and tests. */
  commandLog(): { n: number; argv: string[]; exitCode: number; mutating: boolean }[] {
    const f = path.join(this.server.root, '.sim', 'commands.jsonl');
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as { n: number; argv: string[]; exitCode: number; mutating: boolean });
  }
}
