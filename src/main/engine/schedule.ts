/**
 * Walking the DAG of steps: a step starts as soon as every step it depends on is done (so
 * independent steps run at the same time), is skipped when one of them failed, was skipped or was
 * cancelled, and is cancelled when the run is. How one step runs is the caller's (runStep).
 */
import type { StepState } from '../../shared/plan';
import type { StepId } from '../../shared/steps';
import type { Step } from './step';

export const finished = (st: StepState): boolean => st === 'done' || st === 'already-done';
export const terminal = (st: StepState): boolean => st !== 'pending' && st !== 'checking' && st !== 'running';

export interface Walk {
  steps: Step[];
  states: Record<StepId, StepState>;
  setState: (s: Step, state: StepState, extra?: { detail?: string }) => void;
  /** Runs one step; a rejection is the step's failure, turned into its state by onError. */
  runStep: (s: Step) => Promise<void>;
  onError: (s: Step, e: unknown) => void;
  progress: () => void;
  signal?: AbortSignal;
}

export async function walkSteps(w: Walk): Promise<void> {
  const { steps, states } = w;
  const running = new Map<StepId, Promise<void>>();
  for (;;) {
    if (w.signal?.aborted) {
      for (const s of steps) if (states[s.id] === 'pending') w.setState(s, 'cancelled');
    }
    for (const s of steps) {
      if (states[s.id] !== 'pending') continue;
      const depStates = s.dependsOn.map((dep) => states[dep]);
      if (depStates.some((st) => st === 'failed' || st === 'skipped' || st === 'cancelled')) {
        w.setState(s, 'skipped', { detail: `waits for ${s.dependsOn.filter((dep) => !finished(states[dep])).join(', ')}` });
        w.progress();
      }
    }
    for (const s of steps) {
      if (states[s.id] !== 'pending' || running.has(s.id)) continue;
      if (!s.dependsOn.every((dep) => finished(states[dep]))) continue;
      const p = w
        .runStep(s)
        .catch((e: unknown) => w.onError(s, e))
        .finally(() => {
          running.delete(s.id);
          w.progress();
        });
      running.set(s.id, p);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
}
