/**
 * Ownership: the tool changes or removes only what it created, proven by its journal. One
 * journal per deployment, keyed by site name (C:\ProgramData\DjangoIISSetup\deployments\<site>.json),
 * never written by another deployment. Each object is journaled *before* the action that
 * creates it runs, so a run that fails or is killed half-way still knows what it made.
 *
 * An object that already exists and is in no journal of this deployment (a site, pool, FastCGI
 * application or folder made by hand or by another tool) is a conflict: the plan names it and
 * what differs, and nothing runs, unless the configuration says to adopt it. An adopted object's
 * previous state is journaled so uninstall restores it instead of deleting it.
 */
import type { Adoptable, DeploymentConfig, Derived } from '../../shared/config';
import type { Action, Conflict } from '../../shared/plan';
import type { StepId } from '../../shared/steps';
import { isInside, samePath } from '../../shared/winpath';
import { APPCMD, TOOL_DATA_DIR, appcmd, bindingInfo, fastCgiIdentity } from './commands';
import type { Host } from './host';
import { findFastCgiApp, parseFastCgiApps, parsePool, parseSite } from './parsers';
import { exec } from './step';
import { entryProblem } from './journal-check';
import { ensureToolDataSecured } from './tool-data';

export const DEPLOYMENTS_DIR = `${TOOL_DATA_DIR}\\deployments`;

export interface JournalEntry {
  /** e.g. "site:foo", "folder:c:\apps\foo", "fastcgi:c:\venv\scripts\python.exe|...", "grant:c:\python313|foo" */
  object: string;
  stepId: StepId | 'adopt';
  at: string;
  /** True when the object existed before and was taken over (undo restores it). */
  adopted?: boolean;
  /** The run that created it (rollback undoes one run's entries). */
  runId?: string;
  undo: Action[];
}

/** A run that changed the server: its IIS configuration backup and the configuration as it left it. */
export interface RunRecord {
  runId: string;
  startedAt: string;
  /** appcmd backup taken before the run's first change to the IIS configuration. */
  backup?: string;
  /** sha256 of applicationHost.config after the run's last appcmd command. */
  configHash?: string;
  /** Entries the run removed from the journal (objects the configuration no longer wanted). */
  forgotten?: JournalEntry[];
  /** How the run ended (absent: it was killed, or made by an older version). */
  outcome?: RunOutcome;
  finishedAt?: string;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'refused' | 'no-change' | 'rolled-back';

/** The newest run of the deployment of any kind, also one that changed nothing (rollback never reaches past it). */
export interface LatestRun {
  runId: string;
  at: string;
  outcome: RunOutcome;
}

export interface Journal {
  version: 2;
  siteName: string;
  entries: JournalEntry[];
  runs?: RunRecord[];
  latest?: LatestRun;
}

export class JournalError extends Error {}

/** The deployment's journal file: one per site name (case-insensitive, as IIS compares names). */
export function journalPath(siteName: string): string {
  const safe = [...siteName.toLowerCase()].map((ch) => (/[a-z0-9_.-]/.test(ch) ? ch : `%${ch.codePointAt(0)?.toString(16) ?? ''}`)).join('');
  return `${DEPLOYMENTS_DIR}\\${safe}.json`;
}

/**
 * The data an uninstall kept (the releases' root holding only its shared folder), recorded in the
 * tool's own folder so that applying the deployment again takes that root up instead of calling it
 * someone else's. Read as untrusted: it counts only for the same site, the same root, and a root
 * that holds nothing but "shared".
 */
export function keptDataPath(siteName: string): string {
  return journalPath(siteName).replace(/\.json$/, '.kept-data.json');
}

export async function keptDataRoot(host: Host, siteName: string, root: string): Promise<boolean> {
  const file = keptDataPath(siteName);
  if (!(await host.exists(file))) return false;
  try {
    const k = JSON.parse(await host.readFile(file)) as { siteName?: unknown; root?: unknown; shared?: unknown };
    if (typeof k.root !== 'string' || typeof k.shared !== 'string' || typeof k.siteName !== 'string' || k.siteName.toLowerCase() !== siteName.toLowerCase()) return false;
    if (!samePath(k.root, root) || !samePath(k.shared, `${root}\\shared`)) return false;
    const names = await host.readDir(root).catch(() => [] as string[]);
    return names.every((n) => n.toLowerCase() === 'shared');
  } catch {
    return false;
  }
}

export async function readJournal(host: Host, siteName: string): Promise<Journal> {
  const file = journalPath(siteName);
  if (!(await host.exists(file))) return { version: 2, siteName, entries: [] };
  let j: unknown;
  try {
    j = JSON.parse(await host.readFile(file));
  } catch (e) {
    throw new JournalError(`The journal ${file} is damaged (${e instanceof Error ? e.message : String(e)}). It records what this tool created for the site "${siteName}"; without it the tool cannot tell its objects from others. Restore the file from a backup, or remove what the deployment created by hand and delete the file.`);
  }
  const ok = typeof j === 'object' && j !== null && (j as Journal).version === 2 && Array.isArray((j as Journal).entries) && (j as Journal).entries.every((e) => typeof e?.object === 'string' && Array.isArray(e.undo));
  if (!ok) throw new JournalError(`The journal ${file} is not a journal this version of the tool wrote. Restore it from a backup, or remove what the deployment created by hand and delete the file.`);
  const journal = j as Journal;
  // Data the engine checks, never commands it runs as they are (journal-check.ts).
  const bad: string[] = [];
  if (typeof journal.siteName !== 'string' || journal.siteName.toLowerCase() !== siteName.toLowerCase()) bad.push(`it names the site "${String(journal.siteName)}", but the file is the journal of "${siteName}"`);
  for (const e of journal.entries) {
    const p = entryProblem(e, siteName);
    if (p) bad.push(`entry ${e.object}: ${p}`);
  }
  for (const r of journal.runs ?? []) for (const e of r.forgotten ?? []) {
    const p = entryProblem(e, siteName);
    if (p) bad.push(`entry ${e.object} (kept by run ${r.runId}): ${p}`);
  }
  if (bad.length)
    throw new JournalError(
      `The journal ${file} holds what this tool never writes, so none of it is run:\n${bad.slice(0, 10).map((b) => `  - ${b}`).join('\n')}${bad.length > 10 ? `\n  - and ${bad.length - 10} more` : ''}\nSomeone or something changed the file. Check who can write to ${DEPLOYMENTS_DIR} (the tool gives only SYSTEM and Administrators access to its folder), remove what the deployment created by hand if needed, and delete the file.`,
    );
  return journal;
}

/** Writes the journal atomically (the host writes to a temporary file and renames it). */
export async function writeJournal(host: Host, j: Journal): Promise<void> {
  await ensureToolDataSecured(host);
  await host.mkdir(DEPLOYMENTS_DIR);
  await host.writeFile(journalPath(j.siteName), JSON.stringify(j, null, 2));
}

export const objectKey = {
  site: (name: string) => `site:${name.toLowerCase()}`,
  pool: (name: string) => `pool:${name.toLowerCase()}`,
  fastCgi: (d: Derived) => `fastcgi:${fastCgiIdentity(d).scriptProcessor.toLowerCase()}`,
  folder: (p: string) => `folder:${p.toLowerCase()}`,
  handler: (configPath: string) => `handler:${configPath.toLowerCase()}`,
  vdir: (configPath: string) => `vdir:${configPath.toLowerCase()}`,
  /** A parent folder a deployment created that outlived the object it was made for (removed when empty). */
  parent: (p: string) => `parent:${p.toLowerCase()}`,
  /** The Django handler removed at a URL path (the static and media virtual directories). */
  handlersAt: (configPath: string) => `handlers:${configPath.toLowerCase()}`,
  /** The site's system.webServer/httpPlatform settings (server "httpplatform"). */
  httpPlatform: (site: string) => `httpplatform:${site.toLowerCase()}`,
  grant: (p: string, pool: string) => `grant:${p.toLowerCase()}|${pool.toLowerCase()}`,
};

export function owns(j: Journal, object: string): JournalEntry | undefined {
  return j.entries.find((e) => e.object === object);
}

export interface Ownership {
  conflicts: Conflict[];
  /** Entries to journal before the run's first change: objects the configuration adopts. */
  adoptions: JournalEntry[];
}

/** Lists the objects of all other deployments' journals that hold a path (to name them in conflicts). */
async function otherDeploymentHolding(host: Host, siteName: string, object: string): Promise<string | undefined> {
  const others = await host.readDir(DEPLOYMENTS_DIR).catch(() => [] as string[]);
  for (const f of others) {
    if (!f.endsWith('.json') || `${DEPLOYMENTS_DIR}\\${f}`.toLowerCase() === journalPath(siteName).toLowerCase()) continue;
    try {
      const j = JSON.parse(await host.readFile(`${DEPLOYMENTS_DIR}\\${f}`)) as Journal;
      if (j.entries.some((e) => e.object === object)) return j.siteName;
    } catch {
      /* a damaged journal of another deployment is that deployment's problem */
    }
  }
  return undefined;
}

/**
 * Finds what exists on the server under this deployment's names and is not this deployment's.
 * Read-only: a few appcmd reads and folder listings.
 */
export async function checkOwnership(config: DeploymentConfig, d: Derived, host: Host, j: Journal, project?: { staticRoot: string }): Promise<Ownership> {
  const conflicts: Conflict[] = [];
  const adoptions: JournalEntry[] = [];
  const at = new Date().toISOString();
  const adopt = (k: Adoptable) => config.adopt.includes(k);
  const foreign = async (kind: Adoptable, object: string, what: string, differs: string[], undo: () => Action[]) => {
    if (owns(j, object)) return;
    if (adopt(kind)) {
      adoptions.push({ object, stepId: 'adopt', at, adopted: true, undo: undo() });
      return;
    }
    const other = await otherDeploymentHolding(host, config.siteName, object);
    conflicts.push({
      kind,
      object,
      what: `${what} already exists${other ? `; it belongs to the deployment of the site "${other}"` : ' and was not created by this tool'}.`,
      differs,
      fix: other
        ? `Choose another ${kind === 'site' ? 'siteName' : kind} for this deployment, or uninstall the deployment of "${other}" first.`
        : `Choose another ${kind === 'site' ? 'siteName' : kind === 'appPool' ? 'appPool' : kind === 'fastCgi' ? 'venvDir' : kind} in the configuration, or, to take it over, add "adopt": ["${kind}"]: the tool then changes it to match and uninstall restores it as it is now.`,
    });
  };

  if (await host.exists(APPCMD)) {
    // The three reads at once (appcmd only reads here).
    const [sr, pr, fr] = await Promise.all([host.exec(APPCMD, appcmd.listSite(config.siteName)), host.exec(APPCMD, appcmd.listPool(d.appPool)), host.exec(APPCMD, appcmd.listFastCgi())]);
    const site = sr.exitCode === 0 ? parseSite(sr.stdout) : undefined;
    if (site) {
      const root = site.apps.find((a) => a.path === '/');
      const path = root?.vdirs.find((v) => v.path === '/')?.physicalPath ?? '';
      const pool = root?.applicationPool ?? '';
      const http = site.bindings.filter((b) => b.protocol === 'http').map((b) => b.bindingInformation);
      const differs: string[] = [];
      if (!http.some((b) => b.toLowerCase() === bindingInfo(config).toLowerCase())) differs.push(`bindings: ${site.bindings.map((b) => `${b.protocol}/${b.bindingInformation}`).join(', ') || '(none)'}; the configuration wants http/${bindingInfo(config)}`);
      if (!samePath(path, config.appDir)) differs.push(`physical path: ${path || '(none)'}; the configuration wants ${config.appDir}`);
      if (pool.toLowerCase() !== d.appPool.toLowerCase()) differs.push(`application pool: ${pool || '(none)'}; the configuration wants ${d.appPool}`);
      await foreign('site', objectKey.site(config.siteName), `The IIS site "${site.name}"`, differs, () => {
        // Restore what the site was: its http bindings, physical path, pool and state.
        const undo: Action[] = [];
        const want = bindingInfo(config);
        if (!http.some((b) => b.toLowerCase() === want.toLowerCase())) undo.push(exec(`Remove the binding http/${want} added to "${site.name}"`, APPCMD, appcmd.removeBinding(config, want), { okExitCodes: [0, 1168, 4312] }));
        for (const b of http) if (b.toLowerCase() !== want.toLowerCase()) undo.push(exec(`Restore the binding http/${b} of "${site.name}"`, APPCMD, appcmd.addBinding({ ...config, port: Number(b.split(':')[1]), hostName: b.split(':').slice(2).join(':') }), { okExitCodes: [0, 183] }));
        if (path) undo.push(exec(`Restore the physical path of "${site.name}" to ${path}`, APPCMD, ['set', 'vdir', `${config.siteName}/`, `/physicalPath:${path}`]));
        // No applicationPool attribute: the site used IIS's applicationDefaults (DefaultAppPool on a standard install).
        const previousPool = pool || 'DefaultAppPool';
        undo.push(exec(`Put "${site.name}" back in the pool "${previousPool}"`, APPCMD, ['set', 'app', `${config.siteName}/`, `/applicationPool:${previousPool}`]));
        if (site.state.toLowerCase() === 'stopped') undo.push(exec(`Stop "${site.name}" again`, APPCMD, ['stop', 'site', config.siteName]));
        return undo;
      });
    }
    const pool = pr.exitCode === 0 ? parsePool(pr.stdout) : undefined;
    if (pool) {
      const differs = pool.managedRuntimeVersion !== '' ? [`.NET CLR version: ${pool.managedRuntimeVersion}; the configuration wants No Managed Code`] : [];
      await foreign('appPool', objectKey.pool(d.appPool), `The application pool "${pool.name}"`, differs, () =>
        pool.managedRuntimeVersion !== '' ? [exec(`Restore the .NET CLR version ${pool.managedRuntimeVersion} of the pool "${pool.name}"`, APPCMD, ['set', 'apppool', d.appPool, `/managedRuntimeVersion:${pool.managedRuntimeVersion}`])] : [],
      );
    }
    const id = fastCgiIdentity(d);
    const app = fr.exitCode === 0 ? findFastCgiApp(parseFastCgiApps(fr.stdout), id) : undefined;
    if (app) {
      await foreign('fastCgi', objectKey.fastCgi(d), `The FastCGI application ${id.scriptProcessor}`, Object.entries(app.env).map(([k, v]) => `environment ${k}=${v}`), () => {
        // Restore the attributes and environment variables the deployment converges.
        const undo: Action[] = [];
        for (const k of ['maxInstances', 'activityTimeout', 'requestTimeout'] as const) if (app.attrs[k] !== undefined) undo.push(exec(`Restore ${k}=${app.attrs[k]} of the FastCGI application`, APPCMD, appcmd.setFastCgiAttr(d, k, app.attrs[k] ?? '')));
        const wanted = ['DJANGO_SETTINGS_MODULE', 'PYTHONPATH', 'WSGI_HANDLER', ...(d.wsgiLog ? ['WSGI_LOG'] : []), ...Object.keys(config.environment), ...(config.secretKey ? [config.secretKey.env] : [])];
        for (const k of new Set(wanted)) {
          const prev = Object.entries(app.env).find(([n]) => n.toLowerCase() === k.toLowerCase());
          if (prev) undo.push(exec(`Restore ${prev[0]} of the FastCGI application`, APPCMD, appcmd.setFastCgiEnv(d, prev[0], prev[1])));
          else undo.push(exec(`Remove ${k} from the FastCGI application`, APPCMD, appcmd.removeFastCgiEnv(d, k), { okExitCodes: [0, 1168, 4312] }));
        }
        return undo;
      });
    }
  }

  // STATIC_ROOT as the project sets it when it is known (an existing folder of someone else's is a conflict, never collected into).
  const staticRoot = project?.staticRoot ?? d.staticRoot;
  // A release's folder is <root>\releases\<n>: the root is the application folder the configuration
  // names, ours when the journal holds a folder inside it (an earlier release), else it must not exist.
  const root = config.layout?.root ?? config.appDir;
  const rootOwned = !samePath(root, config.appDir) && (j.entries.some((e) => e.object.startsWith('folder:') && isInside(e.object.slice('folder:'.length), root)) || (await keptDataRoot(host, config.siteName, root)));
  const folders: [Adoptable, string][] = [
    ...(rootOwned ? [] : [['appDir', root] as [Adoptable, string]]),
    ['venvDir', config.venvDir],
    ...(isInside(staticRoot, config.appDir) ? [] : [['staticRoot', staticRoot] as [Adoptable, string]]),
  ];
  for (const [kind, p] of folders) {
    if (!(await host.exists(p))) continue;
    const entries = await host.readDir(p).catch(() => [] as string[]);
    await foreign(kind, objectKey.folder(p), `The folder ${p}${entries.length === 0 ? ' (empty)' : ` (${entries.length} item${entries.length === 1 ? '' : 's'}: ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`}`, [], () =>
      kind === 'appDir' ? [{ kind: 'editFile', description: `Remove the managed block from ${d.settingsFile}`, path: d.settingsFile, transform: 'remove-django-settings' }] : [],
    );
  }
  return { conflicts, adoptions };
}

export function formatConflicts(conflicts: Conflict[]): string {
  return conflicts.map((c) => [`  - ${c.what}`, ...c.differs.map((x) => `      differs: ${x}`), `      What to do: ${c.fix}`].join('\n')).join('\n');
}
