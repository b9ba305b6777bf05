import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/app-error.js';
import { createMemoryLogger } from '../../shared/logger.js';
import { createLomsApp, type RelayControl } from './http.js';
import type { OrderStore } from './store.js';

const relay: RelayControl = {
  status: () => Promise.resolve({ paused: false, pending: 0, sent_total: 0, last_error: null }),
  pause: () => undefined,
  resume: () => undefined,
};

describe('LOMS HTTP API (store stubbed)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  function appWith(store: Partial<OrderStore>, opts: { bodyLimit?: number } = {}): FastifyInstance {
    app = createLomsApp(store as OrderStore, relay, createMemoryLogger().logger, opts);
    return app;
  }

  it('answers the route256 contract: the bodies and the statuses of the gateway', async () => {
    const a = appWith({
      createOrder: () => Promise.resolve({ orderId: '42', status: 'awaiting payment' }),
      getOrder: () =>
        Promise.resolve({ status: 'awaiting payment', userId: '1000', items: [{ sku: '1076963', count: 5 }] }),
      pay: () => Promise.resolve(),
      cancel: () =>
        Promise.reject(
          new AppError('CONFLICT', 'orderId: order 42 is "paid" and can not become "cancelled"', {
            field: 'orderId',
            orderId: '42',
            status: 'paid',
            requested: 'cancelled',
          }),
        ),
      stockInfo: () => Promise.resolve(265),
    });
    // the course's clients send JSON without a content type, or as text/plain
    let res = await a.inject({
      method: 'POST',
      url: '/order/create',
      payload: '{"userId":"1000","items":[{"sku":"1076963","count":5}]}',
    });
    expect([res.statusCode, res.body]).toEqual([200, '{"orderId":"42"}']);
    res = await a.inject({
      method: 'POST',
      url: '/order/create',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: '{"userId":1000,"items":[{"sku":1076963,"count":"5"}]}',
    });
    expect([res.statusCode, res.body]).toEqual([200, '{"orderId":"42"}']);
    res = await a.inject({ method: 'GET', url: '/order/info?orderId=42' });
    expect([res.statusCode, res.body]).toEqual([
      200,
      '{"status":"awaiting payment","userId":"1000","items":[{"sku":"1076963","count":5}]}',
    ]);
    res = await a.inject({ method: 'POST', url: '/order/pay', payload: { orderId: '42' } });
    expect([res.statusCode, res.body]).toEqual([200, '{}']);
    res = await a.inject({ method: 'POST', url: '/order/cancel', payload: { orderId: '42' } });
    expect(res.statusCode).toBe(400); // an invalid transition is 400 at the course's gateway, not 409
    // the order's status stays in the details (a numeric details.status would be the HTTP status)
    expect(res.body).toBe(
      '{"code":"CONFLICT","message":"orderId: order 42 is \\"paid\\" and can not become \\"cancelled\\"","details":{"field":"orderId","orderId":"42","status":"paid","requested":"cancelled"}}',
    );
    res = await a.inject({ method: 'GET', url: '/stock/info?sku=1076963' });
    expect([res.statusCode, res.body]).toEqual([200, '{"count":265}']);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 400 naming the field, 404 for an unknown order, 503 when Postgres is down, 400 for a shortage', async () => {
    const a = appWith({
      getOrder: (id) =>
        Promise.reject(new AppError('NOT_FOUND', `orderId: order ${id} not found`, { field: 'orderId' })),
      pay: () => Promise.reject(new AppError('DB_ERROR', 'Postgres is unavailable: connect ECONNREFUSED')),
      createOrder: () =>
        Promise.resolve({
          orderId: '7',
          status: 'failed',
          shortage: { index: 0, sku: '1076963', requested: 999, available: 265 },
        }),
    });
    let res = await a.inject({
      method: 'POST',
      url: '/order/create',
      payload: '{"userId":"1","items":[{"sku":"x","count":1}]}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'items[0].sku' } });

    res = await a.inject({ method: 'GET', url: '/order/info?orderId=12x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'orderId' } });

    res = await a.inject({ method: 'GET', url: '/order/info?orderId=12' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });

    res = await a.inject({ method: 'POST', url: '/order/pay', payload: '{"orderId":"12"}' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: 'DB_ERROR',
      message: expect.stringMatching(/Postgres is unavailable/) as unknown,
    });

    res = await a.inject({
      method: 'POST',
      url: '/order/create',
      payload: '{"userId":"1","items":[{"sku":"1076963","count":999}]}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { field: 'items[0].count', orderId: '7' },
    });

    for (const payload of [undefined, '', '{', '[1]', 'null']) {
      res = await a.inject({ method: 'POST', url: '/order/pay', ...(payload === undefined ? {} : { payload }) });
      expect(res.statusCode, String(payload)).toBe(400);
      expect(res.json(), String(payload)).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'body' } });
    }

    res = await a.inject({ method: 'GET', url: '/order/pay' });
    expect(res.statusCode).toBe(405);
    res = await a.inject({ method: 'HEAD', url: '/order/info?orderId=1' });
    expect(res.statusCode).toBe(405);
    res = await a.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'no route GET /nope' });
  });

  it('answers a body over the limit with 413 and the JSON error, without reaching the store', async () => {
    let called = false;
    const a = appWith(
      {
        createOrder: () => {
          called = true;
          return Promise.resolve({ orderId: '1', status: 'awaiting payment' });
        },
      },
      { bodyLimit: 1024 },
    );
    const items = Array.from({ length: 100 }, (_, i) => ({ sku: String(1000 + i), count: 1 }));
    const res = await a.inject({
      method: 'POST',
      url: '/order/create',
      payload: JSON.stringify({ userId: '1', items }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^body: /) as unknown });
    expect(called).toBe(false);
  });
});
