/**
 * The simulated %windir%\system32\inetsrv\appcmd.exe: parses the same argv the real one gets
 * and applies it to applicationHost.config (or a web.config), validating against IIS's schema.
 *
 * Grammar (iis-docs "Getting started with AppCmd.exe"):
 *   appcmd VERB OBJECT [ID] [/param:value | -param:value | /+expr | /-expr | /expr:value]...
 * with config expressions like  [fullPath='x',arguments='y'].environmentVariables.[name='A',value='B'].
 *
 * The /xml shapes (<appcmd><SITE SITE.NAME=… SITE.ID=… bindings=… state=…/>, <APP APP.NAME=…
 * APPPOOL.NAME=…/>, <CONFIG CONFIG.SECTION=… path=… overrideMode="Inherit" locked="false">
 * <system.webServer-handlers>…) were checked against published appcmd output samples.
 * Messages on success and failure follow appcmd's; ERROR texts known from the reference are
 * exact, others are modelled on them. Exit codes other than 0 are UNCONFIRMED (the reference
 * says to decide by non-zero and the message): 1168 not found, 183 duplicate, 87 bad argument,
 * 13 invalid data, 5 access denied, 50 unsupported.
 */
import { localizeAppcmd } from './language';
import { findPool } from './iisconfig';
import { type SimulatedServer } from './server';
import { type El } from './xml';
import { addApp, addVdir, deleteApp, deleteVdir, setApp, setVdir } from './appcmd/app';
import { backupCmd } from './appcmd/backup';
import { clearConfig, lockConfig, setConfig } from './appcmd/config';
import { AppcmdError, EXIT, type ParsedArgs, type ProgramResult, fail, parseAppcmdArgs } from './appcmd/grammar';
import { listAppCmd, listConfigCmd, listPoolCmd, listSiteCmd, listVdirCmd } from './appcmd/list';
import { addPool, deletePool, setPool } from './appcmd/pool';
import { addSite, deleteSite, setSite, startStop } from './appcmd/site';
import { OBJECT_ALIASES, identifier, ok } from './appcmd/support';

export function notElevated(): ProgramResult {
  return { exitCode: EXIT.ACCESS_DENIED, stdout: 'ERROR ( hresult:80070005, message:Command execution failed.\r\nAccess is denied.\r\n )\r\n', stderr: '', mutating: false };
}

export function runAppcmd(server: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!server.state.elevated) return notElevated();
  let parsed: ParsedArgs;
  try {
    parsed = parseAppcmdArgs(args);
    const object = OBJECT_ALIASES[parsed.object];
    if (!object) fail(`Object type "${parsed.object}" is not supported. Supported: site, app, vdir, apppool, config, backup.`);
    const root = server.loadAppHost();
    const r = dispatch(server, root, parsed, object);
    return { ...r, stdout: localizeAppcmd(r.stdout, server.state.language) };
  } catch (e) {
    if (e instanceof AppcmdError) return { exitCode: e.exitCode, stdout: localizeAppcmd(`ERROR ( message:${e.message} )\r\n`, server.state.language), stderr: '', mutating: false };
    throw e;
  }
}

export function dispatch(server: SimulatedServer, root: El, p: ParsedArgs, object: string): ProgramResult {
  switch (`${p.verb} ${object}`) {
    case 'list site':
      return listSiteCmd(root, p, server);
    case 'list apppool':
      return listPoolCmd(root, p, server);
    case 'list app':
      return listAppCmd(root, p);
    case 'list vdir':
      return listVdirCmd(root, p);
    case 'list config':
      return listConfigCmd(server, root, p);
    case 'add apppool':
      return addPool(server, root, p);
    case 'set apppool':
      return setPool(server, root, p);
    case 'delete apppool':
      return deletePool(server, root, p);
    case 'add site':
      return addSite(server, root, p);
    case 'set site':
      return setSite(server, root, p);
    case 'delete site':
      return deleteSite(server, root, p);
    case 'add app':
      return addApp(server, root, p);
    case 'set app':
      return setApp(server, root, p);
    case 'delete app':
      return deleteApp(server, root, p);
    case 'add vdir':
      return addVdir(server, root, p);
    case 'set vdir':
      return setVdir(server, root, p);
    case 'delete vdir':
      return deleteVdir(server, root, p);
    case 'set config':
      return setConfig(server, root, p);
    case 'clear config':
      return clearConfig(server, root, p);
    case 'unlock config':
    case 'lock config':
      return lockConfig(server, root, p);
    case 'start site':
    case 'stop site':
    case 'start apppool':
    case 'stop apppool':
      return startStop(server, root, p, object);
    case 'recycle apppool': {
      const name = identifier(p, 'apppool.name', 'name');
      if (!name || !findPool(root, name)) fail(`Cannot find APPPOOL object with identifier "${name ?? ''}".`, EXIT.NOT_FOUND);
      if (server.state.poolState[name.toLowerCase()] === 'Stopped') fail('The object identifier does not represent a valid object. (Exception from HRESULT: 0x800710D8)', 4312);
      const recycles = (server.state.poolRecycles ??= {});
      recycles[name.toLowerCase()] = (recycles[name.toLowerCase()] ?? 0) + 1;
      server.save();
      return ok(`"${name}" successfully recycled`, true);
    }
    case 'add backup':
    case 'list backup':
    case 'restore backup':
    case 'delete backup':
      return backupCmd(server, p);
    default:
      return fail(`The verb "${p.verb}" is not supported on the object "${p.object}".`);
  }
}

export { AppcmdError, EXIT, parseAppcmdArgs, parsePath, parseSelector, type ParsedArgs, type PathToken, type ProgramResult } from './appcmd/grammar';
