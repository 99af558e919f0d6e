/**
 * Runs a program as an argv (never a shell), streaming its output line by line. Used by the
 * real Windows host and by the simulator when it runs the machine's real Python.
 */
import { execa } from 'execa';
import { ProgramNotFoundError, type ExecOptions, type ExecResult } from '../engine/host';

export { ProgramNotFoundError };

export async function runProcess(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const child = execa(file, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    windowsHide: true,
    shell: false,
    forceKillAfterDelay: 2000,
    encoding: 'utf8',
    stripFinalNewline: false,
  });
  const pump = (stream: NodeJS.ReadableStream | null | undefined, name: 'stdout' | 'stderr') => {
    if (!stream || !opts.onLine) return;
    let buf = '';
    stream.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        opts.onLine?.(name, buf.slice(0, i).replace(/\r$/, ''));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => {
      if (buf.length > 0) opts.onLine?.(name, buf.replace(/\r$/, ''));
      buf = '';
    });
  };
  pump(child.stdout, 'stdout');
  pump(child.stderr, 'stderr');
  // A timeout or a cancel stops the whole process tree (an installer's children too), not only the child.
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    void killTree(child.pid, () => child.kill('SIGKILL'));
  };
  const timer = opts.timeoutMs ? setTimeout(stop, opts.timeoutMs) : undefined;
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();
  const r = await child;
  if (timer) clearTimeout(timer);
  opts.signal?.removeEventListener('abort', stop);
  if ((r as { code?: string }).code === 'ENOENT') throw new ProgramNotFoundError(file);
  return {
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    killed: stopped || Boolean(r.isCanceled || r.timedOut || r.isTerminated),
  };
}

/** Windows: taskkill /T /F (the tree); elsewhere the child itself. */
async function killTree(pid: number | undefined, fallback: () => void): Promise<void> {
  if (process.platform === 'win32' && pid) {
    try {
      await execa('taskkill.exe', ['/PID', String(pid), '/T', '/F'], { reject: false, windowsHide: true });
    } catch {
      /* taskkill missing: fall back */
    }
  }
  fallback();
}
