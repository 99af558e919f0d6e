/** SQLite through the venv's Python (the standard library's sqlite3). */

/**
 * SQLite's own backup API from one file into another (consistent while the live release writes to
 * the source): a backup (live → backups) and a restore (backup → live) alike.
 */
export const SQLITE_BACKUP_PY = 'import os, sqlite3, sys\nos.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)\nsrc = sqlite3.connect(sys.argv[1])\ndst = sqlite3.connect(sys.argv[2])\nwith dst:\n    src.backup(dst)\ndst.close()\nsrc.close()\nprint("backed up", sys.argv[1], "to", sys.argv[2])\n';
