/**
 * Symbolic links and junctions in a folder tree, found without following any (node:fs lstat: on
 * Windows a junction and a symbolic link both answer isSymbolicLink()). Used by both hosts: the
 * engine lists and refuses links in a handed-over project before copying it.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export interface FoundLink {
  /** The link itself (real path on this machine). */
  path: string;
  /** What it points at, resolved against the link's folder (real path). */
  target: string;
}

/** Links under root (root itself included), at most `limit` entries visited; folders behind a link are never entered. */
export function findLinksIn(root: string, limit = 50_000): FoundLink[] {
  const out: FoundLink[] = [];
  let visited = 0;
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (++visited > limit) return;
      const full = path.join(dir, name);
      let st;
      try {
        st = lstatSync(full);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) {
        let target = '';
        try {
          target = path.resolve(dir, readlinkSync(full));
        } catch {
          /* unreadable link: still a link */
        }
        out.push({ path: full, target });
      } else if (st.isDirectory()) walk(full);
    }
  };
  try {
    if (lstatSync(root).isSymbolicLink()) return [{ path: root, target: path.resolve(path.dirname(root), readlinkSync(root)) }];
  } catch {
    return out;
  }
  walk(root);
  return out;
}
