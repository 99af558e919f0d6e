/** What the plan says about the release (ReleaseSummary), and the history's note that a run's verification passed. */
import type { ReleaseSummary } from '../../../shared/plan';
import type { Host } from '../host';
import type { ProjectView } from '../project';
import type { ReleaseContext } from './layout';
import { readRegistry, writeRegistry } from './registry';

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
