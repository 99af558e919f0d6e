/** SIMULATED msiexec.exe: the HttpPlatformHandler MSI and the Python install manager MSI. */
import { readFileSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { el, getAttr } from '../xml';
import { res, lower } from './result';

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
