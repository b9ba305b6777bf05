// The checks matrix of Lab D: every check PASSes against the correct services, each broken mode FAILs each check it
// names (with evidence that points at the bug), and checks 1, 2 and 4 FAIL through bad-setup cases (a topic with one
// partition, a foreign producer that skips `awaiting payment`, a producer keyed by a constant). One shared stack with
// unique names; a scoped broker only where a broker must stop. Prints the matrix (check × case) to stderr.
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { LAB_D_CHECK_LIST } from '../../main/console/labs/lab-d/checks/catalog.js';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import { createTestDatabase, endpoints, uniqueName, type TestDatabase } from './support/index.js';
import { startScopedKafka, testKafka, waitFor, type ScopedKafka } from './lab-d/harness.js';
import {
  MatrixTable,
  checksProvider,
  directContext,
  runDirect,
  startLabDConsole,
  type LabDConsole,
} from './checks/lab-d-console.js';

const started = Date.now();
const table = new MatrixTable(LAB_D_CHECK_LIST.map((c) => c.id));
const brokers = () => endpoints().kafka.brokers;
let admin: Admin;

function record(caseName: string, results: CheckResult[]): Map<string, CheckResult> {
  for (const r of results) table.add(caseName, r.check, r.status, r.finishedAt - r.startedAt);
  return new Map(results.map((r) => [r.check, r]));
}

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;

function expectStatus(r: CheckResult | undefined, status: string): CheckResult {
  expect(r?.status, show(r)).toBe(status);
  return r!;
}

/** Restarts the three notifiers in `mode` (null: correct) and waits for a stable group of three. */
async function notifiersIn(c: LabDConsole, group: string, mode: string | null): Promise<void> {
  for (const instance of ['notifier-1', 'notifier-2', 'notifier-3'])
    await c.call('services:restart', { instance, brokenMode: mode });
  const list = (await c.call('services:list')).instances.filter((i) => i.kind === 'notifier');
  expect(list.map((i) => i.brokenMode)).toEqual([mode, mode, mode]);
  await stableGroupOf3(c, group);
}

/** Waits (broker-side) for a stable group of 3; on a timeout says what the instances are doing. */
async function stableGroupOf3(c: LabDConsole, group: string): Promise<void> {
  try {
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 3 ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'a stable group of 3 notifiers' },
    );
  } catch (err) {
    const instances = (await c.call('services:list')).instances.map((i) => `${i.instance} ${i.state} ${i.exitCode}`);
    const tail = (await c.call('services:logs', { instance: 'notifier-1', lines: 5 })).lines.map((l) => l.text);
    throw new Error(`${(err as Error).message}; instances: ${instances.join(', ')}; notifier-1: ${tail.join(' | ')}`);
  }
}

/** Restarts loms in `mode` and waits for it to answer. */
async function lomsIn(c: LabDConsole, mode: string | null): Promise<void> {
  await c.call('services:restart', { instance: 'loms', brokenMode: mode });
  await waitFor(async () => (await c.call('lab-d:relay-status').catch(() => undefined)) ?? undefined, {
    timeoutMs: 60_000,
    what: `loms in ${mode ?? 'correct'} mode`,
  });
}

/** Creates `n` orders through loms and pays them (3 records each). */
async function ordersThrough(c: LabDConsole, n: number): Promise<void> {
  await c.call('load:start', { lab: 'lab-d', rate: 100, count: n, mix: { pay: 1, cancel: 0, failed: 0, none: 0 } });
  await waitFor(
    async () => {
      const p = (await c.call('load:status')).progress;
      return p !== null && !p.running ? p : undefined;
    },
    { timeoutMs: 60_000, what: 'the load run to end' },
  );
}

beforeAll(async () => {
  admin = testKafka(brokers()).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  process.stderr.write(
    `\n[checks-matrix lab-d] ${((Date.now() - started) / 1000).toFixed(0)} s\n${table.render()}\n\n`,
  );
});

describe('checks matrix: Lab D on the shared stack', () => {
  const topic = uniqueName('matrix-d');
  const group = uniqueName('matrix-d-notifier');
  let db: TestDatabase;
  let c: LabDConsole;

  beforeAll(async () => {
    db = await createTestDatabase('matrix_d');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    c = await startLabDConsole({
      provider: checksProvider(endpoints()),
      topic,
      group,
      databaseUrl: db.url,
    });
    for (const instance of ['loms', 'notifier-1', 'notifier-2', 'notifier-3'])
      await c.call('services:start', { instance });
    await stableGroupOf3(c, group);
    await waitFor(async () => (await c.call('lab-d:relay-status').catch(() => undefined)) ?? undefined, {
      timeoutMs: 60_000,
      what: 'loms to answer',
    });
    await c.call('load:start', { lab: 'lab-d', rate: 200, count: 220, mix: { pay: 5, cancel: 2, failed: 1, none: 2 } });
    await waitFor(
      async () => {
        const p = (await c.call('load:status')).progress;
        return p !== null && !p.running ? p : undefined;
      },
      { timeoutMs: 90_000, what: 'the load run to end' },
    );
    await waitFor(async () => ((await c.call('outbox:snapshot')).state?.pending === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the outbox to drain',
    });
  }, 240_000);

  afterAll(async () => {
    await c?.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await db?.drop();
  });

  it('correct services: every check passes', async () => {
    const ids = [
      'topic-shape',
      'sequences',
      'per-order-ordering',
      'even-spread',
      'two-of-three-active',
      'resume',
      'graceful-shutdown',
      'processing-errors',
      'no-event-without-commit',
      'producer-shutdown',
    ];
    const results = record('correct', await c.runChecks(ids));
    for (const id of ids) expectStatus(results.get(id), 'PASS');
  }, 400_000);

  it('commit-before-process fails two-of-three-active and resume: events committed and never processed', async () => {
    await notifiersIn(c, group, 'commit-before-process');
    const results = record('commit-before-process', await c.runChecks(['two-of-three-active', 'resume']));
    const five = expectStatus(results.get('two-of-three-active'), 'FAIL');
    expect(five.counts.lost).toBeGreaterThan(0);
    expect(five.evidence.map((e) => e.detail).join('\n')).toMatch(/committed by the group, logged by no notifier/);
    const six = expectStatus(results.get('resume'), 'FAIL');
    expect(six.evidence.map((e) => e.detail).join('\n')).toMatch(/committed before it was processed|never logged/);
  }, 300_000);

  it('no-graceful-shutdown (notifier) fails graceful-shutdown: the takeover waits for the session timeout', async () => {
    await notifiersIn(c, group, 'no-graceful-shutdown');
    const results = record('no-graceful-shutdown', await c.runChecks(['graceful-shutdown']));
    const nine = expectStatus(results.get('graceful-shutdown'), 'FAIL');
    expect(nine.summary).toMatch(/not well under the session timeout|did not exit cleanly/);
  }, 200_000);

  it('crash-on-poison fails processing-errors: the committed offset stays at the poison record', async () => {
    await notifiersIn(c, group, 'crash-on-poison');
    const results = record('crash-on-poison', await c.runChecks(['processing-errors']));
    const ten = expectStatus(results.get('processing-errors'), 'FAIL');
    expect(ten.evidence.map((e) => e.detail).join('\n')).toMatch(/stays at the poison record .* \(not JSON\)/);
    await notifiersIn(c, group, null);
  }, 200_000);

  it('no-graceful-shutdown (loms) fails producer-shutdown: rows marked sent that never reached the topic', async () => {
    await lomsIn(c, 'no-graceful-shutdown');
    const results = record('no-graceful-shutdown', await c.runChecks(['producer-shutdown']));
    const eleven = expectStatus(results.get('producer-shutdown'), 'FAIL');
    expect(eleven.counts.lost).toBeGreaterThan(0);
    expect(eleven.evidence.map((e) => e.detail).join('\n')).toMatch(
      /answered 200, no record on .*; outbox #\d+ is marked sent/,
    );
  }, 200_000);

  it('send-before-commit fails no-event-without-commit: a record for a change that never committed', async () => {
    await lomsIn(c, 'send-before-commit');
    const results = record('send-before-commit', await c.runChecks(['no-event-without-commit']));
    const eight = expectStatus(results.get('no-event-without-commit'), 'FAIL');
    expect(eight.evidence.map((e) => e.detail).join('\n')).toMatch(
      /paid: a record for a change that never committed \(the order is `awaiting payment`/,
    );
  }, 200_000);

  it('random-partitioner fails per-order-ordering: one key on both partitions', async () => {
    await lomsIn(c, 'random-partitioner');
    await ordersThrough(c, 20);
    const results = record('random-partitioner', await c.runChecks(['per-order-ordering']));
    const three = expectStatus(results.get('per-order-ordering'), 'FAIL');
    expect(three.counts.split).toBeGreaterThan(0);
    expect(three.evidence[0]?.detail).toMatch(/key \d+: records on partitions 0 and 1/);
  }, 200_000);
});

describe('checks matrix: Lab D with a broker of its own (Kafka stops)', () => {
  const topic = uniqueName('matrix-d-outage');
  const group = uniqueName('matrix-d-outage-notifier');
  let scoped: ScopedKafka;
  let db: TestDatabase;
  let c: LabDConsole;

  beforeAll(async () => {
    [scoped, db] = await Promise.all([startScopedKafka('matrix-d'), createTestDatabase('matrix_d_outage')]);
    const a = testKafka(scoped.kafka.brokers).admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await a.disconnect();
    c = await startLabDConsole({
      provider: checksProvider(endpoints(), scoped.kafka),
      topic,
      group,
      databaseUrl: db.url,
    });
    await c.call('services:start', { instance: 'loms' });
    await waitFor(async () => (await c.call('lab-d:relay-status').catch(() => undefined)) ?? undefined, {
      timeoutMs: 60_000,
      what: 'loms to answer',
    });
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
    await scoped?.remove();
    await db?.drop();
  });

  it('correct services: at least once through the outage, order per key holds', async () => {
    const results = record('correct', await c.runChecks(['outage-at-least-once', 'per-order-ordering']));
    expectStatus(results.get('outage-at-least-once'), 'PASS');
    expectStatus(results.get('per-order-ordering'), 'PASS');
  }, 300_000);

  it('relay-gives-up fails outage-at-least-once (events lost) and per-order-ordering (a gap in a key’s path)', async () => {
    await lomsIn(c, 'relay-gives-up');
    const results = record('relay-gives-up', await c.runChecks(['outage-at-least-once', 'per-order-ordering']));
    const seven = expectStatus(results.get('outage-at-least-once'), 'FAIL');
    expect(seven.counts.lost).toBeGreaterThan(0);
    expect(seven.evidence.map((e) => e.detail).join('\n')).toMatch(
      /no record on .*; outbox #\d+ is marked sent with "gave up/,
    );
    const three = expectStatus(results.get('per-order-ordering'), 'FAIL');
    expect(three.evidence.map((e) => e.detail).join('\n')).toMatch(/missing before it/);
  }, 300_000);
});

describe('checks matrix: Lab D bad setups', () => {
  const topics: string[] = [];
  let producer: Producer;

  beforeAll(async () => {
    producer = testKafka(brokers()).producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  });

  async function topicOf(prefix: string, partitions: number): Promise<string> {
    const topic = uniqueName(prefix);
    topics.push(topic);
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    return topic;
  }

  const event = (id: number, status: string) =>
    JSON.stringify({ order_id: id, status, moment: new Date().toISOString() });

  it('a topic made with 1 partition fails topic-shape', async () => {
    const topic = await topicOf('matrix-d-one-part', 1);
    const lab = createLabD({ EVENTSCOPE_ORDER_TOPIC: topic });
    const r = await runDirect(lab, 'topic-shape', directContext(brokers(), endpoints()));
    table.add('bad setup', 'topic-shape', r.status, r.ms);
    expect(r.status, r.summary).toBe('FAIL');
    expect(r.summary).toMatch(/1 partition \(want 2\)/);
  });

  it('a foreign producer that skips `awaiting payment` fails sequences', async () => {
    const topic = await topicOf('matrix-d-skip', 2);
    const messages = [];
    for (let id = 1; id <= 10; id++) {
      messages.push({ key: String(id), value: event(id, 'new') });
      if (id % 2 === 0) messages.push({ key: String(id), value: event(id, 'awaiting payment') });
      messages.push({ key: String(id), value: event(id, 'paid') });
    }
    await producer.send({ topic, messages });
    const lab = createLabD({ EVENTSCOPE_ORDER_TOPIC: topic });
    const r = await runDirect(lab, 'sequences', directContext(brokers(), endpoints()));
    table.add('bad setup', 'sequences', r.status, r.ms);
    expect(r.status, r.summary).toBe('FAIL');
    expect(r.counts).toMatchObject({ orders: 10, invalid: 5 });
    expect(r.evidence?.[0]?.detail).toMatch(/order \d+: `paid` without `awaiting payment`/);
  });

  it('a producer keyed by a constant fails even-spread', async () => {
    const topic = await topicOf('matrix-d-const-key', 2);
    const messages = [];
    for (let id = 1; id <= 210; id++)
      messages.push(
        { key: 'orders', value: event(id, 'new') },
        { key: 'orders', value: event(id, 'awaiting payment') },
      );
    await producer.send({ topic, messages });
    const lab = createLabD({ EVENTSCOPE_ORDER_TOPIC: topic, EVENTSCOPE_LOMS_URL: 'http://127.0.0.1:9' });
    const r = await runDirect(lab, 'even-spread', directContext(brokers(), endpoints()));
    table.add('bad setup', 'even-spread', r.status, r.ms);
    expect(r.status, r.summary).toBe('FAIL');
    expect(r.summary).toMatch(/holds 100\.0 %/);
    expect(r.summary).toMatch(/Only 1 distinct key for 210 orders/);
  });
});
