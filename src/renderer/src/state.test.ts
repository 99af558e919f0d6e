import { describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/plan';
import { initialState, reducer, sectionStatus } from './state';

const plan: Plan = {
  createdAt: '2026-11-23T00:00:00Z',
  project: { inspected: false, notes: [], warnings: [], pythonVersion: '3.14.6', pythonSource: 'the default' },
  conflicts: [],
  host: { kind: 'simulated', productName: 'Windows Server 2022 (simulated)' },
  steps: [
    { id: 'preflight', title: 'Check the server', section: 'prepare', dependsOn: [], status: 'done', reason: 'ok', actions: [] },
    { id: 'iis', title: 'Enable IIS with CGI', section: 'iis', dependsOn: ['preflight'], status: 'needed', reason: 'IIS-CGI is not enabled', actions: [{ kind: 'exec', description: 'Enable IIS', file: 'dism.exe', args: ['/Online'] }] },
  ],
};

describe('wizard state', () => {
  it('shows the plan, then follows the run events', () => {
    let s = reducer(initialState, { type: 'plan', plan });
    expect(sectionStatus(s, 'prepare')).toBe('done');
    expect(sectionStatus(s, 'iis')).toBe('needed');
    expect(sectionStatus(s, 'python')).toBe('idle');
    s = reducer(s, { type: 'bridge', event: { kind: 'engine', event: { type: 'run-started', runId: 'r', steps: plan.steps.map(({ id, title, section }) => ({ id, title, section })) } } });
    s = reducer(s, { type: 'bridge', event: { kind: 'engine', event: { type: 'step-state', runId: 'r', stepId: 'iis', state: 'running' } } });
    expect(sectionStatus(s, 'iis')).toBe('running');
    s = reducer(s, { type: 'bridge', event: { kind: 'engine', event: { type: 'output', runId: 'r', stepId: 'iis', stream: 'stdout', line: 'Enabling feature(s)' } } });
    s = reducer(s, { type: 'bridge', event: { kind: 'engine', event: { type: 'step-state', runId: 'r', stepId: 'iis', state: 'failed', problem: { what: 'DISM failed', why: 'x', fix: 'y' } } } });
    expect(s.steps.iis?.output).toEqual(['Enabling feature(s)']);
    expect(s.steps.iis?.problem?.what).toBe('DISM failed');
    expect(sectionStatus(s, 'iis')).toBe('failed');
    s = reducer(s, { type: 'bridge', event: { kind: 'engine', event: { type: 'run-finished', runId: 'r', outcome: 'failed', restartRequired: false, mutatingCommands: 1 } } });
    expect(s.running).toBe(false);
    expect(s.outcome).toBe('failed');
  });

  it('a verification run by hand updates the Verification badge, failing or passing', () => {
    const withV: Plan = { ...plan, steps: [...plan.steps, { id: 'verification', title: 'Verify the site', section: 'verify', dependsOn: [], status: 'done', reason: 'ok', actions: [] }] };
    let s = reducer(initialState, { type: 'plan', plan: withV });
    const diag = { cause: 'pool-stopped', title: 'The application pool is stopped', what: 'w', why: 'y', fix: 'f', urls: ['http://localhost:81/'], evidence: [], fixable: true, fixSteps: ['app-pool' as const] };
    s = reducer(s, { type: 'verification', report: { ok: false, probes: [], diagnoses: [diag], simulated: [], warnings: [] } });
    expect(s.steps.verification?.state).toBe('failed');
    expect(sectionStatus(s, 'verify')).toBe('failed');
    expect(s.steps.verification?.detail).toContain('The application pool is stopped');
    s = reducer(s, { type: 'verification', report: { ok: true, probes: [], diagnoses: [], simulated: [], warnings: [] } });
    expect(s.steps.verification?.state).toBe('done');
  });

  it('moves between the screens and keeps the checks', () => {
    let s = reducer(initialState, { type: 'go', screen: 'checks' });
    expect(s.screen).toBe('checks');
    s = reducer(s, { type: 'checks', lines: [{ id: 'port', label: 'Port 81', level: 'error', detail: 'in use', fix: 'stop it' }] });
    expect(s.checks?.[0]?.level).toBe('error');
    expect(reducer(s, { type: 'go', screen: 'finish' }).screen).toBe('finish');
  });
});
