// Binds the console to Electron IPC: one ipcMain.handle per contract request (the channel derives from the contract),
// each validating its sender (the app's own main frame) before the dispatcher validates the request itself.
// Events go to the window's webContents on one channel. No sendSync anywhere.
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcMain } from 'electron';
import type { Logger } from '../../services/shared/logger.js';
import { REQUEST_NAMES, ipcChannel } from '../console/contract/console-api.js';
import type { Dispatcher, DispatchResult } from '../console/api/dispatch.js';
import type { AnyEvent, EventListener } from '../console/events/event-hub.js';

export interface IpcBindingDeps {
  dispatch: Dispatcher;
  subscribe: (listener: EventListener) => () => void;
  /** true when the URL is the app's own renderer (see isAppUrl in window.ts) */
  trustedUrl: (url: string) => boolean;
  /** the app window's contents (only it may call, only it is pushed to) */
  contents: () => WebContents | undefined;
  logger: Logger;
}

export function bindIpc(deps: IpcBindingDeps): () => void {
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    const contents = deps.contents();
    return (
      contents !== undefined &&
      event.sender === contents &&
      frame !== null &&
      frame.parent === null && // the main frame, not an iframe
      deps.trustedUrl(frame.url)
    );
  };

  for (const name of REQUEST_NAMES) {
    ipcMain.handle(ipcChannel.request(name), async (event, request: unknown): Promise<DispatchResult> => {
      if (!trusted(event)) {
        deps.logger.warn({ name, url: event.senderFrame?.url }, 'IPC request refused: untrusted sender');
        return { ok: false, error: { code: 'UNAUTHORIZED', message: 'this page may not use the console' } };
      }
      return deps.dispatch(name, request);
    });
  }

  const unsubscribe = deps.subscribe((event: AnyEvent) => {
    const contents = deps.contents();
    if (contents === undefined || contents.isDestroyed()) return;
    contents.send(ipcChannel.events, { name: event.name, payload: event.payload });
  });

  return () => {
    unsubscribe();
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(ipcChannel.request(name));
  };
}
