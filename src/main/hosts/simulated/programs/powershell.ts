/**
 * SIMULATED powershell.exe: only the tool's own Authenticode check (commands.ts
 * AUTHENTICODE_SCRIPT) is modelled; any other script is refused. A file's signature is decided
 * from what the simulated server knows of it: a download from python.org or Microsoft's fwlink
 * (the marked stand-in the simulated download writes) and the simulator's own program image
 * (the Wine lane's stand-in installer) are validly signed by the Python Software Foundation or
 * Microsoft; a file may carry its own verdict on a line "SIMULATED-AUTHENTICODE <Status>; <subject>"
 * (tests make tampered and wrongly signed installers that way); anything else is NotSigned.
 */
import { readFileSync } from 'node:fs';
import { AUTHENTICODE_SCRIPT } from '../../../engine/commands';
import type { ExecOptions } from '../../../engine/host';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { runCertScript } from './certstore';

const PSF = 'CN=Python Software Foundation, O=Python Software Foundation, L=Beaverton, S=Oregon, C=US';
const MICROSOFT = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US';

function signatureOf(s: SimulatedServer, file: string): { status: string; subject: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(s.toReal(file));
  } catch {
    return { status: 'UnknownError', subject: '' };
  }
  const text = bytes.toString('latin1');
  const own = /SIMULATED-AUTHENTICODE (\w+); ([^\r\n]*)/.exec(text);
  if (own) return { status: own[1] as string, subject: own[2] as string };
  const dl = /^SIMULATED download of (\S+)/.exec(text);
  if (dl) {
    const host = new URL(dl[1] as string).hostname;
    if (host === 'www.python.org') return { status: 'Valid', subject: PSF };
    if (host === 'go.microsoft.com' || host.endsWith('.microsoft.com')) return { status: 'Valid', subject: MICROSOFT };
  }
  if (s.programImage && bytes.equals(s.programImage)) return { status: 'Valid', subject: /python/i.test(file) ? PSF : MICROSOFT };
  return { status: 'NotSigned', subject: '' };
}

export function runPowerShell(s: SimulatedServer, args: readonly string[], opts: ExecOptions): ProgramResult {
  const c = args.findIndex((a) => a.toLowerCase() === '-command');
  const script = c >= 0 ? args[c + 1] : undefined;
  const cert = script !== undefined ? runCertScript(s, script, opts) : undefined;
  if (cert) return cert;
  if (script !== AUTHENTICODE_SCRIPT) return { exitCode: 1, stdout: '', stderr: 'powershell.exe: the simulated server runs only the tool\'s own scripts (the Authenticode check and the certificate store\'s).\r\n', mutating: false };
  const file = opts.env?.DJANGO_IIS_SETUP_FILE ?? '';
  const signers = (opts.env?.DJANGO_IIS_SETUP_SIGNERS ?? '').split('|').filter((x) => x);
  const sig = signatureOf(s, file);
  const cn = /(?:^|, )CN="?([^,"]+)"?(?:,|$)/.exec(sig.subject)?.[1];
  const ok = sig.status === 'Valid' && cn !== undefined && signers.includes(cn);
  s.noteSimulated(`The Authenticode signature of ${file} was simulated (${sig.status}${sig.subject ? `, ${sig.subject}` : ''}).`);
  return { exitCode: ok ? 0 : 1, stdout: `Authenticode: ${sig.status}; signer: ${sig.subject}\r\n`, stderr: '', mutating: false };
}
