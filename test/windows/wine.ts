/**
 * A Wine prefix of the lane's own (never the user's ~/.wine), with Windows Node in it. Facts it
 * relies on are measured in windows-iis.md §10: the prefix must say Windows 10 or Node refuses to
 * start; a Windows program's stdout must be a file, not a Unix pipe; `wineserver -p` keeps the
 * server up between programs (start-up ~0.4 s instead of ~1-7 s); `wineserver -k` stops it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export interface WineRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export class WinePrefix {
  readonly prefix: string;
  /** The prefix's drive C lives here (DIR/C of the simulated server when the lane runs one). */
  readonly driveC: string;

  constructor(
    readonly dir: string,
    private readonly baseEnv: NodeJS.ProcessEnv = {},
  ) {
    this.prefix = path.join(dir, 'prefix');
    this.driveC = path.join(dir, 'sim', 'C');
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, ...this.baseEnv, WINEPREFIX: this.prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', ...extra };
  }

  /** Creates the prefix (Windows 10), then moves its drive C to DIR/sim/C and points C: there. */
  create(): void {
    mkdirSync(this.dir, { recursive: true });
    const env = this.env();
    execFileSync('wineboot', ['-i'], { env, stdio: 'ignore', timeout: 180_000 });
    execFileSync('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env, stdio: 'ignore', timeout: 60_000 });
    // One wineserver for the whole lane (stopped by dispose()).
    spawn('wineserver', ['-p'], { env, stdio: 'ignore', detached: true }).unref();
    mkdirSync(path.dirname(this.driveC), { recursive: true });
    renameSync(path.join(this.prefix, 'drive_c'), this.driveC);
    symlinkSync(this.driveC, path.join(this.prefix, 'drive_c'));
    rmSync(path.join(this.prefix, 'dosdevices', 'c:'));
    symlinkSync(this.driveC, path.join(this.prefix, 'dosdevices', 'c:'));
  }

  /**
   * Runs a Windows program; its stdout and stderr go to files (Wine's node cannot write to a Unix
   * pipe). Asynchronous: the simulated server answering its stand-ins runs in this same process.
   */
  async run(exe: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<WineRun> {
    const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const outF = path.join(this.dir, `out-${tag}.txt`);
    const errF = path.join(this.dir, `err-${tag}.txt`);
    const out = openSync(outF, 'w');
    const err = openSync(errF, 'w');
    const t0 = Date.now();
    const child = spawn('wine', [exe, ...args], { cwd: opts.cwd ?? this.driveC, env: this.env(opts.env), stdio: ['ignore', out, err] });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 900_000);
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    clearTimeout(timer);
    closeSync(out);
    closeSync(err);
    const res = { code, stdout: readFileSync(outF, 'utf8'), stderr: readFileSync(errF, 'utf8'), ms: Date.now() - t0 };
    rmSync(outF);
    rmSync(errF);
    return res;
  }

  /** A Windows path inside drive C → the real file. */
  real(winPath: string): string {
    return path.join(this.driveC, ...winPath.replace(/^[Cc]:\\/, '').split('\\'));
  }

  dispose(): void {
    spawnSync('wineserver', ['-k'], { env: this.env(), stdio: 'ignore', timeout: 30_000 });
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
