/**
 * Releases as data (engine/release): a release's record in the deployment's history, and what a
 * release action of a plan does to that history.
 */
import type { DeploymentConfig } from './config';

/** Relative path (with "/") → "crc32:size". */
export type Manifest = Record<string, string>;

export interface ReleaseRecord {
  number: number;
  label: string;
  hash: string;
  /** The release's folder (the site's physical path while it is live). */
  dir: string;
  venvDir: string;
  /** The Python the venv was made with. */
  pythonVersion: string;
  /** The requirement lines it was installed from (normalized), for the next release's comparison. */
  requirements: string[];
  files: Manifest;
  /** The folder as the tool left it after its last successful run (its edits included): drift is measured against it. */
  placed?: Manifest;
  /** Relative paths of the project's data and output, left out of the manifest (db.sqlite3, media, staticfiles). */
  dataParts: string[];
  /** STATIC_ROOT inside the release folder, relative (the next release's plan expects the same). */
  staticParts?: string[];
  createdAt: string;
  by: string;
  state: 'staged' | 'live' | 'previous' | 'old' | 'failed';
  verified: boolean;
  /** Migrations this release's migrate applied, and the SQLite backup taken before them. */
  migrations?: string[];
  /** What Django said each of those migrations does to the release live while they ran (migration-check.ts). */
  migrationVerdicts?: MigrationVerdict[];
  backup?: string;
  /** A deployment made before releases (in place in appDir): release 0. */
  legacy?: boolean;
  /** Why it failed (staging, or after the switch). */
  failure?: string;
  liveSince?: string;
  /** When it answered every verification URL on the staging site. */
  stagingVerifiedAt?: string;
  /** "migrate": "maintenance": the window in which the site answered 503 for this release's migrations (release/maintenance.ts). */
  maintenance?: MaintenanceWindow;
}

/** A maintenance window as the tool measured it: from the commit that opened it to the one that ended it. */
export interface MaintenanceWindow {
  since: string;
  until?: string;
  seconds?: number;
  retryAfter: number;
  /** switched: the release took over; back: the live release serves again (the migrations failed, or the release did). */
  outcome?: 'switched' | 'back';
}

export type MigrationVerdictKind = 'additive' | 'writes' | 'reads' | 'unknown';

/** One unapplied migration as Django's model state sorts it: the worst of its operations. */
export interface MigrationVerdict {
  migration: string;
  verdict: MigrationVerdictKind;
  /** Every operation can be reversed by Django's own migrate <app> <before>. */
  reversible: boolean;
  operations: { verdict: MigrationVerdictKind; reason: string }[];
}

/** What a release action does to the history (execute.ts runs it; the plan shows it). */
export type ReleaseOp =
  | { op: 'stage'; record: ReleaseRecord; root: string; shared: string }
  | { op: 'live'; number: number; verified: boolean }
  | { op: 'failed'; number: number; why: string }
  | { op: 'migrated'; number: number; migrations: string[]; verdicts?: MigrationVerdict[]; backup?: string }
  | { op: 'forget'; number: number }
  | { op: 'staging-verified'; number: number }
  | { op: 'maintenance'; number: number; on: true; retryAfter: number }
  | { op: 'maintenance'; number: number; on: false; outcome: 'switched' | 'back' }
  /** The project's data and output found in the release (left out of its manifest from now on). */
  | { op: 'data'; number: number; dataParts: string[]; staticParts?: string[] };


/** A deployment's release history (kept in the tool's folder). */
export interface ReleaseRegistry {
  version: 1;
  siteName: string;
  root: string;
  shared: string;
  releases: ReleaseRecord[];
}

/** The release a run is about, as the engine's steps see it (engine/release/layout.ts decides it). */
export interface ReleaseContext {
  summary: ReleaseSummary;
  /** The configuration as given (appDir = the releases' root), before it is made the target release's. */
  base: DeploymentConfig;
  registry?: ReleaseRegistry;
  /** The release this run deploys, keeps or goes back to. */
  target: ReleaseRecord;
  live?: ReleaseRecord;
  stagingPort: number;
  /** go-back --restore-backup: the backup put back after the switch (the consent was given). */
  restoreBackup?: string;
  /** go-back --reverse-migrations: the leaving release's migrations, reversed by its own Django before the switch, and what that drops. */
  reverseMigrations?: { migrations: string[]; drops: string[] };
}

/** What the plan says about releases: which one the run is about, and what it changes. */
export interface ReleaseSummary {
  /** first: nothing is live yet; current: the source is the live release; update: a new release replaces the live one; go-back: an earlier one does. */
  mode: 'first' | 'current' | 'update' | 'go-back';
  target: { number: number; label: string; hash: string; dir: string };
  live?: { number: number; label: string; hash: string; dir: string };
  /** Where the data every release uses lives. */
  shared: string;
  files?: { added: number; changed: number; removed: number; examples: string[] };
  requirements?: { added: string[]; removed: string[]; changed: string[] };
  /** The migrations the release will run: Django's unapplied ones when it could be asked before staging, else the migration files it adds (app.0002_name). */
  newMigrations?: string[];
  /** What Django says each of them does to the live release (asked before anything changes). */
  migrations?: MigrationVerdict[];
  /** Files of the live release's folder changed on the server since it was deployed (a new release is made from the source). */
  drift?: string[];
  /** reused: the live release's venv (nothing installed); installed: a venv of its own. */
  packages?: 'reused' | 'installed';
  notes: string[];
}
