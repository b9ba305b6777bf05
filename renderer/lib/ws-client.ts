// The browser side of web mode: a ConsoleClient over the console's WebSocket bridge. Pure browser code; it imports the
// contract as types only (the host validates every request, so the client needs no schemas at run time).
//
// Use: `const client = createWsClientFromLocation()` in a page served by main/web/server.ts (the URL it prints carries
// `?token=…`); then `await client.request['stack:status']({})` and `client.subscribe('stack:health', (p) => …)`.
import type {
  ConsoleClient,
  ConsoleClientError,
  ConsoleError,
  ConsoleRequests,
  EventName,
  PayloadOf,
  Unsubscribe,
  WsClientMessage,
  WsServerMessage,
} from '../../main/console/contract/console-api';

/** Mirrors WS_PATH / WS_CLOSE_UNAUTHORIZED of the contract (type-only import: the values are checked below). */
const WS_PATH = '/console' as const;
const WS_CLOSE_UNAUTHORIZED = 4401 as const;

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface WsConsoleClient extends ConsoleClient {
  /** Connection state changes (open, closed → reconnecting, unauthorized → gives up). */
  onConnection(listener: (state: ConnectionState) => void): Unsubscribe;
  readonly connection: ConnectionState;
  close(): void;
}

export interface WsClientOptions {
  /** ws://127.0.0.1:PORT/console */
  url: string;
  token: string;
  /** how long a request may wait for its response (default 120 s: stack:up takes a while) */
  requestTimeoutMs?: number;
  /** reconnect attempts after the connection drops (default 30, 1 s apart, growing to 5 s) */
  maxReconnects?: number;
  /** for tests */
  WebSocketImpl?: typeof WebSocket;
}

function clientError(error: ConsoleError): ConsoleClientError {
  const err = new Error(error.message) as ConsoleClientError;
  err.name = 'ConsoleClientError';
  err.code = error.code;
  if (error.details !== undefined) err.details = error.details;
  return err;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: ConsoleClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function createWsClient(options: WsClientOptions): WsConsoleClient {
  const { url, token, requestTimeoutMs = 120_000, maxReconnects = 30 } = options;
  const WS = options.WebSocketImpl ?? WebSocket;
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const pending = new Map<number, Pending>();
  /** requests sent before the socket is ready wait here */
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | undefined;
  let ready = false;
  let closedByUser = false;
  let reconnects = 0;
  let state: ConnectionState = 'connecting';

  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const l of connectionListeners) l(next);
  };

  const failAll = (error: ConsoleError) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(clientError(error));
      pending.delete(id);
    }
    queue.length = 0;
  };

  const connect = () => {
    const u = new URL(url);
    u.searchParams.set('token', token);
    const ws = new WS(u.toString());
    socket = ws;
    ready = false;
    setState('connecting');
    ws.onmessage = (ev: MessageEvent) => {
      let msg: WsServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as WsServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'ready') {
        ready = true;
        reconnects = 0;
        setState('open');
        for (const frame of queue.splice(0)) ws.send(frame);
      } else if (msg.type === 'response') {
        const p = pending.get(msg.id);
        if (p === undefined) return;
        pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.response);
        else p.reject(clientError(msg.error));
      } else if (msg.type === 'event') {
        const set = listeners.get(msg.name);
        if (set === undefined) return;
        for (const l of set) {
          try {
            l(msg.payload as never);
          } catch (err) {
            console.error('console event listener failed', msg.name, err);
          }
        }
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      ready = false;
      if (ev.code === WS_CLOSE_UNAUTHORIZED) {
        setState('unauthorized');
        failAll({ code: 'UNAUTHORIZED', message: 'the console refused the connection: wrong or missing token' });
        return;
      }
      failAll({ code: 'BROKER_UNAVAILABLE', message: 'the connection to the console closed' });
      setState('closed');
      if (closedByUser || reconnects >= maxReconnects) return;
      reconnects += 1;
      setTimeout(connect, Math.min(5000, 1000 * reconnects));
    };
  };

  const send = (name: string, request: unknown): Promise<unknown> =>
    new Promise((resolve, reject: (err: ConsoleClientError) => void) => {
      if (state === 'unauthorized' || closedByUser) {
        reject(clientError({ code: 'UNAUTHORIZED', message: 'not connected to the console' }));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(clientError({ code: 'TIMEOUT', message: `${name}: no answer within ${requestTimeoutMs} ms` }));
      }, requestTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      const frame: WsClientMessage = { type: 'request', id, name, request };
      const text = JSON.stringify(frame);
      if (ready && socket !== undefined) socket.send(text);
      else queue.push(text);
    });

  // One function per contract name, resolved lazily: the names are checked by the host against the contract.
  const request = new Proxy({} as ConsoleRequests, {
    get: (_target, name) => (typeof name === 'string' ? (req: unknown) => send(name, req) : undefined),
  });

  connect();

  return {
    request,
    subscribe<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      const l = listener as (payload: never) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => {
        connectionListeners.delete(listener);
      };
    },
    get connection() {
      return state;
    },
    close() {
      closedByUser = true;
      socket?.close();
      failAll({ code: 'BROKER_UNAVAILABLE', message: 'the client was closed' });
    },
  };
}

/** The client for a page served by the web host: same host, token from `?token=` of the page URL. */
export function createWsClientFromLocation(loc: Location = window.location): WsConsoleClient {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWsClient({ url: `${scheme}//${loc.host}${WS_PATH}`, token });
}
