/**
 * The simulated Windows Server: a stateful model of a Windows Server rooted in a folder.
 * C:\ maps to DIR/C/, so every Windows path the engine uses is a real file under DIR; the rest
 * of the machine (features, services, registry, ACLs, listeners, Python installs, installed pip
 * packages) lives in DIR/.sim/state.json. State persists between processes.
 *
 * SIMULATED: everything here. What is real: the files under DIR, the applicationHost.config XML,
 * and Python/Django where /usr/bin/python3 with Debian's python3-django is available (see python.ts).
 */
import { addCertificate } from './programs/cert-data';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { redact } from '../../../shared/problem';
import { freshAppHostConfig } from './apphost';
import { parseXml, serializeXml, type El } from './xml';
import { mapPythonPaths, type PythonPlaces } from './python-paths';
import { APPCMD_PATH, APPHOST_PATH, type Ace, type AclEntry, BUILDS, type Fault, type FeatureState, IIS_FEATURES, type Scenario, type SimState, SimulatorError, faultProblem, readJsonFile } from './server-state';

export class SimulatedServer {
  state!: SimState;
  /** --sim-lenient-packages: a distribution the machine lacks is recorded with a warning instead of failing pip (this process only). */
  lenientPackages = false;
  /**
   * The Wine lane only (test/windows): the bytes written wherever the simulated server "installs" a
   * program (System32's tools, appcmd.exe, python.exe...): a small real Windows program that forwards
   * its command line back to this simulator, so a Windows runtime can start it. Otherwise a text marker.
   */
  programImage: Buffer | undefined;
  private readonly statePath: string;

  private constructor(readonly root: string) {
    this.statePath = path.join(root, '.sim', 'state.json');
  }

  /** Opens the server in DIR, creating a fresh Windows Server when DIR has none. */
  static open(root: string, scenario: Scenario = {}, opts: { programImage?: Buffer } = {}): SimulatedServer {
    const abs = path.resolve(root);
    if (existsSync(abs) && !statSync(abs).isDirectory()) throw new SimulatorError(`${abs} is a file, not a folder: --simulate needs a folder for the simulated server (an empty or new one, or one made by an earlier --simulate run).`);
    const s = new SimulatedServer(abs);
    s.programImage = opts.programImage;
    if (existsSync(s.statePath)) {
      const st = readJsonFile(s.statePath, 'the simulated server\'s state') as SimState;
      if (typeof st !== 'object' || st === null || st.version !== 1 || typeof st.features !== 'object' || !Array.isArray(st.faults) || typeof st.commandCount !== 'number')
        throw new SimulatorError(`${s.statePath} is not the state of a simulated server. Delete the folder ${abs} and start a fresh one.`);
      s.state = st;
      s.removeStaleTemps();
    } else {
      // In the Wine lane, DIR/C is the Wine prefix's drive C (its Windows folder already there).
      if (existsSync(abs) && readdirSync(abs).some((f) => f !== 'faults.json' && f !== 'scenario.json' && !(opts.programImage && f === 'C'))) {
        throw new SimulatorError(
          `${abs} is not empty and holds no simulated server (no .sim/state.json); give an empty or new folder, or one made by an earlier --simulate run.`,
        );
      }
      const fromFile = path.join(abs, 'scenario.json');
      const merged = existsSync(fromFile) ? { ...(readJsonFile(fromFile, 'the scenario') as Scenario), ...scenario } : scenario;
      s.create(merged);
    }
    s.loadFaultFile();
    return s;
  }

  /** A process killed between writing a state file's temporary copy and renaming it leaves the copy: removed here. */
  private removeStaleTemps(): void {
    const dir = path.dirname(this.statePath);
    for (const f of readdirSync(dir)) {
      const pid = Number(/\.(\d+)\.tmp$/.exec(f)?.[1] ?? NaN);
      if (!Number.isFinite(pid) || processAlive(pid)) continue;
      rmSync(path.join(dir, f), { force: true });
    }
  }

  static exists(root: string): boolean {
    return existsSync(path.join(path.resolve(root), '.sim', 'state.json'));
  }

  private create(sc: Scenario): void {
    const flavour = sc.windows ?? '2022';
    const b = BUILDS[flavour];
    this.state = {
      version: 1,
      os: { productName: b.productName, build: b.build, installationType: b.type, editionId: b.edition },
      elevated: sc.elevated ?? true,
      features: { ...Object.fromEntries(IIS_FEATURES.map((f): [string, FeatureState] => [f, 'Disabled'])), ...(sc.featureStates ?? {}) },
      services: { LanmanServer: { displayName: 'Server', state: 'RUNNING' } },
      registry: {},
      acls: {},
      listeners: [
        { port: 135, pid: 956, process: 'svchost.exe' },
        { port: 445, pid: 4, process: 'System' },
        { port: 3389, pid: 1104, process: 'svchost.exe' },
        ...(sc.portsInUse ?? []).map((p, i) => ({ port: p.port, pid: p.pid ?? 5100 + i, process: p.process, ...(p.ipv6Only ? { ipv6Only: true } : {}) })),
      ],
      ...(sc.language && sc.language !== 'en-US' ? { language: sc.language } : {}),
      venvs: {},
      pythons: {},
      pipPackages: {},
      siteState: {},
      poolState: {},
      commandCount: 0,
      restartPending: false,
      freeDiskBytes: sc.freeDiskBytes ?? 48_318_382_080,
      faults: [],
      simulated: [],
    };
    for (const dir of ['Windows\\System32\\inetsrv', 'ProgramData', 'Users\\Administrator\\AppData\\Local', 'Program Files']) {
      mkdirSync(this.toReal(`C:\\${dir}`), { recursive: true });
    }
    // tar.exe (bsdtar) ships with Windows 10 1803 (build 17134) and Server 2019 on, not with Server 2016.
    for (const exe of ['dism.exe', 'reg.exe', 'icacls.exe', 'netstat.exe', 'net.exe', 'sc.exe', 'whoami.exe', 'fsutil.exe', 'cmd.exe', 'robocopy.exe', 'msiexec.exe', 'netsh.exe', ...(b.build >= 17134 ? ['tar.exe'] : [])]) {
      // Under Wine, cmd.exe stays Wine's own (the runtime needs it; the engine never runs it).
      if (exe === 'cmd.exe' && this.programImage) continue;
      this.writeProgram(`C:\\Windows\\System32\\${exe}`, `SIMULATED ${exe}\r\n`);
    }
    mkdirSync(this.toReal('C:\\Windows\\System32\\WindowsPowerShell\\v1.0'), { recursive: true });
    this.writeProgram('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'SIMULATED powershell.exe\r\n');
    const cv = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
    this.setReg(cv, 'ProductName', 'REG_SZ', b.productName);
    this.setReg(cv, 'CurrentBuildNumber', 'REG_SZ', String(b.build));
    this.setReg(cv, 'CurrentBuild', 'REG_SZ', String(b.build));
    this.setReg(cv, 'InstallationType', 'REG_SZ', b.type);
    this.setReg(cv, 'EditionID', 'REG_SZ', b.edition);
    // The console's OEM code page (what tools write to a pipe in): en-US 437, de-DE 850, zh-CN 936.
    this.setReg('HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', 'OEMCP', 'REG_SZ', ({ 'en-US': '437', 'de-DE': '850', 'zh-CN': '936' } as Record<string, string>)[sc.language ?? 'en-US'] ?? '437');
    this.setReg('HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment', 'Path', 'REG_EXPAND_SZ', '%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem');
    this.setAcl('C:\\', false, [
      { identity: 'NT AUTHORITY\\SYSTEM', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Administrators', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Users', rights: 'RX', inherit: ['OI', 'CI'] },
    ]);
    // ProgramData as Windows ships it: Users may create files and folders in it (and so in any
    // subfolder that inherits this), which is why the tool protects its own folder there.
    this.setAcl('C:\\ProgramData', true, [
      { identity: 'NT AUTHORITY\\SYSTEM', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Administrators', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Users', rights: 'RX', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Users', rights: 'W', inherit: ['CI'] },
    ]);
    this.setAcl('C:\\Users\\Administrator', true, [
      { identity: 'NT AUTHORITY\\SYSTEM', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'BUILTIN\\Administrators', rights: 'F', inherit: ['OI', 'CI'] },
      { identity: 'WIN-SIM\\Administrator', rights: 'F', inherit: ['OI', 'CI'] },
    ]);
    if (sc.iis === 'web-server' || sc.iis === 'with-cgi' || sc.existingSite) this.installIis(sc.iis === 'with-cgi');
    if (sc.existingSite) {
      const cfg = this.loadAppHost();
      const sites = cfg.children.find((c) => c.name === 'system.applicationHost')?.children.find((c) => c.name === 'sites');
      const id = String(2);
      sites?.children.splice(1, 0, {
        name: 'site',
        attrs: [
          ['name', sc.existingSite.name],
          ['id', id],
        ],
        children: [
          { name: 'application', attrs: [['path', '/']], children: [{ name: 'virtualDirectory', attrs: [['path', '/'], ['physicalPath', sc.existingSite.physicalPath]], children: [] }] },
          { name: 'bindings', attrs: [], children: [{ name: 'binding', attrs: [['protocol', 'http'], ['bindingInformation', `*:${sc.existingSite.port}:`]], children: [] }] },
        ],
      });
      this.saveAppHost(cfg);
      mkdirSync(this.toReal(sc.existingSite.physicalPath), { recursive: true });
      this.state.siteState[sc.existingSite.name.toLowerCase()] = 'Started';
    }
    for (const p of sc.python ?? []) this.registerPython(p.version, p.dir, p.allUsers);
    for (const c of sc.certificates ?? []) addCertificate(this, c.pem, c.key, c.store ?? 'My');
    if (sc.testIdentity) this.state.testIdentity = sc.testIdentity;
    this.save();
  }

  // ---- persistence -------------------------------------------------------

  save(): void {
    mkdirSync(path.dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.statePath);
  }

  /** Faults can be dropped into DIR/faults.json at any time; they are moved into the state. */
  loadFaultFile(): void {
    const f = path.join(this.root, 'faults.json');
    if (!existsSync(f)) return;
    const faults = readJsonFile(f, 'the faults to inject');
    if (!Array.isArray(faults)) throw new SimulatorError(`${f} must hold a JSON array of faults, e.g. [{"match": "appcmd.exe add site", "exitCode": 183}].`);
    for (const x of faults) {
      const bad = faultProblem(x);
      if (bad) throw new SimulatorError(`${f}: ${bad}.`);
    }
    this.state.faults.push(...(faults as Fault[]));
    renameSync(f, `${f}.loaded`);
    this.save();
  }

  addFault(f: Fault): void {
    this.state.faults.push(f);
    this.save();
  }

  /** Counts the command and returns the fault that applies to it, if any. */
  /** Numbers the command (unique, also when commands run concurrently) and returns the fault that applies to it. */
  nextCommand(argv: readonly string[]): { n: number; fault: Fault | undefined } {
    this.state.commandCount += 1;
    const n = this.state.commandCount;
    const line = argv.join(' ').toLowerCase();
    const f = this.state.faults.find(
      (x) => (x.fired ?? 0) < (x.times ?? 1) && (x.commandNumber === n || (x.match !== undefined && (x.exact ? line === x.match.toLowerCase() : line.includes(x.match.toLowerCase())))),
    );
    if (f) f.fired = (f.fired ?? 0) + 1;
    this.save();
    return { n, fault: f };
  }

  /** Appends to DIR/.sim/commands.jsonl; secrets known to this process are redacted there too. */
  logCommand(n: number, entry: { argv: string[]; exitCode: number; mutating: boolean; cwd?: string }): void {
    mkdirSync(path.join(this.root, '.sim'), { recursive: true });
    appendFileSync(path.join(this.root, '.sim', 'commands.jsonl'), `${JSON.stringify({ n, ...entry, argv: entry.argv.map(redact) })}\n`);
  }

  noteSimulated(note: string): void {
    if (!this.state.simulated.includes(note)) {
      this.state.simulated.push(note);
      this.save();
    }
  }

  // ---- paths -------------------------------------------------------------

  /** C:\apps\foo → DIR/C/apps/foo, matching existing entries case-insensitively as NTFS does. */
  toReal(winPath: string): string {
    const m = /^([A-Za-z]):\\?(.*)$/.exec(winPath.replace(/\//g, '\\'));
    if (!m) throw new Error(`not an absolute Windows path: ${winPath}`);
    const drive = (m[1] ?? 'C').toUpperCase();
    let cur = path.join(this.root, drive);
    for (const part of (m[2] ?? '').split('\\').filter((x) => x && x !== '.')) {
      if (part === '..') {
        // As Windows resolves C:\..\..: never above the drive's root (so never outside DIR).
        if (cur !== path.join(this.root, drive)) cur = path.dirname(cur);
        continue;
      }
      let name = part;
      try {
        const hit = readdirSync(cur).find((e) => e.toLowerCase() === part.toLowerCase());
        if (hit) name = hit;
      } catch {
        /* parent does not exist yet */
      }
      cur = path.join(cur, name);
    }
    return cur;
  }

  /** DIR/C/apps/foo → C:\apps\foo */
  toWin(realPath: string): string {
    const rel = path.relative(this.root, realPath);
    const [drive, ...rest] = rel.split(path.sep);
    return `${drive}:\\${rest.join('\\')}`;
  }

  /** Rewrites real paths under DIR in text (output of real programs) to Windows paths; with places, a Python's library paths too. */
  mapOutput(text: string, places?: PythonPlaces): string {
    // The probe's path lines hold one whole path each (spaces included): as Windows' Python prints
    // it, i.e. the value the project's settings wrote when the sitecustomize mapped one (its
    // DJANGO_IIS_SIM_ORIGINAL lines, removed here), else str(Path) of the real path, joined with "\".
    const originals = new Map<string, string>();
    let body = text.replace(/^DJANGO_IIS_SIM_ORIGINAL ([^\t\r\n]*)\t([^\r\n]*)\r?\n?/gm, (_m, real: string, original: string) => {
      originals.set(real, original);
      return '';
    });
    body = body.replace(/^(DJANGO_IIS_PROBE_PATH \w+=)([^\r\n]*)$/gm, (_m, head: string, value: string) => {
      const v = value.trim();
      const original = originals.get(v);
      if (original !== undefined) return `${head}${original}`;
      return v === this.root || v.startsWith(`${this.root}/`) ? `${head}${this.toWin(v)}` : `${head}${value}`;
    });
    // A Python's library paths (Debian's, the real venv's) as the server's venv and Python, when it is said whose.
    return places ? mapPythonPaths(this.mapPaths(body), places) : this.mapPaths(body);
  }

  private mapPaths(text: string): string {
    const esc = this.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`${esc}/([A-Z])((?:/[^\\s'"/:,)<>]+)*)/?`, 'g'), (_m, d: string, rest: string) => `${d}:\\${rest.split('/').filter((x) => x).join('\\')}`);
  }

  /** Puts a program the simulated server "installs" in place: a text marker, or the Wine lane's stand-in. */
  writeProgram(winPath: string, marker: string): void {
    writeFileSync(this.toReal(winPath), this.programImage ?? marker);
  }

  existsWin(p: string): boolean {
    return existsSync(this.toReal(p));
  }

  isDirWin(p: string): boolean {
    try {
      return statSync(this.toReal(p)).isDirectory();
    } catch {
      return false;
    }
  }

  // ---- registry ----------------------------------------------------------

  setReg(key: string, name: string, type: string, data: string): void {
    const k = key.toUpperCase();
    const entry = (this.state.registry[k] ??= { key, values: {} });
    entry.values[name] = { type, data };
  }

  deleteRegTree(key: string): void {
    const k = key.toUpperCase();
    for (const x of Object.keys(this.state.registry)) if (x === k || x.startsWith(`${k}\\`)) delete this.state.registry[x];
  }

  // ---- ACLs --------------------------------------------------------------

  setAcl(p: string, isProtected: boolean, aces: Ace[]): void {
    this.state.acls[p.toLowerCase().replace(/\\+$/, '') || 'c:'] = { path: p, protected: isProtected, aces };
  }

  /** Drops the ACLs of a removed file or folder and of everything under it. */
  forgetAcls(p: string): void {
    const k = p.toLowerCase().replace(/\\+$/, '');
    let changed = false;
    for (const key of Object.keys(this.state.acls)) {
      if (key === k || key.startsWith(`${k}\\`)) {
        delete this.state.acls[key];
        changed = true;
      }
    }
    if (changed) this.save();
  }

    aclOf(p: string): AclEntry | undefined {
    return this.state.acls[p.toLowerCase().replace(/\\+$/, '') || 'c:'];
  }

  /** ACEs in effect on a path: its own, then inherited ones from ancestors up to a protected one. */
  effectiveAces(p: string): { ace: Ace; inherited: boolean; from: string }[] {
    const out: { ace: Ace; inherited: boolean; from: string }[] = [];
    const parts = p.replace(/\\+$/, '').split('\\');
    for (let i = parts.length; i >= 1; i--) {
      const cur = parts.slice(0, i).join('\\');
      const entry = this.aclOf(cur === 'C:' ? 'C:\\' : cur);
      if (!entry) continue;
      const own = i === parts.length;
      for (const ace of entry.aces) {
        if (own || ace.inherit.length > 0) out.push({ ace, inherited: !own, from: entry.path });
      }
      if (entry.protected) break;
    }
    return out;
  }

  /** Groups an IIS application pool identity belongs to, for ACL checks. */
  static identityGroups(identity: string): string[] {
    const id = identity.toLowerCase();
    const groups = [id, 'everyone'];
    if (id.startsWith('iis apppool\\')) groups.push('builtin\\iis_iusrs', 'iis_iusrs', 'builtin\\users', 'users', 'nt authority\\authenticated users', 'authenticated users');
    return groups;
  }

  canAccess(identity: string, p: string, need: 'read' | 'write'): boolean {
    const groups = SimulatedServer.identityGroups(identity);
    return this.effectiveAces(p).some(({ ace }) => {
      if (!groups.includes(ace.identity.toLowerCase())) return false;
      if (need === 'read') return ['F', 'M', 'RX', 'R'].includes(ace.rights);
      return ['F', 'M', 'W'].includes(ace.rights);
    });
  }

  // ---- IIS ---------------------------------------------------------------

  iisInstalled(): boolean {
    return this.state.features['IIS-WebServer'] === 'Enabled';
  }

  installIis(withCgi: boolean): void {
    for (const f of ['IIS-WebServerRole', 'IIS-WebServer', 'IIS-CommonHttpFeatures', 'IIS-StaticContent', 'IIS-DefaultDocument', 'IIS-HttpErrors', 'IIS-DirectoryBrowsing', 'IIS-Security', 'IIS-RequestFiltering', 'IIS-HealthAndDiagnostics', 'IIS-HttpLogging', 'IIS-Performance', 'IIS-HttpCompressionStatic', 'IIS-WebServerManagementTools', 'IIS-ManagementConsole'])
      this.state.features[f] = 'Enabled';
    if (withCgi) {
      this.state.features['IIS-ApplicationDevelopment'] = 'Enabled';
      this.state.features['IIS-CGI'] = 'Enabled';
    }
    mkdirSync(this.toReal('C:\\Windows\\System32\\inetsrv\\config'), { recursive: true });
    this.writeProgram(APPCMD_PATH, 'SIMULATED appcmd.exe\r\n');
    if (!existsSync(this.toReal(APPHOST_PATH))) this.saveAppHost(freshAppHostConfig(withCgi));
    mkdirSync(this.toReal('C:\\inetpub\\wwwroot'), { recursive: true });
    mkdirSync(this.toReal('C:\\inetpub\\custerr'), { recursive: true });
    writeFileSync(this.toReal('C:\\inetpub\\wwwroot\\iisstart.htm'), '<!DOCTYPE html><html><head><title>IIS Windows Server</title></head><body><h1>Internet Information Services</h1></body></html>\r\n');
    this.state.services.W3SVC = { displayName: 'World Wide Web Publishing Service', state: 'RUNNING' };
    this.state.services.WAS = { displayName: 'Windows Process Activation Service', state: 'RUNNING' };
    this.state.siteState['default web site'] = 'Started';
    this.state.poolState.defaultapppool = 'Started';
    if (!this.state.listeners.some((l) => l.port === 80)) this.state.listeners.push({ port: 80, pid: 4, process: 'System' });
    this.save();
  }

  /** A restart of Windows: pending feature changes take effect. */
  restart(): void {
    for (const [k, v] of Object.entries(this.state.features)) {
      if (v === 'Enable Pending') this.state.features[k] = 'Enabled';
      if (v === 'Disable Pending') this.state.features[k] = 'Disabled';
    }
    this.state.restartPending = false;
    this.deleteRegTree('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending');
    this.save();
  }

  loadAppHost(): El {
    return parseXml(readFileSync(this.toReal(APPHOST_PATH), 'utf8'));
  }

  /** Set while one commit gathers several edits (the switch script): saveAppHost keeps the document instead of writing it. */
  private held: { root?: El } | undefined;

  /** Runs edits of applicationHost.config as one commit: written once at the end, not at all when one fails. */
  oneCommit(f: () => void): void {
    const held: { root?: El } = {};
    this.held = held;
    try {
      f();
    } finally {
      this.held = undefined;
    }
    if (held.root) this.saveAppHost(held.root);
  }

  saveAppHost(root: El): void {
    if (this.held) {
      this.held.root = root;
      return;
    }
    const real = this.toReal(APPHOST_PATH);
    mkdirSync(path.dirname(real), { recursive: true });
    // As IIS does (it writes a temporary file and swaps it in): a killed writer never leaves half a file.
    const tmp = `${real}.${process.pid}.tmp`;
    writeFileSync(tmp, serializeXml(root));
    renameSync(tmp, real);
  }

  appHostText(): string {
    return readFileSync(this.toReal(APPHOST_PATH), 'utf8');
  }

  // ---- Python ------------------------------------------------------------

  registerPython(version: string, dir: string, allUsers: boolean, opts: { registry?: boolean } = {}): void {
    const [maj, min] = version.split('.');
    const tag = `${maj}.${min}`;
    const hive = allUsers ? 'HKLM' : 'HKCU';
    const key = `${hive}\\SOFTWARE\\Python\\PythonCore\\${tag}`;
    if (opts.registry !== false) {
      this.setReg(key, 'DisplayName', 'REG_SZ', `Python ${tag} (64-bit)`);
      this.setReg(key, 'SysVersion', 'REG_SZ', tag);
      this.setReg(key, 'Version', 'REG_SZ', version);
      this.setReg(`${key}\\InstallPath`, '(Default)', 'REG_SZ', `${dir}\\`);
      this.setReg(`${key}\\InstallPath`, 'ExecutablePath', 'REG_SZ', `${dir}\\python.exe`);
    }
    this.state.pythons[dir.toLowerCase()] = { version, dir, allUsers };
    for (const sub of ['Lib\\site-packages', 'Scripts', 'DLLs']) mkdirSync(this.toReal(`${dir}\\${sub}`), { recursive: true });
    this.writeProgram(`${dir}\\python.exe`, `SIMULATED python.exe ${version}\r\n`);
    this.writeProgram(`${dir}\\Scripts\\pip.exe`, 'SIMULATED pip.exe\r\n');
    if (!existsSync(this.toReal('C:\\Windows\\py.exe'))) this.writeProgram('C:\\Windows\\py.exe', 'SIMULATED py.exe\r\n');
    this.save();
  }

  pythonAt(exe: string): { version: string; dir: string; allUsers: boolean } | undefined {
    const dir = exe.replace(/\\python\.exe$/i, '').toLowerCase();
    return this.state.pythons[dir];
  }

  venvForPython(exe: string): SimulatedServer['state']['venvs'][string] | undefined {
    const dir = exe.replace(/\\Scripts\\python\.exe$/i, '').toLowerCase();
    return this.state.venvs[dir];
  }
}

/** Whether a process still runs (a zombie, killed and not yet reaped, does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export { APPCMD_PATH, APPHOST_PATH, IIS_FEATURES, SimulatorError, faultProblem, type Ace, type AclEntry, type Fault, type FeatureState, type Scenario, type SimState, type WindowsFlavour } from './server-state';
