// The console's topic tail through a broker restart. A test-scoped broker (never the shared one) is stopped for longer
// than kafkajs' retry budget, so the tail's consumer crashes; the tail reports that on onHealth, restarts its consumer
// with a capped backoff once the broker is back, clears its health, keeps what it had and carries on where it was.
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKafka } from '../../main/console/stack/local/kafka.js';
import {
  createTailBuffer,
  createTopicTail,
  type TailBuffer,
  type TopicTail,
} from '../../main/console/observe/topic-tail.js';
import type { AppError } from '../../services/shared/app-error.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { uniqueName } from './support/index.js';
import { startScopedKafka, type ScopedKafka } from './lab-d/harness.js';

describe('console: the topic tail recovers after the broker restarts', () => {
  const topic = uniqueName('console-tail-restart');
  let scoped: ScopedKafka;
  let broker: LocalKafka;
  let buffer: TailBuffer;
  let tail: TopicTail | undefined;
  const { logger, lines } = createMemoryLogger('tail-test');
  /** every onHealth call, in order (undefined: healthy) */
  const health: (AppError | undefined)[] = [];

  beforeAll(async () => {
    scoped = await startScopedKafka('console-tail');
    broker = scoped.kafka;
  });

  afterAll(async () => {
    await tail?.stop();
    await scoped?.remove();
  });

  // the console's own client settings (create-console.ts): 2 retries, at most 2 s apart
  const client = () =>
    new Kafka({
      clientId: 'console-tail-test',
      brokers: broker.brokers,
      connectionTimeout: 2000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: logLevel.NOTHING,
    });

  async function produce(values: string[]): Promise<void> {
    const producer = client().producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 2000 },
    });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: values.map((v, i) => ({ key: `k${i % 4}`, value: v })) });
    } finally {
      await producer.disconnect();
    }
  }

  const seen = () => new Set(buffer.page({ topic, limit: 1000 }).records.map((r) => r.value));

  it('crashes while the broker is away, says so, restarts when it is back, and tails the new records', async () => {
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    buffer = createTailBuffer({});
    tail = createTopicTail({
      kafka: client(),
      groupId: uniqueName('eventscope-observer-test'),
      buffer,
      logger,
      onHealth: (e) => health.push(e),
      maxBackoffMs: 2000,
    });
    await tail.follow([topic]);

    const before = Array.from({ length: 6 }, (_, i) => `before-${i}`);
    await produce(before);
    await waitFor(() => before.every((v) => seen().has(v)), {
      timeoutMs: 30_000,
      what: 'the records produced before the restart in the tail',
    });
    await waitFor(() => health.at(-1) === undefined && health.length > 0, {
      timeoutMs: 10_000,
      what: 'the tail reporting healthy',
    });

    // Stopped for longer than the consumer's retry budget: wait until the tail reports the broker gone.
    await broker.stop();
    const problem = await waitFor(() => health.at(-1), {
      timeoutMs: 60_000,
      what: 'the tail reporting the broker gone',
    });
    expect(problem.code).toBe('KAFKA_UNAVAILABLE');
    expect(lines.some((l) => l.msg === 'tail consumer crashed')).toBe(true);
    // and keeps trying while it is away: a restart that fails (the broker stays down until one has)
    await waitFor(() => lines.some((l) => l.msg === 'tail: could not start'), {
      timeoutMs: 30_000,
      what: 'a restart of the tail failing while the broker is away',
    });
    expect(health.filter((h) => h !== undefined)).toHaveLength(1); // reported once, not once per attempt

    await broker.start(); // the same data folder: the topic and its records are still there
    const after = Array.from({ length: 6 }, (_, i) => `after-${i}`);
    await produce(after);
    await waitFor(() => after.every((v) => seen().has(v)), {
      timeoutMs: 45_000,
      intervalMs: 200,
      what: 'the records produced after the restart in the tail',
    });
    await waitFor(() => health.at(-1) === undefined, { timeoutMs: 10_000, what: 'the tail clearing its health' });

    // The buffer was kept, and the restarted consumer went on where the tail was: each record once.
    const records = buffer.page({ topic, limit: 1000 }).records;
    expect(records.map((r) => r.value).sort()).toEqual([...before, ...after].sort());
    expect(new Set(records.map((r) => `${r.partition}@${r.offset}`)).size).toBe(records.length);
    expect(tail.topics).toEqual([topic]);
  });
});
