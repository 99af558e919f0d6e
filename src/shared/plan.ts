/**
 * Plans and events as plain data, shared by the engine, the CLI, the export and the wizard.
 * Actions are data: what apply executes is exactly what the plan shows.
 */
import type { Problem } from './problem';
import type { ReleaseOp, ReleaseSummary } from './release';

export type { ReleaseSummary } from './release';
import type { SectionId, StepId } from './steps';

export type Action =
  | {
      kind: 'exec';
      /** One-line description for a person. */
      description: string;
      file: string;
      args: string[];
      /** Exit codes that mean success. Default [0]. */
      okExitCodes?: number[];
      /** Exit codes that mean success with a restart needed (3010). */
      restartExitCodes?: number[];
      cwd?: string;
      /** Environment variables for the child (manage.py gets the application's environment). */
      env?: Record<string, string>;
      /**
       * Variables for the child read at run time from the tool's own environment (the child's name →
       * the tool's variable, e.g. a PFX password): the values are never in a plan, log or journal.
       */
      secretEnv?: Record<string, string>;
      creates?: Creates;
      /** Run when the command fails or hangs (the switch puts the live release back), then the step fails saying so. */
      onFailure?: Action[];
    }
  | { kind: 'mkdir'; description: string; path: string; creates?: Creates }
  /** Removes a file or folder (uninstall and convergence); onlyIfEmpty: a parent folder the deployment created. */
  | { kind: 'remove'; description: string; path: string; onlyIfEmpty?: boolean }
  | { kind: 'download'; description: string; url: string; path: string }
  /**
   * An edit of a text file by a named, pure transform (so the content is computed from the
   * file as it is when the step runs). `values` are what the transform inserts.
   */
  | { kind: 'editFile'; description: string; path: string; transform: 'django-settings'; values: DjangoSettingsEdit }
  /** Cuts the <handlers> sections out of a project's web.config (IIS locks that section). */
  | { kind: 'editFile'; description: string; path: string; transform: 'web-config-without-handlers' }
  /** Removes the managed block from a settings file (undo of an adopted application folder). */
  | {
      kind: 'editFile';
      description: string;
      path: string;
      transform: 'remove-django-settings';
      /** sha256 of the file before the edit (the journal keeps no copy of a settings file: it may hold secrets). */
      originalSha256?: string;
      /** The managed block the file had before the edit, put back instead of removing the block. */
      restoreBlock?: string;
    }
  /** Drops an object from the deployment's journal once its undo actions (before it) ran: convergence. */
  | { kind: 'forget'; description: string; object: string }
  /** Puts a file back as it was (undo of an edit, journaled only: never in a plan). */
  | { kind: 'writeFile'; description: string; path: string; content: string }
  /**
   * Asks the site (through IIS: port, Host header) for the verification URLs; fails the step when
   * one does not answer as it should, after running onFailure (the switch back to the live release).
   */
  | { kind: 'probe'; description: string; port: number; urls: string[]; onFailure?: Action[] }
  /** Records a release in the deployment's release history (engine/release/registry.ts). */
  | { kind: 'release'; description: string; op: ReleaseOp };


/**
 * An object the deployment would create or change that already exists and is not this
 * deployment's (no journal entry). Nothing runs while there is one, unless the config adopts it.
 */
export interface Conflict {
  kind: 'site' | 'appPool' | 'fastCgi' | 'appDir' | 'venvDir' | 'staticRoot' | 'mediaRoot' | 'databaseFolder';
  object: string;
  what: string;
  differs: string[];
  fix: string;
}

/** Marks an action that creates an object: the engine journals `object` with `undo` before running it. */
export interface Creates {
  object: string;
  undo: Action[];
}

/** What the managed block of a Django settings file sets: only what the project lacks. */
export interface DjangoSettingsEdit {
  /** Path parts from the application folder to STATIC_ROOT (when inside it). */
  staticRootParts?: string[];
  /** STATIC_ROOT as an absolute Windows path when it is outside the application folder. */
  staticRootAbsolute?: string;
  /** How many folders below the application folder settings.py is (foo\settings.py: 1). */
  settingsDepth: number;
  /** STATIC_URL, when the project has none or the configuration overrides it. */
  staticUrl?: string;
  /** Host names to add to ALLOWED_HOSTS (the ones Django would reject). */
  allowedHosts?: string[];
  /** Releases: the shared SQLite file every release opens (DATABASES['default']['NAME']). */
  databaseName?: string;
  /** Releases: the shared MEDIA_ROOT. */
  mediaRoot?: string;
  /** HTTPS (Django 4.0+): origins to add to CSRF_TRUSTED_ORIGINS (those the project lacks). */
  csrfTrustedOrigins?: string[];
  /** Windows sign-in: RemoteUserMiddleware after AuthenticationMiddleware (the project lacks it). */
  remoteUserMiddleware?: boolean;
  /** Windows sign-in: RemoteUserBackend before the project's backends (the project lacks it). */
  remoteUserBackend?: boolean;
}

/** What the plan learnt from the project: the Python version's source, Django's settings, overrides, warnings. */
export interface ProjectReport {
  /** False on a fresh server, where the project is not in place yet. */
  inspected: boolean;
  notes: string[];
  warnings: string[];
  staticUrl?: string;
  staticRoot?: string;
  mediaUrl?: string;
  mediaRoot?: string;
  database?: string;
  pythonVersion: string;
  pythonSource: string;
}

export type StepStatus = 'done' | 'needed' | 'blocked';

export interface StepPlan {
  id: StepId;
  title: string;
  section: SectionId;
  dependsOn: StepId[];
  status: StepStatus;
  /** Why the step is done or needed, in a sentence. */
  reason: string;
  actions: Action[];
  /** What the check could not tell yet (e.g. depends on a step not yet run). */
  problem?: Problem;
}

/** A configuration that moves a live deployment (another appDir, venvDir or project for its site). */
export interface Move {
  summary: string;
  from: { appDir?: string; venvDir?: string };
  to: { appDir: string; venvDir: string; project: string };
  /** What the run deletes because of it (the actions of "Remove what an earlier configuration left"). */
  deletes: string[];
  /** Folders that may hold data and stay (uninstall removes them). */
  keeps?: string;
  hint: string;
}

export interface Plan {
  steps: StepPlan[];
  /** Set when the configuration moves the live deployment: said before the steps. */
  move?: Move;
  /** Existing objects that are not this deployment's: apply refuses while there is one. */
  conflicts: Conflict[];
  /** What was read from the project (Django's own answers), the overrides, and warnings. */
  project: ProjectReport;
  /** Releases (a project from a folder or a zip): absent for the sample, deployed in place. */
  release?: ReleaseSummary;
  createdAt: string;
  host: { kind: 'windows' | 'simulated'; productName: string; simulatorRoot?: string };
}

export type StepState = 'pending' | 'checking' | 'running' | 'done' | 'already-done' | 'failed' | 'skipped' | 'cancelled';

export interface ProbeResult {
  name: string;
  url: string;
  ok: boolean;
  status?: number;
  contentType?: string;
  detail: string;
  diagnosis?: Problem;
}

/** One cause of failed probes, with its evidence and whether the tool can fix it (verify --fix). */
export interface Diagnosis {
  cause: string;
  title: string;
  what: string;
  why: string;
  fix: string;
  /** The probes' URLs it explains. */
  urls: string[];
  /** What the tool gathered: IIS's error page in parts, the traceback's end, WSGI_LOG's tail. */
  evidence: string[];
  fixable: boolean;
  /** The deployment steps whose check-then-set fixes it. */
  fixSteps: StepId[];
}

export interface VerificationReport {
  ok: boolean;
  probes: ProbeResult[];
  /** One per cause, grouped from the failed probes; the report leads with these. */
  diagnoses: Diagnosis[];
  /** What in this run was simulated (a rehearsal), empty on a real server. */
  simulated: string[];
  /** Not failures, but what an administrator should know: DEBUG on, manage.py check --deploy warnings. */
  warnings: string[];
}

export type EngineEvent =
  | { type: 'run-started'; runId: string; steps: { id: StepId; title: string; section: SectionId }[] }
  | { type: 'step-state'; runId: string; stepId: StepId; state: StepState; detail?: string; problem?: Problem; restartRequired?: boolean }
  | { type: 'action'; runId: string; stepId: StepId; index: number; action: Action; state: 'started' | 'finished' | 'failed'; exitCode?: number }
  | { type: 'output'; runId: string; stepId: StepId; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'progress'; runId: string; completed: number; total: number }
  | { type: 'verification'; runId: string; report: VerificationReport }
  | { type: 'run-finished'; runId: string; outcome: 'succeeded' | 'failed' | 'cancelled'; restartRequired: boolean; mutatingCommands: number };

/** An action as one line for a person (CLI and wizard); exec actions show the argv exactly. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'exec':
      return `$ ${describeArgv(a.file, a.args)}${a.cwd ? `   (in ${a.cwd})` : ''}`;
    case 'mkdir':
      return `mkdir ${a.path}`;
    case 'remove':
      return `remove ${a.path}${a.onlyIfEmpty ? ' (only if empty)' : ''}`;
    case 'download':
      return `download ${a.url} -> ${a.path}`;
    case 'editFile':
      return `edit ${a.path} (${a.description})`;
    case 'writeFile':
      return /^(Put|Restore)\b/.test(a.description) ? `restore ${a.path}` : `write ${a.path}`;
    case 'forget':
      return `forget ${a.object} (${a.description})`;
    case 'probe':
      return `probe port ${a.port}: ${a.urls.join(' ')}${a.onFailure?.length ? ` (on failure: ${a.onFailure.map((f) => f.description.replace(/^./, (c) => c.toLowerCase())).join('; ')})` : ''}`;
    case 'release':
      return `release history: ${a.description}`;
  }
}

/** A command line as a person would type it (arguments with spaces quoted). */
export function describeArgv(file: string, args: readonly string[]): string {
  const q = (a: string) => (a === '' || /[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a);
  return [file, ...args].map(q).join(' ');
}
