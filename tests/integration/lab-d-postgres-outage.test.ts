// Lab D invariant 8: no event without a commit. loms reaches Postgres through a TCP proxy that the test cuts (the shared
// Postgres keeps running): create answers 5xx and no record reaches the topic; once the proxy is back, creates work.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from './support/index.js';
import {
  TcpProxy,
  startLomsFixture,
  viaProxy,
  waitFor,
  type LomsClient,
  type LomsFixture,
  type TopicTail,
} from './lab-d/harness.js';

describe('Lab D: Postgres outage', () => {
  const topic = uniqueName('lab-d-pg-outage');
  let proxy: TcpProxy;
  let fixture: LomsFixture;
  let client: LomsClient;
  let tail: TopicTail;
  const brokers = (): string[] => endpoints().kafka.brokers;

  beforeAll(async () => {
    // loms reaches the stack's Postgres through the proxy; the test database lives on that same server
    const target = new URL(endpoints().postgres.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    fixture = await startLomsFixture({
      database: 'lab_d_pg',
      brokers: brokers(),
      topic,
      databaseUrl: (url) => viaProxy(url, proxy.port),
      relay: { maxBackoffMs: 1000 },
    });
    ({ client, tail } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
    await proxy?.stop();
  });

  it('invariant 8: with Postgres unreachable create answers 5xx and no record reaches the topic', async () => {
    const before = await client.createOk();
    await tail.waitForOrder(before, 2);
    await waitFor(
      async () => (await client.call<{ pending: number }>('GET', '/admin/relay')).body.pending === 0 || undefined,
      {
        what: 'the relay marking the first order sent',
      },
    );

    await proxy.cut();
    const failed = await client.create('4242', [{ sku: '139275865', count: 1 }]);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body).toMatchObject({
      code: 'DB_ERROR',
      message: expect.stringMatching(/Postgres is unavailable/) as unknown,
    });
    const pay = await client.pay(before);
    expect(pay.status).toBeGreaterThanOrEqual(500);

    await proxy.restore();
    // The marker: the relay sends in outbox order, so once the marker's records are on the topic, anything committed
    // before it would be there too.
    const marker = await waitFor(
      async () => {
        const res = await client.create('4343', [{ sku: '139275865', count: 1 }]);
        return res.status === 200 ? res.body.orderId : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'create working again after the proxy is back' },
    );
    await tail.waitForOrder(marker, 2, 30_000);

    const keys = [...new Set(tail.records.map((r) => r.key))].sort();
    expect(keys).toEqual([before, marker].sort());
    // (a redelivery of a committed event is allowed: at-least-once; count it, do not hide it)
    expect([...new Set(tail.records.map((r) => `${r.key}:${r.event?.status}`))].sort()).toEqual(
      [`${before}:new`, `${before}:awaiting payment`, `${marker}:new`, `${marker}:awaiting payment`].sort(),
    );
    const direct = new pg.Client({ connectionString: fixture.db.url });
    await direct.connect();
    try {
      // every record on the topic is an event committed in the outbox
      const committed = await direct.query<{ event_id: string }>("SELECT payload->>'event_id' AS event_id FROM outbox");
      const committedIds = new Set(committed.rows.map((r) => r.event_id));
      expect(tail.records.filter((r) => !committedIds.has(r.event?.event_id ?? ''))).toEqual([]);
      if (tail.records.length > 4)
        console.info(`[lab-d] ${tail.records.length - 4} redelivered record(s) of committed events`);
      const { rows } = await direct.query<{ user_id: string; status: string }>(
        'SELECT user_id::text AS user_id, status FROM orders ORDER BY orders.id',
      );
      expect(rows).toEqual([
        { user_id: '1000', status: 'awaiting payment' },
        { user_id: '4343', status: 'awaiting payment' },
      ]);
    } finally {
      await direct.end();
    }
  });
});
