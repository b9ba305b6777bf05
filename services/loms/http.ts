// The LOMS HTTP API (the course's gateway contract) and the relay admin paths, on node:http.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { AppError, toAppError, type AppErrorCode } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { RELAY_ADMIN_PATHS, type RelayStatus } from '../lab-d/schema.js';
import type { OrderStore } from './store.js';
import { CreateOrderRequest, OrderIdRequest, SkuQuery, mergeItems, parseJsonBody, parseRequest } from './validation.js';

export interface RelayControl {
  status(): Promise<RelayStatus>;
  pause(): void;
  resume(): void;
}

const MAX_BODY_BYTES = 1 << 20;

const STATUS_BY_CODE: Partial<Record<AppErrorCode, number>> = {
  INVALID_INPUT: 400,
  INSUFFICIENT_STOCK: 400,
  // The course's gateway maps FailedPrecondition (an invalid transition) to 400 as well.
  CONFLICT: 400,
  NOT_FOUND: 404,
  DB_ERROR: 503,
  KAFKA_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

export function httpStatusOf(err: AppError): number {
  return STATUS_BY_CODE[err.code] ?? 500;
}

type Handler = (req: IncomingMessage, url: URL) => Promise<unknown>;

export function createLomsHandler(store: OrderStore, relay: RelayControl, logger: Logger) {
  const routes = new Map<string, Handler>([
    [
      'POST /order/create',
      async (req) => {
        const body = parseRequest(CreateOrderRequest, parseJsonBody(await readBody(req)));
        const result = await store.createOrder(body.userId, mergeItems(body.items));
        if (result.shortage) {
          const { index, sku, requested, available } = result.shortage;
          const original = body.items.findIndex((i) => i.sku === sku); // index in the request, before repeated skus were merged
          const field = `items[${original >= 0 ? original : index}].count`;
          throw new AppError(
            'INSUFFICIENT_STOCK',
            `${field}: insufficient stock for sku ${sku} (requested ${requested}, available ${available}); order ${result.orderId} failed`,
            {
              field,
              orderId: result.orderId,
              sku,
              requested,
              available,
            },
          );
        }
        return { orderId: result.orderId };
      },
    ],
    [
      'GET /order/info',
      async (_req, url) => {
        const { orderId } = parseRequest(OrderIdRequest, { orderId: url.searchParams.get('orderId') ?? undefined });
        return store.getOrder(orderId);
      },
    ],
    [
      'POST /order/pay',
      async (req) => {
        const { orderId } = parseRequest(OrderIdRequest, parseJsonBody(await readBody(req)));
        await store.pay(orderId);
        return {};
      },
    ],
    [
      'POST /order/cancel',
      async (req) => {
        const { orderId } = parseRequest(OrderIdRequest, parseJsonBody(await readBody(req)));
        await store.cancel(orderId);
        return {};
      },
    ],
    [
      'GET /stock/info',
      async (_req, url) => {
        const { sku } = parseRequest(SkuQuery, { sku: url.searchParams.get('sku') ?? undefined });
        return { count: await store.stockInfo(sku) };
      },
    ],
    ['GET /healthz', () => Promise.resolve({ ok: true })],
    [`GET ${RELAY_ADMIN_PATHS.status}`, () => relay.status()],
    [
      `POST ${RELAY_ADMIN_PATHS.pause}`,
      () => {
        relay.pause();
        return relay.status();
      },
    ],
    [
      `POST ${RELAY_ADMIN_PATHS.resume}`,
      () => {
        relay.resume();
        return relay.status();
      },
    ],
  ]);
  const knownPaths = new Set([...routes.keys()].map((k) => k.split(' ')[1]));

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(`${req.method ?? 'GET'} ${url.pathname}`);
    try {
      if (!handler) {
        if (knownPaths.has(url.pathname))
          throw new AppError('INVALID_INPUT', `method ${req.method} not allowed on ${url.pathname}`, { status: 405 });
        throw new AppError('NOT_FOUND', `no route ${req.method} ${url.pathname}`);
      }
      send(res, 200, await handler(req, url));
    } catch (err) {
      const appError = toAppError(err);
      const status = appError.details?.status === 405 ? 405 : httpStatusOf(appError);
      if (status >= 500)
        logger.error(
          {
            err: appError.message,
            code: appError.code,
            path: url.pathname,
            stack: (appError.cause as Error | undefined)?.stack,
          },
          'request failed',
        );
      else logger.debug({ err: appError.message, code: appError.code, path: url.pathname }, 'request rejected');
      send(res, status, appError.toJSON());
    }
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AppError('INVALID_INPUT', `body: larger than ${MAX_BODY_BYTES} bytes`, { field: 'body' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createLomsServer(handler: ReturnType<typeof createLomsHandler>): http.Server {
  return http.createServer((req, res) => {
    void handler(req, res);
  });
}
