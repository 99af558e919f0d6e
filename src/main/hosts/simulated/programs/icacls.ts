/** SIMULATED icacls.exe: show, /grant(:r), /remove, /inheritance, /reset on the simulated ACLs, with icacls's summary lines. */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProgramResult } from '../appcmd';
import { findPool } from '../iisconfig';
import type { Ace, SimulatedServer } from '../server';
import { words } from '../language';
import { res, lower, countFiles } from './result';

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

/** The folder and every file and folder under it, as Windows paths (what /T walks). */
function descendants(real: string, target: string): string[] {
  const out = [target];
  try {
    if (lstatSync(real).isDirectory()) for (const e of readdirSync(real).sort()) out.push(...descendants(path.join(real, e), `${target.replace(/\\+$/, '')}\\${e}`));
  } catch {
    /* gone meanwhile */
  }
  return out;
}

export function runIcacls(s: SimulatedServer, args: readonly string[]): ProgramResult {
  const [target, ...rest] = args;
  if (!target) return res(87, 'Invalid parameter: a file or folder name is required.\r\n');
  const real = s.toReal(target);
  const summary = (ok: number, failed: number) => `${words(s.state.language)?.icaclsSummary(ok, failed) ?? `Successfully processed ${ok} files; Failed processing ${failed} files`}\r\n`;
  if (!existsSync(real)) return res(2, `${target}: The system cannot find the path specified.\r\n${summary(0, 1)}`);
  const show = (p: string) => s.effectiveAces(p).map(({ ace, inherited }, i) => `${i === 0 ? p : ' '.repeat(p.length)} ${formatAce(ace, inherited)}`).join('\r\n');
  if (rest.length === 0) return res(0, `${show(target)}\r\n\r\n${summary(1, 0)}`);
  // icacls DIR /T: the folder and everything under it, a block each.
  if (rest.every((a) => ['/t', '/c', '/q'].includes(lower(a))) && rest.some((a) => lower(a) === '/t')) {
    const paths = descendants(real, target);
    return res(0, `${paths.map((p) => show(p)).join('\r\n\r\n')}\r\n\r\n${summary(paths.length, 0)}`);
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
      // Back to the inherited entries only (with /T: every file and folder under it too).
      entry.aces = [];
      entry.protected = false;
      if (tree) for (const p of descendants(real, target).slice(1)) if (s.aclOf(p)) s.setAcl(p, false, []);
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
