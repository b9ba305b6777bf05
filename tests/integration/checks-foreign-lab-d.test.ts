// Lab D's checks against services we did not write: a producer written here in another style (the seed text's event
// shape, `payed`, fields of its own, one send per event) and consumer group members that log in their own format or
// not at all. With the lab settings mapping `payed`, the passive checks PASS on it and FAIL when the producer skips
// `awaiting payment`; check 10 judges the foreign group by its committed offsets alone and says so.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka, waitFor } from './lab-d/harness.js';
import { directContext, runDirect } from './checks/lab-d-console.js';

const brokers = () => endpoints().kafka.brokers;
let admin: Admin;
const topics: string[] = [];

beforeAll(async () => {
  admin = testKafka(brokers()).admin();
  await admin.connect();
});

afterAll(async () => {
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

/** The student's order service, as the seed text describes its events: one send per status change, `payed`. */
class StudentOrderProducer {
  private next = 70_000 + Math.floor(Math.random() * 1000) * 1000;
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly skipAwaitingPayment = false,
    private readonly cancelled = 'cancelled',
  ) {}

  private async emit(orderId: number, status: string): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      messages: [
        {
          key: `${orderId}`,
          value: JSON.stringify({
            order_id: orderId,
            status,
            moment: new Date().toISOString().replace('Z', '+00:00'),
            trace_id: randomUUID(),
            producer: 'student-loms/0.1',
            items_total: 3,
          }),
        },
      ],
    });
  }

  async order(outcome: 'payed' | 'cancelled' | 'failed' | 'waiting'): Promise<void> {
    const id = this.next++;
    await this.emit(id, 'new');
    if (outcome === 'failed') return this.emit(id, 'failed');
    if (!this.skipAwaitingPayment) await this.emit(id, 'awaiting payment');
    if (outcome === 'payed') await this.emit(id, 'payed');
    if (outcome === 'cancelled') await this.emit(id, this.cancelled);
  }
}

const OUTCOMES = ['payed', 'payed', 'cancelled', 'failed', 'waiting'] as const;

async function topicWith(prefix: string, orders: number, skip = false, cancelled = 'cancelled'): Promise<string> {
  const topic = uniqueName(prefix);
  topics.push(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = testKafka(brokers(), 'student-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const student = new StudentOrderProducer(producer, topic, skip, cancelled);
    for (let i = 0; i < orders; i += 10)
      await Promise.all(Array.from({ length: 10 }, (_, j) => student.order(OUTCOMES[(i + j) % OUTCOMES.length]!)));
  } finally {
    await producer.disconnect();
  }
  return topic;
}

describe('Lab D checks on a foreign producer and foreign consumers', () => {
  let topic: string;
  const group = uniqueName('student-notifiers');
  const consumers: Consumer[] = [];
  const logs: string[][] = [[], [], []];

  beforeAll(async () => {
    topic = await topicWith('foreign-d', 210);
    // three members of the student's group: two log in their own words, one logs nothing; poison is skipped
    for (let i = 0; i < 3; i++) {
      const consumer = testKafka(brokers(), `student-notifier-${i}`).consumer({
        groupId: group,
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 200,
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          try {
            const e = JSON.parse(message.value?.toString() ?? '') as { order_id: number; status: string };
            if (i < 2) logs[i]!.push(`[notifier-${i}] got order #${e.order_id} -> ${e.status.toUpperCase()}`);
          } catch {
            if (i < 2) logs[i]!.push(`[notifier-${i}] skipping a bad message`);
          }
          return Promise.resolve();
        },
      });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
  });

  const lab = () =>
    createLabD({
      EVENTSCOPE_ORDER_TOPIC: topic,
      EVENTSCOPE_NOTIFIER_GROUP: group,
      EVENTSCOPE_STATUS_SPELLINGS: 'payed=paid',
      EVENTSCOPE_LOMS_URL: 'http://127.0.0.1:9',
    });

  it('the passive checks pass with `payed` mapped to `paid`', async () => {
    for (const id of ['topic-shape', 'sequences', 'per-order-ordering', 'even-spread']) {
      const r = await runDirect(lab(), id, directContext(brokers(), endpoints()));
      expect(r.status, `${id}: ${r.summary}`).toBe('PASS');
    }
  }, 120_000);

  it('a spelling the settings do not map fails, naming it; mapped, it passes', async () => {
    const canceled = await topicWith('foreign-d-canceled', 20, false, 'canceled');
    const ctx = () => directContext(brokers(), endpoints());
    const unmapped = await runDirect(createLabD({ EVENTSCOPE_ORDER_TOPIC: canceled }), 'sequences', ctx());
    expect(unmapped.status, unmapped.summary).toBe('FAIL');
    expect(unmapped.evidence?.[0]?.detail).toMatch(/status `canceled` is not a Lab D status/);
    const mapped = await runDirect(
      createLabD({ EVENTSCOPE_ORDER_TOPIC: canceled, EVENTSCOPE_STATUS_SPELLINGS: 'canceled=cancelled' }),
      'sequences',
      ctx(),
    );
    expect(mapped.status, mapped.summary).toBe('PASS');
    // renamed fields that the events do not have: nothing reads as an order event
    const renamed = await runDirect(
      createLabD({ EVENTSCOPE_ORDER_TOPIC: canceled, EVENTSCOPE_EVENT_FIELDS: 'status=state' }),
      'sequences',
      ctx(),
    );
    expect(renamed.status).toBe('SKIP');
    expect(renamed.summary).toMatch(/not an order event/);
  }, 60_000);

  it('processing errors: the foreign group gets past poison records, judged by its committed offsets alone', async () => {
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 3 ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the student group to be stable' },
    );
    const r = await runDirect(lab(), 'processing-errors', directContext(brokers(), endpoints()));
    expect(r.status, r.summary).toBe('PASS');
    expect(r.summary).toMatch(/could not be seen/);
    expect(logs[0]!.concat(logs[1]!).some((l) => l.includes('skipping a bad message'))).toBe(true);
    expect(logs[2]).toEqual([]);
  }, 90_000);

  it('the same producer skipping `awaiting payment` fails sequences and per-order-ordering', async () => {
    const skipping = await topicWith('foreign-d-skip', 30, true);
    const l = createLabD({ EVENTSCOPE_ORDER_TOPIC: skipping });
    const two = await runDirect(l, 'sequences', directContext(brokers(), endpoints()));
    expect(two.status, two.summary).toBe('FAIL');
    expect(two.evidence?.map((e) => e.detail).join('\n')).toMatch(/`paid` without `awaiting payment`/);
    const three = await runDirect(l, 'per-order-ordering', directContext(brokers(), endpoints()));
    expect(three.status, three.summary).toBe('FAIL');
    expect(three.evidence?.map((e) => e.detail).join('\n')).toMatch(/`awaiting payment` missing before it/);
  }, 90_000);
});
