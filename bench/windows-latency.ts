/**
 * A latency profile of Windows Server for the bench: what each program the engine runs typically
 * costs there, so the bench can say what a deployment or a re-run would take on Windows (the
 * simulator answers in milliseconds and cannot). Every figure is an ESTIMATE for a 2-4 vCPU
 * Windows Server 2022 VM unless a source is given; none was measured here (no Windows). The
 * bench records which step ran which program (the engine's stepScope), sums the profile per step,
 * and schedules the steps on their dependency graph: the critical path is the longest chain, the
 * serial sum what a one-step-at-a-time tool would take.
 */
import type { ExecOptions, ExecResult, Host, HttpOptions, HttpResult } from '../src/main/engine/host';
import { stepScope } from '../src/main/engine/engine';
import { STEPS } from '../src/main/engine/steps';
import type { StepId } from '../src/shared/steps';

export interface Cost {
  /** What the row matches, for the table. */
  what: string;
  ms: number;
  source: string;
  match: (file: string, args: readonly string[]) => boolean;
}

const base = (f: string) => f.toLowerCase().split('\\').at(-1) ?? f.toLowerCase();
const has = (args: readonly string[], x: string) => args.some((a) => a.toLowerCase() === x.toLowerCase());
const ESTIMATE = 'estimate';

/** First match wins. */
export const WINDOWS_COSTS: Cost[] = [
  { what: 'dism /Enable-Feature (IIS with CGI, one transaction)', ms: 150_000, source: 'estimate (minutes; windows-iis.md §2 says "can take minutes")', match: (f, a) => base(f) === 'dism.exe' && has(a, '/Enable-Feature') },
  { what: 'dism /Get-FeatureInfo (one feature)', ms: 3_000, source: ESTIMATE + ' (DISM opens the online image each call)', match: (f, a) => base(f) === 'dism.exe' && has(a, '/Get-FeatureInfo') },
  { what: 'dism (other)', ms: 5_000, source: ESTIMATE, match: (f) => base(f) === 'dism.exe' },
  { what: 'CPython installer /quiet (all users)', ms: 60_000, source: ESTIMATE, match: (f) => /python-[\d.]+-amd64\.exe$/i.test(f) },
  { what: 'msiexec /i (install manager or a module)', ms: 20_000, source: ESTIMATE, match: (f) => base(f) === 'msiexec.exe' },
  { what: 'pymanager install', ms: 40_000, source: ESTIMATE, match: (f) => base(f) === 'pymanager.exe' },
  { what: 'python -m venv', ms: 8_000, source: ESTIMATE, match: (f, a) => base(f) === 'python.exe' && a[0] === '-m' && a[1] === 'venv' },
  { what: 'pip install (per run, a few packages)', ms: 25_000, source: ESTIMATE + ' (downloads and unpacks wheels)', match: (f, a) => base(f) === 'python.exe' && a[1] === 'pip' && a[2] === 'install' },
  { what: 'pip list', ms: 1_500, source: ESTIMATE + ' (pip startup dominates)', match: (f, a) => base(f) === 'python.exe' && a[1] === 'pip' },
  { what: 'manage.py collectstatic (and --dry-run)', ms: 4_000, source: ESTIMATE + ' (Django setup + walking the admin files)', match: (f, a) => base(f) === 'python.exe' && a.includes('collectstatic') },
  { what: 'manage.py migrate / migrate --check', ms: 4_000, source: ESTIMATE, match: (f, a) => base(f) === 'python.exe' && a.includes('migrate') },
  { what: 'manage.py check --deploy', ms: 3_000, source: ESTIMATE, match: (f, a) => base(f) === 'python.exe' && a.includes('check') },
  { what: 'python (settings probe, py_compile, startproject, zipfile)', ms: 1_500, source: ESTIMATE + ' (interpreter + Django import)', match: (f) => base(f) === 'python.exe' },
  { what: 'appcmd (one call)', ms: 150, source: ESTIMATE + ' (loads the configuration system each call)', match: (f) => base(f) === 'appcmd.exe' },
  { what: 'icacls /grant /T', ms: 2_000, source: ESTIMATE + ' (walks the tree; a venv has thousands of files)', match: (f, a) => base(f) === 'icacls.exe' && a.some((x) => /^\/(grant|remove)/i.test(x)) },
  { what: 'icacls (read)', ms: 80, source: ESTIMATE, match: (f) => base(f) === 'icacls.exe' },
  { what: 'robocopy (project copy)', ms: 1_500, source: ESTIMATE, match: (f) => base(f) === 'robocopy.exe' },
  { what: 'netstat -ano', ms: 400, source: ESTIMATE, match: (f) => base(f) === 'netstat.exe' },
  { what: 'reg query', ms: 80, source: ESTIMATE, match: (f) => base(f) === 'reg.exe' },
  { what: 'sc query / start', ms: 80, source: ESTIMATE, match: (f) => base(f) === 'sc.exe' },
  { what: 'net session, whoami, fsutil', ms: 80, source: ESTIMATE, match: (f) => ['net.exe', 'whoami.exe', 'fsutil.exe'].includes(base(f)) },
  { what: 'any other program', ms: 500, source: ESTIMATE, match: () => true },
];

export const HTTP_COST: Cost = { what: 'HTTP probe of the site, the first of a run (it may start the FastCGI or waitress process)', ms: 1_500, source: ESTIMATE, match: () => true };
export const HTTP_NEXT_COST: Cost = { what: 'HTTP probe of the site, later in the same run (the process runs)', ms: 100, source: ESTIMATE + ' (Django renders a page; IIS serves a static file)', match: () => true };
export const DOWNLOAD_COST: Cost = { what: 'download (the Python installer, ~25 MB)', ms: 15_000, source: ESTIMATE, match: () => true };

export function costOf(file: string, args: readonly string[]): Cost {
  return WINDOWS_COSTS.find((c) => c.match(file, args)) as Cost;
}

interface Call {
  step: StepId | undefined;
  kind: string;
  ms: number;
}

/** A Host that records, for each program run, HTTP request and download, the step that asked and its Windows cost. */
export class ProfilingHost {
  readonly calls: Call[] = [];
  readonly host: Host;

  constructor(inner: Host) {
    const record = (kind: string, ms: number) => this.calls.push({ step: stepScope.getStore(), kind, ms });
    this.host = new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (prop === 'exec')
          return async (file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> => {
            const c = costOf(file, args);
            record(base(file), c.ms);
            return target.exec(file, args, opts);
          };
        if (prop === 'http')
          return async (url: string, opts?: HttpOptions): Promise<HttpResult> => {
            record('http', this.calls.some((c) => c.kind === 'http') ? HTTP_NEXT_COST.ms : HTTP_COST.ms);
            return target.http(url, opts);
          };
        if (prop === 'download')
          return async (url: string, p: string, signal?: AbortSignal): Promise<void> => {
            record('download', DOWNLOAD_COST.ms);
            return target.download(url, p, signal);
          };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  reset(): void {
    this.calls.length = 0;
  }

  /** The Windows estimate of what was recorded: per step, the schedule's wall time, critical path and serial sum. */
  /** dag: a run (a step starts when its dependencies finish); parallel: a plan (every check at once); serial: one at a time. */
  estimate(schedule: 'dag' | 'parallel' | 'serial'): { wallMs: number; criticalMs: number; serialMs: number; outsideMs: number; processes: Record<string, number>; processCount: number; slowest: [string, number][] } {
    const perStep = new Map<StepId, number>();
    let outside = 0;
    const processes: Record<string, number> = {};
    for (const c of this.calls) {
      if (c.kind !== 'http' && c.kind !== 'download') processes[c.kind] = (processes[c.kind] ?? 0) + 1;
      if (c.step) perStep.set(c.step, (perStep.get(c.step) ?? 0) + c.ms);
      else outside += c.ms;
    }
    // Longest chain of the dependency graph (the engine starts a step as soon as its dependencies finish).
    const finish = new Map<StepId, number>();
    const at = (id: StepId): number => {
      const known = finish.get(id);
      if (known !== undefined) return known;
      const s = STEPS.find((x) => x.id === id);
      const start = Math.max(0, ...(s?.dependsOn ?? []).map(at));
      const f = start + (perStep.get(id) ?? 0);
      finish.set(id, f);
      return f;
    };
    const critical = Math.max(0, ...STEPS.map((s) => at(s.id)));
    const serial = [...perStep.values()].reduce((a, b) => a + b, 0);
    const processCount = Object.values(processes).reduce((a, b) => a + b, 0);
    const slowest = [...perStep.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const widest = Math.max(0, ...perStep.values());
    return { wallMs: outside + (schedule === 'dag' ? critical : schedule === 'parallel' ? widest : serial), criticalMs: critical, serialMs: serial, outsideMs: outside, processes, processCount, slowest };
  }
}
