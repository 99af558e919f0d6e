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
    const mainFrame = { url: 'app://bundle/index.html' };
    const wc = { mainFrame } as never;
    const rejected: string[] = [];
    registerContract(service, () => wc, 'app://bundle', (why) => rejected.push(why));
    expect([...handlers.keys()].sort()).toEqual(PRELOAD_METHODS.map((m) => `django-iis:${m}`).sort());
    const handle = handlers.get('django-iis:retryStep');
    await expect(handle?.({ sender: wc, senderFrame: mainFrame }, { stepId: 'site' })).resolves.toEqual({ ok: true, runId: 'r' });
    expect(calls).toEqual([{ stepId: 'site' }]);
    await expect(handle?.({ sender: {}, senderFrame: { url: 'https://evil.example/' } }, { stepId: 'site' })).rejects.toThrow('Untrusted sender');
    expect(rejected[0]).toContain('https://evil.example/');
    await expect(handle?.({ sender: wc, senderFrame: mainFrame }, { stepId: 'nope' })).rejects.toThrow('Invalid payload');
    expect(calls).toHaveLength(1);
    // The origin must match exactly: a longer host or another scheme that starts the same way is not ours.
    for (const url of ['app://bundle.evil/index.html', 'app://bundlex/', 'file:///app/out/renderer/index.html', 'http://bundle/']) {
      const frame = { url };
      const other = { mainFrame: frame } as never;
      registerContract(service, () => other, 'app://bundle', (why) => rejected.push(why));
      await expect(handlers.get('django-iis:retryStep')?.({ sender: other, senderFrame: frame }, { stepId: 'site' })).rejects.toThrow('Untrusted sender');
    }
  });
});

describe('the Electron security checklist (pure parts, electron mocked)', () => {
  it('the dev server only when not packaged and on loopback; app:// otherwise, never file://', async () => {
    const { rendererEntry } = await import('../../src/main/electron/security');
    expect(rendererEntry(true, 'http://localhost:5173/')).toEqual({ url: 'app://bundle/index.html', origin: 'app://bundle' });
    expect(rendererEntry(false, 'http://localhost:5173/')).toEqual({ url: 'http://localhost:5173/', origin: 'http://localhost:5173' });
    expect(rendererEntry(false, 'https://evil.example/')).toEqual({ url: 'app://bundle/index.html', origin: 'app://bundle' });
    expect(rendererEntry(false, undefined).url.startsWith('app://')).toBe(true);
  });

  it('app:// serves files of the renderer folder only', async () => {
    const { appFile } = await import('../../src/main/electron/security');
    expect(appFile('app://bundle/index.html', '/r')).toBe('/r/index.html');
    expect(appFile('app://bundle/', '/r')).toBe('/r/index.html');
    expect(appFile('app://bundle/assets/a.js', '/r')).toBe('/r/assets/a.js');
    expect(appFile('app://bundle/..%2F..%2Fetc%2Fpasswd', '/r')).toBeUndefined();
    expect(appFile('app://bundle/%2e%2e/x', '/r')).toBe('/r/x'); // the URL parser resolves it at the root
    expect(appFile('app://other/index.html', '/r')).toBeUndefined();
  });

  it('every web contents: no new window, no navigation or redirect away, no webview, every permission check and request refused', async () => {
    const { guardContents } = await import('../../src/main/electron/security');
    const listeners = new Map<string, (e: { preventDefault(): void; url?: string }, url?: string) => void>();
    let openHandler: (() => { action: string }) | undefined;
    let check: (() => boolean) | undefined;
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    const contents = {
      setWindowOpenHandler: (h: () => { action: 'deny' }) => (openHandler = h),
      on: (event: string, l: (e: { preventDefault(): void; url?: string }, url?: string) => void) => listeners.set(event, l),
      session: { setPermissionCheckHandler: (h: () => boolean) => (check = h), setPermissionRequestHandler: (h: (wc: unknown, p: string, cb: (ok: boolean) => void) => void) => (request = h) },
    };
    guardContents(contents, 'app://bundle');
    expect(openHandler?.()).toEqual({ action: 'deny' });
    const prevented = (event: string, url: string) => {
      let p = false;
      listeners.get(event)?.({ preventDefault: () => (p = true), url }, url);
      return p;
    };
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(prevented(ev, 'https://evil.example/'), ev).toBe(true);
      expect(prevented(ev, 'app://bundle.evil/'), ev).toBe(true);
      expect(prevented(ev, 'app://bundle/index.html'), ev).toBe(false);
    }
    expect(prevented('will-attach-webview', 'app://bundle/')).toBe(true);
    expect(check?.()).toBe(false);
    let granted: boolean | undefined;
    request?.(undefined, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });
});
