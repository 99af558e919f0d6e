/**
 * The real Windows host: execa (argv, no shell) + node:fs + fetch. A thin layer: every argv
 * comes from the engine unchanged, the same argv the simulated server interprets. Not
 * exercised on Linux (no Windows here); its behaviour is the simulator's contract.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import os from 'node:os';
import type { ExecOptions, ExecResult, FileStat, Host, HostInfo, HttpOptions, HttpResult } from '../../engine/host';
import { runProcess } from '../process';
import { httpRequest } from '../http-client';
import { parseRegQuery } from '../../engine/parsers';

export class WindowsHost implements Host {
  exec(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return runProcess(file, args, opts);
  }
  readFile(p: string): Promise<string> {
    return readFile(p, 'utf8');
  }
  /** Atomic: a temporary file beside the target, then a rename (a killed run never leaves half a file). */
  async writeFile(p: string, content: string): Promise<void> {
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.${Date.now().toString(36)}.tmp`;
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, p);
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
  async mkdir(p: string): Promise<void> {
    await mkdir(p, { recursive: true });
  }
  async remove(p: string): Promise<void> {
    await rm(p, { recursive: true, force: true });
  }
  async download(url: string, p: string, signal?: AbortSignal): Promise<void> {
    const r = await fetch(url, { ...(signal ? { signal } : {}) });
    if (!r.ok || !r.body) throw new Error(`Download of ${url} failed: HTTP ${r.status}`);
    await mkdir(dirname(p), { recursive: true });
    await pipeline(Readable.fromWeb(r.body as unknown as WebReadableStream<Uint8Array>), createWriteStream(p));
  }
  http(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
    return httpRequest(url, opts);
  }
  async info(): Promise<HostInfo> {
    const r = await this.exec('reg.exe', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion']);
    const v = Object.values(parseRegQuery(r.stdout))[0] ?? {};
    const elevated = (await this.exec('net.exe', ['session'])).exitCode === 0;
    return { kind: 'windows', productName: v.ProductName ?? `Windows ${os.release()}`, build: Number(v.CurrentBuildNumber ?? 0), installationType: v.InstallationType ?? 'Unknown', architecture: process.arch === 'x64' ? 'AMD64' : process.arch, elevated };
  }
  env(name: string): string | undefined {
    return process.env[name];
  }
  async dispose(): Promise<void> {}
}
