/**
 * A journal is data the engine checks, never a list of commands it runs blindly: every undo
 * action must be one this tool writes for that kind of object (appcmd deleting or resetting the
 * deployment's own site, pool, handler, virtual directory or FastCGI entry; icacls removing the
 * pool's grant; removing the folder the entry names; putting back the file it names), with the
 * same path rules as everything else (no protected folder). A journal with anything else, or
 * whose site name is not its file's, is reported and none of it is run.
 */
import { canonicalWindowsPath, isInside, protectedPathReason, samePath } from '../../shared/winpath';
import type { Action } from '../../shared/plan';
import { APPCMD, ICACLS, POWERSHELL, STAGING_SUFFIX } from './commands';
import { ANONYMOUS_AUTH_SECTION, CERT_REMOVE_SCRIPT, NETSH, REDIRECT_SUFFIX, THUMBPRINT_ENV, WINDOWS_AUTH_SECTION, psArgs } from './https/commands';

interface EntryLike {
  object: string;
  adopted?: boolean;
  undo: Action[];
}

const KINDS = ['site', 'pool', 'fastcgi', 'folder', 'handler', 'vdir', 'parent', 'handlers', 'httpplatform', 'grant', 'file', 'binding', 'sslcert', 'cert', 'auth'] as const;
const SECTIONS = ['system.webServer/handlers', 'system.webServer/fastCgi', 'system.webServer/httpPlatform', 'system.webServer/httpRedirect', WINDOWS_AUTH_SECTION, ANONYMOUS_AUTH_SECTION];
/** Attributes an undo may set (what adopted objects are restored to), lower case. */
const ATTRS = ['physicalpath', 'applicationpool', 'managedruntimeversion', 'commit', 'maxinstances', 'activitytimeout', 'requesttimeout'];

function pathOfObject(object: string): string {
  const rest = object.slice(object.indexOf(':') + 1);
  if (object.startsWith('file:')) return rest.replace(/#[^#]*$/, '');
  if (object.startsWith('grant:')) return rest.replace(/\|[^|]*$/, '');
  return rest;
}

/** What is wrong with one appcmd undo, or undefined when it is one this tool writes for the deployment of `site`. */
function appcmdProblem(args: readonly string[], site: string, entry: EntryLike): string | undefined {
  const [verb = '', type = '', target = '', ...rest] = args.map(String);
  const v = verb.toLowerCase();
  const t = type.toLowerCase();
  const s = site.toLowerCase();
  const mine = (name: string) => [s, `${s}${STAGING_SUFFIX}`, `${s}${REDIRECT_SUFFIX}`].some((x) => name.toLowerCase() === x || name.toLowerCase().startsWith(`${x}/`));
  if (!['delete', 'set', 'clear', 'stop'].includes(v)) return `appcmd ${verb} is not an undo this tool writes`;
  if (!['site', 'apppool', 'vdir', 'app', 'config'].includes(t)) return `appcmd ${verb} ${type} is not an undo this tool writes`;
  if (t === 'apppool') {
    const pool = entry.object.startsWith('pool:') ? entry.object.slice(5) : undefined;
    if (!pool || target.toLowerCase() !== pool) return `it changes the application pool "${target}", which this entry does not name`;
  } else if (t === 'config') {
    const sectionFirst = target.toLowerCase().startsWith('-section:');
    if (!sectionFirst && !mine(target)) return `it changes the configuration of "${target}", not of the site "${site}"`;
    const section = [target, ...rest].find((a) => a.toLowerCase().startsWith('-section:'))?.slice('-section:'.length) ?? '';
    if (!SECTIONS.some((x) => x.toLowerCase() === section.toLowerCase())) return `it changes the section "${section}", which this tool never sets`;
    if (sectionFirst && section.toLowerCase() !== 'system.webserver/fastcgi') return 'it changes a server-wide section other than FastCGI';
  } else if (!mine(target)) return `it changes "${target}", not the site "${site}"`;
  for (const a of t === 'config' && target.toLowerCase().startsWith('-section:') ? [target, ...rest] : rest) {
    if (a.startsWith('-section:')) continue;
    // Collection edits: removals anywhere; additions only of a site binding (restoring an adopted
    // site's); element paths only into the FastCGI entry's own attributes and variables.
    if (a.startsWith('/-')) continue;
    if (a.startsWith('/+')) {
      if (t === 'site' && /^\/\+bindings\.\[protocol='https?',bindingInformation='[^']*'\]$/.test(a)) continue;
      return `the argument "${a}" adds to the configuration, which no undo of this tool does`;
    }
    if (a.startsWith('/[')) {
      if (t === 'config' && /^\/\[fullPath='[^']*',arguments='[^']*'\]\.(environmentVariables\.\[name='[^']*'\]\.value|maxInstances|activityTimeout|requestTimeout):/.test(a)) continue;
      return `the argument "${a}" is not one this tool writes`;
    }
    const m = /^\/([A-Za-z.]+):(.*)$/s.exec(a);
    if (!m) return `the argument "${a}" is not one this tool writes`;
    if (!ATTRS.includes((m[1] ?? '').toLowerCase())) return `it sets ${m[1] ?? ''}, which this tool never sets`;
    if ((m[1] ?? '').toLowerCase() === 'physicalpath') {
      const why = protectedPathReason(m[2] ?? '');
      // An adopted site's previous path may be IIS's own folder (the Default Web Site's wwwroot).
      if (why && !(entry.adopted && why.startsWith("IIS's own folder"))) return `it points a site at ${m[2] ?? ''}, which is ${why}`;
    }
  }
  return undefined;
}

/** The first reason an entry's undo is not one this tool writes, or undefined. */
export function entryProblem(entry: EntryLike, site: string): string | undefined {
  const kind = entry.object.slice(0, entry.object.indexOf(':'));
  if (!(KINDS as readonly string[]).includes(kind)) return `the object "${entry.object}" is not of a kind this tool creates`;
  const objectPath = pathOfObject(entry.object);
  for (const a of entry.undo) {
    if (a.kind === 'exec') {
      const file = a.file.toLowerCase();
      if (file === APPCMD.toLowerCase()) {
        const p = appcmdProblem(a.args, site, entry);
        if (p) return `${a.description}: ${p}`;
      } else if (file === ICACLS.toLowerCase()) {
        const [p = '', op = '', who = '', tree = ''] = a.args;
        if (a.args.length !== 4 || op.toLowerCase() !== '/remove' || tree.toLowerCase() !== '/t' || !/^IIS AppPool\\[^\\:()]+$/i.test(who)) return `${a.description}: icacls ${a.args.join(' ')} is not the removal of a pool's grant`;
        if (kind !== 'grant' || !samePath(p, objectPath)) return `${a.description}: it changes the access to ${p}, which this entry does not name`;
        // Taking the pool's own grant off a Python installed in Program Files is harmless; elsewhere protected is refused.
        const why = protectedPathReason(p);
        if (why && why !== 'inside the Program Files folder') return `${a.description}: ${p} is ${why}`;
      } else if (file === NETSH) {
        // The HTTP.sys binding the entry names, deleted: nothing else.
        const [c = '', v = '', w = '', key = '', ...more] = a.args.map((x) => x.toLowerCase());
        if (kind !== 'sslcert' || c !== 'http' || v !== 'delete' || w !== 'sslcert' || more.length || key !== objectPath.toLowerCase()) return `${a.description}: netsh ${a.args.join(' ')} is not the removal of this entry's certificate binding`;
      } else if (file === POWERSHELL.toLowerCase()) {
        // The certificate the entry names, removed by the tool's own script: nothing else.
        if (kind !== 'cert' || a.args.join('\u0000') !== psArgs(CERT_REMOVE_SCRIPT).join('\u0000') || (a.env?.[THUMBPRINT_ENV] ?? '').toLowerCase() !== objectPath.toLowerCase() || Object.keys(a.env ?? {}).length !== 1)
          return `${a.description}: it runs a PowerShell script other than the removal of this entry's certificate`;
      } else return `${a.description}: it runs ${a.file}, which no undo of this tool runs`;
    } else if (a.kind === 'remove') {
      if (kind !== 'folder' && kind !== 'parent') return `${a.description}: a ${kind} entry never removes a folder`;
      // The folder itself, or (only when empty) a parent the tool created along with it.
      if (!samePath(a.path, objectPath) && !(a.onlyIfEmpty && isInside(objectPath, a.path))) return `${a.description}: it removes ${a.path}, not the folder this entry names (${objectPath})`;
      const why = protectedPathReason(a.path);
      if (why) return `${a.description}: ${a.path} is ${why}`;
    } else if (a.kind === 'writeFile') {
      if (kind !== 'file' || !samePath(a.path, objectPath)) return `${a.description}: it writes ${a.path}, which this entry does not name`;
      // The one file the tool puts back whole: a web.config it cut the handlers out of (settings files get their block back, never a copy).
      if (!/(^|\\)web\.config$/i.test(canonicalWindowsPath(a.path))) return `${a.description}: it writes ${a.path}; the only file this tool puts back whole is a web.config`;
      const why = protectedPathReason(canonicalWindowsPath(a.path).replace(/\\[^\\]*$/, ''));
      if (why) return `${a.description}: ${a.path} is in ${why}`;
    } else if (a.kind === 'editFile' && a.transform === 'remove-django-settings') {
      if (!/\.py$/i.test(a.path)) return `${a.description}: ${a.path} is not a Python settings file`;
      if (kind !== 'file' && kind !== 'folder') return `${a.description}: a ${kind} entry never edits a file`;
      const why = protectedPathReason(canonicalWindowsPath(a.path).replace(/\\[^\\]*$/, ''));
      if (why) return `${a.description}: ${a.path} is in ${why}`;
    } else return `${a.description}: an action of kind "${a.kind}" is never an undo`;
  }
  return undefined;
}
