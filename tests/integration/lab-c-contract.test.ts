// Lab C's HTTP and SSE contract (../shared/LABS.md, Lab C), through the gateway in front of orders ×3 and payments ×3
// on real Kafka, Postgres and Redis: every endpoint with its fields, types and status codes, CORS on every answer (the
// preflight, errors and the event stream included), `[]` for a user without orders, 404s, 400 naming the field, and
// the stream: `connected`, then the order when created and at its final status, only that user's, whichever orders
// replica holds the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Order } from '../../services/lab-c/schema.js';
import { startLabC, waitFor, type LabC } from './lab-c/harness.js';

let lab: LabC;

beforeAll(async () => {
  lab = await startLabC({ fundsWindowMs: 300 });
});

afterAll(async () => {
  await lab?.stop();
});

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ORDER_KEYS = [
  'amount',
  'createdAt',
  'currency',
  'errorReason',
  'id',
  'paymentID',
  'status',
  'updatedAt',
  'userID',
];

function expectCors(headers: Headers): void {
  expect(headers.get('access-control-allow-origin')).toBe('*');
}

function expectOrder(o: Order, userId: string): void {
  expect(Object.keys(o).sort()).toEqual(ORDER_KEYS);
  expect(o.id).toMatch(UUID_V7);
  expect(o.userID).toBe(userId);
  expect(typeof o.amount).toBe('number');
  expect(o.amount).toBeGreaterThanOrEqual(100);
  expect(o.amount).toBeLessThanOrEqual(1000);
  expect(Math.round(o.amount * 100)).toBeCloseTo(o.amount * 100, 6);
  expect(o.currency).toBe('USD');
  expect(o.createdAt).toMatch(ISO);
  expect(o.updatedAt).toMatch(ISO);
}

async function newAccount(): Promise<{ id: string; user_id: string; balance: number; created_at: string }> {
  const res = await lab.call<{ id: string; user_id: string; balance: number; created_at: string }>(
    'POST',
    '/payments-api/accounts',
  );
  expect(res.status).toBe(201);
  return res.body;
}

describe('Lab C payments API', () => {
  it('POST /payments-api/accounts (no body) → 201 {id, user_id (UUIDv7), balance 0 as a number, created_at}', async () => {
    const res = await lab.call<Record<string, unknown>>('POST', '/payments-api/accounts');
    expect(res.status).toBe(201);
    expectCors(res.headers);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['balance', 'created_at', 'id', 'user_id']);
    expect(res.body.user_id).toMatch(UUID_V7);
    expect(res.body.id).toMatch(UUID_V7);
    expect(res.body.balance).toBe(0);
    expect(res.body.created_at).toMatch(ISO);
    // the seed's client posts with a JSON content type and nothing in the body
    const empty = await lab.call('POST', '/payments-api/accounts', { headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(201);
    const emptyObject = await lab.call('POST', '/payments-api/accounts', { body: {} });
    expect(emptyObject.status).toBe(201);
  });

  it('GET /payments-api/accounts/{user_id} → 200 with updated_at; an unknown user → 404 with CORS', async () => {
    const a = await newAccount();
    const res = await lab.call<Account>('GET', `/payments-api/accounts/${a.user_id}`);
    expect(res.status).toBe(200);
    expectCors(res.headers);
    expect(Object.keys(res.body).sort()).toEqual(['balance', 'created_at', 'id', 'updated_at', 'user_id']);
    expect(res.body).toMatchObject({ id: a.id, user_id: a.user_id, balance: 0, created_at: a.created_at });
    expect(res.body.updated_at).toMatch(ISO);
    const missing = await lab.call<{ code: string }>('GET', `/payments-api/accounts/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expectCors(missing.headers);
  });

  it('POST /payments-api/accounts/{user_id}/topup {"amount":100} → 200 {id, user_id, balance, updated_at}, balance a number', async () => {
    const a = await newAccount();
    const res = await lab.call<Record<string, unknown>>('POST', `/payments-api/accounts/${a.user_id}/topup`, {
      body: { amount: 100 },
    });
    expect(res.status).toBe(200);
    expectCors(res.headers);
    expect(Object.keys(res.body).sort()).toEqual(['balance', 'id', 'updated_at', 'user_id']);
    expect(res.body).toMatchObject({ id: a.id, user_id: a.user_id, balance: 100 });
    const again = await lab.call<Account>('POST', `/payments-api/accounts/${a.user_id}/topup`, {
      body: { amount: 12.5 },
    });
    expect(again.body.balance).toBe(112.5);
    expect((await lab.call<Account>('GET', `/payments-api/accounts/${a.user_id}`)).body.balance).toBe(112.5);
  });

  it('a bad top-up is a 400 naming the field; a malformed body names the body; an unknown user is a 404', async () => {
    const a = await newAccount();
    const path = `/payments-api/accounts/${a.user_id}/topup`;
    for (const body of [{ amount: 0 }, { amount: -5 }, { amount: '100' }, { amount: null }, {}]) {
      const res = await lab.call<{ code: string; message: string; details: { field: string } }>('POST', path, {
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('INVALID_INPUT');
      expect(res.body.details.field, JSON.stringify(body)).toBe('amount');
      expect(res.body.message).toMatch(/^amount: /);
      expectCors(res.headers);
    }
    const malformed = await lab.call<{ details: { field: string } }>('POST', path, { body: '{"amount": 1' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details.field).toBe('body');
    const unknown = await lab.call('POST', `/payments-api/accounts/${crypto.randomUUID()}/topup`, {
      body: { amount: 100 },
    });
    expect(unknown.status).toBe(404);
    // nothing of the rejected top-ups reached the balance
    expect((await lab.call<Account>('GET', `/payments-api/accounts/${a.user_id}`)).body.balance).toBe(0);
  });
});

describe('Lab C orders API', () => {
  it('POST /orders-api/orders {"user_id"} → 200 Order (camelCase, amount 100–1000 a number, USD, created, nulls)', async () => {
    const a = await newAccount();
    const res = await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: a.user_id } });
    expect(res.status).toBe(200);
    expectCors(res.headers);
    expectOrder(res.body, a.user_id);
    expect(res.body.status).toBe('created');
    expect(res.body.paymentID).toBeNull();
    expect(res.body.errorReason).toBeNull();

    const got = await lab.call<Order>('GET', `/orders-api/orders/${res.body.id}`);
    expect(got.status).toBe(200);
    expectCors(got.headers);
    expectOrder(got.body, a.user_id);
    expect(got.body.id).toBe(res.body.id);
  });

  it('GET /orders-api/orders/user/{user_id} → the user’s orders; [] for a user without orders', async () => {
    const a = await newAccount();
    const none = await lab.call<Order[]>('GET', `/orders-api/orders/user/${a.user_id}`);
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
    expectCors(none.headers);
    const first = await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: a.user_id } });
    const second = await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: a.user_id } });
    const mine = await lab.call<Order[]>('GET', `/orders-api/orders/user/${a.user_id}`);
    expect(mine.body.map((o) => o.id).sort()).toEqual([first.body.id, second.body.id].sort());
    for (const o of mine.body) expectOrder(o, a.user_id);
  });

  it('unknown order → 404; a missing or malformed user_id → 400 naming it; a malformed body → 400 body', async () => {
    const missing = await lab.call<{ code: string }>('GET', `/orders-api/orders/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expectCors(missing.headers);
    for (const body of [{}, { user_id: 'not-a-uuid' }, { user_id: 42 }]) {
      const res = await lab.call<{ details: { field: string } }>('POST', '/orders-api/orders', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.details.field).toBe('user_id');
      expectCors(res.headers);
    }
    const malformed = await lab.call<{ details: { field: string } }>('POST', '/orders-api/orders', {
      body: 'user_id=1',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details.field).toBe('body');
    const noPath = await lab.call('GET', '/orders-api/nothing-here');
    expect(noPath.status).toBe(404);
    expectCors(noPath.headers);
  });
});

describe('Lab C CORS', () => {
  it('an OPTIONS preflight → 204 allowing Content-Type and GET/POST/PUT/DELETE/OPTIONS, on both prefixes', async () => {
    for (const path of ['/orders-api/orders', '/payments-api/accounts', '/orders-api/orders/stream']) {
      const res = await fetch(`${lab.gatewayUrl}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const methods = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
      expect(methods.sort()).toEqual(['DELETE', 'GET', 'OPTIONS', 'POST', 'PUT']);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type');
    }
  });
});

describe('Lab C event stream', () => {
  it('text/event-stream, no-cache, CORS; connected first; the order when created and at its final status; only that user’s', async () => {
    const a = await newAccount();
    const other = await newAccount();
    const s = await lab.stream(`/orders-api/orders/stream?user_id=${a.user_id}`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('cache-control')).toBe('no-cache');
    expectCors(s.headers);
    const connected = await s.waitFrame((f) => f.event === 'connected', 'the connected frame');
    expect(s.frames[0]).toBe(connected);
    expect(Object.keys(connected.data as object).sort()).toEqual(['message', 'user_id']);
    expect(connected.data).toMatchObject({ user_id: a.user_id });

    await lab.call('POST', `/payments-api/accounts/${a.user_id}/topup`, { body: { amount: 2000 } });
    const theirs = await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: other.user_id } });
    const order = (await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: a.user_id } })).body;
    const created = await s.waitFrame(
      (f) => f.event === 'order-update' && (f.data as Order).id === order.id && (f.data as Order).status === 'created',
      'order-update created',
    );
    expectOrder(created.data as Order, a.user_id);
    const paid = await s.waitFrame(
      (f) => f.event === 'order-update' && (f.data as Order).id === order.id && (f.data as Order).status === 'paid',
      'order-update paid',
    );
    expectOrder(paid.data as Order, a.user_id);
    expect(typeof (paid.data as Order).paymentID).toBe('string');
    // the other user's order reached its final status too (no account: payment_failed), and never showed here
    await waitFor(
      async () =>
        (await lab.call<Order>('GET', `/orders-api/orders/${theirs.body.id}`)).body.status === 'payment_failed',
      { what: "the other user's order to fail", timeoutMs: 20_000 },
    );
    await waitFor(() => s.comments > 0, { what: 'a keep-alive comment', timeoutMs: 5000 });
    expect(s.frames.every((f) => f.event === 'connected' || (f.data as Order).userID === a.user_id)).toBe(true);
    s.close();
  });

  it('a stream on one orders replica gets the updates of an order created and paid through another (Redis fan-out)', async () => {
    const a = await newAccount();
    await lab.call('POST', `/payments-api/accounts/${a.user_id}/topup`, { body: { amount: 5000 } });
    const [holder, creator] = [lab.orders[0]!, lab.orders[1]!];
    const s = await lab.stream(`/orders-api/orders/stream?user_id=${a.user_id}`, holder.url);
    await s.waitFrame((f) => f.event === 'connected', 'connected');
    const order = (
      await lab.call<Order>('POST', '/orders-api/orders', { base: creator.url, body: { user_id: a.user_id } })
    ).body;
    await s.waitFrame(
      (f) => (f.data as Order).id === order.id && (f.data as Order).status === 'paid',
      'the paid update on the other replica',
    );
    const committed = lab.linesOf('order_committed', (l) => l.order_id === order.id);
    expect(committed.map((l) => l.instance)).toEqual([creator.instance]);
    const pushed = lab.linesOf('sse_pushed', (l) => l.order_id === order.id);
    expect(new Set(pushed.map((l) => l.instance))).toEqual(new Set([holder.instance]));
    expect(pushed.map((l) => l.status)).toEqual(['created', 'paid']);
    s.close();
  });

  it('the gateway spreads streams over the orders replicas; a missing user_id is a 400', async () => {
    const a = await newAccount();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const s = await lab.stream(`/orders-api/orders/stream?user_id=${a.user_id}`);
      await s.waitFrame((f) => f.event === 'connected', 'connected');
      seen.add(s.headers.get('x-orders-instance') ?? '');
      s.close();
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    const bad = await lab.call<{ details: { field: string } }>('GET', '/orders-api/orders/stream');
    expect(bad.status).toBe(400);
    expect(bad.body.details.field).toBe('user_id');
  });
});
