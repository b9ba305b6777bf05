// Lab D invariant 7: at-least-once through a broker outage. A test-scoped broker (not the shared one) is stopped while
// orders are created and paid (HTTP still 200, the rows wait in the outbox and are retried), then started again: every
// expected (order_id, status) reaches the topic, in order per key; duplicates are counted and shown, not hidden.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKafka } from '../../main/console/stack/local/kafka.js';
import type { OrderStatus, RelayStatus } from '../../services/lab-d/schema.js';
import type { Loms } from '../../services/lab-d/loms/service.js';
import { checkPath } from '../../services/lab-d/loms/status-machine.js';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/index.js';
import { LomsClient, readTopic, startLoms, startScopedKafka, waitFor, type ScopedKafka } from './lab-d/harness.js';

describe('Lab D: Kafka outage', () => {
  const topic = uniqueName('lab-d-outage');
  let scoped: ScopedKafka;
  let kafka: LocalKafka;
  let db: TestDatabase;
  let loms: Loms;
  let client: LomsClient;

  beforeAll(async () => {
    scoped = await startScopedKafka('lab-d-outage');
    kafka = scoped.kafka;
    db = await createTestDatabase('lab_d_outage');
    loms = await startLoms({ databaseUrl: db.url, kafkaBrokers: kafka.brokers, topic, relay: { maxBackoffMs: 2000 } });
    client = new LomsClient(loms.url);
  });

  afterAll(async () => {
    await Promise.allSettled([loms?.stop()]);
    await Promise.allSettled([scoped?.remove(), db?.drop()]);
  });

  const relayStatus = async (): Promise<RelayStatus> => (await client.call<RelayStatus>('GET', '/admin/relay')).body;

  it('invariant 7: orders created and paid while Kafka is down all reach the topic after it returns, in order per key', async () => {
    const expected = new Map<string, OrderStatus[]>();
    // before the outage
    for (let i = 0; i < 5; i++) expected.set(await client.createOk(String(100 + i)), ['new', 'awaiting payment']);
    await waitFor(async () => (await relayStatus()).pending === 0 || undefined, {
      timeoutMs: 30_000,
      what: 'outbox drained before the outage',
    });

    await kafka.stop();
    const duringOutage: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await client.create(String(200 + i), [{ sku: '139275865', count: 1 }]);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      duringOutage.push(res.body.orderId as string);
      expected.set(res.body.orderId as string, ['new', 'awaiting payment']);
    }
    for (const [i, id] of duringOutage.entries()) {
      if (i % 3 === 2) continue;
      const res = i % 3 === 0 ? await client.pay(id) : await client.cancel(id);
      expect(res.status).toBe(200);
      expected.get(id)?.push(i % 3 === 0 ? 'paid' : 'cancelled');
    }
    // a paid order of the first batch, too: its earlier rows were sent before the outage
    const early = [...expected.keys()][0] as string;
    expect((await client.pay(early)).status).toBe(200);
    expected.get(early)?.push('paid');

    // the rows wait: pending, retried (attempts counted, last error kept)
    const waiting = await waitFor(
      async () => {
        const s = await relayStatus();
        return s.pending > 0 && s.last_error !== null ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'the relay reporting pending rows and a Kafka error' },
    );
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    try {
      const { rows } = await waitFor(
        async () => {
          const r = await direct.query<{ retried: string }>(
            'SELECT count(*)::text AS retried FROM outbox WHERE sent_at IS NULL AND attempts > 0 AND last_error IS NOT NULL',
          );
          return Number(r.rows[0]?.retried) > 0 ? r : undefined;
        },
        { timeoutMs: 30_000, what: 'outbox rows with attempts > 0 and last_error' },
      );
      console.info(
        `[lab-d] while Kafka is down: ${waiting.pending} pending, ${rows[0]?.retried} already retried, last error: ${waiting.last_error}`,
      );
    } finally {
      await direct.end();
    }

    await kafka.start();
    await waitFor(async () => (await relayStatus()).pending === 0 || undefined, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'outbox drained after Kafka returned',
    });

    const records = await readTopic(kafka.brokers, topic);
    const problems: string[] = [];
    let duplicates = 0;
    for (const [id, path] of expected) {
      const mine = records.filter((r) => r.key === id);
      if (new Set(mine.map((r) => r.partition)).size !== 1) problems.push(`order ${id}: on several partitions`);
      const seen = new Set<string>();
      const firsts: OrderStatus[] = [];
      for (const r of mine) {
        const eventId = r.event?.event_id ?? r.raw;
        if (seen.has(eventId)) {
          duplicates++;
          continue;
        }
        seen.add(eventId);
        firsts.push(r.event?.status as OrderStatus);
      }
      const check = checkPath(
        mine.map((r) => r.event?.status as OrderStatus),
        { allowDuplicates: true },
      );
      if (!check.valid) problems.push(`order ${id}: ${mine.map((r) => r.event?.status).join(' → ')} (${check.reason})`);
      if (firsts.join('|') !== path.join('|'))
        problems.push(`order ${id}: ${firsts.join(' → ')} ≠ expected ${path.join(' → ')}`);
    }
    console.info(
      `[lab-d] after the outage: ${records.length} records for ${expected.size} orders, ${duplicates} duplicate(s)`,
    );
    expect(problems).toEqual([]);
  });
});
