/**
 * The Wine lane's bridge: the simulated Windows Server, answering the stand-in programs
 * (test/windows/standin/standin.c) that a Windows runtime (Windows Node in Wine) starts at the
 * real programs' paths. Each connection is one program run: its path, argv (as the Windows C
 * runtime split it), working folder and environment come in; stdout and stderr go back as the
 * simulated program writes them, then its exit code. The simulated server's drive C is the Wine
 * prefix's drive C, so the files the tool writes are the files the simulated tools read.
 *
 * SIMULATED here: what appcmd, DISM, icacls, sc, reg, net, netstat, fsutil, the Python installer
 * and python.exe DO (the same simulator every other test uses). REAL: everything between the tool
 * and those programs, run by Wine's Windows runtime.
 */
import net from 'node:net';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import type { Scenario } from '../../src/main/hosts/simulated/server';

/** Variables Windows and Wine set for every process: not the tool's own, never passed to the simulated program. */
const SYSTEM_ENV = new Set(
  ['ALLUSERSPROFILE', 'APPDATA', 'CommonProgramFiles', 'CommonProgramFiles(x86)', 'CommonProgramW6432', 'COMPUTERNAME', 'ComSpec', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'NUMBER_OF_PROCESSORS', 'OS', 'Path', 'PATHEXT', 'PROCESSOR_ARCHITECTURE', 'PROCESSOR_IDENTIFIER', 'PROCESSOR_LEVEL', 'PROCESSOR_REVISION', 'ProgramData', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'PUBLIC', 'SystemDrive', 'SystemRoot', 'TEMP', 'TMP', 'USERDOMAIN', 'USERNAME', 'USERPROFILE', 'windir', 'DriverData', 'DJIIS_SIM_BRIDGE', 'NODE_SKIP_PLATFORM_CHECK'].map((k) => k.toLowerCase()),
);

export interface BridgeCall {
  argv: string[];
  cwd: string;
  exitCode: number;
}

export class SimBridge {
  readonly host: SimulatedHost;
  readonly calls: BridgeCall[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(root: string, programImage: Buffer, scenario: Scenario = {}) {
    this.host = new SimulatedHost(root, scenario, { programImage, listenOnSitePorts: true });
  }

  async start(): Promise<string> {
    this.server = net.createServer((sock) => this.serve(sock));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address() as net.AddressInfo;
    return `127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.host.dispose();
  }

  private serve(sock: net.Socket): void {
    this.sockets.add(sock);
    const ctl = new AbortController();
    let buf = Buffer.alloc(0);
    let started = false;
    sock.on('close', () => {
      this.sockets.delete(sock);
      // The stand-in was killed (a timeout, a cancel, taskkill /T): the simulated program stops too.
      ctl.abort();
    });
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      if (started) return;
      buf = Buffer.concat([buf, d]);
      const req = parseRequest(buf);
      if (!req) return;
      started = true;
      void this.run(req, sock, ctl.signal);
    });
  }

  private async run(req: { argv: string[]; cwd: string; env: string[] }, sock: net.Socket, signal: AbortSignal): Promise<void> {
    const frame = (type: number, payload: Buffer) => {
      if (sock.destroyed) return;
      const h = Buffer.alloc(5);
      h[0] = type;
      h.writeUInt32LE(payload.length, 1);
      sock.write(Buffer.concat([h, payload]));
    };
    const env: Record<string, string> = {};
    for (const e of req.env) {
      const i = e.indexOf('=', 1);
      const k = e.slice(0, i);
      const v = e.slice(i + 1);
      // Only what the tool itself set: not Windows' own variables, not Wine's, not those it inherited from this test run.
      if (SYSTEM_ENV.has(k.toLowerCase()) || /^WINE/i.test(k) || process.env[k] === v) continue;
      env[k] = v;
    }
    const [file = '', ...args] = req.argv;
    let exitCode = 1;
    try {
      const r = await this.host.exec(file, args, { cwd: req.cwd, env, signal, onLine: (stream, line) => frame(stream === 'stdout' ? 1 : 2, Buffer.from(`${line}\r\n`, 'utf8')) });
      exitCode = r.exitCode;
    } catch (e) {
      frame(2, Buffer.from(`simulated server: ${(e as Error).message}\r\n`, 'utf8'));
      exitCode = 1;
    }
    // A stand-in that ran a mutating command may have started or stopped a site: listeners follow.
    await this.host.syncFront();
    this.calls.push({ argv: req.argv, cwd: req.cwd, exitCode });
    const code = Buffer.alloc(4);
    code.writeInt32LE(exitCode);
    frame(3, code);
    sock.end();
  }
}

/** The stand-in's request, or undefined while it is incomplete. */
export function parseRequest(buf: Buffer): { argv: string[]; cwd: string; env: string[] } | undefined {
  let o = 4;
  const u32 = () => {
    if (o + 4 > buf.length) throw new RangeError('short');
    const v = buf.readUInt32LE(o);
    o += 4;
    return v;
  };
  const str = () => {
    const n = u32();
    if (o + n > buf.length) throw new RangeError('short');
    const s = buf.subarray(o, o + n).toString('utf8');
    o += n;
    return s;
  };
  try {
    if (buf.length < 4) return undefined;
    if (buf.subarray(0, 4).toString('latin1') !== 'DJIS') throw new Error('not a stand-in request');
    const argv = Array.from({ length: u32() }, str);
    const cwd = str();
    const env = Array.from({ length: u32() }, str);
    return { argv, cwd, env };
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}
