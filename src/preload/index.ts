/**
 * The bridge: exposes exactly the IPC contract as window.djangoIIS, one method per intent,
 * nothing raw (no ipcRenderer, no channels, no Node). Runs sandboxed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNEL_PREFIX, EVENT_CHANNEL, METHODS } from '../shared/ipc-methods';
import type { BridgeEvent, DjangoIisApi } from '../shared/ipc';

const api = Object.fromEntries(METHODS.map((m) => [m, (payload: unknown) => ipcRenderer.invoke(`${CHANNEL_PREFIX}${m}`, payload)])) as Omit<DjangoIisApi, 'onEvent'>;

const bridge: DjangoIisApi = {
  ...api,
  onEvent(listener: (e: BridgeEvent) => void) {
    const handler = (_e: IpcRendererEvent, data: BridgeEvent) => listener(data);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('djangoIIS', bridge);
