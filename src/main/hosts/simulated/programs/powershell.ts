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
import { AUTHENTICODE_SCRIPT, DJANGO_HANDLER_NAME, SWITCH_ENV, SWITCH_SCRIPT } from '../../../engine/commands';
import { AppcmdError, dispatch, parseAppcmdArgs } from '../appcmd';
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
  if (script === SWITCH_SCRIPT) return runSwitchScript(s, opts.env ?? {});
  if (script !== AUTHENTICODE_SCRIPT) return { exitCode: 1, stdout: '', stderr: 'powershell.exe: the simulated server runs only the tool\'s own scripts (the Authenticode check and the certificate store\'s).\r\n', mutating: false };
  const file = opts.env?.DJANGO_IIS_SETUP_FILE ?? '';
  const signers = (opts.env?.DJANGO_IIS_SETUP_SIGNERS ?? '').split('|').filter((x) => x);
  const sig = signatureOf(s, file);
  // The signer is named twice in its certificate (CN and O, as the PSF's and Microsoft's are): both must be it.
  const cn = /(?:^|, )CN="?([^,"]+)"?(?:,|$)/.exec(sig.subject)?.[1];
  const org = /(?:^|, )O="?([^,"]+)"?(?:,|$)/.exec(sig.subject)?.[1];
  const ok = sig.status === 'Valid' && cn !== undefined && signers.includes(cn) && org === cn;
  s.noteSimulated(`The Authenticode signature of ${file} was simulated (${sig.status}${sig.subject ? `, ${sig.subject}` : ''}).`);
  return { exitCode: ok ? 0 : 1, stdout: `Authenticode: ${sig.status}; signer: ${sig.subject}\r\n`, stderr: '', mutating: false };
}

/**
 * SIMULATED: the switch script (commands.ts SWITCH_SCRIPT, Microsoft.Web.Administration): the
 * site's root and /static paths and the Django handler's scriptProcessor changed on one document
 * and written once, with the schema checks appcmd's commits make; nothing is written when one
 * part fails (the real CommitChanges writes the file once, or not at all).
 */
function runSwitchScript(s: SimulatedServer, env: Record<string, string>): ProgramResult {
  const v = (k: keyof typeof SWITCH_ENV) => env[SWITCH_ENV[k]] ?? '';
  if (!s.state.elevated) return { exitCode: 1, stdout: '', stderr: 'Filename: redirection.config\r\nError: Cannot read configuration file due to insufficient permissions\r\n', mutating: false };
  const site = v('site');
  const staticUrl = v('staticUrl');
  const root = s.loadAppHost();
  try {
    s.oneCommit(() => {
      const paths = [`/[path='/'].[path='/'].physicalPath:${v('root')}`, ...(staticUrl ? [`/[path='/'].[path='${staticUrl}'].physicalPath:${v('staticPath')}`] : [])];
      dispatch(s, root, parseAppcmdArgs(['set', 'site', `/site.name:${site}`, ...paths]), 'site');
      if (v('handler') !== DJANGO_HANDLER_NAME) throw new AppcmdError(`The handler ${v('handler')} is not at the site.`, 4);
      dispatch(s, root, parseAppcmdArgs(['set', 'config', site, '-section:system.webServer/handlers', `/[name='${v('handler')}'].scriptProcessor:${v('scriptProcessor')}`, '/commit:apphost']), 'config');
    });
  } catch (e) {
    if (e instanceof AppcmdError) return { exitCode: e.exitCode === 1168 ? 4 : 1, stdout: '', stderr: `Exception calling "CommitChanges": ${e.message}\r\n`, mutating: false };
    throw e;
  }
  s.noteSimulated('The switch through Microsoft.Web.Administration (one commit of the handler and the site\'s paths) was simulated: the simulator applies both edits to one applicationHost.config and writes it once.');
  return { exitCode: 0, stdout: `switched ${site}\r\n`, stderr: '', mutating: true };
}
