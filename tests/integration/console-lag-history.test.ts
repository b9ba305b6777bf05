// The lag history against the real broker: a group with committed offsets that lag, one sample per poll of the group
// (the history grows), and a member joining shows as a rebalance in the groups:lag-history answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { createKafkaObserver, type KafkaObserver } from '../../main/console/observe/kafka-observer.js';
import { createLagHistory, lagHistoryOf } from '../../main/console/observe/lag-history.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka } from './lab-d/harness.js';

let kafka: Kafka;
let admin: Admin;
let observer: KafkaObserver;
const consumers: Consumer[] = [];
const topic = uniqueName('lag-history');
const groupId = uniqueName('lag-history-group');
const history = createLagHistory({ pollIntervalMs: 200 });
const answer = () => lagHistoryOf(history, observer.rebalances(groupId, 200), groupId, undefined, Date.now());

beforeAll(async () => {
  kafka = testKafka(endpoints().kafka.brokers, 'lag-history-test');
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ value: `v${i}`, partition: 0 })) });
  await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `w${i}`, partition: 1 })) });
  await producer.disconnect();
  await admin.setOffsets({
    groupId,
    topic,
    partitions: [
      { partition: 0, offset: '2' },
      { partition: 1, offset: '3' },
    ],
  });
  observer = createKafkaObserver({
    admin: kafka.admin(),
    logger: createMemoryLogger().logger,
    pollIntervalMs: 200,
    hideGroup: (g) => g !== groupId,
    onPartitionsDiff: () => undefined,
    onGroupsDiff: () => undefined,
    onGroupProgress: (g, lags) => history.record(g, lags, Date.now()),
  });
  observer.start();
});

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await observer?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.deleteGroups([groupId]).catch(() => undefined);
  await admin?.disconnect();
});

async function member(clientId: string): Promise<void> {
  const c = testKafka(endpoints().kafka.brokers, clientId).consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    rebalanceTimeout: 10_000,
  });
  consumers.push(c);
  await c.connect();
  await c.subscribe({ topics: [topic] });
  // holds its records without committing: the lag stays what setOffsets made it
  await c.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() });
}

describe('lag history', () => {
  it('grows by one sample per poll with the lag of each partition', async () => {
    const first = await waitFor(() => (answer().times.length >= 2 ? answer() : undefined), {
      what: 'two samples of the group',
    });
    const p0 = first.partitions.find((p) => p.topic === topic && p.partition === 0)!;
    const p1 = first.partitions.find((p) => p.topic === topic && p.partition === 1)!;
    expect(p0.lag.at(-1)).toBe(6);
    expect(p1.lag.at(-1)).toBe(0);
    expect(p0.lag).toHaveLength(first.times.length);
    const n = first.times.length;
    const later = await waitFor(() => (answer().times.length >= n + 3 ? answer() : undefined), {
      what: 'three more polls in the history',
    });
    expect(later.times).toEqual([...later.times].sort((a, b) => a - b));
    expect(later.times.slice(0, n)).toEqual(first.times);
    // sinceMs: only the newer samples
    const since = later.times[n]!;
    const tail = lagHistoryOf(history, [], groupId, since, Date.now());
    expect(tail.times[0]).toBe(since);
    expect(tail.partitions[0]!.lag).toHaveLength(tail.times.length);
  });

  it('marks a rebalance when members join', async () => {
    await member('lag-member-a');
    await waitFor(() => observer.groupsSnapshot().groups.find((g) => g.groupId === groupId && g.members.length === 1), {
      timeoutMs: 60_000,
      what: 'a group of one',
    });
    await member('lag-member-b');
    const r = await waitFor(() => (answer().rebalances.length > 0 ? answer() : undefined), {
      timeoutMs: 60_000,
      what: 'a rebalance in the lag history',
    });
    const marker = r.rebalances.at(-1)!;
    expect(marker.moves).toBeGreaterThan(0);
    expect(marker.at).toBeGreaterThanOrEqual(r.times[0]!);
    expect(marker.at).toBeLessThanOrEqual(r.times.at(-1)!);
    // the lag is still there after the rebalance: nobody committed
    expect(r.partitions.find((p) => p.partition === 0)!.lag.at(-1)).toBe(6);
  });
});
