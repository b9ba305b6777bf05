// The LOMS HTTP API (the course's gateway contract) and the relay admin paths, on Fastify with the lab services' error
// shape (services/shared/http.ts). The course's clients send JSON with any content type (or none), so every body is
// read as text and parsed here (validation.ts names the field); a body over the limit is 413.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/app-error.js';
import { createHttpServer } from '../../shared/http.js';
import type { Logger } from '../../shared/logger.js';
import { RELAY_ADMIN_PATHS, type RelayStatus } from '../schema.js';
import type { OrderStore } from './store.js';
import { CreateOrderRequest, OrderIdRequest, SkuQuery, mergeItems, parseJsonBody, parseRequest } from './validation.js';

export interface RelayControl {
  status(): Promise<RelayStatus>;
  pause(): void;
  resume(): void;
}

export const MAX_BODY_BYTES = 1 << 20;

/** The course's gateway maps FailedPrecondition (an invalid transition, CONFLICT) to 400 as well. */
export const LOMS_STATUS_BY_CODE = { CONFLICT: 400 } as const;

function query(req: FastifyRequest, name: string): string | undefined {
  return new URL(req.url, 'http://localhost').searchParams.get(name) ?? undefined;
}

function jsonBody(req: FastifyRequest): unknown {
  return parseJsonBody(typeof req.body === 'string' ? req.body : '');
}

export function createLomsApp(
  store: OrderStore,
  relay: RelayControl,
  logger: Logger,
  opts: { bodyLimit?: number } = {},
): FastifyInstance {
  const app = createHttpServer({
    logger,
    bodyLimit: opts.bodyLimit ?? MAX_BODY_BYTES,
    statusByCode: LOMS_STATUS_BY_CODE,
    // a HEAD is not part of the contract: 405 on a known path, as before
    fastify: { exposeHeadRoutes: false },
  });
  // any content type, read as text: parseJsonBody turns it into the object or a 400 naming `body`
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/order/create', async (req) => {
    const body = parseRequest(CreateOrderRequest, jsonBody(req));
    const result = await store.createOrder(body.userId, mergeItems(body.items));
    if (result.shortage) {
      const { index, sku, requested, available } = result.shortage;
      const original = body.items.findIndex((i) => i.sku === sku); // index in the request, before repeated skus were merged
      const field = `items[${original >= 0 ? original : index}].count`;
      throw new AppError(
        'INSUFFICIENT_STOCK',
        `${field}: insufficient stock for sku ${sku} (requested ${requested}, available ${available}); order ${result.orderId} failed`,
        { field, orderId: result.orderId, sku, requested, available },
      );
    }
    return { orderId: result.orderId };
  });
  app.get('/order/info', async (req) => {
    const { orderId } = parseRequest(OrderIdRequest, { orderId: query(req, 'orderId') });
    return store.getOrder(orderId);
  });
  app.post('/order/pay', async (req) => {
    const { orderId } = parseRequest(OrderIdRequest, jsonBody(req));
    await store.pay(orderId);
    return {};
  });
  app.post('/order/cancel', async (req) => {
    const { orderId } = parseRequest(OrderIdRequest, jsonBody(req));
    await store.cancel(orderId);
    return {};
  });
  app.get('/stock/info', async (req) => {
    const { sku } = parseRequest(SkuQuery, { sku: query(req, 'sku') });
    return { count: await store.stockInfo(sku) };
  });
  app.get('/healthz', () => Promise.resolve({ ok: true }));
  app.get(RELAY_ADMIN_PATHS.status, () => relay.status());
  app.post(RELAY_ADMIN_PATHS.pause, () => {
    relay.pause();
    return relay.status();
  });
  app.post(RELAY_ADMIN_PATHS.resume, () => {
    relay.resume();
    return relay.status();
  });
  return app;
}
