/**
 * One rule for the paths a project's settings hand the tool (STATIC_ROOT, MEDIA_ROOT, the SQLite
 * database's folder, STATICFILES_DIRS, STATIC_URL): each is taken as Windows resolves it
 * (canonicalWindowsPath: "/" and "\" both separators) and refused when the tool would grant the
 * pool access to it, serve it, collect into it or read it, and it is a protected folder (a drive
 * root, Windows, ProgramData, a profile's root...) or one of the deployment's own (serving the
 * application folder under /static would serve settings.py). A refusal names the setting, its
 * value as Django reported it and what to do.
 */
import type { DeploymentConfig, Derived } from '../../shared/config';
import type { Problem } from '../../shared/problem';
import { isInside, protectedPathReason, samePath, winDirname } from '../../shared/winpath';

export interface ProjectPaths {
  staticRoot: string;
  /** True when STATIC_ROOT came from the project (not the configuration or the default). */
  staticRootFromProject: boolean;
  staticUrl: string;
  staticUrlFromProject: boolean;
  media?: { root: string; url: string };
  sqliteFile?: string;
  staticDirs: { reported: string; path: string }[];
  reported: Record<string, string>;
  /** MEDIA_URL as the project set it, when it is the site's root. */
  mediaUrlAtRoot?: string;
  /** WSGI_APPLICATION as the project set it (it reaches WSGI_HANDLER, or waitress's command line). */
  wsgiApplication?: string | null;
}

/** A dotted Python path (module.attribute): what WSGI_APPLICATION and a settings module are, and nothing else. */
export const DOTTED_PYTHON_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** A URL folder IIS can hold as a virtual directory: "/" then names of letters, digits, "_", "-", "." and "~" (not "." or ".."). */
const URL_FOLDER = /^\/(?:(?!\.{1,2}\/)[A-Za-z0-9_.~-]+\/)+$/;

function shown(reported: string | undefined, path: string): string {
  return reported && reported !== path ? `${reported} (Windows reads it as ${path})` : path;
}

/** The deployment's own folders that a served or writable folder must neither be nor contain. */
function ownFolders(config: DeploymentConfig, d: Derived): [string, string][] {
  return [
    [config.appDir, 'the application folder (appDir)'],
    [config.venvDir, 'the virtual environment (venvDir)'],
    [d.pythonDir, 'the Python installation'],
  ];
}

function clash(p: string, config: DeploymentConfig, d: Derived): string | undefined {
  const why = protectedPathReason(p);
  if (why) return why;
  for (const [own, name] of ownFolders(config, d)) {
    if (samePath(p, own)) return `${name} itself`;
    if (isInside(own, p) && !samePath(own, p)) return `a folder that contains ${name}`;
  }
  return undefined;
}

export function projectPathProblems(config: DeploymentConfig, d: Derived, v: ProjectPaths): Problem[] {
  const out: Problem[] = [];
  const settings = `the project's settings (${d.settingsModule})`;
  if (v.staticRootFromProject) {
    const why = clash(v.staticRoot, config, d);
    if (why)
      out.push({
        what: `STATIC_ROOT in ${settings} is ${shown(v.reported.STATIC_ROOT, v.staticRoot)}, which is ${why}.`,
        why: 'collectstatic would write into that folder, the pool identity would be granted read access to it, and IIS would serve all of it at the static URL.',
        fix: `Set STATIC_ROOT to a folder of its own, e.g. STATIC_ROOT = BASE_DIR / 'staticfiles', or set "staticRoot" in the configuration (e.g. "${config.appDir}\\\\staticfiles"), then run again.`,
      });
  }
  if (v.staticUrlFromProject && !/^https?:\/\//i.test(v.staticUrl) && v.staticUrl.replace(/\/+/g, '/') === '/')
    out.push({
      what: `STATIC_URL in ${settings} is "${v.staticUrl}", the root of the site.`,
      why: 'The /static virtual directory would take the site\'s root: IIS would serve STATIC_ROOT at every URL and Django would answer none.',
      fix: 'Set STATIC_URL to a path of its own such as "/static/", or set "staticUrl" in the configuration, then run again.',
    });
  if (v.wsgiApplication != null && !DOTTED_PYTHON_PATH.test(v.wsgiApplication))
    out.push({
      what: `WSGI_APPLICATION in ${settings} is ${JSON.stringify(v.wsgiApplication)}, which is not a dotted Python path.`,
      why: 'The value becomes the FastCGI application\'s WSGI_HANDLER, or waitress\'s command line in the httpplatform mode: anything but module.attribute could add options there (a second listener on another address, around IIS and its sign-in).',
      fix: `Set WSGI_APPLICATION to the project's application object, e.g. WSGI_APPLICATION = '${d.settingsModule.split('.')[0] ?? 'mysite'}.wsgi.application', then run again.`,
    });
  for (const [name, url, fromProject] of [['STATIC_URL', v.staticUrl, v.staticUrlFromProject], ['MEDIA_URL', v.media?.url, v.media !== undefined]] as const) {
    if (!fromProject || url === undefined || /^https?:\/\//i.test(url) || url.replace(/\/+/g, '/') === '/') continue;
    const folder = url.startsWith('/') ? url : `/${url}`;
    if (!URL_FOLDER.test(folder.endsWith('/') ? folder : `${folder}/`))
      out.push({
        what: `${name} in ${settings} is ${JSON.stringify(url)}, which is not a plain URL folder.`,
        why: `The tool makes it an IIS virtual directory (appcmd and applicationHost.config): only folder names of letters, digits, "_", "-", "." and "~" are taken, never "..", quotes or brackets.`,
        fix: `Set ${name} to a folder such as "/${name === 'STATIC_URL' ? 'static' : 'media'}/", then run again.`,
      });
  }
  if (v.mediaUrlAtRoot !== undefined)
    out.push({
      what: `MEDIA_URL in ${settings} is "${v.mediaUrlAtRoot}", the root of the site.`,
      why: 'A /media virtual directory there would take the site\'s root: IIS would serve MEDIA_ROOT at every URL and Django would answer none.',
      fix: 'Set MEDIA_URL to a path of its own such as "/media/", then run again.',
    });
  if (v.media) {
    const why = clash(v.media.root, config, d) ?? (samePath(v.media.root, v.staticRoot) ? 'the same folder as STATIC_ROOT' : undefined);
    if (why)
      out.push({
        what: `MEDIA_ROOT in ${settings} is ${shown(v.reported.MEDIA_ROOT, v.media.root)}, which is ${why}.`,
        why: `The pool identity would get modify on that folder and IIS would serve all of it at ${v.media.url}.`,
        fix: `Set MEDIA_ROOT to a folder that holds only uploads, e.g. MEDIA_ROOT = BASE_DIR / 'media' or D:\\\\data\\\\media, then run again.`,
      });
  }
  if (v.sqliteFile) {
    const folder = winDirname(v.sqliteFile);
    const own = ownFolders(config, d);
    const why =
      protectedPathReason(folder) ??
      own.filter(([o]) => isInside(o, folder) && !samePath(o, folder)).map(([, name]) => `a folder that contains ${name}`)[0] ??
      own.slice(1).filter(([o]) => isInside(folder, o)).map(([, name]) => `inside ${name}`)[0];
    if (why)
      out.push({
        what: `The SQLite database in ${settings} is ${shown(v.reported.DATABASE_NAME, v.sqliteFile)}: its folder ${folder} is ${why}.`,
        why: 'SQLite writes its journal beside the database file, so the pool identity would be granted modify on that whole folder.',
        fix: `Put the database in a folder of its own, e.g. NAME = BASE_DIR / 'db.sqlite3' (inside ${config.appDir}) or D:\\\\data\\\\app\\\\db.sqlite3, then run again.`,
      });
  }
  for (const dir of v.staticDirs) {
    const why = protectedPathReason(dir.path);
    if (why)
      out.push({
        what: `STATICFILES_DIRS in ${settings} lists ${shown(dir.reported, dir.path)}, which is ${why}.`,
        why: 'collectstatic copies every file of each STATICFILES_DIRS folder into STATIC_ROOT, which IIS serves to anyone.',
        fix: 'List only the project\'s own static folders in STATICFILES_DIRS (e.g. BASE_DIR / "assets"), then run again.',
      });
  }
  return out;
}
