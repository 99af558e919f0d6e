/** Preflight: elevated, Windows build and edition, tools present, port free (or ours), disk space. */
import { redirectSiteName } from './http-redirect';
import { objectKey, owns, readJournal } from '../ownership';
import { APPCMD, FSUTIL, NET, NETSTAT, REG, appcmd, bindingInfo } from '../commands';
import { parseBindingList, parseDiskFree, parseNetstat, parseRegQuery, parseSiteList, sameBinding, type Binding } from '../parsers';
import { blocked, done, query, type Step } from '../step';

const MIN_BUILD = 14393; // Windows Server 2016: the oldest Windows Electron 45 runs on
const MIN_FREE_BYTES = 2 * 1024 ** 3;

export const preflight: Step = {
  id: 'preflight',
  title: 'Check the server',
  section: 'prepare',
  dependsOn: [],
  async check(ctx) {
    const { config } = ctx;
    const elevated = await query(ctx, NET, ['session']);
    if (!elevated || elevated.exitCode !== 0)
      return blocked('not running elevated', {
        what: 'Django IIS Setup is not running as an administrator.',
        why: 'Installing Python for all users, enabling IIS and writing IIS configuration all need elevation ("net session" was refused).',
        fix: 'Close it and start it again with "Run as administrator" (the packaged .exe asks for elevation by itself).',
        command: [NET, 'session'],
      });
    const cv = await query(ctx, REG, ['query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion']);
    const values = Object.values(parseRegQuery(cv?.stdout ?? ''))[0] ?? {};
    const build = Number(values.CurrentBuildNumber ?? values.CurrentBuild ?? 0);
    const product = values.ProductName ?? 'Windows';
    const installType = values.InstallationType ?? 'Server';
    if (build > 0 && build < MIN_BUILD)
      return blocked(`${product} (build ${build}) is older than Windows Server 2016`, {
        what: `${product} (build ${build}) is too old for this tool.`,
        why: 'The tool runs on Windows Server 2016 (build 14393) and later; Server 2012 R2 cannot run its interface.',
        fix: 'Export the deployment as a PowerShell script (cli export --format powershell --windows 2012r2: Python 3.12, needs WMF 5.1) and run that on this server, or use Windows Server 2016 or later.',
      });
    const dismOk = await ctx.host.exists('C:\\Windows\\System32\\dism.exe');
    if (!dismOk)
      return blocked('dism.exe is missing', { what: 'dism.exe was not found in C:\\Windows\\System32.', why: 'DISM enables IIS and its CGI feature.', fix: 'Run the tool on a standard Windows Server installation.' });
    // Other IIS sites: sharing a port is normal (port 80 carries the Default Web Site and any number of
    // sites with host names); only the same protocol, IP, port and host name clash.
    const sites = (await ctx.host.exists(APPCMD)) ? await query(ctx, APPCMD, appcmd.listSites()) : undefined;
    const wanted = parseBindingList(`http/${bindingInfo(config)}`)[0] as Binding;
    const all = sites?.exitCode === 0 ? parseSiteList(sites.stdout) : [];
    // The redirect site of this deployment holds the plain http binding when redirectHttp is on.
    const redirectMine = !!config.https?.redirectHttp || !!owns(await readJournal(ctx.host, config.siteName), objectKey.site(redirectSiteName(config)));
    const isMine = (s: { name: string }) => s.name.toLowerCase() === config.siteName.toLowerCase() || (redirectMine && s.name.toLowerCase() === redirectSiteName(config).toLowerCase());
    const others = all.filter((s) => !isMine(s));
    const mine = all.find((s) => isMine(s) && parseBindingList(s.bindings).some((b) => sameBinding(b, wanted))) ?? all.find(isMine);
    // This site started with the wanted binding holds the port itself (http.sys listens for it; no
    // other program can): the listening ports are read only when that is not so.
    const holdsPort = !!mine && mine.state.toLowerCase() === 'started' && parseBindingList(mine.bindings).some((b) => sameBinding(b, wanted));
    const ns = holdsPort ? { exitCode: 0, stdout: '', stderr: '', killed: false } : await query(ctx, NETSTAT, ['-ano']);
    if (!ns || ns.exitCode !== 0)
      return blocked('the listening ports could not be read', {
        what: `netstat could not list the TCP ports in use${ns ? ` (exit ${ns.exitCode})` : ' (netstat.exe was not found)'}, so the tool cannot tell whether port ${config.port} is free.`,
        why: 'A port taken by another program makes the site fail to start; the tool does not guess that it is free.',
        fix: 'Run "netstat -ano" in an elevated prompt to see why it fails, fix that, and run again.',
        command: [NETSTAT, '-ano'],
        ...(ns ? { exitCode: ns.exitCode } : {}),
      });
    // IPv4 and IPv6 rows: a program listening on [::]:port only takes the port from IIS too.
    const listening = parseNetstat(ns?.stdout ?? '');
    const onPort = listening.filter((l) => l.port === config.port);
    // The HTTPS port too: HTTP.sys (PID 4) shares it; another program holding it keeps the https binding from starting.
    const httpsOwner = config.https ? listening.find((l) => l.port === config.https?.port && l.pid !== 4) : undefined;
    const owner = onPort.find((l) => l.pid !== 4) ?? httpsOwner ?? onPort[0];
    const busyPort = owner && owner.pid !== 4 ? owner.port : config.port;
    if (owner && owner.pid !== 4)
      return blocked(`port ${busyPort} is in use by process ${owner.pid}`, {
        what: `Port ${busyPort}${busyPort !== config.port ? ' (HTTPS)' : ''} is already in use by another program (PID ${owner.pid}${owner.address.startsWith('[') ? `, on IPv6 ${owner.address}` : ''}).`,
        why: 'IIS cannot start a site on a port another process listens on.',
        fix: `Stop that program (tasklist /FI "PID eq ${owner.pid}" names it) or choose another port in the configuration.`,
        command: [NETSTAT, '-ano'],
      });
    const holders = others.filter((s) => parseBindingList(s.bindings).some((b) => sameBinding(b, wanted)));
    const running = holders.find((s) => s.state.toLowerCase() !== 'stopped');
    if (running)
      return blocked(`http/${bindingInfo(config)} is already served by the IIS site "${running.name}"`, {
        what: `The IIS site "${running.name}" already has the binding http/${bindingInfo(config)}${config.hostName ? '' : ' (port ' + config.port + ', any host name)'}.`,
        why: 'IIS routes a request by protocol, IP address, port and host name; two started sites cannot share all four, so this site could not start.',
        fix: config.hostName
          ? `Choose another hostName or port, or stop or remove the site "${running.name}".`
          : `Set hostName (e.g. "app.example.com", the name people type) so both sites share port ${config.port}, choose another port, or stop the site "${running.name}".`,
        command: [APPCMD, ...appcmd.listSites()],
      });
    const shared = others.filter((s) => parseBindingList(s.bindings).some((b) => b.protocol === 'http' && b.port === config.port));
    const portNote = shared.length
      ? `shared with ${shared.map((s) => `"${s.name}"`).join(', ')}${config.hostName ? ` (this site answers for ${config.hostName})` : ''}`
      : mine && parseBindingList(mine.bindings).some((b) => sameBinding(b, wanted))
        ? 'held by this site'
        : owner
          ? 'held by IIS (http.sys)'
        : 'free';
    const stoppedNote = holders.length ? ` (the stopped site "${holders[0]?.name}" has the same binding and cannot start while this one runs)` : '';
    // Free space matters for what is installed first (Python, the venv, the packages): checked until the venv exists.
    const df = (await ctx.host.exists(ctx.d.venvPython)) ? undefined : await query(ctx, FSUTIL, ['volume', 'diskfree', 'C:']);
    const free = df?.exitCode === 0 ? parseDiskFree(df.stdout) : undefined;
    if (free !== undefined && free < MIN_FREE_BYTES)
      return blocked('not enough free disk space', {
        what: `Drive C: has ${(free / 1024 ** 3).toFixed(1)} GB free.`,
        why: 'Python, the virtual environment and the packages need about 2 GB.',
        fix: 'Free some space on C: and run again.',
      });
    const note = installType === 'Client' ? ' (client Windows: IIS works, but this tool is made for Windows Server)' : installType === 'Server Core' ? ' (Server Core: use the command line or the PowerShell export)' : '';
    return done(`${product} (build ${build}, ${values.EditionID ?? installType})${note}, elevated, port ${config.port} ${portNote}${stoppedNote}${free !== undefined ? `, ${(free / 1024 ** 3).toFixed(0)} GB free` : ''}`);
  },
  psCheck: ({ config }) =>
    `(([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) -and -not (Get-NetTCPConnection -State Listen -LocalPort ${config.port} -ErrorAction SilentlyContinue | Where-Object { $_.OwningProcess -ne 4 })`,
};
