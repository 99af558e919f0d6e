/**
 * The IPC contract on both sides. The Electron glue is loaded only with `electron` mocked
 * (under plain Node, require('electron') would try to download the binary).
 */
import { describe, expect, it, vi } from 'vitest';
import { METHODS as PRELOAD_METHODS } from '../../src/shared/ipc-methods';
import { REQUESTS, parseRequest } from '../../src/shared/ipc';

const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: { handle: (channel: string, fn: (event: unknown, payload: unknown) => Promise<unknown>) => handlers.set(channel, fn) },
}));

describe('the contract', () => {
  it('the preload exposes exactly the methods main validates', () => {
    expect([...PRELOAD_METHODS].sort()).toEqual(Object.keys(REQUESTS).sort());
  });

  it('payloads are validated', () => {
    expect(parseRequest('retryStep', { stepId: 'site' })).toEqual({ stepId: 'site' });
    expect(() => parseRequest('retryStep', { stepId: 'rm -rf /' })).toThrow('Invalid payload for retryStep');
    expect(() => parseRequest('retryStep', { stepId: 'site', extra: 1 })).toThrow();
    expect(() => parseRequest('getPlan', 'C:\\evil.ps1')).toThrow('Invalid payload for getPlan');
  });
});

describe('the Electron glue (electron mocked)', () => {
  it('registers one handler per method, rejects other senders and validates payloads', async () => {
    const { registerContract } = await import('../../src/main/electron/ipc-main');
    const calls: unknown[] = [];
    const service = { retryStep: async (p: unknown) => (calls.push(p), { ok: true, runId: 'r' }) } as never;
    const mainFrame = { url: 'file:///app/out/renderer/index.html' };
    const wc = { mainFrame } as never;
    const rejected: string[] = [];
    registerContract(service, () => wc, 'file:///app/out/renderer', (why) => rejected.push(why));
    expect([...handlers.keys()].sort()).toEqual(PRELOAD_METHODS.map((m) => `django-iis:${m}`).sort());
    const handle = handlers.get('django-iis:retryStep');
    await expect(handle?.({ sender: wc, senderFrame: mainFrame }, { stepId: 'site' })).resolves.toEqual({ ok: true, runId: 'r' });
    expect(calls).toEqual([{ stepId: 'site' }]);
    await expect(handle?.({ sender: {}, senderFrame: { url: 'https://evil.example/' } }, { stepId: 'site' })).rejects.toThrow('Untrusted sender');
    expect(rejected[0]).toContain('https://evil.example/');
    await expect(handle?.({ sender: wc, senderFrame: mainFrame }, { stepId: 'nope' })).rejects.toThrow('Invalid payload');
    expect(calls).toHaveLength(1);
  });
});
