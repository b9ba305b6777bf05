// Lab C's broken modes break what they say they break (services/lab-c/broken-modes.ts), on real Kafka and Postgres:
// each runs payments in its mode with the test hook's pause inside the payment transaction (orders ×2 and payments ×2;
// lost-update ×1), and the race the pause opens does the damage the correct service, under the same race, prevents
// (the control); `commit-on-error` and the correct service go through a payments database outage (a cut TCP link).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPIC_PARTITIONS, type Order } from '../../services/lab-c/schema.js';
import { createLabC } from '../../main/console/labs/lab-c/index.js';
import type { CheckContext, CheckOutcome } from '../../main/console/labs/types.js';
import { endpoints } from './support/index.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startLabC, waitFor, type LabC } from './lab-c/harness.js';

const PAUSE_MS = 600;
let noLock: LabC;
let markOutside: LabC;
let lostUpdate: LabC;
let correct: LabC;
/** payments behind a database link the test cuts: the correct service, and commit-on-error */
const links = { correct: undefined as TcpProxy | undefined, broken: undefined as TcpProxy | undefined };
let outageBroken: LabC;

beforeAll(async () => {
  // two payments replicas where a duplicate must race the first delivery: one member works its partitions' batches of
  // one fetch together and fetches again only after them, so only another replica can race it
  const common = { pauseMs: PAUSE_MS, fundsWindowMs: 0 };
  const pgTarget = TcpProxy.target(endpoints().postgres.url);
  for (const k of ['correct', 'broken'] as const) {
    links[k] = new TcpProxy(pgTarget.host, pgTarget.port);
    await links[k].start();
  }
  [correct, outageBroken, noLock, markOutside, lostUpdate] = await Promise.all([
    startLabC({ ...common, replicas: 2, paymentsDatabaseVia: (u) => links.correct!.via(u) }),
    startLabC({
      replicas: 1,
      fundsWindowMs: 0,
      paymentsBrokenMode: 'commit-on-error',
      paymentsDatabaseVia: (u) => links.broken!.via(u),
    }),
    startLabC({ ...common, replicas: 2, paymentsBrokenMode: 'no-claim-lock' }),
    startLabC({ ...common, replicas: 2, paymentsBrokenMode: 'inbox-mark-outside-tx' }),
    startLabC({ ...common, replicas: 1, paymentsBrokenMode: 'lost-update-balance' }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([correct, outageBroken, noLock, markOutside, lostUpdate].map((l) => l?.stop()));
  await Promise.allSettled([links.correct?.stop(), links.broken?.stop()]);
});

async function funded(lab: LabC, amount: number): Promise<string> {
  const a = await lab.call<{ user_id: string }>('POST', '/payments-api/accounts');
  await lab.call('POST', `/payments-api/accounts/${a.body.user_id}/topup`, { body: { amount } });
  return a.body.user_id;
}

/** creates an order and, while payments pauses in its transaction, re-sends its order.created on every partition */
async function orderWithRacingDuplicates(lab: LabC, user: string, pausedAt: string): Promise<Order> {
  const o = (await lab.call<Order>('POST', '/orders-api/orders', { body: { user_id: user } })).body;
  await waitFor(() => lab.linesOf('paused', (l) => l.order_id === o.id && l.at === pausedAt)[0], {
    what: `payments paused ${pausedAt} on ${o.id}`,
    timeoutMs: 15_000,
    intervalMs: 20,
  });
  const [row] = await lab.query<{ payload: unknown }>(
    'orders',
    'SELECT payload FROM orders_outbox WHERE aggregate_id = $1',
    [o.id],
  );
  for (let p = 0; p < TOPIC_PARTITIONS; p++)
    await lab.produce(lab.names.ordersTopic, o.id, JSON.stringify(row!.payload), p);
  return o;
}

const debitsOf = async (lab: LabC, orderId: string) =>
  (await lab.query('payments', "SELECT 1 FROM ledger WHERE kind = 'debit' AND order_id = $1", [orderId])).length;

async function conservation(lab: LabC, user: string): Promise<{ balance: number; topups: number; paid: number }> {
  const [r] = await lab.query<{ balance: string; topups: string; paid: string }>(
    'payments',
    `SELECT a.balance,
       (SELECT COALESCE(sum(amount), 0) FROM ledger WHERE account_id = a.id AND kind = 'topup') AS topups,
       (SELECT COALESCE(sum(amount), 0) FROM payments WHERE user_id = a.user_id AND status = 'completed') AS paid
     FROM accounts a WHERE a.user_id = $1`,
    [user],
  );
  return { balance: Number(r!.balance), topups: Number(r!.topups), paid: Number(r!.paid) };
}

const PASSIVE_CHECKS = ['orders-final', 'exactly-once', 'money-conserved'];

/** Lab C's passive console checks (main/console/labs/lab-c/checks.ts) on this lab's databases: check id → outcome */
async function checks(lab: LabC, env: NodeJS.ProcessEnv = {}): Promise<Record<string, CheckOutcome>> {
  const module = createLabC({ ...env, EVENTSCOPE_LAB_C_DATABASE_PREFIX: lab.dbBase });
  const ctx = { endpoints } as unknown as CheckContext; // the passive checks read only the stack's endpoints
  // the active ones (no-loss-outage, sse-streams) drive the console's instances: the checks matrix runs them
  const passive = (module.checks ?? []).filter((c) => PASSIVE_CHECKS.includes(c.id));
  const outcomes = await Promise.all(
    passive.map(async (c): Promise<[string, CheckOutcome]> => [c.id, await c.run(ctx)]),
  );
  return Object.fromEntries(outcomes);
}

describe('Lab C broken modes', () => {
  it('the correct payments, under the same race, pays once and rejects every duplicate (the control)', async () => {
    const user = await funded(correct, 10_000);
    const o = await orderWithRacingDuplicates(correct, user, 'before-commit');
    await waitFor(
      () =>
        correct.linesOf('consumed', (l) => l.order_id === o.id && l.outcome === 'duplicate').length >= TOPIC_PARTITIONS,
      { what: 'every duplicate rejected', timeoutMs: 15_000 },
    );
    expect(await debitsOf(correct, o.id)).toBe(1);
    const m = await conservation(correct, user);
    expect(m.balance).toBeCloseTo(m.topups - m.paid, 2);
    const c = await checks(correct);
    expect(c['exactly-once']?.status, c['exactly-once']?.summary).toBe('PASS');
    expect(c['money-conserved']?.status, c['money-conserved']?.summary).toBe('PASS');
    expect(c['orders-final']?.status, c['orders-final']?.summary).toBe('PASS');
  });

  it('no-claim-lock: duplicates racing the first delivery pay the order more than once (invariant 2c)', async () => {
    const user = await funded(noLock, 10_000);
    const o = await orderWithRacingDuplicates(noLock, user, 'before-commit');
    await waitFor(async () => (await debitsOf(noLock, o.id)) > 1, {
      what: 'a second debit of one order',
      timeoutMs: 15_000,
    });
    const payments = await noLock.query('payments', 'SELECT 1 FROM payments WHERE order_id = $1', [o.id]);
    expect(payments.length).toBeGreaterThan(1);
    const c = await checks(noLock);
    expect(c['exactly-once']).toMatchObject({ status: 'FAIL', evidence: [expect.objectContaining({ entity: o.id })] });
    expect(c['money-conserved']?.status).toBe('PASS'); // two payments, two debits: it adds up
  });

  it('inbox-mark-outside-tx: a redelivery before the late mark debits again, one payment row (invariants 2d, 3)', async () => {
    const user = await funded(markOutside, 10_000);
    const o = await orderWithRacingDuplicates(markOutside, user, 'before-mark');
    await waitFor(async () => (await debitsOf(markOutside, o.id)) > 1, {
      what: 'a second debit of one order',
      timeoutMs: 15_000,
    });
    const payments = await markOutside.query('payments', 'SELECT 1 FROM payments WHERE order_id = $1', [o.id]);
    expect(payments).toHaveLength(1);
    const m = await conservation(markOutside, user);
    expect(m.balance).not.toBeCloseTo(m.topups - m.paid, 2);
    const c = await checks(markOutside);
    expect(c['exactly-once']).toMatchObject({ status: 'FAIL', counts: { debitedTwice: 1, paidTwice: 0 } });
    expect(c['money-conserved']).toMatchObject({ status: 'FAIL', counts: { unbalanced: 1 } });
  });

  it('lost-update-balance: a top-up during the debit is overwritten (invariant 3)', async () => {
    const user = await funded(lostUpdate, 2000);
    const o = (await lostUpdate.call<Order>('POST', '/orders-api/orders', { body: { user_id: user } })).body;
    await waitFor(() => lostUpdate.linesOf('paused', (l) => l.order_id === o.id)[0], {
      what: 'payments paused between read and write',
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    const topup = await lostUpdate.call('POST', `/payments-api/accounts/${user}/topup`, { body: { amount: 500 } });
    expect(topup.status).toBe(200);
    await waitFor(async () => (await debitsOf(lostUpdate, o.id)) === 1, { what: 'the debit', timeoutMs: 15_000 });
    await waitFor(
      async () => {
        const m = await conservation(lostUpdate, user);
        return Math.abs(m.balance - (m.topups - m.paid)) > 0.001 ? m : undefined;
      },
      { what: 'the balance to differ from top-ups − payments', timeoutMs: 10_000 },
    );
    const c = await checks(lostUpdate);
    expect(c['money-conserved']).toMatchObject({ status: 'FAIL', counts: { unbalanced: 1 } });
    expect(c['money-conserved']?.evidence?.[0]?.detail).toMatch(/^balance \d+\.\d\d, top-ups /);
    expect(c['exactly-once']?.status).toBe('PASS');
  });

  it('a payments database outage: the correct service pays the order after it (invariant 4); commit-on-error never does (1, 4)', async () => {
    const [good, bad] = await Promise.all([funded(correct, 5000), funded(outageBroken, 5000)]);
    await Promise.all([links.correct!.cut(), links.broken!.cut()]);
    let kept: Order;
    let lost: Order;
    try {
      [kept, lost] = (
        await Promise.all([
          correct.call<Order>('POST', '/orders-api/orders', { body: { user_id: good } }),
          outageBroken.call<Order>('POST', '/orders-api/orders', { body: { user_id: bad } }),
        ])
      ).map((r) => r.body) as [Order, Order];
      // the broken consumer commits past the order it could not store; the correct one keeps retrying it
      await waitFor(() => outageBroken.linesOf('consumed', (l) => l.order_id === lost.id && l.outcome === 'error')[0], {
        what: 'commit-on-error to give the order up',
        timeoutMs: 20_000,
      });
      expect(correct.linesOf('consumed', (l) => l.order_id === kept.id && l.outcome === 'error')).toEqual([]);
    } finally {
      await Promise.all([links.correct!.restore(), links.broken!.restore()]);
    }
    const status = (lab: LabC, id: string) =>
      lab.call<Order>('GET', `/orders-api/orders/${id}`).then((r) => r.body.status);
    await waitFor(async () => (await status(correct, kept.id)) === 'paid', {
      what: 'the order accepted during the outage to be paid after it',
      timeoutMs: 30_000,
    });
    // the broken service works again: a new order is paid, the one of the outage never
    const later = await outageBroken.call<Order>('POST', '/orders-api/orders', { body: { user_id: bad } });
    await waitFor(async () => (await status(outageBroken, later.body.id)) === 'paid', {
      what: 'a later order paid by the broken service',
      timeoutMs: 30_000,
    });
    expect(await status(outageBroken, lost.id)).toBe('created');
    // check 1 sees it: an order open past the funds window (0 here) and a grace
    const strict = { EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS: '0', EVENTSCOPE_LAB_C_FINAL_GRACE_MS: '300' };
    const failed = await waitFor(
      async () => {
        const c = (await checks(outageBroken, strict))['orders-final'];
        return c?.status === 'FAIL' ? c : undefined;
      },
      { what: 'check 1 to fail on the order commit-on-error gave up', timeoutMs: 10_000 },
    );
    expect(failed.evidence?.map((e) => e.entity)).toEqual([lost.id]);
    const fine = (await checks(correct, strict))['orders-final'];
    expect(fine?.status, fine?.summary).toBe('PASS');
    expect(
      await outageBroken.query('payments', "SELECT 1 FROM payments_inbox WHERE payload->'data'->>'order_id' = $1", [
        lost.id,
      ]),
    ).toEqual([]);
  });
});
