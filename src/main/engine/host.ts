/**
 * The one port the engine talks to. Implemented by the real Windows host (execa + node:fs +
 * fetch) and by the simulated Windows Server. The engine never knows which one it has.
 * Paths are Windows paths (C:\apps\foo) on both.
 */
/** Thrown by Host.exec when the program does not exist on the server. */
export class ProgramNotFoundError extends Error {
  constructor(readonly file: string) {
    super(`The program ${file} was not found.`);
  }
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called for every line the child prints, as it prints it. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  timeoutMs?: number;
  /** Called with the process id once a real process is started (the run lock records its children). */
  onSpawn?: (pid: number) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the process was killed (cancelled or timed out). */
  killed: boolean;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A request body (a form POST), sent as given with its Content-Length. */
  body?: string;
  /** https: the name sent in the TLS hello (SNI) and checked against the certificate; default the URL's host. */
  servername?: string;
  /** Sign in with Windows (Negotiate) as the account the tool runs as (Windows sign-in sites). */
  signIn?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Set when no HTTP answer came at all (connection refused, timeout). */
  networkError?: string;
  /** https: the certificate the server presented and whether it is trusted for the name asked for. */
  tls?: TlsPeer;
  /** signIn: the Windows account the request was made as. */
  signedInAs?: string;
}

export interface TlsPeer {
  subject: string;
  issuer: string;
  validTo: string;
  /** SHA-1 thumbprint, upper-case hex (as Windows shows it). */
  thumbprint: string;
  dnsNames: string[];
  /** The chain ends at a trusted root (the client's CA list). */
  trusted: boolean;
  trustError?: string;
  /** The certificate is for the name asked for (servername). */
  nameMatches: boolean;
  nameError?: string;
}

export interface HostInfo {
  kind: 'windows' | 'simulated';
  /** e.g. "Windows Server 2022 Datacenter" */
  productName: string;
  build: number;
  installationType: string;
  architecture: string;
  elevated: boolean;
  /** Where a simulated server keeps its state (the DIR); absent on a real host. */
  simulatorRoot?: string;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  dir: boolean;
}

export interface Host {
  exec(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<string>;
  /** A file's bytes (a zip's directory, a file's checksum). */
  readBytes(path: string): Promise<Uint8Array>;
  /** Writes atomically (temporary file, then rename), creating the parent folder. */
  writeFile(path: string, content: string): Promise<void>;
  /** Names in a folder (rejects when it is not a folder). */
  readDir(path: string): Promise<string[]>;
  /** Creates a file only if it does not exist (atomically); false when it already exists. */
  createExclusive(path: string, content: string): Promise<boolean>;
  exists(path: string): Promise<boolean>;
  /** Size, modification time and kind of a file or folder; undefined when it does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  mkdir(path: string): Promise<void>;
  /** Symbolic links and junctions under a folder (never followed): each link and what it points at, as Windows paths where it can say. */
  findLinks(folder: string): Promise<{ path: string; target: string }[]>;
  remove(path: string): Promise<void>;
  /** Downloads url to a file. The simulated host writes a marked stand-in instead (no network). */
  download(url: string, path: string, signal?: AbortSignal): Promise<void>;
  http(url: string, opts?: HttpOptions): Promise<HttpResult>;
  info(): Promise<HostInfo>;
  /** Environment value on the server, e.g. windir, ProgramData. */
  env(name: string): string | undefined;
  /** Releases what the host holds (simulated HTTP fronts, worker processes). */
  dispose(): Promise<void>;
  /** What a simulated host simulated rather than did for real (absent on a real server). */
  simulationNotes?(): string[];
}
