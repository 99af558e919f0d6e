/**
 * The releases of a deployment, kept by the tool in its own folder (SYSTEM and Administrators
 * only): number, label, content hash, where each lives, when and by whom it was made, whether it
 * was verified, and which one is live. Data the engine checks on every read: a file that does not
 * look like one this tool wrote is reported, never acted on.
 */
import { APPCMD, TOOL_DATA_DIR, appcmd } from '../commands';
import { parseSite } from '../parsers';
import type { Host } from '../host';
import { ensureToolDataSecured } from '../tool-data';
import { protectedPathReason, samePath } from '../../../shared/winpath';
import type { ReleaseOp, ReleaseRecord, ReleaseRegistry } from '../../../shared/release';
import { ignored, manifestHash } from './manifest';

export type { ReleaseOp, ReleaseRecord, ReleaseRegistry } from '../../../shared/release';

export const RELEASES_DIR = `${TOOL_DATA_DIR}\\releases`;


export function registryPath(siteName: string): string {
  const safe = [...siteName.toLowerCase()].map((ch) => (/[a-z0-9_.-]/.test(ch) ? ch : `%${ch.codePointAt(0)?.toString(16) ?? ''}`)).join('');
  return `${RELEASES_DIR}\\${safe}.json`;
}

export class RegistryError extends Error {}

const STATES = ['staged', 'live', 'previous', 'old', 'failed'];

function recordProblem(r: ReleaseRecord, reg: ReleaseRegistry): string | undefined {
  if (!Number.isInteger(r.number) || r.number < 0) return 'a release number that is not a whole number';
  if (typeof r.dir !== 'string' || typeof r.venvDir !== 'string') return 'a release without its folders';
  // A release folder is <appDir>\releases\<n> (appDir may have moved since), never a protected folder.
  if (!r.legacy && (!/\\releases\\\d+$/i.test(r.dir) || protectedPathReason(r.dir))) return `a release folder ${r.dir} that is not <appDir>\\releases\\<n>`;
  if (r.legacy && !samePath(r.dir, reg.root)) return `a release made before releases whose folder ${r.dir} is not ${reg.root}`;
  if (!STATES.includes(r.state)) return `an unknown state "${String(r.state)}"`;
  if (typeof r.files !== 'object' || r.files === null || !Array.isArray(r.requirements) || !Array.isArray(r.dataParts)) return 'a release without its manifest';
  return undefined;
}

export async function readRegistry(host: Host, siteName: string): Promise<ReleaseRegistry | undefined> {
  const file = registryPath(siteName);
  if (!(await host.exists(file))) return undefined;
  let j: ReleaseRegistry;
  try {
    j = JSON.parse(await host.readFile(file)) as ReleaseRegistry;
  } catch (e) {
    throw new RegistryError(`The release history ${file} is damaged (${e instanceof Error ? e.message : String(e)}). Restore it from a backup, or delete it: the tool then treats the live folder as a deployment made before releases.`);
  }
  const bad: string[] = [];
  if (j?.version !== 1 || !Array.isArray(j.releases) || typeof j.root !== 'string' || typeof j.shared !== 'string') bad.push('it is not a release history this version of the tool wrote');
  else {
    if (typeof j.siteName !== 'string' || j.siteName.toLowerCase() !== siteName.toLowerCase()) bad.push(`it names the site "${String(j.siteName)}", not "${siteName}"`);
    for (const r of j.releases) {
      const p = recordProblem(r, j);
      if (p) bad.push(`release ${String(r?.number)}: ${p}`);
    }
    if (j.releases.filter((r) => r.state === 'live').length > 1) bad.push('more than one release is live');
  }
  if (bad.length) throw new RegistryError(`The release history ${file} holds what this tool never writes (${bad.slice(0, 5).join('; ')}), so none of it is used. Check who can write to ${RELEASES_DIR}, then restore the file or delete it.`);
  return j;
}

export async function writeRegistry(host: Host, reg: ReleaseRegistry): Promise<void> {
  await ensureToolDataSecured(host);
  await host.mkdir(RELEASES_DIR);
  await host.writeFile(registryPath(reg.siteName), JSON.stringify(reg, null, 1));
}

export const liveRelease = (reg: ReleaseRegistry | undefined): ReleaseRecord | undefined => reg?.releases.find((r) => r.state === 'live');
export const previousRelease = (reg: ReleaseRegistry | undefined): ReleaseRecord | undefined =>
  reg?.releases.filter((r) => r.state === 'previous').sort((a, b) => (b.liveSince ?? '').localeCompare(a.liveSince ?? '') || b.number - a.number)[0];

/** The history after one release action. */
export function applyReleaseOp(reg: ReleaseRegistry | undefined, siteName: string, o: ReleaseOp, now: string): ReleaseRegistry {
  if (o.op === 'stage') {
    const base: ReleaseRegistry = { ...(reg ?? { version: 1, siteName, shared: o.shared, releases: [] }), root: o.root };
    const others = base.releases.filter((r) => r.number !== o.record.number);
    return { ...base, releases: [...others, { ...o.record }].sort((a, b) => a.number - b.number) };
  }
  if (!reg) throw new RegistryError(`No release history for "${siteName}" to record release ${o.number} in.`);
  const releases = reg.releases.map((r) => ({ ...r }));
  const target = releases.find((r) => r.number === o.number);
  if (o.op === 'forget') return { ...reg, releases: releases.filter((r) => r.number !== o.number) };
  if (!target) throw new RegistryError(`Release ${o.number} is not in the history of "${siteName}".`);
  if (o.op === 'live') {
    for (const r of releases) {
      if (r.number === o.number) continue;
      if (r.state === 'live') r.state = 'previous';
      else if (r.state === 'previous') r.state = 'old';
    }
    target.state = 'live';
    target.verified = o.verified;
    target.liveSince = now;
    delete target.failure;
  } else if (o.op === 'failed') {
    if (target.state !== 'live') target.state = 'failed';
    target.failure = o.why;
  } else if (o.op === 'staging-verified') {
    target.stagingVerifiedAt = now;
    if (target.state === 'failed') target.state = 'staged';
    delete target.failure;
  } else if (o.op === 'maintenance') {
    if (o.on) target.maintenance = { since: now, retryAfter: o.retryAfter };
    else if (target.maintenance && target.maintenance.until === undefined) {
      const seconds = Math.max(0, (Date.parse(now) - Date.parse(target.maintenance.since)) / 1000);
      target.maintenance = { ...target.maintenance, until: now, seconds, outcome: o.outcome };
    }
  } else if (o.op === 'data') {
    target.dataParts = o.dataParts;
    if (o.staticParts) target.staticParts = o.staticParts;
    target.files = Object.fromEntries(Object.entries(target.files).filter(([k]) => !ignored(k, o.dataParts)));
    target.hash = manifestHash(target.files);
    if (/^[0-9a-f]{12}$/.test(target.label) && target.label !== target.hash) target.label = target.hash;
  } else {
    target.migrations = o.migrations;
    if (o.verdicts) target.migrationVerdicts = o.verdicts;
    if (o.backup) target.backup = o.backup;
  }
  return { ...reg, releases };
}

/** The physical path of the site's root, as IIS has it now (undefined: no such site). */
async function servedRoot(host: Host, siteName: string): Promise<string | undefined> {
  if (!(await host.exists(APPCMD))) return undefined;
  const sr = await host.exec(APPCMD, appcmd.listSite(siteName));
  const site = sr.exitCode === 0 ? parseSite(sr.stdout) : undefined;
  return site?.apps.find((a) => a.path === '/')?.vdirs.find((v) => v.path === '/')?.physicalPath;
}

/**
 * The history as what serves says it: the release whose folder the site's root points at is the
 * live one (the one recorded live, if another, becomes previous). A switch committed by IIS whose
 * record was not written (the tool was killed between the two) is named this way, as is one a
 * rollback undid. Pure: `changed` says whether the history differed.
 */
export function servingRegistry(reg: ReleaseRegistry, root: string | undefined): { registry: ReleaseRegistry; changed: ReleaseRecord | undefined } {
  const serving = root ? reg.releases.find((r) => samePath(r.dir, root)) : undefined;
  if (!serving || serving.state === 'live') return { registry: reg, changed: undefined };
  const releases = reg.releases.map((r) => ({ ...r, ...(r.state === 'live' ? { state: 'previous' as const } : {}) }));
  const now = releases.find((r) => r.number === serving.number) as ReleaseRecord;
  now.state = 'live';
  delete now.failure;
  return { registry: { ...reg, releases }, changed: now };
}

/** The history as read, made to say what serves (read-only: for the plan, go-back's choice and the list). */
export async function readServingRegistry(host: Host, siteName: string): Promise<ReleaseRegistry | undefined> {
  const reg = await readRegistry(host, siteName);
  return reg ? servingRegistry(reg, await servedRoot(host, siteName)).registry : undefined;
}

/**
 * The release history written to say what serves (after a rollback, and before a run): a release
 * whose folder is gone leaves it; the served one is live. No history is left when no release remains.
 * Returns a sentence for the person when something changed.
 */
export async function historyToWhatServes(host: Host, siteName: string): Promise<string | undefined> {
  const reg = await readRegistry(host, siteName).catch(() => undefined);
  if (!reg) return undefined;
  const releases: ReleaseRecord[] = [];
  for (const r of reg.releases) if (r.legacy || (await host.exists(r.dir))) releases.push(r);
  if (releases.length === 0) {
    await host.remove(registryPath(siteName));
    return 'The release history is removed: no release is left.';
  }
  const dropped = reg.releases.filter((r) => !releases.includes(r)).map((r) => r.number);
  const { registry, changed } = servingRegistry({ ...reg, releases }, await servedRoot(host, siteName));
  if (!changed && dropped.length === 0) return undefined;
  await writeRegistry(host, registry);
  const live = registry.releases.find((r) => r.state === 'live');
  return `The release history says what serves: ${live ? `release ${live.number} (${live.label}) is live` : 'no release is live'}${dropped.length ? `; release ${dropped.join(', ')} left it (its folder was removed)` : ''}.`;
}
