/**
 * The tool's own folder, C:\ProgramData\DjangoIISSetup, holds what an administrator's run trusts:
 * the deployment journals (what uninstall undoes), the run lock, the check cache, downloads and
 * logs. ProgramData's default ACL lets ordinary users create files in its subfolders, so the
 * folder gets an ACL of its own on first use: inheritance off, full control for SYSTEM and
 * Administrators only (by SID: the names are localised). It is checked at every start (every
 * command that takes the run lock): any other entry, or an inherited one, and the ACL is set again.
 */
import { ICACLS, TOOL_DATA_DIR } from './commands';
import { ProgramNotFoundError, type ExecResult, type Host } from './host';
import { parseIcacls } from './parsers';

export const TOOL_DATA_ACL = ['/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F'];

export interface ToolDataAcl {
  /** What was found: already protected, set now (first use or repaired), or not settable (icacls missing or failing). */
  state: 'ok' | 'set' | 'failed';
  detail?: string;
}

/** True when icacls shows exactly two entries, none inherited (the two this tool sets). */
export function aclIsOurs(icaclsOutput: string): boolean {
  const aces = parseIcacls(icaclsOutput, TOOL_DATA_DIR);
  return aces.length === 2 && aces.every((a) => !a.inherited && a.flags.includes('F'));
}

/** From `icacls DIR /T`: the paths under the folder (not the folder itself) that carry an entry of their own, not inherited. */
export function explicitBelow(out: string): string[] {
  const blocks = out.split(/\r?\n\s*\r?\n/).map((b) => b.split(/\r?\n/).filter((l) => l.trim() && !/^Successfully processed/.test(l))).filter((b) => b.length > 0);
  const out2: string[] = [];
  for (const b of blocks.slice(1)) {
    const first = b[0] ?? '';
    const explicit = b.some((l) => /:((?:\([A-Z,]+\))+)\s*$/.test(l) && !/\(I\)/.test(l));
    if (explicit) out2.push(/^(.*?\\[^\\]*?) (?:NT AUTHORITY|BUILTIN|Everyone|IIS APPPOOL|[A-Z0-9-]+\\)/i.exec(first)?.[1] ?? first.trim());
  }
  return out2;
}

export async function secureToolData(host: Host): Promise<ToolDataAcl> {
  await host.mkdir(TOOL_DATA_DIR);
  const icacls = async (args: string[]): Promise<ExecResult | undefined> => {
    try {
      return await host.exec(ICACLS, args, { timeoutMs: 60_000 });
    } catch (e) {
      if (e instanceof ProgramNotFoundError) return undefined;
      throw e;
    }
  };
  const shown = await icacls([TOOL_DATA_DIR]);
  if (!shown) return { state: 'failed', detail: `${ICACLS} was not found` };
  // The whole tree: a file or folder under it with an entry of its own (Users:F on deployments\) is not the tool's either.
  const tree = shown.exitCode === 0 ? await icacls([TOOL_DATA_DIR, '/T']) : undefined;
  const strays = tree?.exitCode === 0 ? explicitBelow(tree.stdout) : [];
  if (shown.exitCode === 0 && aclIsOurs(shown.stdout) && strays.length === 0) return { state: 'ok' };
  // Entries someone added are dropped first (/reset /T: the folder and everything under it back to
  // the inherited entries, which the next command removes at the top).
  if (shown.exitCode === 0 && (strays.length > 0 || parseIcacls(shown.stdout, TOOL_DATA_DIR).some((a) => !a.inherited))) await icacls([TOOL_DATA_DIR, '/reset', '/T']);
  const set = await icacls([TOOL_DATA_DIR, ...TOOL_DATA_ACL]);
  if (!set) return { state: 'failed', detail: `${ICACLS} was not found` };
  if (set.exitCode !== 0) return { state: 'failed', detail: `icacls exit ${set.exitCode}: ${(set.stdout + set.stderr).trim().split(/\r?\n/)[0] ?? ''}` };
  return { state: 'set', detail: shown.exitCode === 0 ? `the folder's entries were: ${parseIcacls(shown.stdout, TOOL_DATA_DIR).map((a) => `${a.identity}${a.inherited ? ' (inherited)' : ''}`).join(', ')}${strays.length ? `; entries of their own under it: ${strays.slice(0, 5).join(', ')}` : ''}` : 'first use' };
}

export class ToolDataError extends Error {}

const secured = new WeakSet<object>();

/** The folder's ACL set (or found) as the tool's; ToolDataError (exit 2, nothing changed) when it cannot be. */
export async function assertToolDataSecured(host: Host): Promise<void> {
  const acl = await secureToolData(host);
  if (acl.state === 'failed') throw new ToolDataError(`The tool could not give its folder ${TOOL_DATA_DIR} an ACL of its own (SYSTEM and Administrators only): ${acl.detail ?? ''}. Its journals decide what uninstall removes, so the tool does not run while others may write there; nothing was changed. Check that this prompt is elevated and icacls.exe works, then run again.`);
}

/** Before the tool first writes what a later run trusts (a journal): its folder's ACL, once per host object. */
export async function ensureToolDataSecured(host: Host): Promise<void> {
  if (secured.has(host)) return;
  await assertToolDataSecured(host);
  secured.add(host);
}
