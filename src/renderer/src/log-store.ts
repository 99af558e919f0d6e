/**
 * The live log, outside the wizard's state: lines arrive many times a second, and only the log
 * view needs them, so only it re-renders (useSyncExternalStore). Lines are batched per frame;
 * every line is kept; a snapshot is never changed once handed out (each batch makes a new array).
 */
import type { LogEntry } from '../../shared/ipc';

export interface LogSnapshot {
  lines: readonly LogEntry[];
  /** The steps that have lines, in the order they first appeared. */
  steps: readonly string[];
}

export interface LogStore {
  append: (entries: LogEntry[]) => void;
  getSnapshot: () => LogSnapshot;
  subscribe: (listener: () => void) => () => void;
}

export function createLogStore(): LogStore {
  let snap: LogSnapshot = { lines: [], steps: [] };
  const listeners = new Set<() => void>();
  return {
    append(entries) {
      if (!entries.length) return;
      const known = new Set(snap.steps);
      const steps = [...snap.steps];
      for (const e of entries) {
        if (!e.stepId || known.has(e.stepId)) continue;
        known.add(e.stepId);
        steps.push(e.stepId);
      }
      snap = { lines: snap.lines.concat(entries), steps };
      listeners.forEach((l) => l());
    },
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Hands lines to the store once per animation frame, however many arrive in between. */
export function frameBatcher(store: LogStore, schedule: (f: () => void) => void = (f) => requestAnimationFrame(f)): (e: LogEntry) => void {
  let pending: LogEntry[] = [];
  let scheduled = false;
  return (e) => {
    pending.push(e);
    if (scheduled) return;
    scheduled = true;
    schedule(() => {
      scheduled = false;
      const batch = pending;
      pending = [];
      store.append(batch);
    });
  };
}
