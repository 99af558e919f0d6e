/**
 * Runs a program as an argv (never a shell), streaming its output line by line. Used by the
 * real Windows host and by the simulator when it runs the machine's real Python.
 */
import { execa } from 'execa';
import { ProgramNotFoundError, type ExecOptions, type ExecResult } from '../engine/host';

export { ProgramNotFoundError };

/**
 * decode: how a line's bytes become text (the Windows host decodes console output in its code
 * page); absent, UTF-8. Lines are split on LF at the byte level; onLine gets them without the CR.
 * spawn.extendEnv false: opts.env is the whole environment (the Windows host merges it itself).
 */
export async function runProcess(file: string, args: readonly string[], opts: ExecOptions = {}, decode: (bytes: Uint8Array) => string = (b) => Buffer.from(b).toString('utf8'), spawn: { extendEnv?: boolean } = {}): Promise<ExecResult> {
  const child = execa(file, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: spawn.extendEnv ?? true,
    reject: false,
    stdin: 'ignore',
    windowsHide: true,
    shell: false,
    forceKillAfterDelay: 2000,
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const pump = (stream: NodeJS.ReadableStream | null | undefined, name: 'stdout' | 'stderr') => {
    if (!stream || !opts.onLine) return;
    let buf: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let i: number;
      while ((i = buf.indexOf(10)) >= 0) {
        opts.onLine?.(name, decode(buf.subarray(0, i)).replace(/\r$/, ''));
        buf = buf.subarray(i + 1);
      }
    });
    stream.on('end', () => {
      if (buf.length > 0) opts.onLine?.(name, decode(buf).replace(/\r$/, ''));
      buf = Buffer.alloc(0);
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
    stdout: decodeLines(r.stdout, decode),
    stderr: decodeLines(r.stderr, decode),
    killed: stopped || Boolean(r.isCanceled || r.timedOut || r.isTerminated),
  };
}

/** Decodes line by line (one program may mix UTF-8 and code-page lines), keeping the line ends. */
function decodeLines(out: unknown, decode: (bytes: Uint8Array) => string): string {
  if (!(out instanceof Uint8Array)) return '';
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const parts: string[] = [];
  let start = 0;
  let i: number;
  while ((i = buf.indexOf(10, start)) >= 0) {
    parts.push(decode(buf.subarray(start, i)));
    start = i + 1;
  }
  parts.push(decode(buf.subarray(start)));
  return parts.join('\n');
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
