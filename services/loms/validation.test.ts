import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/app-error.js';
import { createMemoryLogger } from '../shared/logger.js';
import { createLomsHandler, httpStatusOf, type RelayControl } from './http.js';
import type { OrderStore } from './store.js';
import { CreateOrderRequest, OrderIdRequest, mergeItems, parseJsonBody, parseRequest } from './validation.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('request validation', () => {
  it('accepts the course example and normalises int64 ids to decimal strings', () => {
    expect(parseRequest(CreateOrderRequest, { userId: '1000', items: [{ sku: '1076963', count: 5 }] })).toEqual({
      userId: '1000',
      items: [{ sku: '1076963', count: 5 }],
    });
    expect(parseRequest(CreateOrderRequest, { userId: 1000, items: [{ sku: 1076963, count: '5' }] })).toEqual({
      userId: '1000',
      items: [{ sku: '1076963', count: 5 }],
    });
    expect(parseRequest(OrderIdRequest, { orderId: '9223372036854775807' })).toEqual({
      orderId: '9223372036854775807',
    });
  });

  it.each([
    [{ items: [{ sku: '1', count: 1 }] }, 'userId', /required/],
    [{ userId: 'abc', items: [{ sku: '1', count: 1 }] }, 'userId', /int64/],
    [{ userId: '0', items: [{ sku: '1', count: 1 }] }, 'userId', /positive/],
    [{ userId: '9223372036854775808', items: [{ sku: '1', count: 1 }] }, 'userId', /int64/],
    [{ userId: '1', items: [] }, 'items', /empty/],
    [{ userId: '1', items: 'x' }, 'items', /array/],
    [
      {
        userId: '1',
        items: [
          { sku: '1', count: 1 },
          { sku: '-2', count: 1 },
        ],
      },
      'items[1].sku',
      /int64/,
    ],
    [{ userId: '1', items: [{ sku: '1', count: 0 }] }, 'items[0].count', /uint32/],
    [{ userId: '1', items: [{ sku: '1', count: 1.5 }] }, 'items[0].count', /uint32/],
    [{ userId: '1', items: [{ sku: '1' }] }, 'items[0].count', /required/],
  ])('rejects %j naming %s', (body, field, message) => {
    const err = rejection(() => parseRequest(CreateOrderRequest, body));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.details?.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });

  it('rejects bodies that are not a JSON object', () => {
    for (const text of ['', '{', '[1]', '"x"', 'null']) {
      const err = rejection(() => parseJsonBody(text));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.details?.field).toBe('body');
    }
  });

  it('merges repeated skus', () => {
    expect(
      mergeItems([
        { sku: '1', count: 1 },
        { sku: '2', count: 2 },
        { sku: '1', count: 3 },
      ]),
    ).toEqual([
      { sku: '1', count: 4 },
      { sku: '2', count: 2 },
    ]);
  });

  it('maps error codes to HTTP statuses', () => {
    expect(httpStatusOf(new AppError('INVALID_INPUT', 'x'))).toBe(400);
    expect(httpStatusOf(new AppError('INSUFFICIENT_STOCK', 'x'))).toBe(400);
    expect(httpStatusOf(new AppError('CONFLICT', 'x'))).toBe(400);
    expect(httpStatusOf(new AppError('NOT_FOUND', 'x'))).toBe(404);
    expect(httpStatusOf(new AppError('DB_ERROR', 'x'))).toBe(503);
    expect(httpStatusOf(new AppError('INTERNAL', 'x'))).toBe(500);
  });
});

describe('HTTP handler (store stubbed)', () => {
  async function withServer(store: Partial<OrderStore>, run: (url: string) => Promise<void>): Promise<void> {
    const relay: RelayControl = {
      status: () => Promise.resolve({ paused: false, pending: 0, sent_total: 0, last_error: null }),
      pause: () => undefined,
      resume: () => undefined,
    };
    const handler = createLomsHandler(store as OrderStore, relay, createMemoryLogger().logger);
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('answers 400 naming the field, 404 for an unknown order, 503 when Postgres is down, 400 for a shortage', async () => {
    await withServer(
      {
        getOrder: (id) =>
          Promise.reject(new AppError('NOT_FOUND', `orderId: order ${id} not found`, { field: 'orderId' })),
        pay: () => Promise.reject(new AppError('DB_ERROR', 'Postgres is unavailable: connect ECONNREFUSED')),
        createOrder: () =>
          Promise.resolve({
            orderId: '7',
            status: 'failed',
            shortage: { index: 0, sku: '1076963', requested: 999, available: 265 },
          }),
      },
      async (url) => {
        let res = await fetch(`${url}/order/create`, {
          method: 'POST',
          body: '{"userId":"1","items":[{"sku":"x","count":1}]}',
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'items[0].sku' } });

        res = await fetch(`${url}/order/info?orderId=12x`);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'orderId' } });

        res = await fetch(`${url}/order/info?orderId=12`);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });

        res = await fetch(`${url}/order/pay`, { method: 'POST', body: '{"orderId":"12"}' });
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({
          code: 'DB_ERROR',
          message: expect.stringMatching(/Postgres is unavailable/) as unknown,
        });

        res = await fetch(`${url}/order/create`, {
          method: 'POST',
          body: '{"userId":"1","items":[{"sku":"1076963","count":999}]}',
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({
          code: 'INSUFFICIENT_STOCK',
          details: { field: 'items[0].count', orderId: '7' },
        });

        res = await fetch(`${url}/order/pay`);
        expect(res.status).toBe(405);
        res = await fetch(`${url}/nope`);
        expect(res.status).toBe(404);
      },
    );
  });
});
