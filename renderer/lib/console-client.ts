// Picks the one ConsoleClient of this page: the Electron preload's `window.eventscope` (wrapped by electron-client.ts)
// when present, otherwise the WebSocket client of web mode (token from the page URL).
import type { ConsoleClient, Unsubscribe } from '../../main/console/contract/console-api';
import { createElectronClient } from './electron-client';
import { createWsClientFromLocation, type ConnectionState } from './ws-client';

export interface PageClient {
  client: ConsoleClient;
  mode: 'electron' | 'web';
  /** connection state changes; the Electron client is always open */
  onConnection(listener: (state: ConnectionState) => void): Unsubscribe;
  readonly connection: ConnectionState;
}

export function pickClient(win: Window = window): PageClient {
  const bridge = win.eventscope;
  if (bridge !== undefined) {
    return {
      client: createElectronClient(bridge),
      mode: 'electron',
      onConnection: () => () => undefined,
      connection: 'open',
    };
  }
  const ws = createWsClientFromLocation(win.location);
  return {
    client: ws,
    mode: 'web',
    onConnection: (l) => ws.onConnection(l),
    get connection() {
      return ws.connection;
    },
  };
}

/** The message of whatever a request rejected with (a ConsoleClientError or anything else). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
