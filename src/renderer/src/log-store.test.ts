import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/ipc';
import { createLogStore, frameBatcher } from './log-store';

const line = (i: number, stepId?: string): LogEntry => ({ level: 'info', message: `m${i}`, timestamp: '', source: 'main', ...(stepId ? { stepId } : {}) });

describe('the log store', () => {
  it('keeps every line, batch by batch, never changing a snapshot it handed out; knows the steps in order', () => {
    const s = createLogStore();
    let calls = 0;
    s.subscribe(() => calls++);
    const first = s.getSnapshot();
    for (let b = 0; b < 20; b++) s.append(Array.from({ length: 1000 }, (_, i) => line(b * 1000 + i, i % 2 ? 'iis' : b > 10 ? 'python' : undefined)));
    expect(s.getSnapshot().lines).toHaveLength(20_000);
    expect(s.getSnapshot().lines[0]?.message).toBe('m0');
    expect(s.getSnapshot().steps).toEqual(['iis', 'python']);
    expect(first.lines).toHaveLength(0);
    expect(calls).toBe(20);
    s.append([]);
    expect(calls).toBe(20);
  });

  it('hands the lines over once per frame', () => {
    const s = createLogStore();
    const frames: (() => void)[] = [];
    const add = frameBatcher(s, (f) => frames.push(f));
    for (let i = 0; i < 500; i++) add(line(i));
    expect(frames).toHaveLength(1);
    expect(s.getSnapshot().lines).toHaveLength(0);
    frames[0]?.();
    expect(s.getSnapshot().lines).toHaveLength(500);
    add(line(500));
    expect(frames).toHaveLength(2);
  });
});
