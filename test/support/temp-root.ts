/**
 * Global setup for Vitest and Playwright: every temporary folder a test makes (simulated servers,
 * copies, logs, Chromium's profile) goes under one folder of this run, removed when the run ends,
 * so tests leave nothing in the system's temp folder. Works because os.tmpdir() reads TMPDIR on
 * every call and the test workers are started after this, with this environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(path.join(os.tmpdir(), 'django-iis-tests-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
