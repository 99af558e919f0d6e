/**
 * Releases (windows-iis.md §12): a project from a folder or a zip is deployed as numbered
 * releases, side by side, never in place. <appDir>\releases\<n> holds release n's code (the
 * site's physical path while it is live); <appDir>\shared holds what every release keeps (the
 * SQLite database, MEDIA_ROOT, the logs) at one path every release's settings name (the managed
 * block), so no two releases open one database through two paths. A release whose requirements
 * and Python are the previous one's uses its venv (a code-only release installs nothing); else a
 * venv of its own, <venvDir>-<n>. Each has a FastCGI application of its own (fastCgiIdentity).
 *
 * This module decides, before anything is planned, which release the run is about: the live one
 * (the source is unchanged), a new one (it changed: "release 3 will replace release 2"), or one
 * to go back to, and gives the steps the configuration of that release. The guide's sample is
 * deployed in place, as before, and so is server "httpplatform" (its switch is not built yet).
 */
import { breaking, verdictLine } from '../migration-check';
import { reversalDrops } from '../../../shared/migration-verdict';
import { DEFAULT_PYTHON_VERSION, derive, type DeploymentConfig, type Derived } from '../../../shared/config';
import type { ReleaseSummary } from '../../../shared/plan';
import { isInside, samePath, winJoin } from '../../../shared/winpath';
import { managePy } from '../commands';
import type { Host } from '../host';
import { objectKey, owns, readJournal, type Journal } from '../ownership';
import { canonicalName } from '../requirements';
import { readRequirementsFile } from '../requirements-read';
import { resolveConfig, type Resolved } from '../resolve';
import { RefusedError } from '../refusal';
import { addedMigrations, diffManifests, entryOf, folderManifest, ignored, manifestHash, zipManifest, type Manifest } from './manifest';
import { removeSettingsBlock } from '../settings-edit';
import type { ReleaseContext } from '../../../shared/release';
import { liveRelease, previousRelease, readRegistry, readServingRegistry, type ReleaseRecord, type ReleaseRegistry } from './registry';

export type { ReleaseContext } from '../../../shared/release';

/**
 * go-back's choices when the leaving release's migrations break the release gone back to (Django's
 * verdicts): restoreBackup (the backup from before them), reverseMigrations (Django's own migrate
 * <app> <before>, in a maintenance window after a fresh backup), keepMigrations (the schema stays).
 */
export type ReleaseTarget = { kind: 'source' } | { kind: 'live' } | { kind: 'back'; to?: string; restoreBackup?: boolean; reverseMigrations?: boolean; keepMigrations?: boolean };

export interface ResolvedDeployment {
  resolved: Resolved;
  /** The configuration of the release the run is about (appDir = its folder). */
  config: DeploymentConfig;
  release?: ReleaseContext;
}

/** Whether a configuration deploys releases (a folder or zip, wfastcgi) rather than in place. */
export function usesReleases(c: DeploymentConfig): boolean {
  return !('sample' in c.djangoProject) && c.server === 'wfastcgi';
}

export function stagingPortOf(c: DeploymentConfig): number {
  return c.stagingPort ?? (c.port + 10000 <= 65535 ? c.port + 10000 : c.port - 10000);
}

/** The configuration of one release. */
export function releaseConfig(c: DeploymentConfig, r: Pick<ReleaseRecord, 'number' | 'dir' | 'venvDir' | 'legacy'>, shared: string): DeploymentConfig {
  if (r.legacy) return { ...c, layout: { number: 0, root: c.appDir, shared } };
  return {
    ...c,
    appDir: r.dir,
    venvDir: r.venvDir,
    ...(c.staticRoot ? { staticRoot: winJoin(c.staticRoot, String(r.number)) } : {}),
    layout: { number: r.number, root: c.appDir, shared },
  };
}

/** The live release as a step context of its own (its folder, venv and derived values): what runs with its code, its venv or its FastCGI application. */
export function liveReleaseContext<C extends { config: DeploymentConfig; d: Derived; release?: ReleaseContext }>(ctx: C): C | undefined {
  const r = ctx.release;
  if (!r?.live) return undefined;
  const config = releaseConfig(r.base, r.live, r.summary.shared);
  return { ...ctx, config, d: derive(config) };
}

/** The requirement lines of a configuration, normalized (name, extras, specifier, marker), includes followed. */
export async function requirementLines(host: Host, c: DeploymentConfig, pythonVersion: string): Promise<string[]> {
  if (!c.requirementsFile || !(await host.exists(c.requirementsFile))) return [];
  const read = await readRequirementsFile(host, c, c.requirementsFile, pythonVersion);
  return [...new Set(read.reqs.map((r) => `${canonicalName(r.name)}${r.extras.length ? `[${[...r.extras].sort().join(',')}]` : ''}${r.specifier.replace(/\s+/g, '')}${r.marker ? `; ${r.marker.trim()}` : ''}`))].sort();
}

function requirementsDiff(from: string[], to: string[]): NonNullable<ReleaseSummary['requirements']> {
  const name = (l: string) => /^[^[<>=!~;\s]+/.exec(l)?.[0] ?? l;
  const a = new Map(from.map((l) => [name(l), l]));
  const b = new Map(to.map((l) => [name(l), l]));
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).map((k) => b.get(k) as string),
    removed: [...a.keys()].filter((k) => !b.has(k)).map((k) => a.get(k) as string),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).map((k) => `${a.get(k) as string} → ${b.get(k) as string}`),
  };
}

async function sourceManifest(host: Host, c: DeploymentConfig, dataParts: string[]): Promise<Manifest | undefined> {
  const src = c.djangoProject;
  if ('folder' in src) return (await host.exists(src.folder)) ? folderManifest(host, src.folder, dataParts) : undefined;
  if ('zip' in src) {
    if (!(await host.exists(src.zip))) return undefined;
    try {
      return zipManifest(await host.readBytes(src.zip), dataParts);
    } catch (e) {
      throw new RefusedError([{ what: `djangoProject.zip ${src.zip} cannot be read: ${e instanceof Error ? e.message : String(e)}.`, why: 'The release is compared with the live one by the zip\'s contents before anything changes.', fix: 'Hand over the project as a .zip made by a zip tool (or GitHub\'s "Download ZIP"), or as a folder.' }]);
    }
  }
  return undefined;
}

async function labelOf(host: Host, c: DeploymentConfig, hash: string): Promise<string> {
  if (c.release) return c.release;
  const src = c.djangoProject;
  if ('folder' in src) {
    const f = winJoin(src.folder, 'VERSION');
    const v = (await host.exists(f)) ? (await host.readFile(f)).trim().split(/\r?\n/)[0]?.trim() : undefined;
    if (v && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(v)) return v;
  }
  return hash;
}

/**
 * The release history read as untrusted: every path in it is this deployment's by the one rule
 * (its journal holds it, or it is where this configuration puts it): the root is appDir (or holds
 * a journaled release), shared is <root>\\shared, a release folder <root>\\releases\\<n> or
 * journaled, a venv journaled or <venvDir>[-<n>], a database backup inside <shared>\\backups.
 */
export function registryPathProblems(reg: ReleaseRegistry, c: DeploymentConfig, journal: Journal): string[] {
  const out: string[] = [];
  const mine = (p: string) => owns(journal, objectKey.folder(p)) !== undefined;
  const rootHeld = samePath(reg.root, c.appDir) || journal.entries.some((e) => e.object.startsWith('folder:') && isInside(e.object.slice('folder:'.length), reg.root));
  if (!rootHeld) out.push(`root ${reg.root} is neither appDir (${c.appDir}) nor a folder holding one of its releases`);
  // A moved deployment keeps its data where it was: <old root>\\shared, the old root known by the releases it journaled there.
  const roots = [reg.root, ...journal.entries.map((e) => /^folder:(.*)\\releases\\\d+$/i.exec(e.object)?.[1]).filter((x): x is string => x !== undefined)];
  if (!roots.some((r) => samePath(reg.shared, winJoin(r, 'shared')) || samePath(reg.shared, r))) out.push(`shared ${reg.shared} is not ${winJoin(reg.root, 'shared')}`);
  for (const r of reg.releases) {
    if (!r.legacy && !samePath(r.dir, winJoin(reg.root, 'releases', String(r.number))) && !mine(r.dir)) out.push(`release ${r.number}'s folder ${r.dir} is not ${winJoin(reg.root, 'releases', String(r.number))}`);
    if (!mine(r.venvDir) && !inVenvFamily(r.venvDir, c.venvDir)) out.push(`release ${r.number}'s venv ${r.venvDir} is neither journaled nor venvDir (${c.venvDir}) or one beside it`);
    if (r.backup !== undefined && !(isInside(r.backup, winJoin(reg.shared, 'backups')) && !samePath(r.backup, winJoin(reg.shared, 'backups')))) out.push(`release ${r.number}'s database backup ${r.backup} is not in ${winJoin(reg.shared, 'backups')}`);
  }
  return out;
}

/** A deployment made before releases (in place in appDir, journaled by this tool): release 0. */
async function legacyRelease(host: Host, c: DeploymentConfig): Promise<ReleaseRecord | undefined> {
  const journal = await readJournal(host, c.siteName);
  // Made by this tool in place, or a folder the configuration adopts as it is (copied by hand).
  const mine = owns(journal, objectKey.folder(c.appDir)) || c.adopt.includes('appDir');
  if (!mine || !(await host.exists(managePy(c)))) return undefined;
  return { number: 0, label: 'before releases', hash: '', dir: c.appDir, venvDir: c.venvDir, pythonVersion: c.pythonVersion ?? '', requirements: [], files: {}, dataParts: [], createdAt: '', by: '', state: 'live', verified: true, legacy: true };
}

const whoRuns = (host: Host) => {
  const user = host.env('USERNAME');
  const domain = host.env('USERDOMAIN');
  return user ? (domain ? `${domain}\\${user}` : user) : 'unknown';
};

/** The configuration resolved (resolve.ts), then the release the run is about. */
export async function resolveDeployment(input: DeploymentConfig, host: Host, target: ReleaseTarget = { kind: 'source' }): Promise<ResolvedDeployment> {
  const resolved = await resolveConfig(input, host);
  const c = resolved.config;
  if (!usesReleases(c)) {
    if (target.kind === 'back') throw new RefusedError([{ what: 'This deployment has no releases to go back to.', why: `Releases are kept for a project from a folder or a zip with server "wfastcgi"; this one is ${'sample' in c.djangoProject ? 'the guide\'s sample' : `served by "${c.server}"`} and is deployed in place.`, fix: 'Use "rollback" to undo a failed run, or deploy the previous version again.' }]);
    if (!('sample' in c.djangoProject) && (await readRegistry(host, c.siteName)))
      throw new RefusedError([{ what: `"${c.siteName}" keeps releases (server "wfastcgi"); server "${c.server}" deploys in place.`, why: 'Going from releases to an in-place deployment would leave the live release, its data folder and its history behind; the switch between the two layouts is not built.', fix: `Keep "server": "wfastcgi", or uninstall "${c.siteName}" first (its data is kept) and apply again.` }]);
    return { resolved, config: c };
  }
  // What serves decides which release is live (a switch whose record a killed tool never wrote).
  const registry = await readServingRegistry(host, c.siteName);
  if (registry) {
    const bad = registryPathProblems(registry, c, await readJournal(host, c.siteName));
    if (bad.length)
      throw new RefusedError([{
        what: `The release history of "${c.siteName}" names folders that are not this deployment's: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? `; and ${bad.length - 5} more` : ''}.`,
        why: 'The tool would create, grant, copy over or restore into what the history names. It writes only its own folders there, so someone or something changed the file; none of it is used.',
        fix: `Check who can write to C:\\ProgramData\\DjangoIISSetup (SYSTEM and Administrators only), then restore the release history from a backup, or delete it (the live folder is then taken as a deployment made before releases).`,
      }]);
  }
  const live = liveRelease(registry) ?? (registry ? undefined : await legacyRelease(host, c));
  const shared = registry?.shared ?? (live?.legacy ? c.appDir : winJoin(c.appDir, 'shared'));
  const stagingPort = stagingPortOf(c);
  const base = { registry, live, stagingPort, base: c } as const;
  const back = target.kind === 'back' ? pickBack(registry, live, target.to) : undefined;
  if (back) {
    const summary = summaryOf('go-back', back, live, shared);
    const restore = live?.migrations?.length && live.backup ? live.backup : undefined;
    if (live?.migrations?.length) {
      summary.notes.push(goBackMigrationsNote(live, back));
      // The backup's own time (its file), not when the release went live: rows written in between are lost too.
      const taken = restore ? await host.stat(restore) : undefined;
      if (restore && !taken && target.kind === 'back' && target.restoreBackup)
        throw new RefusedError([{ what: `The database backup ${restore} is not there: nothing can be restored.`, why: `Release ${live.number}'s history names it as the copy taken before its migrations; the file is gone (deleted by hand, or the data folder was replaced).`, fix: `Go back without --restore-backup, or restore the database from a backup of your own into ${shared}.` }]);
      const at = taken ? new Date(taken.mtimeMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : undefined;
      summary.notes.push(restore ? `the database backup taken before them is ${restore} (taken ${at ?? 'at a time unknown: the file is missing'}): ${target.kind === 'back' && target.restoreBackup ? 'it WILL be restored: every row written since it was taken is lost (the current database is copied to the backups folder first)' : 'go-back --restore-backup puts it back, losing every row written since it was taken'}` : 'no backup was taken before them (not SQLite): restore the database yourself if release ' + String(back.number) + ' needs the old schema');
    }
    const reverse = live && target.kind === 'back' ? goBackChoice(live, back, target, shared, summary) : undefined;
    return withRelease(resolved, c, shared, { ...base, target: back, summary, ...(restore && target.kind === 'back' && target.restoreBackup ? { restoreBackup: restore } : {}), ...(reverse ? { reverseMigrations: reverse } : {}) });
  }
  if (target.kind === 'live' && live) return withRelease(resolved, c, shared, { ...base, target: live, summary: summaryOf('current', live, live, shared) });
  const dataParts = live?.legacy ? [] : (live?.dataParts ?? []);
  const files = await sourceManifest(host, c, dataParts);
  if (!files) return withRelease(resolved, c, shared, { ...base, target: live ?? newRecord(c, 1, 'unknown', '', {}, [], c.venvDir, whoRuns(host)), summary: summaryOf(live ? 'current' : 'first', live, live, shared) });
  const hash = manifestHash(files);
  const legacy = live?.legacy ? await legacyFiles(host, c, files) : undefined;
  const liveFiles = legacy ? legacy.live : live?.files;
  const compared = legacy ? legacy.source : files;
  const pythonVersion = c.pythonVersion ?? DEFAULT_PYTHON_VERSION;
  const requirements = await requirementLines(host, c, pythonVersion);
  // The live release is the one to keep when its code, its requirements and Python, and where the
  // configuration puts it (appDir, venvDir) are all the same; any difference makes a new release.
  const placed = live !== undefined && (live.legacy ? samePath(live.dir, c.appDir) && samePath(live.venvDir, c.venvDir) : isInside(live.dir, c.appDir) && inVenvFamily(live.venvDir, c.venvDir));
  const sameEnv = live !== undefined && (live.legacy || (live.pythonVersion === pythonVersion && sameLines(live.requirements, requirements)));
  // The live folder itself is compared with what was deployed into it: a file changed there by hand
  // (a new version copied over it) is drift, and a new release is made from the source instead.
  const same = live !== undefined && liveFiles !== undefined && placed && sameEnv && manifestHash(liveFiles) === manifestHash(compared) && (await host.exists(live.dir));
  const drift = same && live && !live.legacy ? await liveDrift(host, c, live) : [];
  if (same && live && !drift.length) return withRelease(resolved, c, shared, { ...base, target: live, summary: summaryOf('current', live, live, shared) });
  // A release staged (or failed) earlier with the same content and placement is taken up again: a killed or failed update re-runs.
  const again = registry?.releases.find((r) => r.state !== 'live' && !r.legacy && isInside(r.dir, c.appDir) && inVenvFamily(r.venvDir, c.venvDir) && sameLines(r.requirements, requirements) && r.hash === manifestHash(Object.fromEntries(Object.entries(files).filter(([k]) => !ignored(k, r.dataParts)))));
  const number = again?.number ?? Math.max(0, ...(registry?.releases.map((r) => r.number) ?? [])) + 1;
  const reuseVenv = live && !live.legacy && placed && sameEnv ? live.venvDir : undefined;
  const venvDir = again?.venvDir ?? reuseVenv ?? (number === 1 && !live ? c.venvDir : `${c.venvDir}-${number}`);
  const label = await labelOf(host, c, hash);
  const record = newRecord(c, number, label, hash, files, requirements, venvDir, whoRuns(host), dataParts);
  const summary = summaryOf(live ? 'update' : 'first', record, live, shared);
  if (!live) {
    // A redeploy onto kept data (uninstall keeps the shared folder): said, since its database is used as it is.
    const kept = (await host.readDir(shared).catch(() => [] as string[])).filter((n) => n.toLowerCase() !== 'backups');
    if (kept.length) summary.notes.push(`the shared folder ${shared} is there from an earlier deployment (${kept.slice(0, 6).join(', ')}): its database and media are used as they are (migrations run on that database; nothing of it is replaced), and the source's own database, if it has one, is not copied in`);
  }
  if (live && drift.length) {
    summary.drift = drift;
    summary.notes.push(`release ${live.number}'s folder ${live.dir} was changed on the server since it was deployed (${drift.length} file${drift.length === 1 ? '' : 's'}: ${drift.slice(0, 6).join(', ')}${drift.length > 6 ? ', ...' : ''}): release ${number} is made from the source instead of trusting that folder, which is kept as it is`);
  }
  if (live && liveFiles) {
    const diff = diffManifests(liveFiles, compared);
    summary.files = { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, examples: [...diff.changed, ...diff.added, ...diff.removed.map((f) => `${f} (removed)`)].slice(0, 6) };
    summary.newMigrations = addedMigrations(diff);
    summary.requirements = live.legacy ? undefined : requirementsDiff(live.requirements, requirements);
    summary.packages = reuseVenv ? 'reused' : 'installed';
  }
  return withRelease(resolved, c, shared, { ...base, target: record, summary });
}

/**
 * The files of a live release's folder that differ from what was deployed into it (added, changed,
 * removed; data and bytecode left out), the tool's own settings block set aside.
 */
async function liveDrift(host: Host, c: DeploymentConfig, live: ReleaseRecord): Promise<string[]> {
  const disk = await folderManifest(host, live.dir, live.dataParts);
  // The folder as the tool left it after its last successful run; a history from before that was kept compares with the source's files.
  if (live.placed) {
    const d = diffManifests(live.placed, disk);
    return [...d.changed, ...d.added.map((f) => `${f} (added)`), ...d.removed.map((f) => `${f} (removed)`)];
  }
  const diff = diffManifests(live.files, disk);
  const settingsRel = `${derive(c).settingsModule.replace(/\./g, '/')}.py`.toLowerCase();
  const changed: string[] = [];
  for (const f of diff.changed) {
    if (f.toLowerCase() === settingsRel) {
      // The settings file holds the managed block the deployment added: without it, it must be the file deployed.
      const text = removeSettingsBlock(await host.readFile(winJoin(live.dir, ...f.split('/'))));
      if ([text, text.replace(/\r?\n$/, '')].some((t) => entryOf(Buffer.from(t, 'utf8')) === live.files[f])) continue;
    }
    changed.push(f);
  }
  return [...changed, ...diff.added.map((f) => `${f} (added)`), ...diff.removed.map((f) => `${f} (removed)`)];
}

/**
 * go-back after a release whose migrations break the release gone back to: one of the three choices
 * must be made (refused otherwise, with each said); --reverse-migrations needs every one reversible.
 * Returns what the switch step reverses.
 */
function goBackChoice(live: ReleaseRecord, back: ReleaseRecord, target: Extract<ReleaseTarget, { kind: 'back' }>, shared: string, summary: ReleaseSummary): ReleaseContext['reverseMigrations'] {
  const applied = live.migrations ?? [];
  const verdicts = (live.migrationVerdicts ?? []).filter((v) => applied.includes(v.migration));
  const bad = breaking(verdicts);
  const chosen = [target.restoreBackup && '--restore-backup', target.reverseMigrations && '--reverse-migrations', target.keepMigrations && '--keep-migrations'].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1) throw new RefusedError([{ what: `go-back takes one of --restore-backup, --reverse-migrations and --keep-migrations, not ${chosen.join(' and ')}.`, why: 'Each leaves the database in another state.', fix: 'Choose one.' }]);
  const drops = reversalDrops(verdicts);
  const reversible = verdicts.length > 0 && verdicts.length === applied.length && verdicts.every((v) => v.reversible);
  if (target.reverseMigrations) {
    if (!applied.length) throw new RefusedError([{ what: `Release ${live.number} applied no migrations: there is nothing to reverse.`, why: 'The release history records none.', fix: 'Go back without --reverse-migrations.' }]);
    if (!reversible)
      throw new RefusedError([{ what: `Release ${live.number}'s migrations cannot all be reversed by Django: ${verdicts.filter((v) => !v.reversible).map((v) => v.migration).join(', ') || `${applied.join(', ')} (not classified when they ran)`}.`, why: 'Django reverses a migration only when every operation in it can be undone (a RunPython without reverse_code, a RunSQL without reverse_sql cannot).', fix: `Go back with --restore-backup (the backup taken before them), or --keep-migrations.` }]);
    summary.notes.push(`--reverse-migrations: release ${live.number}'s migrations ${applied.join(', ')} are reversed with Django's own migrate <app> <the migration before them>, run by release ${live.number}'s code in a maintenance window (the site answers 503, static files serve) after a fresh backup to ${shared}\\backups; dropped are ${drops.length ? drops.join(', ') : 'no stored values (indexes, constraints or options only)'}; then release ${back.number} serves on the schema it was made for`);
    return { migrations: applied, drops };
  }
  if (bad.length && !target.restoreBackup && !target.keepMigrations)
    throw new RefusedError([{
      what: `Going back to release ${back.number} with release ${live.number}'s migrations in place breaks it: ${bad.map(verdictLine).join('; ')}.`,
      why: `Django said so when they ran. Nothing was changed: release ${live.number} keeps serving.`,
      fix: [
        reversible ? `go-back --reverse-migrations: Django's own migrate reverses them after a fresh backup, in a maintenance window (drops ${drops.length ? drops.join(', ') : 'no stored values'})` : undefined,
        live.backup ? `go-back --restore-backup: the backup taken before them (${live.backup}) is put back, losing every row written since` : undefined,
        `go-back --keep-migrations: release ${back.number} runs on the new schema, and what the verdicts say fails`,
      ].filter((x): x is string => x !== undefined).join('; or '),
    }]);
  if (bad.length && target.keepMigrations) summary.notes.push(`--keep-migrations: release ${back.number} runs with release ${live.number}'s migrations in place, as chosen; ${bad.map(verdictLine).join('; ')}`);
  return undefined;
}

/** What the leaving release's migrations do to the release gone back to, as Django said when they ran; never "safe" unless it said additive. */
function goBackMigrationsNote(live: ReleaseRecord, back: ReleaseRecord): string {
  const list = (live.migrations ?? []).join(', ');
  const v = live.migrationVerdicts;
  if (!v) return `release ${live.number} applied migrations ${list}; release ${back.number} runs with them in place. They were not classified (applied before the tool asked Django what migrations do): if one adds a NOT NULL column or removes or renames one, release ${back.number}'s writes or reads fail; go-back --restore-backup puts the database from before them back`;
  const bad = breaking(v.filter((x) => live.migrations?.includes(x.migration)));
  if (!bad.length) return `release ${live.number} applied migrations ${list}; release ${back.number} runs with them in place: Django found them additive, so it reads and writes as before`;
  return `release ${live.number} applied migrations ${list}; release ${back.number} does NOT run safely with them in place: ${bad.map(verdictLine).join('; ')}`;
}

const sameLines = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** venvDir itself or one of the releases' venvs beside it (<venvDir>-<n>). */
const inVenvFamily = (venv: string, venvDir: string) => samePath(venv, venvDir) || new RegExp(`^${venvDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`, 'i').test(venv);

function newRecord(c: DeploymentConfig, number: number, label: string, hash: string, files: Manifest, requirements: string[], venvDir: string, by: string, dataParts: string[] = []): ReleaseRecord {
  return { number, label, hash, dir: winJoin(c.appDir, 'releases', String(number)), venvDir, pythonVersion: c.pythonVersion ?? DEFAULT_PYTHON_VERSION, requirements, files, dataParts, createdAt: new Date().toISOString(), by, state: 'staged', verified: false };
}

/** What a deployment made before releases keeps beside its code, by name (its SQLite files, media and uploads): not compared. */
const LEGACY_DATA = /(^|\/)[^/]+\.(sqlite3?|db)(-journal|-wal|-shm)?$|^(media|uploads)\//i;

/** The legacy folder's manifest and the source's, both without what the source does not have at the top, nor data. */
async function legacyFiles(host: Host, c: DeploymentConfig, source: Manifest): Promise<{ live: Manifest; source: Manifest }> {
  const m = await folderManifest(host, c.appDir, ['releases', 'shared', 'logs']);
  const tops = new Set(Object.keys(source).map((k) => k.split('/')[0]));
  const keep = (e: [string, string]) => !LEGACY_DATA.test(e[0]);
  return { live: Object.fromEntries(Object.entries(m).filter((e) => tops.has(e[0].split('/')[0]) && keep(e))), source: Object.fromEntries(Object.entries(source).filter(keep)) };
}

function pickBack(registry: ReleaseRegistry | undefined, live: ReleaseRecord | undefined, to: string | undefined): ReleaseRecord {
  const candidates = (registry?.releases ?? []).filter((r) => r.state !== 'live' && r.state !== 'failed');
  const want = to === undefined ? previousRelease(registry) : candidates.find((r) => String(r.number) === to || r.label === to || r.hash === to);
  if (!want) {
    const list = candidates.map((r) => `${r.number} (${r.label})`).join(', ') || 'none';
    throw new RefusedError([{ what: to === undefined ? 'There is no previous release to go back to.' : `There is no release "${to}" to go back to.`, why: `${live ? `Release ${live.number} (${live.label}) is live. ` : ''}Releases that can be gone back to: ${list}.`, fix: 'Run "releases" to list them, then "go-back --to <number or label>".' }]);
  }
  return want;
}

function summaryOf(mode: ReleaseSummary['mode'], target: ReleaseRecord | undefined, live: ReleaseRecord | undefined, shared: string): ReleaseSummary {
  const ref = (r: ReleaseRecord) => ({ number: r.number, label: r.label, hash: r.hash, dir: r.dir });
  return { mode, target: target ? ref(target) : { number: 0, label: '', hash: '', dir: '' }, ...(live ? { live: ref(live) } : {}), shared, notes: [] };
}

function withRelease(resolved: Resolved, c: DeploymentConfig, shared: string, release: ReleaseContext): ResolvedDeployment {
  const t = release.target;
  return { resolved, config: releaseConfig(c, t, shared), release };
}
