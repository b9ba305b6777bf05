import { describe, expect, it } from 'vitest';
import type { LoadRun } from '../../load/load-generator.js';
import { createLabCLoad } from './load.js';

/** a gateway in memory: accounts with a balance, orders with the user they name */
function fakeGateway() {
  const balances = new Map<string, number>();
  const orders: string[] = [];
  let n = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const respond = (input: string | URL | Request, init?: RequestInit): Response => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = (typeof init?.body === 'string' ? JSON.parse(init.body) : {}) as Record<string, unknown>;
    if (url.pathname === '/payments-api/accounts') {
      const user = `user-${++n}`;
      balances.set(user, 0);
      return json(201, { id: `acc-${n}`, user_id: user, balance: 0 });
    }
    const topup = /^\/payments-api\/accounts\/([^/]+)\/topup$/.exec(url.pathname);
    if (topup) {
      const user = topup[1]!;
      if (!balances.has(user)) return json(404, { code: 'NOT_FOUND' });
      balances.set(user, balances.get(user)! + Number(body.amount));
      return json(200, { user_id: user, balance: balances.get(user) });
    }
    if (url.pathname === '/orders-api/orders') {
      if (!balances.has(String(body.user_id))) return json(400, { code: 'INVALID_INPUT' });
      orders.push(String(body.user_id));
      return json(200, { id: `order-${orders.length}`, userID: body.user_id, status: 'created' });
    }
    return json(404, {});
  };
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) =>
    Promise.resolve(respond(input, init))) as typeof fetch;
  return { fetchImpl, balances, orders };
}

describe('Lab C load', () => {
  it('funded orders take turns on a pool of users topped up with the most an order costs', async () => {
    const g = fakeGateway();
    const load = createLabCLoad(() => 'http://gateway.test');
    const run: LoadRun = { fetch: g.fetchImpl, random: () => 0.5 };
    for (let i = 0; i < 12; i++) expect(await load.unit('funded', run)).toBe('funded');
    expect(g.orders).toHaveLength(12);
    expect(new Set(g.orders).size).toBe(8);
    for (const user of new Set(g.orders))
      expect(g.balances.get(user)).toBe(1000 * g.orders.filter((u) => u === user).length);
  });

  it('an under-funded order is of a new user topped up with less than the least an order costs', async () => {
    const g = fakeGateway();
    const load = createLabCLoad(() => 'http://gateway.test');
    const run: LoadRun = { fetch: g.fetchImpl, random: () => 0.5 };
    expect(await load.unit('under-funded', run)).toBe('under-funded');
    expect(await load.unit('under-funded', run)).toBe('under-funded');
    expect(new Set(g.orders).size).toBe(2);
    for (const user of g.orders) expect(g.balances.get(user)).toBe(50);
  });

  it('a refused call fails the unit with the status and the body', async () => {
    const load = createLabCLoad(() => 'http://gateway.test');
    const fetchImpl = (() =>
      Promise.resolve(new Response(JSON.stringify({ code: 'DB_ERROR' }), { status: 503 }))) as typeof fetch;
    await expect(load.unit('funded', { fetch: fetchImpl, random: () => 0 })).rejects.toThrow(
      /POST \/payments-api\/accounts answered 503: \{"code":"DB_ERROR"\}/,
    );
  });
});
