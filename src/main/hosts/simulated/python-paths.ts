/**
 * SIMULATED: a traceback from the rehearsal's real (Linux) Python names Linux files: Django in
 * /usr/lib/python3/dist-packages, the standard library in /usr/lib/python3.11, the real venv behind
 * a simulated one. On the server they are the venv's Lib\site-packages and the installed Python's
 * Lib; this rewrites them so a rehearsal's messages show the paths the server would (the project's
 * own files, under the simulated drive, are mapped by SimulatedServer.mapOutput).
 */
import path from 'node:path';
import { interpreters } from './interpreters';
import { storeDir } from './python-store';

export interface PythonPlaces {
  /** The simulated venv (C:\venvs\foo) and the real one behind it. */
  venv?: { winDir: string; realDir: string };
  /** The simulated base Python's folder (C:\Python310). */
  baseDir?: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The rest of a path after a library folder: up to a quote, a space, a comma or a closing parenthesis. */
const REST = String.raw`([^\s'"<>,)]*)`;

export function mapPythonPaths(text: string, places: PythonPlaces): string {
  const site = places.venv ? `${places.venv.winDir}\\Lib\\site-packages` : undefined;
  const win = (root: string, rest: string) => `${root}\\${rest.split('/').filter((x) => x).join('\\')}`;
  let out = text;
  if (site && places.venv) out = out.replace(new RegExp(`${esc(path.join(places.venv.realDir, 'lib'))}/python3\\.\\d+/site-packages/${REST}`, 'g'), (_m, rest: string) => win(site, rest));
  // The machine's distributions linked into a venv of another Python (python.ts storePath).
  if (site && places.venv) out = out.replace(new RegExp(`${esc(path.join(places.venv.realDir, 'machine-site'))}/${REST}`, 'g'), (_m, rest: string) => win(site, rest));
  // Debian's dist-packages, and the store's unpacked copies of it (.cache/python-store/dists/NAME-VERSION/usr/lib/python3/dist-packages).
  if (site) out = out.replace(new RegExp(`(?:${esc(storeDir())}/dists/[^/\\s]+)?/usr/(?:local/)?lib/python3(?:\\.\\d+)?/(?:dist|site)-packages/${REST}`, 'g'), (_m, rest: string) => win(site, rest));
  if (places.baseDir) {
    out = out.replace(new RegExp(`/usr/(?:local/)?lib/python3\\.\\d+/${REST}`, 'g'), (_m, rest: string) => win(`${places.baseDir as string}\\Lib`, rest));
    // The standard library of the other interpreters that play a server's Python (pyenv's builds).
    for (const i of interpreters().filter((x) => !x.machine)) {
      const prefix = path.dirname(path.dirname(i.path));
      out = out.replace(new RegExp(`${esc(prefix)}/lib/python3\\.\\d+/${REST}`, 'g'), (_m, rest: string) => win(`${places.baseDir as string}\\Lib`, rest));
    }
  }
  return out;
}
