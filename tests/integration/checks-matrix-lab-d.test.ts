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
import { testKafka, waitFor } from './lab-d/harness.js';
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
    await waitFor(
      async () => {
        const g = (await c.call('groups:snapshot')).groups.find((x) => x.groupId === group);
        return g?.state === 'Stable' && g.members.length === 3 ? g : undefined;
      },
      { timeoutMs: 90_000, what: 'a stable group of 3 notifiers' },
    );
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
    const ids = ['topic-shape', 'sequences', 'per-order-ordering', 'even-spread', 'processing-errors'];
    const results = record('correct', await c.runChecks(ids));
    for (const id of ids) expectStatus(results.get(id), 'PASS');
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
