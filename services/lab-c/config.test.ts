import { describe, expect, it } from 'vitest';
import { LAB_C_BROKEN_MODES, parseBrokenMode } from './broken-modes.js';
import { gatewayConfigFromEnv, ordersConfigFromEnv, paymentsConfigFromEnv } from './config.js';
import { pickAmount, toOrder } from './orders.js';

describe('Lab C env config', () => {
  it('maps the brokers onto the link proxies of KAFKA_LINKS, and names the variable when it is malformed', () => {
    const links = { KAFKA_LINKS: '127.0.0.1:9092=127.0.0.1:41001' };
    expect(paymentsConfigFromEnv(links).kafkaLinks).toEqual(new Map([['127.0.0.1:9092', '127.0.0.1:41001']]));
    expect(ordersConfigFromEnv(links).kafkaLinks?.get('127.0.0.1:9092')).toBe('127.0.0.1:41001');
    expect(ordersConfigFromEnv({}).kafkaLinks).toBeUndefined();
    expect(() => paymentsConfigFromEnv({ KAFKA_LINKS: '127.0.0.1:9092' })).toThrow(/KAFKA_LINKS/);
  });

  it('applies the documented defaults (gateway 8090, orders 8091…, payments 8094…, a database per service)', () => {
    expect(gatewayConfigFromEnv({})).toEqual({
      port: 8090,
      host: '127.0.0.1',
      orders: ['http://127.0.0.1:8091', 'http://127.0.0.1:8092', 'http://127.0.0.1:8093'],
      payments: ['http://127.0.0.1:8094', 'http://127.0.0.1:8095', 'http://127.0.0.1:8096'],
    });
    expect(ordersConfigFromEnv({})).toMatchObject({
      port: 8091,
      brokers: ['127.0.0.1:9092'],
      prefix: '',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/lab_c_orders',
      redisUrl: 'redis://127.0.0.1:6379',
      sseChannel: 'sse-updates',
      sseSubscribe: true,
    });
    expect(paymentsConfigFromEnv({ PORT: '8095', INSTANCE: 'payments-2' })).toMatchObject({
      port: 8095,
      instance: 'payments-2',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/lab_c_payments',
      fundsWindowMs: 15_000,
      pauseMs: 0,
    });
    expect(ordersConfigFromEnv({ LAB_C_SSE_SUBSCRIBE: 'false' }).sseSubscribe).toBe(false);
  });

  it('names the variable that is wrong', () => {
    expect(() => ordersConfigFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => paymentsConfigFromEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => ordersConfigFromEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    expect(() => gatewayConfigFromEnv({ LAB_C_ORDERS_URLS: 'localhost:8091' })).toThrow(/LAB_C_ORDERS_URLS/);
    expect(() => paymentsConfigFromEnv({ LAB_C_FUNDS_WINDOW_MS: '-1' })).toThrow(/LAB_C_FUNDS_WINDOW_MS/);
  });
});

describe('Lab C broken modes', () => {
  it('are the four of LABS.md with the invariants they break, all in payments', () => {
    expect(Object.fromEntries(LAB_C_BROKEN_MODES.map((m) => [m.id, m.invariants]))).toEqual({
      'inbox-mark-outside-tx': ['2d', '3'],
      'no-claim-lock': ['2c'],
      'commit-on-error': ['1', '4'],
      'lost-update-balance': ['3'],
    });
    expect(paymentsConfigFromEnv({ LAB_BROKEN_MODE: 'no-claim-lock' }).brokenMode).toBe('no-claim-lock');
    expect(paymentsConfigFromEnv({ LAB_BROKEN_MODE: '' }).brokenMode).toBeUndefined();
  });

  it('refuses an unknown mode, or one of payments on orders, listing the known ones', () => {
    expect(() => parseBrokenMode('payments', 'typo')).toThrow(/unknown; the modes of payments: inbox-mark-outside-tx/);
    expect(() => ordersConfigFromEnv({ LAB_BROKEN_MODE: 'commit-on-error' })).toThrow(
      /applies to payments, not to orders/,
    );
  });
});

describe('Lab C orders', () => {
  it('picks an amount in 100.00–1000.00 with two decimals', () => {
    expect(pickAmount(() => 0)).toBe(100);
    expect(pickAmount(() => 0.999999)).toBe(1000);
    expect(pickAmount(() => 0.123456)).toBe(211.11);
  });

  it('gives an order in the seed client’s shape (camelCase, numbers, nulls)', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(
      toOrder({
        id: 'o',
        user_id: 'u',
        amount: '123.40',
        currency: 'USD',
        status: 'created',
        payment_id: null,
        error_reason: null,
        created_at: at,
        updated_at: at,
      }),
    ).toEqual({
      id: 'o',
      userID: 'u',
      amount: 123.4,
      currency: 'USD',
      status: 'created',
      paymentID: null,
      errorReason: null,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
  });
});
