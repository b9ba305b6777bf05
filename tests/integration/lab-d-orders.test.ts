// Lab D invariants 1–4: topic shape, the four status sequences, per-order ordering, and the spread over partitions.
// LOMS runs in-process (the library entry) against the stack's Kafka and a throwaway Postgres database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath } from '../../services/lab-d/loms/status-machine.js';
import {
  ORDER_EVENTS_PARTITIONS,
  OrderEvent,
  RELAY_ADMIN_PATHS,
  type OrderStatus,
  type RelayStatus,
} from '../../services/lab-d/schema.js';
import { endpoints, uniqueName } from './support/index.js';
import {
  startLomsFixture,
  testKafka,
  waitFor,
  type LomsClient,
  type LomsFixture,
  type TopicTail,
} from './lab-d/harness.js';

describe('Lab D: orders on loms.order-events', () => {
  const topic = uniqueName('lab-d-orders');
  let fixture: LomsFixture;
  let client: LomsClient;
  let tail: TopicTail;
  const brokers = (): string[] => endpoints().kafka.brokers;

  beforeAll(async () => {
    fixture = await startLomsFixture({ database: 'lab_d_orders', brokers: brokers(), topic });
    ({ client, tail } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('invariant 1: the topic has 2 partitions with replication factor 1', async () => {
    const admin = testKafka(brokers()).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      expect(partitions.map((p) => p.partitionId).sort()).toEqual([0, 1]);
      expect(partitions).toHaveLength(ORDER_EVENTS_PARTITIONS);
      for (const p of partitions) expect(p.replicas, `replicas of partition ${p.partitionId}`).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });

  it('invariant 2: create, failed create (400), pay and cancel produce the lab sequences', async () => {
    // create → new, awaiting payment
    const created = await client.createOk('1000', '1076963');
    expect((await client.info(created)).body).toEqual({
      status: 'awaiting payment',
      userId: '1000',
      items: [{ sku: '1076963', count: 1 }],
    });
    await tail.waitForOrder(created, 2);
    expect(tail.statusesOf(created)).toEqual(['new', 'awaiting payment']);

    // failed create: not enough stock → 400, the order exists and is failed
    const failed = await client.create('1001', [{ sku: '135717466', count: 1000 }]);
    expect(failed.status).toBe(400);
    expect(failed.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { field: 'items[0].count' } });
    const failedId = String(failed.body.details?.orderId);
    expect((await client.info(failedId)).body.status).toBe('failed');
    await tail.waitForOrder(failedId, 2);
    expect(tail.statusesOf(failedId)).toEqual(['new', 'failed']);

    // pay → paid
    const paid = await client.createOk('1002');
    expect((await client.pay(paid)).status).toBe(200);
    await tail.waitForOrder(paid, 3);
    expect(tail.statusesOf(paid)).toEqual(['new', 'awaiting payment', 'paid']);

    // cancel → cancelled; and an invalid transition afterwards is a 4xx with no event
    const cancelled = await client.createOk('1003');
    expect((await client.cancel(cancelled)).status).toBe(200);
    const invalid = await client.pay(cancelled);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ details: { field: 'orderId', status: 'cancelled' } });
    await tail.waitForOrder(cancelled, 3);
    expect(tail.statusesOf(cancelled)).toEqual(['new', 'awaiting payment', 'cancelled']);

    // every record is a valid OrderEvent keyed by its order id
    for (const id of [created, failedId, paid, cancelled]) {
      for (const r of tail.ofOrder(id)) {
        expect(OrderEvent.safeParse(JSON.parse(r.raw)).success, r.raw).toBe(true);
        expect(r.event?.order_id).toBe(Number(id));
      }
    }
  });

  it('invariant 3: per-order ordering holds over 240 orders with random pay/cancel', async () => {
    const expected = new Map<string, OrderStatus[]>();
    const ids: string[] = [];
    // 240 orders, 8 at a time; each then paid, cancelled or left awaiting payment, also concurrently
    for (let i = 0; i < 240; i += 8) {
      ids.push(...(await Promise.all(Array.from({ length: 8 }, (_, j) => client.createOk(String(2000 + i + j))))));
    }
    await Promise.all(
      ids.map(async (id, i) => {
        const roll = (i * 7919) % 3; // deterministic "random" mix, reproducible on failure
        const path: OrderStatus[] = ['new', 'awaiting payment'];
        if (roll === 0) {
          expect((await client.pay(id)).status).toBe(200);
          path.push('paid');
        } else if (roll === 1) {
          expect((await client.cancel(id)).status).toBe(200);
          path.push('cancelled');
        }
        expected.set(id, path);
      }),
    );
    const total = [...expected.values()].reduce((n, p) => n + p.length, 0);
    await waitFor(() => ids.every((id) => tail.ofOrder(id).length >= (expected.get(id)?.length ?? 0)), {
      timeoutMs: 60_000,
      what: `${total} records of ${ids.length} orders`,
    });
    const problems: string[] = [];
    for (const id of ids) {
      const records = tail.ofOrder(id);
      const partitions = new Set(records.map((r) => r.partition));
      if (partitions.size !== 1) problems.push(`order ${id} on partitions ${[...partitions].join(',')}`);
      const statuses = records.map((r) => r.event?.status as OrderStatus);
      const check = checkPath(statuses);
      if (!check.valid) problems.push(`order ${id}: ${statuses.join(' → ')} (${check.reason})`);
      if (statuses.join('|') !== expected.get(id)?.join('|'))
        problems.push(`order ${id}: ${statuses.join(' → ')} ≠ ${expected.get(id)?.join(' → ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('invariant 4: over ≥ 200 orders each partition holds 35–65 % of the keys', async () => {
    // Use every order of this file's topic; top up to 200 when run alone.
    const keysNow = (): Set<string> => new Set(tail.records.flatMap((r) => (r.key ? [r.key] : [])));
    const missing = Math.max(0, 200 - keysNow().size);
    const extra: string[] = [];
    for (let i = 0; i < missing; i += 10)
      extra.push(...(await Promise.all(Array.from({ length: Math.min(10, missing - i) }, () => client.createOk()))));
    await Promise.all(extra.map((id) => tail.waitForOrder(id, 2)));

    const keyPartition = new Map<string, number>();
    for (const r of tail.records) if (r.key) keyPartition.set(r.key, r.partition);
    const histogram = [0, 0];
    for (const p of keyPartition.values()) histogram[p] = (histogram[p] ?? 0) + 1;
    const share = histogram.map((n) => n / keyPartition.size);
    console.info(
      `[lab-d] spread over ${keyPartition.size} keys: partition 0 = ${histogram[0]} (${(100 * (share[0] ?? 0)).toFixed(1)} %), partition 1 = ${histogram[1]} (${(100 * (share[1] ?? 0)).toFixed(1)} %)`,
    );
    expect(keyPartition.size).toBeGreaterThanOrEqual(200);
    for (const s of share) {
      expect(s).toBeGreaterThanOrEqual(0.35);
      expect(s).toBeLessThanOrEqual(0.65);
    }
  });

  it('the relay pauses and resumes over its admin API: rows wait while paused, then drain in order', async () => {
    const pending = async (): Promise<number> =>
      (await client.call<RelayStatus>('GET', RELAY_ADMIN_PATHS.status)).body.pending;
    await waitFor(async () => (await pending()) === 0 || undefined, { what: 'earlier rows marked sent' });
    const paused = await client.call<RelayStatus>('POST', RELAY_ADMIN_PATHS.pause);
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const id = await client.createOk();
    expect((await client.pay(id)).status).toBe(200);
    const waiting = await client.call<RelayStatus>('GET', RELAY_ADMIN_PATHS.status);
    expect(waiting.body).toMatchObject({ paused: true, pending: 3 });
    expect(tail.ofOrder(id)).toHaveLength(0);

    const resumed = await client.call<RelayStatus>('POST', RELAY_ADMIN_PATHS.resume);
    expect(resumed.body.paused).toBe(false);
    await tail.waitForOrder(id, 3);
    expect(tail.statusesOf(id)).toEqual(['new', 'awaiting payment', 'paid']);
    await waitFor(async () => (await pending()) === 0 || undefined, { what: 'pending 0 after the resume' });
  });
});
