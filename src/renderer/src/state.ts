/** The wizard's state, driven by the bridge's events. Pure reducer, tested without a DOM. */
import type { CheckLine, StartupInfo } from '../../shared/ipc';
import type { Action, Plan, StepState, VerificationReport } from '../../shared/plan';
import type { Problem } from '../../shared/problem';
import type { SectionId, StepId } from '../../shared/steps';
import type { BridgeEvent } from '../../shared/ipc';

export interface StepView {
  id: StepId;
  title: string;
  section: SectionId;
  state: StepState | 'planned-done' | 'planned-needed' | 'planned-blocked';
  detail?: string;
  problem?: Problem;
  actions: { action: Action; state: 'pending' | 'started' | 'finished' | 'failed' }[];
  output: string[];
}

/** The wizard's screens, in order. */
export const SCREENS = ['welcome', 'checks', 'settings', 'review', 'install', 'verify', 'finish'] as const;
export type Screen = (typeof SCREENS)[number];
export const SCREEN_TITLES: Record<Screen, string> = { welcome: 'Welcome', checks: 'Checks', settings: 'Settings', review: 'Review', install: 'Install', verify: 'Verify', finish: 'Finish' };

export interface WizardState {
  startup?: StartupInfo;
  screen: Screen;
  checks?: CheckLine[];
  plan?: Plan;
  steps: Partial<Record<StepId, StepView>>;
  order: StepId[];
  runId?: string;
  running: boolean;
  outcome?: 'succeeded' | 'failed' | 'cancelled';
  restartRequired: boolean;
  progress: { completed: number; total: number };
  verification?: VerificationReport;
}

export const initialState: WizardState = { screen: 'welcome', steps: {}, order: [], running: false, restartRequired: false, progress: { completed: 0, total: 0 } };

export type WizardAction =
  | { type: 'startup'; startup: StartupInfo }
  | { type: 'go'; screen: Screen }
  | { type: 'checks'; lines: CheckLine[] }
  | { type: 'plan'; plan: Plan }
  | { type: 'started'; runId: string }
  | { type: 'verification'; report: VerificationReport }
  | { type: 'bridge'; event: BridgeEvent };

export function reducer(s: WizardState, a: WizardAction): WizardState {
  switch (a.type) {
    case 'startup':
      return { ...s, startup: a.startup };
    case 'go':
      return { ...s, screen: a.screen };
    case 'checks':
      return { ...s, checks: a.lines };
    case 'plan': {
      const steps: WizardState['steps'] = {};
      for (const p of a.plan.steps)
        steps[p.id] = { id: p.id, title: p.title, section: p.section, state: `planned-${p.status}`, detail: p.reason, ...(p.problem ? { problem: p.problem } : {}), actions: p.actions.map((action) => ({ action, state: 'pending' })), output: [] };
      return { ...s, plan: a.plan, steps, order: a.plan.steps.map((p) => p.id) };
    }
    case 'started':
      return { ...s, runId: a.runId, running: true, outcome: undefined, restartRequired: false, verification: undefined };
    case 'verification': {
      // A verification run by hand updates the Verification step's badge too (it is the same check).
      const v = s.steps.verification;
      const failed = a.report.diagnoses.length > 0 ? a.report.diagnoses.map((g) => g.title).join('; ') : 'the site does not work';
      const steps = v ? { ...s.steps, verification: { ...v, state: a.report.ok ? ('done' as const) : ('failed' as const), detail: a.report.ok ? 'verified again: the site works' : `verified again: ${failed}` } } : s.steps;
      return { ...s, verification: a.report, steps };
    }
    case 'bridge':
      // Log lines go to the log store (log-store.ts), not here.
      return a.event.kind === 'log' ? s : engine(s, a.event.event);
  }
}

function engine(s: WizardState, e: Extract<BridgeEvent, { kind: 'engine' }>['event']): WizardState {
  const upd = (id: StepId, f: (v: StepView) => StepView): WizardState => {
    const v = s.steps[id];
    return v ? { ...s, steps: { ...s.steps, [id]: f(v) } } : s;
  };
  switch (e.type) {
    case 'run-started': {
      const steps: WizardState['steps'] = {};
      for (const st of e.steps) steps[st.id] = { id: st.id, title: st.title, section: st.section, state: 'pending', actions: [], output: [] };
      return { ...s, runId: e.runId, running: true, steps, order: e.steps.map((x) => x.id), progress: { completed: 0, total: e.steps.length } };
    }
    case 'step-state':
      return upd(e.stepId, (v) => {
        const { problem: _drop, ...rest } = v;
        void _drop;
        return { ...rest, state: e.state, ...(e.detail ? { detail: e.detail } : {}), ...(e.problem ? { problem: e.problem } : {}) };
      });
    case 'action':
      return upd(e.stepId, (v) => {
        const actions = [...v.actions];
        actions[e.index] = { action: e.action, state: e.state };
        return { ...v, actions };
      });
    case 'output':
      return upd(e.stepId, (v) => ({ ...v, output: [...v.output, e.line].slice(-300) }));
    case 'progress':
      return { ...s, progress: { completed: e.completed, total: e.total } };
    case 'verification':
      return { ...s, verification: e.report };
    case 'run-finished':
      return { ...s, running: false, outcome: e.outcome, restartRequired: e.restartRequired };
  }
}

export type SectionStatus = 'idle' | 'done' | 'needed' | 'running' | 'failed' | 'blocked';

/** One status for a guide section, from the states of its steps. */
export function sectionStatus(s: WizardState, section: SectionId): SectionStatus {
  const views = s.order.map((id) => s.steps[id]).filter((v): v is StepView => !!v && v.section === section);
  if (views.length === 0) return 'idle';
  const st = views.map((v) => v.state);
  if (st.some((x) => x === 'failed')) return 'failed';
  if (st.some((x) => x === 'planned-blocked')) return 'blocked';
  if (st.some((x) => x === 'running' || x === 'checking')) return 'running';
  if (st.every((x) => x === 'done' || x === 'already-done' || x === 'planned-done')) return 'done';
  if (st.some((x) => x === 'planned-needed')) return 'needed';
  return 'idle';
}
