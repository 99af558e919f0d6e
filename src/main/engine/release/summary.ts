/** What the plan says about the release (ReleaseSummary), and the history's note that a run's verification passed. */
import type { ReleaseSummary } from '../../../shared/plan';
import type { Host } from '../host';
import type { ProjectView } from '../project';
import type { ReleaseContext } from './layout';
import { readRegistry, writeRegistry } from './registry';
import { folderManifest, manifestHash } from './manifest';

export function releaseSummary(r: ReleaseContext, view: ProjectView | undefined): ReleaseSummary {
  const s: ReleaseSummary = { ...r.summary, notes: [...r.summary.notes] };
  const t = s.target;
  if (s.mode === 'update' && s.live) s.notes.unshift(`release ${t.number} (${t.label}, ${t.hash}) will replace release ${s.live.number} (${s.live.label}); it goes into ${t.dir}, beside the live one, and is verified on a staging site (127.0.0.1:${r.stagingPort}) before it takes traffic`);
  else if (s.mode === 'go-back' && s.live) s.notes.unshift(`going back: release ${t.number} (${t.label}) will replace release ${s.live.number} (${s.live.label})`);
  else if (s.mode === 'first') s.notes.unshift(`release ${t.number} (${t.label}) is the first; it goes into ${t.dir}`);
  else s.notes.unshift(`release ${t.number} (${t.label}) is live; the source is unchanged`);
  s.notes.push(`data: every release uses ${s.shared}${view?.sqliteFile ? ` (database ${view.sqliteFile})` : ''}${view?.media ? ` (media ${view.media.root})` : ''}; uninstall keeps it unless --delete-data`);
  if (view?.facts?.database && !view.sqliteFile) s.notes.push(`database ${view.facts.database.engine}: no backup is taken before migrations (only SQLite is backed up); "migrate": "manual" leaves them to the team`);
  return s;
}

/** A run that ended verified marks its release verified in the history. */
export async function markVerified(host: Host, siteName: string, number: number): Promise<void> {
  const reg = await readRegistry(host, siteName);
  const rec = reg?.releases.find((x) => x.number === number);
  if (!reg || !rec || rec.verified) return;
  rec.verified = true;
  await writeRegistry(host, reg);
}

/**
 * After a run that succeeded, the release's folder as the tool left it (its copy plus the tool's own
 * edits: the settings block, a web.config's handlers taken out): what the next plan compares the
 * live folder with, so a file changed there by hand is drift and the tool's edits are not.
 */
export async function sealRelease(host: Host, siteName: string, number: number): Promise<void> {
  const reg = await readRegistry(host, siteName);
  const rec = reg?.releases.find((x) => x.number === number);
  if (!reg || !rec || rec.legacy || !(await host.exists(rec.dir))) return;
  const placed = await folderManifest(host, rec.dir, rec.dataParts);
  if (rec.placed && manifestHash(rec.placed) === manifestHash(placed)) return;
  rec.placed = placed;
  await writeRegistry(host, reg);
}
