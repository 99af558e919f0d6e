/** Preflight: elevated, Windows build and edition, tools present, port free (or ours), disk space. */
import { APPCMD, FSUTIL, NET, NETSTAT, REG, appcmd } from '../commands';
import { parseDiskFree, parseNetstat, parseRegQuery, parseSiteList } from '../parsers';
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
        fix: 'Export the deployment as a PowerShell script (cli export --format powershell) and run that on this server, or use Windows Server 2016 or later.',
      });
    const dismOk = await ctx.host.exists('C:\\Windows\\System32\\dism.exe');
    if (!dismOk)
      return blocked('dism.exe is missing', { what: 'dism.exe was not found in C:\\Windows\\System32.', why: 'DISM enables IIS and its CGI feature.', fix: 'Run the tool on a standard Windows Server installation.' });
    const ns = await query(ctx, NETSTAT, ['-ano', '-p', 'tcp']);
    if (!ns || ns.exitCode !== 0)
      return blocked('the listening ports could not be read', {
        what: `netstat could not list the TCP ports in use${ns ? ` (exit ${ns.exitCode})` : ' (netstat.exe was not found)'}, so the tool cannot tell whether port ${config.port} is free.`,
        why: 'A port taken by another program makes the site fail to start; the tool does not guess that it is free.',
        fix: 'Run "netstat -ano -p tcp" in an elevated prompt to see why it fails, fix that, and run again.',
        command: [NETSTAT, '-ano', '-p', 'tcp'],
        ...(ns ? { exitCode: ns.exitCode } : {}),
      });
    const owner = parseNetstat(ns?.stdout ?? '').find((l) => l.port === config.port);
    if (owner) {
      if (owner.pid !== 4)
        return blocked(`port ${config.port} is in use by process ${owner.pid}`, {
          what: `Port ${config.port} is already in use by another program (PID ${owner.pid}).`,
          why: 'IIS cannot start a site on a port another process listens on.',
          fix: `Stop that program (tasklist /FI "PID eq ${owner.pid}" names it) or choose another port in the configuration.`,
          command: [NETSTAT, '-ano', '-p', 'tcp'],
        });
      const sites = (await ctx.host.exists(APPCMD)) ? await query(ctx, APPCMD, appcmd.listSites()) : undefined;
      const other = sites?.exitCode === 0 ? parseSiteList(sites.stdout).find((s) => s.name.toLowerCase() !== config.siteName.toLowerCase() && s.bindings.split(',').some((b) => b.split(':')[1] === String(config.port))) : undefined;
      if (other)
        return blocked(`port ${config.port} is bound by the IIS site "${other.name}"`, {
          what: `Port ${config.port} is already used by the IIS site "${other.name}".`,
          why: 'Two sites cannot listen on the same port without distinct host names.',
          fix: `Choose another port, or set hostName so the binding differs, or stop/remove the site "${other.name}".`,
        });
    }
    const df = await query(ctx, FSUTIL, ['volume', 'diskfree', 'C:']);
    const free = df?.exitCode === 0 ? parseDiskFree(df.stdout) : undefined;
    if (free !== undefined && free < MIN_FREE_BYTES)
      return blocked('not enough free disk space', {
        what: `Drive C: has ${(free / 1024 ** 3).toFixed(1)} GB free.`,
        why: 'Python, the virtual environment and the packages need about 2 GB.',
        fix: 'Free some space on C: and run again.',
      });
    const note = installType === 'Client' ? ' (client Windows: IIS works, but this tool is made for Windows Server)' : installType === 'Server Core' ? ' (Server Core: use the command line or the PowerShell export)' : '';
    return done(`${product} (build ${build}, ${values.EditionID ?? installType})${note}, elevated, port ${config.port} ${owner ? 'held by this site' : 'free'}${free !== undefined ? `, ${(free / 1024 ** 3).toFixed(0)} GB free` : ''}`);
  },
  psCheck: ({ config }) =>
    `(([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) -and -not (Get-NetTCPConnection -State Listen -LocalPort ${config.port} -ErrorAction SilentlyContinue | Where-Object { $_.OwningProcess -ne 4 })`,
};
