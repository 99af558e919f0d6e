// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config';
import type { BridgeEvent, DjangoIisApi } from '../../shared/ipc';
import { SECTIONS } from '../../shared/steps';
import { App } from './App';

function fakeBridge(): { api: DjangoIisApi; emit: (e: BridgeEvent) => void; sent: { method: string; payload: unknown }[] } {
  const listeners = new Set<(e: BridgeEvent) => void>();
  const sent: { method: string; payload: unknown }[] = [];
  const api = {
    getStartup: async () => ({ productName: 'Django IIS Setup', version: '9.9.9', defaults: defaultConfig(), defaultsFrom: 'built-in', existing: [], sections: SECTIONS, host: { kind: 'simulated' as const, productName: 'Windows Server 2022 (simulated)' }, logFile: '/tmp/x.log' }),
    runChecks: async (p: Record<string, unknown>) => {
      sent.push({ method: 'runChecks', payload: p });
      return { ok: true as const, lines: [{ id: 'elevation', label: 'Administrator rights', level: 'ok', detail: 'The tool runs elevated.' }] };
    },
    validateConfig: async (p: Record<string, unknown>) => {
      sent.push({ method: 'validateConfig', payload: p });
      return p.port === 0 ? { ok: false as const, problems: [{ key: 'port', message: 'port must be from 1 to 65535.' }] } : { ok: true as const, config: defaultConfig() };
    },
    onEvent: (l: (e: BridgeEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as DjangoIisApi;
  return { api, sent, emit: (e) => listeners.forEach((l) => l(e)) };
}

afterEach(cleanup);

describe('the wizard', () => {
  it('starts on Welcome with the guide down the side and the log from main; Checks, then Settings validated as you type; it only sends intents', async () => {
    const b = fakeBridge();
    (window as unknown as { djangoIIS: DjangoIisApi }).djangoIIS = b.api;
    render(<App />);
    expect(await screen.findByTestId('host-badge')).toHaveProperty('textContent', 'Rehearsal on a simulated server: Windows Server 2022 (simulated)');
    expect(screen.getByTestId('screen-welcome').textContent).toContain('What it installs and changes on this server');
    for (const s of SECTIONS) expect(screen.getByTestId(`nav-${s.id}`).textContent).toContain(s.title);
    act(() => b.emit({ kind: 'log', entry: { level: 'info', message: 'hello from main', timestamp: '2026-11-23T10:00:00.000Z', source: 'main' } }));
    await waitFor(() => expect(screen.getByTestId('log').textContent).toContain('hello from main'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('next'));
    });
    expect(await screen.findByTestId('check-elevation')).toBeTruthy();
    fireEvent.click(screen.getByTestId('next'));
    expect(screen.getByTestId('screen-settings')).toBeTruthy();
    fireEvent.change(screen.getByTestId('field-port'), { target: { value: '0' } });
    expect(await screen.findByText('port must be from 1 to 65535.', {}, { timeout: 2000 })).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>('next').disabled).toBe(true);
    expect(b.sent.find((x) => x.method === 'validateConfig' && (x.payload as { port?: number }).port === 0)?.payload).toMatchObject({ siteName: 'foo', port: 0, appDir: 'C:\\apps\\foo' });
  });
});
