/**
 * The only place that touches ipcMain: registers one handler per contract method, checks the
 * sender (our window's main frame, loaded from our own files) and validates every payload.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNEL_PREFIX, EVENT_CHANNEL, METHODS, type BridgeEvent } from '../../shared/ipc';
import type { DeploymentService } from '../service/deployment-service';
import { dispatch } from '../service/dispatch';
import { sameOrigin } from './security';

/** Our window's main frame, at exactly the renderer's origin (scheme, host and port: not a prefix of a URL). */
export function isTrustedSender(event: IpcMainInvokeEvent, window: WebContents, origin: string): boolean {
  const frame = event.senderFrame;
  return event.sender === window && !!frame && frame === window.mainFrame && sameOrigin(frame.url, origin);
}

export function registerContract(service: DeploymentService, getWindow: () => WebContents | undefined, origin: string, onReject: (why: string) => void): void {
  for (const method of METHODS) {
    ipcMain.handle(`${CHANNEL_PREFIX}${method}`, async (event, payload: unknown) => {
      const wc = getWindow();
      if (!wc || !isTrustedSender(event, wc, origin)) {
        onReject(`Rejected ${method} from an untrusted sender (${event.senderFrame?.url ?? 'no frame'})`);
        throw new Error('Untrusted sender');
      }
      return dispatch(service, method, payload);
    });
  }
}

export function sendEvent(wc: WebContents | undefined, e: BridgeEvent): void {
  if (wc && !wc.isDestroyed()) wc.send(EVENT_CHANNEL, e);
}
