/**
 * Simulated Windows programs other than appcmd and Python: dism, reg, sc, net, whoami, netstat,
 * icacls, fsutil and the CPython installer. Output shapes and exit codes follow the real tools
 * (windows-iis.md); where the reference marks a code UNCONFIRMED, so does the comment here.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, appendFileSync, cpSync } from 'node:fs';
import type { ExecOptions } from '../../engine/host';
import { runProcess } from '../process';
import { realPython } from './python';
import path from 'node:path';
import { addCgiToConfig, removeCgiFromConfig } from './apphost';
import type { ProgramResult } from './appcmd';
import { findPool, listSites, siteBindings } from './iisconfig';
import { APPHOST_PATH, type Ace, type SimulatedServer } from './server';
import { words } from './language';
import { installerFileVersion } from '../../../shared/config';
import { el, getAttr } from './xml';

const res = (exitCode: number, stdout: string, mutating = false, stderr = ''): ProgramResult => ({ exitCode, stdout, stderr, mutating });
const lower = (s: string) => s.toLowerCase();

// ---------------------------------------------------------------- DISM

/** Parent of each optional feature (DISM refuses to enable a child whose parent is off, unless /All). */
export const FEATURE_PARENTS: Record<string, string> = {
  'IIS-WebServer': 'IIS-WebServerRole',
  'IIS-CommonHttpFeatures': 'IIS-WebServer',
  'IIS-StaticContent': 'IIS-CommonHttpFeatures',
  'IIS-DefaultDocument': 'IIS-CommonHttpFeatures',
  'IIS-DirectoryBrowsing': 'IIS-CommonHttpFeatures',
  'IIS-HttpErrors': 'IIS-CommonHttpFeatures',
  'IIS-ApplicationDevelopment': 'IIS-WebServer',
  'IIS-CGI': 'IIS-ApplicationDevelopment',
  'IIS-ISAPIExtensions': 'IIS-ApplicationDevelopment',
  'IIS-ISAPIFilter': 'IIS-ApplicationDevelopment',
  'IIS-HealthAndDiagnostics': 'IIS-WebServer',
  'IIS-HttpLogging': 'IIS-HealthAndDiagnostics',
  'IIS-Security': 'IIS-WebServer',
  'IIS-RequestFiltering': 'IIS-Security',
  'IIS-Performance': 'IIS-WebServer',
  'IIS-HttpCompressionStatic': 'IIS-Performance',
  'IIS-WebServerManagementTools': 'IIS-WebServerRole',
  'IIS-ManagementConsole': 'IIS-WebServerManagementTools',
};

const DISM_BANNER = (s: SimulatedServer) =>
  `\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.${s.state.os.build}.1\r\n\r\nImage Version: 10.0.${s.state.os.build}.2849\r\n\r\n`;

/** 0x800f080c as the unsigned exit code Windows reports. */
export const DISM_UNKNOWN_FEATURE = 0x800f080c;
/** 0x800f081f: the source files could not be found (a feature with its payload removed). */
export const DISM_SOURCE_MISSING = 0x800f081f;

export function runDism(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!s.state.elevated) return res(740, `${DISM_BANNER(s)}Error: 740\r\n\r\nElevated permissions are required to run DISM.\r\nUse an elevated command prompt to complete these tasks.\r\n`);
  const flags = args.map(lower);
  if (!flags.includes('/online')) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe /Online option is missing. This simulator models only the running system: add /Online.\r\n`);
  const features = args.filter((a) => /^\/featurename:/i.test(a)).map((a) => a.slice('/featurename:'.length));
  const known = (f: string) => Object.keys(s.state.features).find((k) => lower(k) === lower(f));
  const unknownArgs = flags.filter((a) => !/^\/(english|online|all|norestart|quiet|get-featureinfo|enable-feature|disable-feature|get-features|featurename:.*|format:table|limitaccess|source:.*)$/.test(a));
  if (unknownArgs.length) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe ${unknownArgs[0]} option is unknown.\r\nFor more information, refer to the help by running DISM.exe /?.\r\n`);
  if (flags.includes('/get-featureinfo')) {
    const f = features[0];
    const k = f ? known(f) : undefined;
    if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f ?? ''} is unknown.\r\nA Windows feature name was not recognized.\r\nUse the /Get-Features option to find the name of the feature in the image and try the command again.\r\n`);
    return res(0, `${DISM_BANNER(s)}Feature Information:\r\n\r\nFeature Name : ${k}\r\nDisplay Name : ${k.replace(/^IIS-/, '')}\r\nDescription : ${k}\r\nRestart Required : Possible\r\nState : ${s.state.features[k]}\r\n\r\nCustom Properties:\r\n\r\n(No custom properties found)\r\n\r\nThe operation completed successfully.\r\n`);
  }
  if (flags.includes('/get-features')) {
    const rows = Object.entries(s.state.features).map(([k, v]) => `${k.padEnd(40)} | ${v}`);
    return res(0, `${DISM_BANNER(s)}Features listing for package : Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~10.0.${s.state.os.build}.1\r\n\r\n${'Feature Name'.padEnd(40)} | State\r\n${'-'.repeat(40)} | ${'-'.repeat(12)}\r\n${rows.join('\r\n')}\r\n\r\nThe operation completed successfully.\r\n`);
  }
  if (flags.includes('/enable-feature')) {
    if (features.length === 0) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe /FeatureName option is required with /Enable-Feature.\r\n`);
    const resolved: string[] = [];
    for (const f of features) {
      const k = known(f);
      if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f} is unknown.\r\nA Windows feature name was not recognized.\r\n`);
      resolved.push(k);
    }
    const all = flags.includes('/all');
    const toEnable = new Set(resolved);
    for (const f of resolved) {
      let parent = FEATURE_PARENTS[f];
      while (parent) {
        if (s.state.features[parent] !== 'Enabled' && !toEnable.has(parent)) {
          if (!all)
            return res(50, `${DISM_BANNER(s)}Enabling feature(s)\r\n\r\nError: 50\r\n\r\nOne or several parent features are disabled so current feature can not be enabled.\r\nOn the command line, add /All to enable the parent features (${parent}).\r\n`);
          toEnable.add(parent);
        }
        parent = FEATURE_PARENTS[parent];
      }
    }
    // A feature whose files were removed (Disabled with Payload Removed) needs a source: the
    // installation media (/Source:...\sources\sxs) or Windows Update, which this server cannot reach.
    const removed = [...toEnable].filter((f) => s.state.features[f] === 'Disabled with Payload Removed');
    if (removed.length && !flags.some((a) => a.startsWith('/source:')))
      return res(DISM_SOURCE_MISSING, `${DISM_BANNER(s)}Enabling feature(s)\r\n[==========================100.0%==========================]\r\n\r\nError: 0x800f081f\r\n\r\nThe source files could not be found.\r\nUse the "Source" option to specify the location of the files that are required to restore the feature. For more information on specifying a source location, see https://go.microsoft.com/fwlink/?LinkId=243077.\r\n\r\nThe DISM log file can be found at C:\\Windows\\Logs\\DISM\\dism.log\r\n`);
    const hadIis = s.iisInstalled();
    const hadCgi = s.state.features['IIS-CGI'] === 'Enabled';
    for (const f of toEnable) s.state.features[f] = 'Enabled';
    const nowIis = s.state.features['IIS-WebServer'] === 'Enabled';
    const nowCgi = s.state.features['IIS-CGI'] === 'Enabled';
    if (nowIis && !hadIis) s.installIis(nowCgi);
    else if (nowCgi && !hadCgi && hadIis) {
      const cfg = s.loadAppHost();
      addCgiToConfig(cfg);
      s.saveAppHost(cfg);
    }
    s.save();
    return res(0, `${DISM_BANNER(s)}Enabling feature(s)\r\n[==========================100.0%==========================]\r\nThe operation completed successfully.\r\n`, true);
  }
  if (flags.includes('/disable-feature')) {
    for (const f of features) {
      const k = known(f);
      if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f} is unknown.\r\n`);
      s.state.features[k] = 'Disabled';
      if (k === 'IIS-CGI' && s.iisInstalled()) {
        const cfg = s.loadAppHost();
        removeCgiFromConfig(cfg);
        s.saveAppHost(cfg);
      }
    }
    s.save();
    return res(0, `${DISM_BANNER(s)}Disabling feature(s)\r\n[==========================100.0%==========================]\r\nThe operation completed successfully.\r\n`, true);
  }
  return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nNo servicing command was given; the simulator knows /Get-FeatureInfo, /Get-Features, /Enable-Feature and /Disable-Feature.\r\n`);
}

// ---------------------------------------------------------------- reg

const HIVES: Record<string, string> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER', HKEY_LOCAL_MACHINE: 'HKEY_LOCAL_MACHINE', HKEY_CURRENT_USER: 'HKEY_CURRENT_USER' };

function normKey(k: string): string {
  const [hive, ...rest] = k.split('\\');
  const long = HIVES[(hive ?? '').toUpperCase()];
  const short = long === 'HKEY_LOCAL_MACHINE' ? 'HKLM' : long === 'HKEY_CURRENT_USER' ? 'HKCU' : (hive ?? '');
  return [short, ...rest].join('\\').toUpperCase();
}

function displayKey(stored: string): string {
  const [hive, ...rest] = stored.split('\\');
  return [HIVES[(hive ?? '').toUpperCase()] ?? hive, ...rest].join('\\');
}

export function runReg(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [op, key, ...rest] = args;
  if (lower(op ?? '') !== 'query' || !key) return res(1, 'ERROR: Invalid syntax.\r\nType "REG QUERY /?" for usage.\r\n');
  const k = normKey(key);
  const recursive = rest.some((a) => lower(a) === '/s');
  const vIdx = rest.findIndex((a) => lower(a) === '/v');
  const valueName = vIdx >= 0 ? rest[vIdx + 1] : undefined;
  const w = words(s.state.language);
  const notFound = res(1, `${w?.regNotFound ?? 'ERROR: The system was unable to find the specified registry key or value.'}\r\n`);
  const keys = Object.keys(s.state.registry)
    .filter((x) => x === k || (recursive && x.startsWith(`${k}\\`)))
    .sort();
  const exists = keys.length > 0 || Object.keys(s.state.registry).some((x) => x.startsWith(`${k}\\`));
  if (!exists) return notFound;
  const out: string[] = [''];
  let hits = 0;
  for (const kk of keys) {
    const entry = s.state.registry[kk];
    if (!entry) continue;
    const vals = Object.entries(entry.values).filter(([n]) => valueName === undefined || lower(n) === lower(valueName));
    if (valueName !== undefined && vals.length === 0) continue;
    out.push(displayKey(entry.key));
    for (const [n, v] of vals) {
      out.push(`    ${n === '(Default)' && w ? w.regDefault : n}    ${v.type}    ${v.data}`);
      hits++;
    }
    out.push('');
  }
  if (!recursive) {
    for (const sub of [...new Set(Object.keys(s.state.registry).filter((x) => x.startsWith(`${k}\\`)).map((x) => x.slice(0, x.indexOf('\\', k.length + 1) > 0 ? x.indexOf('\\', k.length + 1) : undefined)))]) {
      if (valueName === undefined) out.push(displayKey(s.state.registry[sub]?.key ?? sub));
    }
  }
  if (valueName !== undefined && hits === 0) return notFound;
  if (recursive) out.push(`End of search: ${hits} match(es) found.`);
  return res(0, `${out.join('\r\n')}\r\n`);
}

// ---------------------------------------------------------------- sc, net, whoami, netstat, fsutil

export function runSc(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [op, name] = args;
  const svcKey = Object.keys(s.state.services).find((k) => lower(k) === lower(name ?? ''));
  if (!svcKey) return res(1060, `[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n`);
  const svc = s.state.services[svcKey] as { displayName: string; state: 'RUNNING' | 'STOPPED' };
  const o = lower(op ?? '');
  if (o === 'start' || o === 'stop') {
    if (!s.state.elevated) return res(5, `[SC] StartService: OpenService FAILED 5:\r\n\r\nAccess is denied.\r\n\r\n`);
    // As Windows: starting a running service fails with 1056, stopping a stopped one with 1062.
    if (o === 'start' && svc.state === 'RUNNING') return res(1056, `[SC] StartService FAILED 1056:\r\n\r\nAn instance of the service is already running.\r\n\r\n`);
    if (o === 'stop' && svc.state === 'STOPPED') return res(1062, `[SC] ControlService FAILED 1062:\r\n\r\nThe service has not been started.\r\n\r\n`);
    svc.state = o === 'start' ? 'RUNNING' : 'STOPPED';
    s.save();
  } else if (o !== 'query') {
    return res(1, `[SC] The simulator knows query, start and stop.\r\n`);
  }
  const st = svc.state === 'RUNNING' ? '4  RUNNING' : '1  STOPPED';
  const label = (words(s.state.language)?.state ?? 'STATE').padEnd(19);
  return res(0, `\r\nSERVICE_NAME: ${svcKey}\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n        ${label}: ${st}\r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n`, o !== 'query');
}

export function runNet(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== 'session') return res(1, 'The syntax of this command is: NET SESSION (the only form the simulator models).\r\n');
  if (!s.state.elevated) return res(2, 'System error 5 has occurred.\r\n\r\nAccess is denied.\r\n\r\n');
  return res(0, 'There are no entries in the list.\r\n\r\n');
}

export function runWhoami(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== '/groups') return res(0, 'win-sim\\administrator\r\n');
  const label = s.state.elevated ? 'Mandatory Label\\High Mandatory Level   Label            S-1-16-12288' : 'Mandatory Label\\Medium Mandatory Level Label            S-1-16-8192';
  return res(0, `\r\nGROUP INFORMATION\r\n-----------------\r\n\r\nGroup Name                             Type             SID          Attributes\r\n====================================== ================ ============ ==================================================\r\nEveryone                               Well-known group S-1-1-0      Mandatory group, Enabled by default, Enabled group\r\nBUILTIN\\Administrators                 Alias            S-1-5-32-544 ${s.state.elevated ? 'Mandatory group, Enabled by default, Enabled group, Group owner' : 'Group used for deny only'}\r\n${label}\r\n`);
}

/** TCP listeners: other processes from the scenario, plus http.sys (PID 4) for every started site. */
export function listeners(s: SimulatedServer): { port: number; pid: number; process: string; ipv6Only?: boolean }[] {
  const out = [...s.state.listeners];
  if (s.iisInstalled() && s.state.services.W3SVC?.state === 'RUNNING') {
    for (const site of listSites(s.loadAppHost())) {
      const name = site.attrs.find(([k]) => k === 'name')?.[1] ?? '';
      if (s.state.siteState[lower(name)] !== 'Started') continue;
      for (const b of siteBindings(site)) {
        const port = Number(b.bindingInformation.split(':')[1]);
        if (!out.some((l) => l.port === port)) out.push({ port, pid: 4, process: 'System' });
      }
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

/**
 * netstat -ano [-p tcp]: "-p tcp" lists IPv4 sockets only (IPv6 ones are "-p tcpv6"); without -p,
 * both (IPv6 as [::]:port). http.sys (PID 4) listens on both; a scenario process can be IPv6-only.
 */
export function runNetstat(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const w = words(s.state.language);
  const p = args.findIndex((a) => lower(a) === '-p');
  const proto = p >= 0 ? lower(args[p + 1] ?? '') : 'all';
  const listening = w?.listening ?? 'LISTENING';
  const row = (local: string, foreign: string, pid: number) => `  TCP    ${local.padEnd(23)}${foreign.padEnd(23)}${listening.padEnd(16)}${pid}`;
  const ls = listeners(s);
  const rows = [
    ...(proto === 'all' || proto === 'tcp' ? ls.filter((l) => !l.ipv6Only).map((l) => row(`0.0.0.0:${l.port}`, '0.0.0.0:0', l.pid)) : []),
    ...(proto === 'all' || proto === 'tcpv6' ? ls.map((l) => row(`[::]:${l.port}`, '[::]:0', l.pid)) : []),
    // an established connection (never a listener) that the parser must not count
    '  TCP    10.0.0.5:3389          10.0.0.9:51234         ESTABLISHED     1104',
  ];
  return res(0, `\r\n${w?.activeConnections ?? 'Active Connections'}\r\n\r\n${w?.netstatHeader ?? '  Proto  Local Address          Foreign Address        State           PID'}\r\n${rows.join('\r\n')}\r\n`);
}

export function runFsutil(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!(lower(args[0] ?? '') === 'volume' && lower(args[1] ?? '') === 'diskfree')) return res(1, 'The simulator models only "fsutil volume diskfree C:".\r\n');
  if (!s.state.elevated) return res(1, 'Error:  Access is denied.\r\n');
  const free = s.state.freeDiskBytes;
  const fmt = (n: number) => `${n.toLocaleString(s.state.language ?? 'en-US')} (${(n / 1024 ** 3).toFixed(1).padStart(5)} GB)`;
  const [l1, l2, l3] = words(s.state.language)?.freeBytes ?? ['Total free bytes                ', 'Total bytes                     ', 'Total quota free bytes          '];
  return res(0, `${l1}: ${fmt(free)}\r\n${l2}: ${fmt(136_363_114_496)}\r\n${l3}: ${fmt(free)}\r\n`);
}

// ---------------------------------------------------------------- icacls


/** Resolves an account name as Windows would; IIS AppPool\X exists only while the pool X does. */
function resolveAccount(s: SimulatedServer, name: string): string | undefined {
  const n = lower(name);
  const fixed: Record<string, string> = {
    everyone: 'Everyone',
    'builtin\\users': 'BUILTIN\\Users',
    users: 'BUILTIN\\Users',
    'builtin\\administrators': 'BUILTIN\\Administrators',
    administrators: 'BUILTIN\\Administrators',
    'nt authority\\system': 'NT AUTHORITY\\SYSTEM',
    system: 'NT AUTHORITY\\SYSTEM',
    'nt authority\\authenticated users': 'NT AUTHORITY\\Authenticated Users',
    // Well-known SIDs in icacls's *SID form.
    '*s-1-5-18': 'NT AUTHORITY\\SYSTEM',
    '*s-1-5-32-544': 'BUILTIN\\Administrators',
    '*s-1-5-32-545': 'BUILTIN\\Users',
    '*s-1-1-0': 'Everyone',
  };
  if (fixed[n]) return fixed[n];
  if ((n === 'iis_iusrs' || n === 'builtin\\iis_iusrs') && s.iisInstalled()) return 'BUILTIN\\IIS_IUSRS';
  const m = /^iis apppool\\(.+)$/i.exec(name);
  if (m && s.iisInstalled() && findPool(s.loadAppHost(), m[1] as string)) return `IIS APPPOOL\\${m[1]}`;
  return undefined;
}

function formatAce(a: Ace, inherited: boolean): string {
  return `${a.identity}:${inherited ? '(I)' : ''}${a.inherit.map((f) => `(${f})`).join('')}(${a.rights})`;
}

function countFiles(real: string): number {
  let n = 1;
  try {
    if (lstatSync(real).isDirectory()) for (const e of readdirSync(real)) n += countFiles(path.join(real, e));
  } catch {
    /* ignore */
  }
  return n;
}

export function runIcacls(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [target, ...rest] = args;
  if (!target) return res(87, 'Invalid parameter: a file or folder name is required.\r\n');
  const real = s.toReal(target);
  const summary = (ok: number, failed: number) => `${words(s.state.language)?.icaclsSummary(ok, failed) ?? `Successfully processed ${ok} files; Failed processing ${failed} files`}\r\n`;
  if (!existsSync(real)) return res(2, `${target}: The system cannot find the path specified.\r\n${summary(0, 1)}`);
  if (rest.length === 0) {
    const aces = s.effectiveAces(target);
    const lines = aces.map(({ ace, inherited }, i) => `${i === 0 ? target : ' '.repeat(target.length)} ${formatAce(ace, inherited)}`);
    return res(0, `${lines.join('\r\n')}\r\n\r\n${summary(1, 0)}`);
  }
  if (!s.state.elevated) return res(5, `${target}: Access is denied.\r\n${summary(0, 1)}`);
  const tree = rest.some((a) => lower(a) === '/t');
  const n = tree ? countFiles(real) : 1;
  const entry = s.aclOf(target) ?? { path: target, protected: false, aces: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    const la = lower(a);
    if (la === '/t' || la === '/c' || la === '/q' || la === '/l') continue;
    if (la === '/reset') {
      // Back to the inherited entries only.
      entry.aces = [];
      entry.protected = false;
      continue;
    }
    if (la === '/grant' || la === '/grant:r') {
      const spec = rest[++i];
      const m = spec ? /^(.+?):((?:\((?:OI|CI|IO|NP)\))*)\(?(F|M|RX|R|W)\)?$/i.exec(spec) : null;
      if (!m) return res(87, `Invalid parameter "${spec ?? ''}"\r\n`);
      const who = resolveAccount(s, m[1] as string);
      if (!who) return res(1332, `${m[1]}: No mapping between account names and security IDs was done.\r\n${summary(0, 1)}`);
      const inherit = [...(m[2] ?? '').matchAll(/\((OI|CI)\)/gi)].map((x) => (x[1] as string).toUpperCase() as 'OI' | 'CI');
      const rights = (m[3] as string).toUpperCase() as Ace['rights'];
      entry.aces = entry.aces.filter((x) => !(lower(x.identity) === lower(who) && (la === '/grant:r' || x.rights === rights)));
      entry.aces.push({ identity: who, rights, inherit });
    } else if (la.startsWith('/remove')) {
      const who = rest[++i];
      if (!who) return res(87, 'Invalid parameter: /remove needs an account name.\r\n');
      const resolved = resolveAccount(s, who) ?? who;
      entry.aces = entry.aces.filter((x) => lower(x.identity) !== lower(resolved));
    } else if (la.startsWith('/inheritance:')) {
      const mode = la.slice('/inheritance:'.length);
      if (!['e', 'd', 'r'].includes(mode)) return res(87, `Invalid parameter "${a}"\r\n`);
      if (mode === 'e') entry.protected = false;
      else {
        if (mode === 'd') entry.aces.push(...s.effectiveAces(target).filter((x) => x.inherited).map((x) => x.ace));
        entry.protected = true;
      }
    } else {
      return res(87, `Invalid parameter "${a}"\r\n`);
    }
  }
  s.setAcl(target, entry.protected, entry.aces);
  s.save();
  return res(0, `processed file: ${target}\r\n${summary(n, 0)}`, true);
}

// ---------------------------------------------------------------- CPython installer

const INSTALLER_PROPERTIES = new Set(
  'InstallAllUsers TargetDir DefaultAllUsersTargetDir DefaultJustForMeTargetDir DefaultCustomTargetDir AssociateFiles CompileAll PrependPath AppendPath Shortcuts Include_doc Include_debug Include_dev Include_exe Include_launcher InstallLauncherAllUsers Include_lib Include_pip Include_symbols Include_tcltk Include_test Include_tools Include_freethreaded LauncherOnly SimpleInstall SimpleInstallDescription'
    .split(' ')
    .map(lower),
);

/**
 * The CPython Windows installer (Doc/using/windows.rst, "Installing without UI"): switches,
 * properties, registry (PEP 514) and exit codes 0, 3010, 1638, 1603, 1602 (UNCONFIRMED).
 */
export function runPythonInstaller(s: SimulatedServer, file: string, args: readonly string[]): ProgramResult {
  const version = installerFileVersion(file);
  if (!version) return res(1603, `${file} is not a CPython installer the simulator recognises (expected python-3.X.Y-amd64.exe).\r\n`);
  const props: Record<string, string> = {};
  let quiet = false;
  let logFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (/^\/(quiet|passive)$/i.test(a)) quiet = true;
    else if (/^\/log$/i.test(a)) logFile = args[++i];
    else if (/^\/(uninstall|layout|repair|modify|simple)$/i.test(a)) return res(87, `The switch ${a} is not modelled by the simulator.\r\n`);
    else if (/^[A-Za-z_]+=/.test(a)) {
      const [k, ...v] = a.split('=');
      if (!INSTALLER_PROPERTIES.has(lower(k as string))) return res(87, `Unknown installer property "${k}". Known properties are listed in the CPython docs (Installing without UI).\r\n`);
      props[lower(k as string)] = v.join('=');
    } else return res(87, `Unknown argument "${a}".\r\n`);
  }
  const log = (line: string) => {
    if (!logFile) return;
    try {
      mkdirSync(path.dirname(s.toReal(logFile)), { recursive: true });
      appendFileSync(s.toReal(logFile), `${line}\r\n`);
    } catch {
      /* the real installer ignores an unwritable log too */
    }
  };
  log(`[SIMULATED] Python ${version} installer started with: ${args.join(' ')}`);
  if (!quiet) {
    log('The installer window waits for a person; the simulator stands in for one who cancels.');
    return res(1602, 'The installer needs /quiet or /passive to run unattended; without it, it waits for a click (exit 1602, user cancel).\r\n');
  }
  const allUsers = props.installallusers === '1';
  if (allUsers && !s.state.elevated) {
    log('Error 0x80070005: Access is denied (all-users install without elevation).');
    return res(1603, 'Fatal error during installation (0x80070005: Access is denied).\r\n');
  }
  const [maj, min] = version.split('.');
  const tagDir = `Python${maj}${min}`;
  const target = props.targetdir || (allUsers ? `C:\\Program Files\\${tagDir}` : `C:\\Users\\Administrator\\AppData\\Local\\Programs\\Python\\${tagDir}`);
  const existing = Object.values(s.state.pythons).find((p) => p.version.split('.').slice(0, 2).join('.') === `${maj}.${min}`);
  if (existing) {
    const cmp = (a: string, b: string) => {
      const x = a.split('.').map(Number);
      const y = b.split('.').map(Number);
      for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    };
    if (cmp(existing.version, version) > 0 || lower(existing.dir) !== lower(target)) {
      log(`A newer or other installation of Python ${maj}.${min} exists at ${existing.dir}.`);
      return res(1638, `Another version of this product is already installed (Python ${existing.version} at ${existing.dir}). Installation of this version cannot continue.\r\n`);
    }
    if (cmp(existing.version, version) === 0) return res(0, `Python ${version} is already installed at ${existing.dir}.\r\n`, false);
  }
  s.registerPython(version, target, allUsers);
  if (props.prependpath === '1') {
    const envKey = allUsers ? 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment' : 'HKCU\\Environment';
    const cur = s.state.registry[envKey.toUpperCase()]?.values.Path?.data ?? '';
    s.setReg(envKey, 'Path', 'REG_EXPAND_SZ', `${target}\\Scripts\\;${target}\\;${cur}`);
  }
  if (props.include_pip === '0') writeFileSync(s.toReal(`${target}\\Scripts\\pip.exe.removed`), '');
  s.noteSimulated(`Python ${version} was "installed" by the simulated CPython installer (registry entries and marker files; code runs on the machine's real Python).`);
  s.save();
  log(`Installed Python ${version} to ${target}`);
  return res(0, '', true);
}

export function appHostExists(s: SimulatedServer): boolean {
  return existsSync(s.toReal(APPHOST_PATH));
}

// ---------------------------------------------------------------- robocopy, tar

/** robocopy SRC DST /E: exit codes are bit flags; 0 nothing copied, 1 files copied, 8+ failure. */
export function runRobocopy(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [src, dst] = args;
  if (!src || !dst) return res(16, 'ERROR : Invalid Parameter: robocopy SOURCE DESTINATION [options]\r\n');
  if (!s.isDirWin(src)) return res(16, `ERROR 2 (0x00000002) Accessing Source Directory ${src}\\\r\nThe system cannot find the file specified.\r\n`);
  const n = countFiles(s.toReal(src)) - 1;
  // As robocopy: a junction or a symbolic link to a folder is followed (its files copied) unless
  // /XJ, which skips every junction and link (/XJD folders, /XJF files).
  const flags = args.slice(2).map((a) => a.toUpperCase());
  const skipLinks = flags.includes('/XJ');
  const isLink = (p: string) => {
    try {
      return lstatSync(p).isSymbolicLink();
    } catch {
      return false;
    }
  };
  cpSync(s.toReal(src), s.toReal(dst), { recursive: true, force: true, ...(skipLinks ? { filter: (p: string) => !isLink(p) } : { dereference: true }) });
  return res(n > 0 ? 1 : 0, `\r\n-------------------------------------------------------------------------------\r\n   ROBOCOPY     ::     Robust File Copy for Windows (simulated)\r\n-------------------------------------------------------------------------------\r\n  Source : ${src}\\\r\n    Dest : ${dst}\\\r\n   Files : ${n}\r\n`, true);
}

/** tar -xf ZIP -C DIR (Windows 10+ bsdtar); the zip is extracted by the real Python's zipfile. */
export async function runTar(s: SimulatedServer, args: readonly string[], opts: ExecOptions): Promise<ProgramResult> {
  const f = args.indexOf('-xf');
  const c = args.indexOf('-C');
  const zip = f >= 0 ? args[f + 1] : undefined;
  const dir = c >= 0 ? args[c + 1] : undefined;
  if (!zip || !dir) return res(1, 'tar: the simulator models only: tar -xf ARCHIVE -C FOLDER\r\n');
  if (!s.existsWin(zip)) return res(1, `tar: Error opening archive: Failed to open '${zip}'\r\n`);
  mkdirSync(s.toReal(dir), { recursive: true });
  const r = await runProcess(realPython(), ['-m', 'zipfile', '-e', s.toReal(zip), s.toReal(dir)], { ...(opts.signal ? { signal: opts.signal } : {}) });
  return res(r.exitCode === 0 ? 0 : 1, s.mapOutput(r.stdout + r.stderr), r.exitCode === 0);
}

// ---------------------------------------------------------------- msiexec, the Python install manager

const PYMANAGER_DIR = 'C:\\Program Files\\PyManager';

/**
 * msiexec /i PACKAGE /qn (or /quiet): the simulator knows two packages, the Python install
 * manager's MSI and HttpPlatformHandler v1.2's (by its name, or a stand-in download of it).
 */
export function runMsiexec(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const i = args.findIndex((a) => lower(a) === '/i');
  const pkg = i >= 0 ? args[i + 1] : undefined;
  if (!pkg) return res(1639, 'Invalid command line argument. Consult the Windows Installer SDK for detailed command line help.\r\n');
  if (!s.existsWin(pkg)) return res(1619, 'This installation package could not be opened. Verify that the package exists and that you can access it.\r\n');
  const httpPlatform = /httpplatformhandler[^\\]*\.msi$/i.test(pkg) || /LinkID=690721|HttpPlatformHandler/i.test(readFileSync(s.toReal(pkg), 'latin1').slice(0, 4096));
  if (!httpPlatform && !/python-manager-[\d.]+\.msi$/i.test(pkg)) return res(1620, `${pkg}: the simulator models only the Python install manager's and HttpPlatformHandler's MSI.\r\n`);
  if (!s.state.elevated) return res(1625, 'This installation is forbidden by system policy (a per-machine install needs elevation).\r\n');
  if (!args.some((a) => /^\/(q(n|b|r)?!?|quiet|passive)$/i.test(a))) return res(1602, 'msiexec without /qn waits for a person; the simulator stands in for one who cancels.\r\n');
  const li = args.findIndex((a) => /^\/l[*a-z+!]*$/i.test(a) || lower(a) === '/log');
  const log = li >= 0 ? args[li + 1] : undefined;
  if (httpPlatform) return installHttpPlatformHandler(s, log);
  mkdirSync(s.toReal(PYMANAGER_DIR), { recursive: true });
  for (const f of ['pymanager.exe', 'py.exe', 'pyw.exe']) s.writeProgram(`${PYMANAGER_DIR}\\${f}`, `SIMULATED ${f} (Python install manager)\r\n`);
  s.noteSimulated('The Python install manager was "installed" from its MSI by the simulated msiexec (marker files in C:\\Program Files\\PyManager); its real layout is unconfirmed.');
  s.save();
  return res(0, '', true);
}

/** HttpPlatformHandler's files, as its MSI installs them (windows-iis.md §9). */
export const HTTP_PLATFORM_DLL = 'C:\\Windows\\System32\\inetsrv\\httpPlatformHandler.dll';
const HTTP_PLATFORM_SCHEMA = 'C:\\Windows\\System32\\inetsrv\\config\\schema\\httpplatform_schema.xml';

/**
 * What HttpPlatformHandler v1.2's MSI does: needs IIS (else 1603, "IIS 7.5 or later required" in
 * its log), writes the DLL and the schema file, registers the global module, adds it to
 * <modules> and declares system.webServer/httpPlatform. A second install changes nothing.
 */
function installHttpPlatformHandler(s: SimulatedServer, log: string | undefined): ProgramResult {
  const writeLog = (lines: string[]) => {
    if (!log) return;
    mkdirSync(path.dirname(s.toReal(log)), { recursive: true });
    appendFileSync(s.toReal(log), `${lines.map((l) => `MSI (s) (SIMULATED): ${l}`).join('\r\n')}\r\n`);
  };
  if (!s.iisInstalled()) {
    writeLog(['Product: Microsoft HttpPlatformHandler 1.2 -- IIS Version 7.5 or greater is required.', 'MainEngineThread is returning 1603']);
    return res(1603, '');
  }
  const cfg = s.loadAppHost();
  const ws = cfg.children.find((c) => c.name === 'system.webServer');
  const group = cfg.children.find((c) => c.name === 'configSections')?.children.find((c) => c.name === 'sectionGroup' && getAttr(c, 'name') === 'system.webServer');
  if (!ws || !group) return res(1603, '');
  const gm = ws.children.find((c) => c.name === 'globalModules');
  const mods = ws.children.find((c) => c.name === 'modules');
  if (gm?.children.some((c) => lower(getAttr(c, 'name') ?? '') === 'httpplatformhandler')) {
    writeLog(['Product: Microsoft HttpPlatformHandler 1.2 -- Configuration completed successfully (already installed).']);
    return res(0, '');
  }
  mkdirSync(path.dirname(s.toReal(HTTP_PLATFORM_SCHEMA)), { recursive: true });
  writeFileSync(s.toReal(HTTP_PLATFORM_DLL), 'SIMULATED httpPlatformHandler.dll (HttpPlatformHandler v1.2)\r\n');
  writeFileSync(s.toReal(HTTP_PLATFORM_SCHEMA), '<!-- SIMULATED httpplatform_schema.xml: the simulator\'s schema is MODULE_SECTIONS in iis-schema.ts -->\r\n');
  if (!group.children.some((c) => getAttr(c, 'name') === 'httpPlatform')) group.children.push(el('section', { name: 'httpPlatform', overrideModeDefault: 'Allow' }));
  gm?.children.push(el('add', { name: 'httpPlatformHandler', image: '%SystemRoot%\\system32\\inetsrv\\httpPlatformHandler.dll' }));
  if (mods && !mods.children.some((c) => lower(getAttr(c, 'name') ?? '') === 'httpplatformhandler')) mods.children.push(el('add', { name: 'httpPlatformHandler' }));
  s.saveAppHost(cfg);
  writeLog(['Product: Microsoft HttpPlatformHandler 1.2 -- Installation completed successfully.']);
  s.noteSimulated('HttpPlatformHandler v1.2 was "installed" by the simulated msiexec: the module is registered in applicationHost.config and the simulated IIS runs the configured process and forwards to it; the DLL is a marker file.');
  return res(0, '', true);
}

/** The install manager's runtimes: the newest release the simulator knows per version. */
const MANAGED_RUNTIMES: Record<string, string> = { '3.14': '3.14.6', '3.15': '3.15.0', '3.16': '3.16.0' };

/** pymanager install --target=DIR TAG (or -t DIR): a runtime in DIR, with no PEP 514 registry keys. */
export function runPymanager(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (lower(args[0] ?? '') !== 'install') return res(1, `The simulated install manager knows only "install --target=DIR TAG".\r\n`);
  let target: string | undefined;
  const tags: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    if (/^--target=/i.test(a)) target = a.slice('--target='.length);
    else if (a === '-t' || a === '--target') target = args[++i];
    else if (!a.startsWith('-')) tags.push(a);
  }
  const tag = tags[0];
  if (!target || !tag) return res(1, 'Usage: py install --target=DIR TAG\r\n');
  const version = MANAGED_RUNTIMES[tag] ?? (/^\d+\.\d+\.\d+$/.test(tag) ? tag : undefined);
  if (!version) return res(1, `No runtime matches '${tag}'.\r\n`);
  if (s.existsWin(`${target}\\python.exe`)) return res(1, `${target} already contains a Python runtime.\r\n`);
  s.registerPython(version, target, true, { registry: false });
  s.noteSimulated(`Python ${version} was "installed" into ${target} by the simulated install manager (no registry keys, as --target does; code runs on the machine's real Python).`);
  return res(0, `Installing Python ${version}.\r\nPython ${version} will be installed into ${target}\r\n`, true);
}
