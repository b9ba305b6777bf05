// The console core end to end against the real brokers, as the UI drives it through the contract: start loms and
// notifier-1..3, create orders with the load generator, then see the group (3 members, 2 owning), timelines with
// processed steps, the outbox drained; pause the relay (backlog rises) and resume it (drains); inject a poison record
// and a duplicate; kill the active notifier and see its partition move.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { callerOf, freePort, sharedStackProvider } from './support/test-provider.js';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import type { GroupState, Rebalance } from '../../main/console/contract/console-api.js';
import { createTestDatabase, endpoints, uniqueName, type TestDatabase } from './support/index.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';

const topic = uniqueName('console-flow');
const group = uniqueName('console-flow-notifier');
let db: TestDatabase;
let admin: Admin;
let console_: Console;
const events: { name: string; payload: unknown }[] = [];

/** The test stack as a provider: what the global setup brought up, reported healthy. */
const call = callerOf(() => console_);

async function group_(): Promise<GroupState | undefined> {
  return (await call('groups:snapshot')).groups.find((g) => g.groupId === group);
}

beforeAll(async () => {
  db = await createTestDatabase('console_flow');
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const env = {
    EVENTSCOPE_POLL_MS: '300',
    EVENTSCOPE_LOMS_PORT: String(await freePort()),
    EVENTSCOPE_LOMS_DATABASE_URL: db.url,
    EVENTSCOPE_ORDER_TOPIC: topic,
    EVENTSCOPE_NOTIFIER_GROUP: group,
  };
  process.env.NOTIFIER_SESSION_TIMEOUT_MS = '6000';
  process.env.NOTIFIER_HEARTBEAT_MS = '1000';
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, env),
    provider: sharedStackProvider(['kafka', 'postgres']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [createLabD(env)],
  });
  console_.subscribe((e) => events.push(e));
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  await db?.drop();
});

describe('console flow (Lab D through the contract)', () => {
  it('starts loms and three notifiers; the group has 3 members of which exactly 2 own a partition', async () => {
    for (const instance of ['loms', 'notifier-1', 'notifier-2', 'notifier-3'] as const)
      await call('services:start', { instance });
    const g = await waitFor(
      async () => {
        const s = await group_();
        return s?.state === 'Stable' && s.members.length === 3 ? s : undefined;
      },
      { timeoutMs: 90_000, what: 'a stable notifier group of 3' },
    );
    expect(g.members.filter((m) => (m.assignment[topic] ?? []).length > 0)).toHaveLength(2);
    // loms answers before we drive load
    await waitFor(async () => (await call('lab-d:relay-status').catch(() => undefined)) ?? undefined, {
      timeoutMs: 60_000,
      what: 'loms to answer',
    });
  });

  it('creates orders with the load generator; every order gets a timeline with processed steps; the outbox drains', async () => {
    await call('load:start', { lab: 'lab-d', rate: 40, count: 30, mix: { pay: 2, cancel: 1, failed: 1, none: 0 } });
    const done = await waitFor(
      async () => {
        const p = (await call('load:status')).progress;
        return p !== null && !p.running ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'the load run to end' },
    );
    expect(done).toMatchObject({ created: 30, errors: 0, endReason: 'done' });
    expect(events.some((e) => e.name === 'load:progress')).toBe(true);

    const paid = await waitFor(
      async () => {
        const recent = await call('timeline:recent', { limit: 100 });
        for (const hit of recent.items.filter((t) => t.lastStatus === 'paid' && t.actors.length > 0)) {
          const t = (await call('timeline:get', { lab: 'lab-d', entity: hit.entity })).timeline;
          // Facts come from three sources at their own pace (the outbox is polled, the tail and the notifier logs
          // stream), so the order is awaited until its committed steps have arrived too.
          const has = (step: string, status: string) =>
            t?.steps.some((s) => s.step === step && s.status === status) === true;
          if (t !== null && has('processed', 'paid') && has('committed', 'new') && has('committed', 'paid')) return t;
        }
        return undefined;
      },
      { timeoutMs: 60_000, what: 'a paid order committed, published and processed' },
    );
    const kinds = paid.steps.map((s) => `${s.status}:${s.step}`);
    expect(kinds.filter((k) => k.endsWith(':published')).map((k) => k.split(':')[0])).toEqual([
      'new',
      'awaiting payment',
      'paid',
    ]);
    expect(kinds).toContain('new:committed');
    expect(kinds).toContain('paid:processed');
    expect(paid.flags).toEqual([]);

    const outbox = await waitFor(
      async () => {
        const s = (await call('outbox:snapshot')).state;
        return s !== null && s.reachable && s.pending === 0 && s.sentTotal > 0 ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the outbox to drain' },
    );
    expect(outbox.oldestPendingAgeMs).toBeNull();
    // every order has at least two events (new → awaiting payment | failed); the observer polls, so wait for it
    const parts = await waitFor(
      async () => {
        const p = (await call('kafka:snapshot')).partitions.filter((x) => x.topic === topic);
        return p.length === 2 && p.reduce((n, x) => n + Number(x.logEndOffset), 0) >= 30 * 2 ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'the partitions to show 60+ records' },
    );
    expect(parts.every((p) => p.logStartOffset === '0')).toBe(true);
    const tail = await call('topics:tail-page', { topic, limit: 5 });
    expect(tail.records.length).toBe(5);
    await waitFor(async () => ((await group_())?.totalLag === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'lag 0',
    });
    expect((await call('timeline:flagged', { flag: 'missing-step' })).total).toBe(0);
  });

  it('pausing the relay grows the backlog; resuming drains it', async () => {
    expect((await call('faults:run', { fault: 'relay-pause' })).result).toMatch(/paused/);
    expect(await call('lab-d:relay-status')).toMatchObject({ paused: true });
    await call('load:start', { lab: 'lab-d', rate: 50, count: 5, mix: { pay: 0, cancel: 0, failed: 0, none: 1 } });
    await waitFor(async () => ((await call('outbox:snapshot')).state?.pending ?? 0) >= 5 || undefined, {
      timeoutMs: 30_000,
      what: 'a backlog of 5+',
    });
    expect(await call('lab-d:relay-resume')).toMatchObject({ paused: false });
    await waitFor(async () => ((await call('outbox:snapshot')).state?.pending === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the backlog to drain',
    });
  });

  it('a poison record is counted by the notifier that owns its partition; a duplicate is flagged', async () => {
    const errorsBefore = (await call('services:list')).instances.reduce((n, i) => n + i.errors, 0);
    const poison = await call('kafka:produce-raw', { kind: 'poison', topic, key: 'poison-key' });
    expect(poison.key).toBe('poison-key');
    await waitFor(
      async () =>
        (await call('services:list')).instances.reduce((n, i) => n + i.errors, 0) > errorsBefore ? true : undefined,
      {
        timeoutMs: 30_000,
        what: 'a notifier to count the poison record',
      },
    );
    // the newest keyed order event (not the poison record) is sent again
    const dup = await call('kafka:produce-raw', { kind: 'duplicate', topic });
    expect(dup.key).toMatch(/^\d+$/);
    const flagged = await waitFor(
      async () => {
        const f = await call('timeline:flagged', { flag: 'duplicate' });
        return f.items.find((i) => i.entity === dup.key);
      },
      { timeoutMs: 30_000, what: 'the duplicate flag' },
    );
    expect(flagged.flags).toContain('duplicate');
  });

  it('killing an active notifier moves its partition to the idle one (rebalance recorded)', async () => {
    const g = (await group_())!;
    const owner = g.members.find((m) => (m.assignment[topic] ?? []).length > 0)!;
    const idle = g.members.find((m) => (m.assignment[topic] ?? []).length === 0)!;
    const instance = (await call('services:list')).instances.find((i) => owner.clientId.includes(i.instance))?.instance;
    expect(instance, `an instance named in clientId ${owner.clientId}`).toBeDefined();
    const killed = await call('services:kill', { instance: instance! });
    expect(killed.instance).toMatchObject({ state: 'exited', exitSignal: 'SIGKILL' });
    const moved = await waitFor(
      async () => {
        const r = (await call('groups:rebalances', { groupId: group })).rebalances;
        return r.find((x) => x.moves.some((m) => m.from === owner.clientId && m.to === idle.clientId));
      },
      { timeoutMs: 90_000, what: 'the partition to move to the idle member' },
    );
    expect(moved.membersAfter).toHaveLength(2);
    // the row is made when the group settles; the generation comes from the notifiers' joined lines, which may arrive a
    // poll later: then the same row is pushed again with it
    const generation = await waitFor(
      async () => {
        const r = (await call('groups:rebalances', { groupId: group })).rebalances.find((x) => x.at === moved.at);
        return r?.generationId ?? undefined;
      },
      { timeoutMs: 20_000, what: "the takeover's generation on its rebalance row" },
    );
    expect(generation).toBeGreaterThan(1);
    // the observer records the row while it polls and pushes the poll's diff at its end: a request can see it first
    const pushed = () =>
      events.flatMap((e) => (e.name === 'groups:diff' ? (e.payload as { rebalances: Rebalance[] }).rebalances : []));
    await waitFor(() => pushed().some((r) => r.at === moved.at && r.generationId === generation), {
      timeoutMs: 10_000,
      what: 'the filled row pushed',
    });
    expect(pushed().some((r) => r.at === moved.at && r.generationId === generation)).toBe(true);
    expect(events.some((e) => e.name === 'groups:diff')).toBe(true);
    expect(events.some((e) => e.name === 'timeline:batch')).toBe(true);
    expect(events.some((e) => e.name === 'services:state')).toBe(true);
  });
});
