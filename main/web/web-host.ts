// Web mode's transport: serves the built renderer and binds the console to a WebSocket on 127.0.0.1, guarded by a
// random token (in the URL `?token=` or as the first message `{type:'auth'}`). A wrong token in the URL is refused at the
// upgrade (HTTP 401); a connection without one must authenticate first or is closed with 4401 before anything runs.
// Every request is validated against the contract by the console's dispatcher.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../services/shared/logger.js';
import {
  WS_CLOSE_UNAUTHORIZED,
  WS_PATH,
  WsClientMessage,
  type ConsoleError,
  type EventName,
  type WsServerMessage,
} from '../console/contract/console-api.js';
import type { Dispatcher } from '../console/api/dispatch.js';
import type { AnyEvent, EventListener } from '../console/events/event-hub.js';

export interface WebHostDeps {
  dispatch: Dispatcher;
  subscribe: (listener: EventListener) => () => void;
  logger: Logger;
  /** the built renderer (dist/renderer); when it has no index.html a page says how to build it */
  rendererDir: string;
  /** 0 = a free port */
  port: number;
  /** default: 32 random bytes, hex */
  token?: string;
  /** how long an unauthenticated connection may wait before sending its token (default 5 s) */
  authTimeoutMs?: number;
  /** origins besides the page's own that may open the WebSocket (a dev server); default none */
  extraOrigins?: readonly string[];
}

export interface WebHost {
  readonly port: number;
  readonly token: string;
  /** http://127.0.0.1:PORT/?token=… */
  readonly url: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** events a slow client may miss (the `seq` gap tells it to re-fetch); the others are always sent */
const DROPPABLE = new Set<EventName>(['tail:batch', 'services:log', 'timeline:batch']);
const MAX_BUFFERED = 8 * 1024 * 1024;
const MAX_MESSAGE = 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Eventscope</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Eventscope is running, but its user interface is not built yet</h1>
<p>Build it once with <code>npm run build</code> (it writes <code>dist/renderer</code>), then reload this page.</p>
<p>The console API is already listening on this address (WebSocket <code>${WS_PATH}</code>).</p>
</body></html>`;

export async function startWebHost(deps: WebHostDeps): Promise<WebHost> {
  const token = deps.token ?? randomBytes(32).toString('hex');
  const authTimeoutMs = deps.authTimeoutMs ?? 5000;
  const clients = new Set<WebSocket>();
  let port = 0;

  /**
   * A browser sends the page's Origin with every WebSocket handshake: only our own page may open one (a page on any
   * other origin is refused even with the token). Clients that are not browsers send none; they are judged by the token.
   */
  const originAllowed = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return (
      origin === `http://${HOST}:${port}` ||
      origin === `http://localhost:${port}` ||
      (deps.extraOrigins ?? []).includes(origin)
    );
  };

  const hostAllowed = (req: IncomingMessage) => {
    // DNS-rebinding guard: only our own loopback names.
    const host = req.headers.host ?? '';
    return host === `${HOST}:${port}` || host === `localhost:${port}`;
  };

  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');

  const serveStatic = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const root = path.resolve(deps.rendererDir);
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, `.${rel}`);
    const headers = {
      'content-security-policy': csp(),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    };
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    const tryFile = async (f: string) => {
      try {
        if ((await stat(f)).isFile()) return await readFile(f);
      } catch {
        // not there
      }
      return undefined;
    };
    let body = await tryFile(file);
    let type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    if (body === undefined && path.extname(file) === '') {
      body = await tryFile(path.join(root, 'index.html')); // client-side routes
      type = TYPES['.html']!;
    }
    if (body === undefined) {
      const built = await tryFile(path.join(root, 'index.html'));
      if (built === undefined) res.writeHead(200, { ...headers, 'content-type': TYPES['.html']! }).end(NOT_BUILT);
      else res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': type }).end(body);
  };

  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421).end('misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(req, res).catch((err: unknown) => {
      deps.logger.error({ err }, 'static file failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });

  const send = (ws: WebSocket, msg: WsServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  const unsubscribe = deps.subscribe((event: AnyEvent) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ type: 'event', name: event.name, payload: event.payload } satisfies WsServerMessage);
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (DROPPABLE.has(event.name) && ws.bufferedAmount > MAX_BUFFERED) continue;
      ws.send(text);
    }
  });

  const onRequest = (ws: WebSocket, raw: string) => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      send(ws, { type: 'response', id: -1, ok: false, error: { code: 'INVALID_INPUT', message: 'not JSON' } });
      return;
    }
    const rawId = (json as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'number' && Number.isInteger(rawId) ? rawId : -1;
    const frame = WsClientMessage.safeParse(json);
    if (!frame.success || frame.data.type !== 'request') {
      const error: ConsoleError = {
        code: 'INVALID_INPUT',
        message: 'not a console request frame: {type:"request", id, name, request}',
      };
      send(ws, { type: 'response', id, ok: false, error });
      return;
    }
    const { name, request } = frame.data;
    deps.dispatch(name, request).then(
      (result) =>
        send(
          ws,
          result.ok
            ? { type: 'response', id, ok: true, response: result.response }
            : { type: 'response', id, ok: false, error: result.error },
        ),
      (err: unknown) => {
        deps.logger.error({ err }, 'dispatch failed');
        send(ws, {
          type: 'response',
          id,
          ok: false,
          error: { code: 'INTERNAL', message: 'the console failed to answer' },
        });
      },
    );
  };

  const accept = (ws: WebSocket, authenticated: boolean) => {
    let authed = authenticated;
    const admit = () => {
      authed = true;
      clients.add(ws);
      send(ws, { type: 'ready' });
    };
    const timer = authed ? undefined : setTimeout(() => ws.close(WS_CLOSE_UNAUTHORIZED, 'no token'), authTimeoutMs);
    if (authed) admit();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      if (!authed) {
        // Nothing but a valid auth message is looked at before authentication.
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          msg = undefined;
        }
        const frame = WsClientMessage.safeParse(msg);
        clearTimeout(timer);
        if (frame.success && frame.data.type === 'auth' && sameToken(frame.data.token, token)) admit();
        else ws.close(WS_CLOSE_UNAUTHORIZED, 'wrong or missing token');
        return;
      }
      onRequest(ws, text);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      clients.delete(ws);
    });
    ws.on('error', (err) => deps.logger.warn({ err: err.message }, 'websocket error'));
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const refuse = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!hostAllowed(req)) return refuse(421, 'Misdirected Request');
    if (!originAllowed(req)) {
      deps.logger.warn({ origin: req.headers.origin }, 'websocket refused: foreign origin');
      return refuse(403, 'Forbidden');
    }
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    const given = url.searchParams.get('token');
    if (given !== null && !sameToken(given, token)) {
      deps.logger.warn('websocket refused: wrong token');
      return refuse(401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, given !== null));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    wsUrl: `ws://${HOST}:${port}${WS_PATH}`,
    async close() {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
