// Link faults on Lab D through the console's link registry (main/console/faults/link-registry.ts): every instance the
// console starts reaches Postgres and Kafka through its own link proxies. Cutting loms → Postgres while orders are
// created: loms answers errors, nothing it acknowledged is lost, it recovers when restored. Cutting notifier-2 → Kafka:
// it sees connection errors, every order is still processed (by the group), and it rejoins once restored. A 200 ms
// delay on loms → Kafka shows in the end-to-end latency the notifiers report. The shared servers are never touched.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotifierLine } from '../../services/lab-d/schema.js';
import { STOCKED_SKU } from '../../main/console/labs/lab-d/checks/support.js';
import { createTestDatabase, endpoints, uniqueName, type TestDatabase } from './support/index.js';
import { testKafka, waitFor } from './lab-d/harness.js';
import { checksProvider, startLabDConsole, type LabDConsole } from './checks/lab-d-console.js';

describe('link faults: Lab D through the console link proxies', () => {
  const topic = uniqueName('links-d');
  const group = uniqueName('links-d-notifier');
  let admin: Admin;
  let db: TestDatabase;
  let c: LabDConsole;
  let lomsUrl = '';

  /** notifier `event` lines so far: order id → latency (ms) of its newest processed event, and who processed it */
  const processed = async () => {
    const seen = new Map<string, { latency: number; instance: string }>();
    for (const instance of ['notifier-1', 'notifier-2']) {
      const { lines } = await c.call('services:logs', { instance, lines: 5000 });
      for (const l of lines) {
        const line = l.stream === 'stdout' ? parseNotifierLine(l.text) : undefined;
        if (line?.type === 'event') seen.set(String(line.order_id), { latency: line.latency_ms, instance });
      }
    }
    return seen;
  };
  const createOrder = async (): Promise<string | undefined> => {
    try {
      const res = await fetch(`${lomsUrl}/order/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: '1000', items: [{ sku: STOCKED_SKU, count: 1 }] }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json().catch(() => ({}))) as { orderId?: unknown };
      return res.ok && typeof body.orderId === 'string' ? body.orderId : undefined;
    } catch {
      return undefined;
    }
  };
  const link = async (id: string) => {
    const { links } = await c.call('links:list');
    const l = links.find((x) => x.id === id);
    if (l === undefined) throw new Error(`no link ${id} in ${links.map((x) => x.id).join(', ')}`);
    return l;
  };

  beforeAll(async () => {
    admin = testKafka(endpoints().kafka.brokers, 'links-admin').admin();
    await admin.connect();
    db = await createTestDatabase('links_d');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    c = await startLabDConsole({ provider: checksProvider(endpoints()), topic, group, databaseUrl: db.url });
    lomsUrl = `http://127.0.0.1:${c.env.EVENTSCOPE_LOMS_PORT}`;
    for (const instance of ['loms', 'notifier-1', 'notifier-2']) await c.call('services:start', { instance });
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 2 ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'a stable group of 2 notifiers' },
    );
    await waitFor(async () => ((await createOrder()) === undefined ? undefined : true), {
      timeoutMs: 60_000,
      what: 'loms to create an order',
    });
  }, 240_000);

  afterAll(async () => {
    await c?.stop();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await db?.drop();
  });

  it('every instance has its links, in use, its Postgres URL and Kafka brokers routed through them', async () => {
    const { links } = await c.call('links:list');
    expect(links.map((l) => l.id).sort()).toEqual([
      'loms/kafka',
      'loms/postgres',
      'notifier-1/kafka',
      'notifier-2/kafka',
    ]);
    for (const l of links) {
      expect(l).toMatchObject({ state: 'up', inUse: true });
      expect(l.bytesUp).toBeGreaterThan(0);
    }
    expect((await link('loms/kafka')).hops.map((h) => h.target)).toEqual(endpoints().kafka.brokers);
  });

  it("a 200 ms delay on loms → Kafka shows in Lab D's end-to-end latency", async () => {
    const measure = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = await createOrder();
        if (id !== undefined) ids.push(id);
      }
      const seen = await waitFor(
        async () => {
          const s = await processed();
          return ids.every((id) => s.has(id)) ? s : undefined;
        },
        { timeoutMs: 60_000, what: `${ids.length} orders processed` },
      );
      return ids.map((id) => seen.get(id)!.latency).sort((a, b) => a - b);
    };
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    const before = await measure(8);
    const delayed = await c.call('links:delay', { link: 'loms/kafka', delayMs: 200, jitterMs: 0 });
    expect(delayed.link).toMatchObject({ delayMs: 200, state: 'up' });
    const during = await measure(8);
    await c.call('links:restore', { link: 'loms/kafka' });
    const what = `e2e latency (min/median) ${before[0]}/${median(before)} ms → ${during[0]}/${median(during)} ms`;
    // each event's produce request waits 200 ms in the link before the broker has it: no event is faster than that
    expect(during[0]!, what).toBeGreaterThanOrEqual(200);
    expect(median(during), what).toBeGreaterThan(median(before));
  }, 180_000);
  it('cut loms → Postgres while orders are created: errors while cut, nothing acknowledged is lost, recovers', async () => {
    const acked: string[] = [];
    let refused = 0;
    const pg = await link('loms/postgres');
    const cut = await c.call('links:cut', { link: 'loms/postgres' });
    expect(cut.link.state).toBe('cut');
    // while cut: loms can not reach its database; the server itself goes on (other instances, the console)
    for (let i = 0; i < 5; i++) {
      const id = await createOrder();
      if (id === undefined) refused++;
      else acked.push(id);
    }
    expect(refused).toBeGreaterThan(0);
    expect((await link('loms/postgres')).refused).toBeGreaterThan(pg.refused);
    await c.call('links:restore', { link: 'loms/postgres' });
    // recovers: orders are created again once the link is back
    await waitFor(
      async () => {
        const id = await createOrder();
        if (id !== undefined) acked.push(id);
        return id;
      },
      { timeoutMs: 60_000, what: 'loms to create an order after the restore' },
    );
    for (let i = 0; i < 5; i++) {
      const id = await createOrder();
      if (id !== undefined) acked.push(id);
    }
    // nothing acknowledged is lost: every order loms answered is processed
    await waitFor(
      async () => {
        const seen = await processed();
        return acked.every((id) => seen.has(id)) ? true : undefined;
      },
      { timeoutMs: 60_000, what: `all ${acked.length} acknowledged orders processed` },
    );
    const lines = (await c.call('services:logs', { instance: 'loms', lines: 5000 })).lines.map((l) => l.text);
    expect(lines.some((t) => /ECONNRESET|Connection terminated|connect|timeout/i.test(t))).toBe(true);
  }, 180_000);

  it('cut notifier-2 → Kafka (the faults:run way): it loses its connection, every order is still processed, it rejoins when restored', async () => {
    const cut = await c.call('faults:run', { fault: 'link-cut', args: { link: 'notifier-2/kafka' } });
    expect(cut.result).toMatch(/^cut notifier-2 → kafka/);
    expect((await link('notifier-2/kafka')).state).toBe('cut');
    expect((await link('notifier-2/kafka')).hops.length).toBe(endpoints().kafka.brokers.length);
    // notifier-2 says it lost the broker
    await waitFor(
      async () => {
        const { lines } = await c.call('services:logs', { instance: 'notifier-2', lines: 5000 });
        return lines.some((l) => /disconnected|reconnecting|crashed|ECONNRESET|Connection error|closed/i.test(l.text))
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, what: 'notifier-2 to report the lost link' },
    );
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await createOrder();
      if (id !== undefined) acked.push(id);
    }
    expect(acked.length).toBe(10); // loms' links are up
    await waitFor(
      async () => {
        const seen = await processed();
        return acked.every((id) => seen.has(id)) ? true : undefined;
      },
      { timeoutMs: 90_000, what: 'the orders processed while notifier-2 is cut off' },
    );
    await c.call('faults:run', { fault: 'link-restore', args: { link: 'notifier-2/kafka' } });
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 2 ? true : undefined;
      },
      { timeoutMs: 90_000, what: 'notifier-2 back in a stable group of 2' },
    );
    expect((await link('notifier-2/kafka')).state).toBe('up');
  }, 240_000);
});
