/** SIMULATED netstat.exe -ano: the TCP listeners of the simulated server. */
import type { ProgramResult } from '../appcmd';
import { listSites, siteBindings } from '../iisconfig';
import type { SimulatedServer } from '../server';
import { words } from '../language';
import { res, lower } from './result';

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
