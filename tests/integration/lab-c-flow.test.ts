// Lab C end to end on real Kafka, Postgres and Redis, orders ×3 and payments ×3: an order is paid exactly once however
// often its order.created arrives (the same event id again, on another partition so another replica races on it, and a
// copy with a new event id); an under-funded order ends payment_failed with its reason after the funds window, and one
// topped up within the window is paid; money is conserved (balance = top-ups − completed payments = the ledger) and both
// outboxes drain; a poison record on either topic is logged, counted and skipped, and the records behind it are handled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope } from '../../services/lab-c/runtime.js';
import { TOPIC_PARTITIONS, type Order } from '../../services/lab-c/schema.js';
import { startLabC, waitFor, type LabC } from './lab-c/harness.js';

let lab: LabC;
const FUNDS_WINDOW_MS = 1500;

beforeAll(async () => {
  lab = await startLabC({ fundsWindowMs: FUNDS_WINDOW_MS });
});

afterAll(async () => {
  await lab?.stop();
});

async function account(topUp = 0): Promise<string> {
  const res = await lab.call<{ user_id: string }>('POST', '/payments-api/accounts');
  expect(res.status).toBe(201);
  if (topUp > 0) {
    const t = await lab.call('POST', `/payments-api/accounts/${res.body.user_id}/topup`, { body: { amount: topUp } });
    expect(t.status).toBe(200);
  }
  return res.body.user_id;
}

async function order(userId: string): Promise<Order> {
  const res = await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: userId } });
  expect(res.status).toBe(200);
  return res.body;
}

function final(id: string, timeoutMs = 20_000): Promise<Order> {
  return waitFor(
    async () => {
      const o = (await lab.call<Order>('GET', `/orders-api/orders/${id}`)).body;
      return o.status === 'paid' || o.status === 'payment_failed' ? o : undefined;
    },
    { what: `order ${id} to reach a final status`, timeoutMs, intervalMs: 50 },
  );
}

describe('Lab C flow', () => {
  it('an order is paid exactly once under duplicates of its order.created (same id, another partition, a new id)', async () => {
    const user = await account(5000);
    const o = await order(user);
    expect((await final(o.id)).status).toBe('paid');
    const [row] = await lab.query<{ payload: Record<string, unknown> }>(
      'orders',
      'SELECT payload FROM orders_outbox WHERE aggregate_id = $1',
      [o.id],
    );
    const original = row!.payload;
    // the same event again on every partition (other payments replicas race on it), and a copy with a new event id
    for (let p = 0; p < TOPIC_PARTITIONS; p++)
      await lab.produce(lab.names.ordersTopic, o.id, JSON.stringify(original), p);
    const copy = { ...original, event_id: '01890a5d-ac96-774b-bcce-b302099a8057' };
    await lab.produce(lab.names.ordersTopic, o.id, JSON.stringify(copy));
    await waitFor(
      () =>
        lab.linesOf('consumed', (l) => l.service === 'payments' && l.order_id === o.id && l.outcome === 'duplicate')
          .length >=
        TOPIC_PARTITIONS + 1,
      { what: 'payments to reject the four duplicates', timeoutMs: 20_000 },
    );
    const payments = await lab.query<{ id: string; status: string }>(
      'payments',
      'SELECT id, status FROM payments WHERE order_id = $1',
      [o.id],
    );
    expect(payments).toHaveLength(1);
    expect(payments[0]!.status).toBe('completed');
    const debits = await lab.query('payments', "SELECT 1 FROM ledger WHERE kind = 'debit' AND order_id = $1", [o.id]);
    expect(debits).toHaveLength(1);
    const events = await lab.query('payments', 'SELECT 1 FROM payments_outbox WHERE aggregate_id = $1', [o.id]);
    expect(events).toHaveLength(1);
    const paid = (await lab.call<Order>('GET', `/orders-api/orders/${o.id}`)).body;
    expect(paid).toMatchObject({ status: 'paid', paymentID: payments[0]!.id, errorReason: null });
    const balance = (await lab.call<{ balance: number }>('GET', `/payments-api/accounts/${user}`)).body.balance;
    expect(balance).toBeCloseTo(5000 - o.amount, 2);
    // the payments inbox counted the redeliveries of the one event id (the new id has its own row)
    const [inbox] = await lab.query<{ attempts: number }>(
      'payments',
      'SELECT attempts FROM payments_inbox WHERE event_id = $1',
      [original.event_id],
    );
    expect(inbox!.attempts).toBe(1 + TOPIC_PARTITIONS);
  });

  it('an under-funded order ends payment_failed with its reason; one topped up within the window is paid', async () => {
    const poor = await account(50);
    const nobody = crypto.randomUUID();
    const [failed, orphan] = await Promise.all([order(poor), order(nobody)]);
    const f = await final(failed.id);
    expect(f.status).toBe('payment_failed');
    expect(f.errorReason).toMatch(/insufficient funds/);
    expect(f.paymentID).toBeNull();
    const waited = Date.parse(f.updatedAt) - Date.parse(f.createdAt);
    expect(waited).toBeGreaterThanOrEqual(FUNDS_WINDOW_MS - 100);
    const g = await final(orphan.id);
    expect(g).toMatchObject({ status: 'payment_failed' });
    expect(g.errorReason).toMatch(/no account/);
    expect((await lab.call<{ balance: number }>('GET', `/payments-api/accounts/${poor}`)).body.balance).toBe(50);

    // short at first, topped up while payments keeps the order waiting: paid
    const late = await account(0);
    const o = await order(late);
    await waitFor(() => lab.linesOf('consumed', (l) => l.order_id === o.id && l.outcome === 'waiting').length > 0, {
      what: 'payments to keep the order waiting',
      timeoutMs: 10_000,
    });
    await lab.call('POST', `/payments-api/accounts/${late}/topup`, { body: { amount: 1000 } });
    expect((await final(o.id)).status).toBe('paid');
  });

  it('a poison record on either topic is logged, counted and skipped; the records behind it are handled', async () => {
    const before = lab.linesOf('poison').length;
    for (let p = 0; p < TOPIC_PARTITIONS; p++) {
      await lab.produce(lab.names.ordersTopic, 'poison', 'not json {', p);
      await lab.produce(lab.names.paymentsTopic, 'poison', JSON.stringify({ hello: 'world' }), p);
    }
    // well-formed envelopes whose data is not what their type says are poison too (never retried)
    const envelope = (event_type: string, data: Record<string, unknown>) =>
      JSON.stringify({ event_type, event_id: crypto.randomUUID(), data, timestamp: Math.floor(Date.now() / 1000) });
    await lab.produce(
      lab.names.ordersTopic,
      'bad-data',
      envelope('order.created', { order_id: 'x', amount: 'ten' }),
      0,
    );
    await lab.produce(lab.names.paymentsTopic, 'bad-data', envelope('payment.completed', { order_id: 'x' }), 0);
    await waitFor(() => lab.linesOf('poison').length >= before + 2 * TOPIC_PARTITIONS + 2, {
      what: 'eight poison lines',
      timeoutMs: 20_000,
    });
    const poison = lab.linesOf('poison').slice(before);
    expect(new Set(poison.filter((l) => l.service === 'payments').map((l) => l.partition)).size).toBe(TOPIC_PARTITIONS);
    expect(new Set(poison.filter((l) => l.service === 'orders').map((l) => l.partition)).size).toBe(TOPIC_PARTITIONS);
    expect(poison.every((l) => l.code === 'POISON_MESSAGE' && l.errors_total >= 1)).toBe(true);
    expect(poison.find((l) => l.service === 'payments')!.message).toMatch(/malformed JSON/);
    expect(poison.find((l) => l.service === 'orders')!.message).toMatch(/not a Lab C event/);
    expect(poison.some((l) => l.service === 'payments' && /^order\.created data: /.test(l.message))).toBe(true);
    expect(poison.some((l) => l.service === 'orders' && /^payment\.completed data: /.test(l.message))).toBe(true);
    // counted: each instance's errors_total is the number of poison records it skipped
    for (const instance of new Set(lab.linesOf('poison').map((l) => l.instance))) {
      const mine = lab.linesOf('poison', (l) => l.instance === instance);
      expect(Math.max(...mine.map((l) => l.errors_total)), instance).toBe(mine.length);
    }
    // behind the poison on every partition: new orders are paid and failed as usual
    const user = await account(10_000);
    const orders = await Promise.all([order(user), order(user), order(user), order(user)]);
    for (const o of orders) expect((await final(o.id)).status).toBe('paid');
  });

  it('a burst of order.created is paid in set-based transactions with the same decisions as one by one', async () => {
    const rich = await account(100_000);
    const poor = await account(250);
    // 30 orders of a funded user, then 3 of 100 for a user who has 250: two paid, the third waits and fails
    const orders = [
      ...Array.from({ length: 30 }, () => ({ order_id: crypto.randomUUID(), user_id: rich, amount: 120.5 })),
      ...Array.from({ length: 3 }, () => ({ order_id: crypto.randomUUID(), user_id: poor, amount: 100 })),
    ];
    await lab.produceAll(
      lab.names.ordersTopic,
      0,
      orders.map((o) => ({
        key: o.order_id,
        value: JSON.stringify(envelope('order.created', { ...o, currency: 'USD' })),
      })),
    );
    const ids: string[] = orders.map((o) => o.order_id);
    await waitFor(
      async () =>
        (
          await lab.query<{ n: string }>(
            'payments',
            'SELECT count(*)::text AS n FROM payments WHERE order_id = ANY($1)',
            [ids],
          )
        )[0]?.n === String(orders.length) || undefined,
      { what: 'a payment row for each of the 33 orders', timeoutMs: 30_000 },
    );
    const rows = await lab.query<{ user_id: string; status: string; n: string }>(
      'payments',
      'SELECT user_id::text, status, count(*)::text AS n FROM payments WHERE order_id = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2',
      [ids],
    );
    expect(
      Object.fromEntries(rows.map((r) => [`${r.user_id === rich ? 'rich' : 'poor'}:${r.status}`, Number(r.n)])),
    ).toEqual({ 'rich:completed': 30, 'poor:completed': 2, 'poor:failed': 1 });
    const balance = async (u: string) =>
      (await lab.call<{ balance: number }>('GET', `/payments-api/accounts/${u}`)).body.balance;
    expect(await balance(rich)).toBeCloseTo(100_000 - 30 * 120.5, 2);
    expect(await balance(poor)).toBeCloseTo(50, 2);
    const [debits] = await lab.query<{ n: string; sum: string }>(
      'payments',
      "SELECT count(*)::text AS n, sum(amount)::text AS sum FROM ledger WHERE kind = 'debit' AND order_id = ANY($1)",
      [ids],
    );
    expect(debits).toEqual({ n: '32', sum: (30 * 120.5 + 200).toFixed(2) });
    // the funded orders' inbox rows were marked together: fewer transactions (now() is a transaction's) than orders
    const [marks] = await lab.query<{ events: string; transactions: string }>(
      'payments',
      `SELECT count(*)::text AS events, count(DISTINCT processed_at)::text AS transactions FROM payments_inbox
       WHERE status = 'processed' AND (payload->'data'->>'user_id') = $1`,
      [rich],
    );
    expect(marks?.events).toBe('30');
    expect(Number(marks?.transactions)).toBeLessThan(30);
    const outcomes = lab
      .linesOf('consumed', (l) => l.service === 'payments' && l.order_id !== null && ids.includes(l.order_id))
      .map((l) => l.outcome);
    // 32 paid and the third of the poor user's: waiting, then failed by the retry after the funds window
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(33);
    expect(outcomes.filter((o) => o === 'waiting').length).toBeGreaterThanOrEqual(1);
  });

  it('money is conserved (balance = top-ups − completed payments = ledger) and both outboxes drain to 0', async () => {
    // a burst of concurrent orders and top-ups over a few users
    const users = await Promise.all([account(3000), account(1500), account(200)]);
    const created = await Promise.all(users.flatMap((u) => [order(u), order(u), order(u)]));
    await Promise.all(
      users.map((u) => lab.call('POST', `/payments-api/accounts/${u}/topup`, { body: { amount: 10 } })),
    );
    const ends = await Promise.all(created.map((o) => final(o.id, 30_000)));
    expect(ends.every((o) => o.status === 'paid' || o.status === 'payment_failed')).toBe(true);

    const rows = await lab.query<{ user_id: string; balance: string; topups: string; paid: string; ledger: string }>(
      'payments',
      `SELECT a.user_id, a.balance,
         COALESCE((SELECT sum(amount) FROM ledger l WHERE l.account_id = a.id AND kind = 'topup'), 0) AS topups,
         COALESCE((SELECT sum(amount) FROM payments p WHERE p.user_id = a.user_id AND p.status = 'completed'), 0) AS paid,
         COALESCE((SELECT sum(CASE WHEN kind = 'topup' THEN amount ELSE -amount END) FROM ledger l WHERE l.account_id = a.id), 0) AS ledger
       FROM accounts a`,
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) {
      expect(Number(r.balance), r.user_id).toBeCloseTo(Number(r.topups) - Number(r.paid), 2);
      expect(Number(r.balance), r.user_id).toBeCloseTo(Number(r.ledger), 2);
      expect(Number(r.balance), r.user_id).toBeGreaterThanOrEqual(0);
    }
    // every order paid has exactly one completed payment, and its status matches on both sides
    const payments = await lab.query<{ order_id: string; status: string; n: string }>(
      'payments',
      'SELECT order_id, min(status) AS status, count(*)::text AS n FROM payments GROUP BY order_id',
    );
    const byOrder = new Map(payments.map((p) => [p.order_id, p]));
    for (const o of ends) {
      const p = byOrder.get(o.id);
      expect(p?.n, o.id).toBe('1');
      expect(p?.status).toBe(o.status === 'paid' ? 'completed' : 'failed');
    }
    for (const [service, table] of [
      ['orders', 'orders_outbox'],
      ['payments', 'payments_outbox'],
    ] as const)
      await waitFor(
        async () =>
          (await lab.query<{ n: string }>(service, `SELECT count(*)::text AS n FROM ${table} WHERE sent_at IS NULL`))[0]
            ?.n === '0',
        { what: `${table} to drain`, timeoutMs: 10_000 },
      );
  });
});
