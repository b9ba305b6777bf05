// The Kafka observer on a big cluster (the thresholds lowered so that the shared broker counts as one): the topics and
// groups a view shows are polled every time, the rest only at every fullEvery-th poll; a new group shows at once; the
// topic offsets asked by admin clients of their own go on after a topic is deleted and another created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { createKafkaObserver, type KafkaObserver } from '../../main/console/observe/kafka-observer.js';
import type { GroupState, PartitionState } from '../../main/console/contract/console-api.js';
import type { AppError } from '../../services/shared/app-error.js';
import { waitFor } from '../../services/shared/wait.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka } from './lab-d/harness.js';

let kafka: Kafka;
let admin: Admin;
let observer: KafkaObserver;
const hot = uniqueName('scale-hot');
const cold = uniqueName('scale-cold');
const coldGroup = uniqueName('scale-cold-group');
const fresh = uniqueName('scale-fresh');
/** the observer's health after its last poll (undefined: it answered) */
let health: AppError | undefined;
const partitions = new Map<string, PartitionState>();
const groups = new Map<string, GroupState>();

const logEnd = (topic: string) => partitions.get(`${topic}/0`)?.logEndOffset;

async function produce(topic: string, n: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `v${i}` })) });
  await producer.disconnect();
}

beforeAll(async () => {
  kafka = testKafka(endpoints().kafka.brokers, 'observer-scale-test');
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [hot, cold].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  observer = createKafkaObserver({
    admin: kafka.admin(),
    offsetsAdmin: () => kafka.admin(),
    logger: createMemoryLogger().logger,
    pollIntervalMs: 60_000, // polled by hand (pollNow), one poll at a time
    hideGroup: (g) => g !== coldGroup,
    hot: () => ({ topics: [hot], groups: [] }),
    fullEvery: 4,
    bigCluster: { partitions: 1, groups: 100 },
    onPartitionsDiff: (_seq, upsert, removed) => {
      for (const p of upsert) partitions.set(p.id, p);
      for (const id of removed) partitions.delete(id);
    },
    onGroupsDiff: (_seq, upsert) => {
      for (const g of upsert) groups.set(g.groupId, g);
    },
    onHealth: (e) => {
      health = e;
    },
  });
});

afterAll(async () => {
  await observer?.stop();
  await admin?.deleteTopics({ topics: [hot, cold, fresh] }).catch(() => undefined);
  await admin?.deleteGroups([coldGroup]).catch(() => undefined);
  await admin?.disconnect();
});

describe('kafka observer on a big cluster', () => {
  it('polls the hot topic every time and the others at every 4th poll', async () => {
    await observer.pollNow(); // poll 0: full, and the cluster is big from now on
    expect(logEnd(hot)).toBe('0');
    expect(logEnd(cold)).toBe('0');
    await produce(hot, 3);
    await produce(cold, 5);
    await observer.pollNow(); // 1: partial
    expect(logEnd(hot)).toBe('3');
    expect(logEnd(cold)).toBe('0');
    await observer.pollNow(); // 2
    await observer.pollNow(); // 3
    expect(logEnd(cold)).toBe('0');
    await observer.pollNow(); // 4: full
    expect(logEnd(cold)).toBe('5');
  });

  it('shows a new group at the next poll, full or not, and its lag then at full polls', async () => {
    await admin.setOffsets({ groupId: coldGroup, topic: cold, partitions: [{ partition: 0, offset: '2' }] });
    await observer.pollNow(); // 5: partial, but the group is new
    expect(groups.get(coldGroup)?.totalLag).toBe(3);
    await admin.setOffsets({ groupId: coldGroup, topic: cold, partitions: [{ partition: 0, offset: '4' }] });
    await observer.pollNow(); // 6: partial: an empty group of no view waits for the full poll
    expect(groups.get(coldGroup)?.totalLag).toBe(3);
    await observer.pollNow(); // 7
    await observer.pollNow(); // 8: full
    expect(groups.get(coldGroup)?.totalLag).toBe(1);
  });

  it('goes on after a topic it asked offsets of is deleted and a new one created (its offsets admin replaced)', async () => {
    // kafkajs' admin keeps every topic it was asked offsets of and asks their metadata again at each new one: a
    // deleted one among them fails every such request (UNKNOWN_TOPIC_OR_PARTITION)
    await admin.deleteTopics({ topics: [cold] });
    await waitFor(async () => !(await admin.listTopics()).includes(cold), { what: `${cold} to be deleted` });
    await admin.createTopics({
      topics: [{ topic: fresh, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await produce(fresh, 2);
    await produce(hot, 1);
    await observer.pollNow(); // 9
    await observer.pollNow(); // 10
    await observer.pollNow(); // 11
    await observer.pollNow(); // 12: full
    expect(logEnd(fresh)).toBe('2');
    expect(logEnd(hot)).toBe('4');
    expect(partitions.has(`${cold}/0`)).toBe(false);
    // a poll may fail once when another test's topic is deleted between its list and its offsets: healthy after
    expect(health?.message).toBeUndefined();
  });
});
