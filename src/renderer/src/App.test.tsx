// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config';
import type { BridgeEvent, DjangoIisApi } from '../../shared/ipc';
import { SECTIONS } from '../../shared/steps';
import { App } from './App';

function fakeBridge(): { api: DjangoIisApi; emit: (e: BridgeEvent) => void; sent: unknown[] } {
  const listeners = new Set<(e: BridgeEvent) => void>();
  const sent: unknown[] = [];
  const api = {
    getStartup: async () => ({ productName: 'Django IIS Setup', version: '9.9.9', defaults: defaultConfig(), sections: SECTIONS, host: { kind: 'simulated' as const, productName: 'Windows Server 2022 (simulated)' }, logFile: '/tmp/x.log' }),
    getPlan: async (p: Record<string, unknown>) => {
      sent.push(p);
      return p.port === 0 ? { ok: false as const, problems: [{ key: 'port', message: 'port must be from 1 to 65535.' }] } : { ok: false as const, problems: [] };
    },
    onEvent: (l: (e: BridgeEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as DjangoIisApi;
  return { api, sent, emit: (e) => listeners.forEach((l) => l(e)) };
}

afterEach(cleanup);

describe('the wizard shell', () => {
  it('lists the guide sections, shows the host and the live log from main, and sends intents only', async () => {
    const b = fakeBridge();
    (window as unknown as { djangoIIS: DjangoIisApi }).djangoIIS = b.api;
    render(<App />);
    expect(await screen.findByTestId('host-badge')).toHaveProperty('textContent', 'Rehearsal on a simulated server: Windows Server 2022 (simulated)');
    for (const s of SECTIONS) expect(screen.getByTestId(`nav-${s.id}`).textContent).toContain(s.title);
    act(() => b.emit({ kind: 'log', entry: { level: 'info', message: 'hello from main', timestamp: '2026-11-23T10:00:00.000Z', source: 'main' } }));
    expect(screen.getByTestId('log').textContent).toContain('hello from main');
    fireEvent.change(screen.getByTestId('field-port'), { target: { value: '0' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('review'));
    });
    expect(await screen.findByText('port must be from 1 to 65535.')).toBeTruthy();
    expect(b.sent[0]).toMatchObject({ siteName: 'foo', port: 0, appDir: 'C:\\apps\\foo' });
    fireEvent.click(screen.getByTestId('next'));
    expect(screen.getByTestId('screen-python')).toBeTruthy();
  });
});
