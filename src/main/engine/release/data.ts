/**
 * The data a release keeps beside its code (the SQLite file, MEDIA_ROOT), moved to the shared
 * folder every release uses: the project says BASE_DIR / 'db.sqlite3', which is inside the
 * release's own folder; the managed block names the shared file instead, so every release opens
 * the one database at one path (SQLite's journal and locks are beside the path it opened).
 */
import type { DeploymentConfig } from '../../../shared/config';
import { relativeParts, winJoin } from '../../../shared/winpath';

export interface SharedData {
  /** The shared SQLite file, when the project's is inside the release. */
  database?: string;
  /** The shared MEDIA_ROOT, when the project's is inside the release. */
  media?: string;
  /** The project's own paths inside the release, relative (db.sqlite3, media, staticfiles): left out of its manifest. */
  dataParts: string[];
  /** STATIC_ROOT's parts inside the release. */
  staticParts?: string[];
  notes: string[];
}

export function sharedData(config: DeploymentConfig, own: { sqliteFile?: string; mediaRoot?: string; staticRoot?: string }): SharedData {
  const layout = config.layout;
  const out: SharedData = { dataParts: [], notes: [] };
  if (!layout || layout.number === 0) return out;
  const inRelease = (p: string | undefined) => {
    const parts = p ? relativeParts(p, config.appDir) : undefined;
    return parts && parts.length > 0 ? parts : undefined;
  };
  const db = inRelease(own.sqliteFile);
  if (db) {
    out.database = winJoin(layout.shared, ...db);
    out.dataParts.push(db.join('/'));
    out.notes.push(`data: the SQLite database every release uses is ${out.database} (the project's ${own.sqliteFile ?? ''} is inside the release folder)`);
  }
  const media = inRelease(own.mediaRoot);
  if (media) {
    out.media = winJoin(layout.shared, ...media);
    out.dataParts.push(media.join('/'));
    out.notes.push(`data: MEDIA_ROOT every release uses is ${out.media}`);
  }
  const st = inRelease(own.staticRoot);
  if (st) {
    out.dataParts.push(st.join('/'));
    out.staticParts = st;
  }
  return out;
}
