/** The simulated server's state as it is kept in DIR/.sim/state.json, its scenarios (which Windows, which IIS, what else is on it) and its faults. */
import { readFileSync } from 'node:fs';
import type { SimLanguage } from './language';

export type WindowsFlavour = '2016' | '2019' | '2022' | '2025' | 'client';

export interface Scenario {
  windows?: WindowsFlavour;
  elevated?: boolean;
  /** Processes that already listen on TCP ports (e.g. another web server on 81). */
  portsInUse?: { port: number; process: string; pid?: number; ipv6Only?: boolean }[];
  /** IIS (with or without CGI) already enabled. */
  iis?: 'none' | 'web-server' | 'with-cgi';
  /** A site that already exists (implies IIS). */
  existingSite?: { name: string; port: number; physicalPath: string };
  /** Python already installed. */
  python?: { version: string; dir: string; allUsers: boolean }[];
  freeDiskBytes?: number;
  /** The display language the tools answer in (default en-US). */
  language?: SimLanguage;
  /** Windows features in a state other than the fresh default (e.g. "Disabled with Payload Removed"). */
  featureStates?: Record<string, FeatureState>;
  /** Certificates already in the machine's stores (PEM made by the test, e.g. with openssl; key for LocalMachine\\My). */
  certificates?: { pem: string; key?: string; store?: 'My' | 'Root' }[];
  /** The account a request signed in with the simulator's Negotiate token is (see programs/certstore.ts, windowsIdentity). */
  testIdentity?: string;
}

export type FeatureState = 'Enabled' | 'Disabled' | 'Enable Pending' | 'Disable Pending' | 'Disabled with Payload Removed';

export interface Ace {
  identity: string;
  rights: 'F' | 'M' | 'RX' | 'R' | 'W';
  inherit: ('OI' | 'CI')[];
}

export interface AclEntry {
  path: string;
  protected: boolean;
  aces: Ace[];
}

export interface Fault {
  /** Fail the Nth command run on this server (1-based, counted across processes), or */
  commandNumber?: number;
  /** the first command whose argv (joined with spaces) contains this text. */
  match?: string;
  /** With match: the whole command line must equal it (not only contain it). */
  exact?: boolean;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** Never finish (until cancelled or timed out). */
  hang?: boolean;
  /** Succeed but report that a restart is required (exit 3010). */
  restart?: boolean;
  /** How many times it fires; default 1. */
  times?: number;
}

export interface SimState {
  version: 1;
  os: { productName: string; build: number; installationType: 'Server' | 'Client'; editionId: string };
  elevated: boolean;
  features: Record<string, FeatureState>;
  language?: SimLanguage;
  services: Record<string, { displayName: string; state: 'RUNNING' | 'STOPPED' }>;
  /** Registry: key path (upper-case) → values. */
  registry: Record<string, { key: string; values: Record<string, { type: string; data: string }> }>;
  acls: Record<string, AclEntry>;
  listeners: { port: number; pid: number; process: string; ipv6Only?: boolean }[];
  /** Windows venv folder (lower-case) → the real Linux venv that stands in for it. */
  venvs: Record<string, { winDir: string; realDir: string; basePython: string; machine?: boolean; playedBy?: string }>;
  /** Python installs by folder (lower-case). */
  pythons: Record<string, { version: string; dir: string; allUsers: boolean }>;
  /** pip packages per venv (lower-case folder) → name → version and whether it was simulated. */
  /** Per venv: what the simulated pip installed; site: the store folder a distribution came from (python-store.ts). */
  pipPackages: Record<string, Record<string, { version: string; simulated: boolean; site?: string; machine?: { base: string; top: string[] } }>>;
  /** Runtime state of sites and pools by name (lower-case). */
  siteState: Record<string, 'Started' | 'Stopped'>;
  poolState: Record<string, 'Started' | 'Stopped'>;
  /** How many times each pool was recycled (its worker processes start again). */
  poolRecycles?: Record<string, number>;
  commandCount: number;
  restartPending: boolean;
  freeDiskBytes: number;
  faults: (Fault & { fired?: number })[];
  /** Notes on what was simulated rather than real, for the rehearsal report. */
  simulated: string[];
  /** The machine's certificate stores (programs/certstore.ts): thumbprint → the certificate (its key, when it has one, in .sim/certstore). */
  certs?: Record<string, { store: 'My' | 'Root'; pem: string; hasKey: boolean }>;
  /** HTTP.sys certificate bindings (netsh http ... sslcert): "hostnameport=h:443" or "ipport=0.0.0.0:443" (lower case) → binding. */
  sslBindings?: Record<string, { key: string; certHash: string; appId: string; storeName: string }>;
  /** The Windows account a simulated Negotiate sign-in is (DOMAIN\\user); absent: none can sign in. */
  testIdentity?: string;
}

export const BUILDS: Record<WindowsFlavour, { productName: string; build: number; type: 'Server' | 'Client'; edition: string }> = {
  '2016': { productName: 'Windows Server 2016 Datacenter', build: 14393, type: 'Server', edition: 'ServerDatacenter' },
  '2019': { productName: 'Windows Server 2019 Datacenter', build: 17763, type: 'Server', edition: 'ServerDatacenter' },
  '2022': { productName: 'Windows Server 2022 Datacenter', build: 20348, type: 'Server', edition: 'ServerDatacenter' },
  '2025': { productName: 'Windows Server 2025 Datacenter', build: 26100, type: 'Server', edition: 'ServerDatacenter' },
  client: { productName: 'Windows 11 Pro', build: 26100, type: 'Client', edition: 'Professional' },
};

/**
 * The optional features this simulated Windows knows (DISM names). Kept apart from the engine's
 * list of features to enable on purpose: were it derived from the engine, a misspelt feature name
 * would pass here instead of failing with DISM's 0x800f080c.
 */
export const IIS_FEATURES = [
  'IIS-WebServerRole',
  'IIS-WebServer',
  'IIS-CommonHttpFeatures',
  'IIS-StaticContent',
  'IIS-DefaultDocument',
  'IIS-DirectoryBrowsing',
  'IIS-HttpErrors',
  'IIS-ApplicationDevelopment',
  'IIS-CGI',
  'IIS-ISAPIExtensions',
  'IIS-ISAPIFilter',
  'IIS-WebServerManagementTools',
  'IIS-ManagementConsole',
  'IIS-HealthAndDiagnostics',
  'IIS-HttpLogging',
  'IIS-Security',
  'IIS-RequestFiltering',
  'IIS-Performance',
  'IIS-HttpCompressionStatic',
  'IIS-HttpRedirect',
  'IIS-WindowsAuthentication',
  'NetFx4Extended-ASPNET45',
] as const;

export const APPCMD_PATH = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';
export const APPHOST_PATH = 'C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config';

/** A simulated server that cannot be opened (a damaged state or fault file, DIR is a file): one clear line. */
export class SimulatorError extends Error {}

/** Checks a fault as it comes from faults.json or --sim-fault; returns a message when it is not one. */
export function faultProblem(f: unknown): string | null {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return 'a fault must be a JSON object such as {"match": "appcmd.exe add site", "exitCode": 183}';
  const o = f as Record<string, unknown>;
  const known = ['commandNumber', 'match', 'exact', 'exitCode', 'stdout', 'stderr', 'hang', 'restart', 'times'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) return `a fault has the unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')})`;
  if (o.commandNumber === undefined && o.match === undefined) return 'a fault needs "match" (text of the command) or "commandNumber"';
  if (o.commandNumber !== undefined && !(Number.isInteger(o.commandNumber) && (o.commandNumber as number) > 0)) return 'a fault\'s commandNumber must be a whole number from 1';
  if (o.match !== undefined && (typeof o.match !== 'string' || o.match === '')) return 'a fault\'s match must be non-empty text';
  if (o.exitCode !== undefined && !Number.isInteger(o.exitCode)) return 'a fault\'s exitCode must be a whole number';
  for (const k of ['stdout', 'stderr'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') return `a fault's ${k} must be text`;
  for (const k of ['hang', 'restart', 'exact'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') return `a fault's ${k} must be true or false`;
  if (o.times !== undefined && !(Number.isInteger(o.times) && (o.times as number) > 0)) return 'a fault\'s times must be a whole number from 1';
  return null;
}

export function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SimulatorError(`${file} (${what}) is damaged: ${e instanceof Error ? e.message : String(e)}. Delete the simulated server's folder and start a fresh one, or fix the file.`);
  }
}
