// Lab C in the console: the registered module (main/console/labs/lab-c) on topics, groups, databases, a Redis channel
// and ports of its own. The console runs payments-1, orders-1, orders-2 and the gateway as child processes; an order
// created through the gateway while its user's stream is open on the other orders replica reads, on its timeline:
// committed (orders) → received (payments inbox, the orders-events record) → payment committed → applied (orders inbox,
// the payments-events record) → paid → pushed to the stream by the replica that holds it; a duplicated order.created
// shows as rejected by the inbox, and a poison record counts as an error line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createLabC } from '../../main/console/labs/lab-c/index.js';
import { endpoints, uniqueName } from './support/index.js';
import { callerOf, freePort, sharedStackProvider } from './support/test-provider.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';

const prefix = `${uniqueName('labc-console')}.`;
const dbPrefix = uniqueName('es_labc_console', '_').slice(0, 40);
const RUN = ['payments-1', 'orders-1', 'orders-2', 'gateway'] as const;
let console_: Console;
let admin: Admin;
let gatewayUrl = '';
let ordersPorts: number[] = [];

const call = callerOf(() => console_);

async function listening(instance: string): Promise<void> {
  await waitFor(
    async () => {
      const { lines } = await call('services:logs', { instance });
      const state = (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
      if (state === 'exited' || state === 'stopped')
        throw new Error(`${instance} ${state}: ${lines.map((l) => l.text).join('\n')}`);
      return lines.some((l) => l.kind === 'lifecycle' && l.text.includes('"listening"')) || undefined;
    },
    { timeoutMs: 45_000, intervalMs: 100, what: `${instance} listening` },
  );
}

async function http<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  ordersPorts = ports.slice(1, 4);
  gatewayUrl = `http://127.0.0.1:${ports[0]}`;
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider(['kafka', 'postgres', 'redis']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [
      createLabC({
        EVENTSCOPE_LAB_C_PREFIX: prefix,
        EVENTSCOPE_LAB_C_DATABASE_PREFIX: dbPrefix,
        EVENTSCOPE_LAB_C_GATEWAY_PORT: String(ports[0]),
        EVENTSCOPE_LAB_C_ORDERS_PORTS: ordersPorts.join(','),
        EVENTSCOPE_LAB_C_PAYMENTS_PORTS: ports.slice(4).join(','),
        EVENTSCOPE_LAB_C_SSE_CHANNEL: `${prefix}sse-updates`,
        EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS: '500',
        EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS: '6000',
      }),
    ],
  });
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  const pgAdmin = new pg.Client({ connectionString: endpoints().postgres.url });
  pgAdmin.on('error', () => undefined);
  await pgAdmin.connect().then(
    async () => {
      for (const s of ['orders', 'payments'])
        await pgAdmin.query(`DROP DATABASE IF EXISTS "${dbPrefix}_${s}" WITH (FORCE)`).catch(() => undefined);
      await pgAdmin.end();
    },
    () => undefined,
  );
  if (admin !== undefined) {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
});

describe('Lab C in the console', () => {
  it('is selected with its seven instances and its faults', async () => {
    const info = await call('labs:select', { lab: 'lab-c' });
    expect(info.lab).toBe('lab-c');
    const { instances } = await call('services:list');
    expect(instances.map((i) => `${i.kind}/${i.instance}`).sort()).toEqual(
      [
        'gateway/gateway',
        'orders/orders-1',
        'orders/orders-2',
        'orders/orders-3',
        'payments/payments-1',
        'payments/payments-2',
        'payments/payments-3',
      ].sort(),
    );
    expect((await call('faults:list')).faults.map((f) => f.id)).toEqual([
      'duplicate-event',
      'poison-event',
      'reset-payments-group',
      'kill-payments',
      'race-payments',
      'db-link-cut',
      'db-link-restore',
      'link-cut',
      'link-delay',
      'link-throttle',
      'link-restore',
    ]);
  });

  it("an order's timeline reads committed → received → payment → applied → paid → pushed by the stream's replica", async () => {
    // the replicas together (each creates the topics it needs when missing), then the gateway
    for (const wave of [['payments-1', 'orders-1', 'orders-2'], ['gateway']]) {
      await Promise.all(wave.map((instance) => call('services:start', { instance })));
      await Promise.all(wave.map(listening));
    }
    const account = await http<{ user_id: string }>('POST', `${gatewayUrl}/payments-api/accounts`);
    await http('POST', `${gatewayUrl}/payments-api/accounts/${account.user_id}/topup`, { amount: 5000 });
    // the user's stream on orders-2; the order created on orders-1
    const abort = new AbortController();
    const stream = await fetch(
      `http://127.0.0.1:${ordersPorts[1]}/orders-api/orders/stream?user_id=${account.user_id}`,
      {
        signal: abort.signal,
      },
    );
    expect(stream.status).toBe(200);
    const order = await http<{ id: string }>('POST', `http://127.0.0.1:${ordersPorts[0]}/orders-api/orders`, {
      user_id: account.user_id,
    });
    try {
      const t = await waitFor(
        async () => {
          const tl = (await call('timeline:get', { lab: 'lab-c', entity: order.id })).timeline;
          return tl?.steps.some((s) => s.step === 'pushed' && s.status === 'paid') ? tl : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the order paid and pushed on its timeline' },
      );
      const facts = t.steps.map((s) => `${s.status}:${s.step}:${s.actor ?? '-'}`);
      expect(facts).toEqual(
        expect.arrayContaining([
          'created:committed:orders-1',
          'created:received:payments-1',
          'created:status:orders-1',
          'created:pushed:orders-2',
          'paid:pushed:orders-2',
        ]),
      );
      // the services' lines tell these steps; the console's outbox observers add no second copy of them
      expect(t.steps.filter((s) => s.step === 'committed')).toHaveLength(1);
      expect(t.steps.filter((s) => s.step === 'payment')).toHaveLength(1);
      // whichever orders replica owns the payments-events partition applies the payment
      expect(t.steps.find((s) => s.step === 'applied')).toMatchObject({ status: 'paid' });
      expect(['orders-1', 'orders-2']).toContain(t.steps.find((s) => s.step === 'applied')?.actor);
      expect(t.steps.find((s) => s.step === 'payment')).toMatchObject({ status: 'paid', where: { kind: 'row' } });
      expect(t.steps.find((s) => s.step === 'received')?.where).toMatchObject({
        kind: 'record',
        topic: `${prefix}orders-events`,
      });
      expect(t.steps.find((s) => s.step === 'applied')?.where).toMatchObject({
        kind: 'record',
        topic: `${prefix}payments-events`,
      });
      expect(t.statuses).toEqual(['created', 'paid']);
      expect(t.flags).toEqual([]);
    } finally {
      abort.abort();
    }

    // the consumer groups are known to the console with their members' assignments
    const { instances } = await call('services:list');
    expect(instances.find((i) => i.instance === 'payments-1')?.assignment).toEqual({
      [`${prefix}orders-events`]: [0, 1, 2],
    });
    // their Kafka clients reach the broker through their own link proxies (KAFKA_LINKS), so a Kafka link fault applies
    const { links } = await call('links:list');
    for (const instance of ['payments-1', 'orders-1', 'orders-2'])
      expect(links.find((l) => l.id === `${instance}/kafka`)).toMatchObject({ state: 'up', inUse: true });
    expect(links.find((l) => l.id === 'payments-1/kafka')?.bytesUp).toBeGreaterThan(0);
  });

  it('a duplicated order.created is rejected by the payments inbox; a poison record is an error line', async () => {
    const { result } = await call('faults:run', { fault: 'duplicate-event', args: {} });
    expect(result).toMatch(new RegExp(`^re-sent an event on ${prefix.replace('.', '\\.')}orders-events`));
    const entity = await waitFor(
      async () => {
        const items = (await call('timeline:recent', { limit: 20 })).items;
        for (const i of items) {
          const tl = (await call('timeline:get', { lab: 'lab-c', entity: i.entity })).timeline;
          if (tl?.steps.some((s) => s.step === 'duplicate' && s.actor === 'payments-1 (duplicate)')) return tl;
        }
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'the duplicate rejected on a timeline' },
    );
    expect(entity.steps.filter((s) => s.step === 'payment')).toHaveLength(1);

    await call('faults:run', { fault: 'poison-event', args: {} });
    await waitFor(
      async () =>
        (await call('services:logs', { instance: 'payments-1' })).lines.some(
          (l) => l.kind === 'error' && l.text.includes('POISON_MESSAGE'),
        ) || undefined,
      { timeoutMs: 20_000, intervalMs: 200, what: "payments' poison line" },
    );
  });

  it('load: funded and under-funded orders through the gateway; the Inbox and Money requests read them', async () => {
    const started = await call('load:start', {
      lab: 'lab-c',
      rate: 5,
      count: 6,
      mix: { funded: 2, 'under-funded': 1 },
    });
    const progress = await waitFor(
      async () => {
        const p = (await call('load:status')).progress;
        return p !== null && !p.running ? p : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 200, what: 'the load run to end' },
    );
    expect(progress.runId).toBe(started.runId);
    expect(progress.lastError).toBeNull();
    expect((progress.outcomes.funded ?? 0) + (progress.outcomes['under-funded'] ?? 0)).toBe(6);
    // every order ends (the funds window is 500 ms here) and the panels' requests see them
    const inbox = await waitFor(
      async () => {
        const v = await call('lab-c:inbox');
        const p = v.consumers.find((c) => c.service === 'payments')!;
        // the orders inbox too: payments' outbox drained is not yet orders having consumed it (CI saw 6 of 7)
        const o = v.consumers.find((c) => c.service === 'orders')!;
        return p.received >= 7 && o.received >= 7 && p.pending === 0 && v.consumers.every((c) => c.outbox.pending === 0)
          ? v
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'the load orders handled by both inboxes' },
    );
    const payments = inbox.consumers.find((c) => c.service === 'payments')!;
    expect(payments).toMatchObject({ reachable: true, table: 'payments_inbox', topic: `${prefix}orders-events` });
    expect(payments.duplicatesRejected).toBeGreaterThanOrEqual(1); // the duplicated order.created above
    expect(payments.newest.length).toBeGreaterThan(0);
    const orders = inbox.consumers.find((c) => c.service === 'orders')!;
    expect(orders.received).toBeGreaterThanOrEqual(7);
    const money = await call('lab-c:money');
    expect(money).toMatchObject({ reachable: true, conservation: 0, unbalanced: 0 });
    expect(money.accounts).toBeGreaterThanOrEqual(2);
    expect(money.failedPayments).toBeGreaterThanOrEqual(progress.outcomes['under-funded'] ?? 0);
    expect(money.paid).toBeGreaterThan(0);
    // the Outbox view: both outboxes, each read by the console from its service's database, drained
    const outboxes = await waitFor(
      async () => {
        const o = (await call('outbox:snapshot')).outboxes ?? [];
        return o.length === 2 &&
          o.every((x) => x.state?.reachable === true && x.state.pending === 0 && x.state.sentTotal >= 7)
          ? o
          : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'both outboxes drained in outbox:snapshot' },
    );
    expect(outboxes.map((o) => [o.name, o.table])).toEqual([
      ['orders', 'orders_outbox'],
      ['payments', 'payments_outbox'],
    ]);
    expect((await call('outbox:history', { name: 'payments' })).samples.length).toBeGreaterThan(0);
  });

  it('runs its checks on the services it runs: every order final, paid exactly once, money conserved', async () => {
    const ids = ['orders-final', 'exactly-once', 'money-conserved'];
    expect((await call('checks:list')).checks.map((c) => c.id)).toEqual([...ids, 'no-loss-outage', 'sse-streams']);
    const { runId } = await call('checks:run', { checks: ids });
    for (const check of ids) {
      const result = await waitFor(
        async () => {
          const r = (await call('checks:result', { check })).result;
          return r?.runId === runId ? r : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: `${check} to finish` },
      );
      expect(result.status, result.summary).toBe('PASS');
    }
  });

  it('stops every instance', async () => {
    await Promise.all(RUN.map((instance) => call('services:stop', { instance })));
    const { instances } = await call('services:list');
    expect(instances.every((i) => i.state !== 'running' && i.state !== 'starting')).toBe(true);
  });
});
