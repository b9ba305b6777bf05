// The real lag in seconds of a hot group against the real broker: the time since the record at its committed offset
// (records produced with timestamps in the past), following the commit when it moves, and for a group no view shows
// the estimate from the produce rate (none here: blank); the reading consumer's group is gone once the observer stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { createKafkaObserver, type KafkaObserver } from '../../main/console/observe/kafka-observer.js';
import { createRecordTimestamps } from '../../main/console/observe/record-timestamps.js';
import type { GroupPartitionLag } from '../../main/console/contract/console-api.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka } from './lab-d/harness.js';

let kafka: Kafka;
let admin: Admin;
let observer: KafkaObserver;
const topic = uniqueName('lag-seconds');
const hotGroup = uniqueName('lag-seconds-hot');
const coldGroup = uniqueName('lag-seconds-cold');
const readerPrefix = `${uniqueName('lag-seconds-reader')}-`;
/** record i on partition 0 was made (100 − 10·i) s ago: 100, 90, …, 10 s */
const made = Date.now();
const ageOf = (i: number) => 100 - 10 * i;

const lagOf = (groupId: string, partition: number): GroupPartitionLag | undefined =>
  observer
    .groupsSnapshot()
    .groups.find((g) => g.groupId === groupId)
    ?.partitions.find((p) => p.topic === topic && p.partition === partition);

beforeAll(async () => {
  kafka = testKafka(endpoints().kafka.brokers, 'lag-seconds-test');
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 10 }, (_, i) => ({
      partition: 0,
      value: `v${i}`,
      timestamp: String(made - ageOf(i) * 1000),
    })),
  });
  await producer.send({ topic, messages: [{ partition: 1, value: 'w0', timestamp: String(made - 50_000) }] });
  await producer.disconnect();
  for (const groupId of [hotGroup, coldGroup])
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '1' },
      ],
    });
  observer = createKafkaObserver({
    admin: kafka.admin(),
    logger: createMemoryLogger().logger,
    pollIntervalMs: 60_000, // polled by hand
    hideGroup: (g) => g !== hotGroup && g !== coldGroup,
    hot: () => ({ topics: [topic], groups: [hotGroup] }),
    recordTimestamps: createRecordTimestamps({
      kafka,
      groupPrefix: readerPrefix,
      logger: createMemoryLogger().logger,
      deadlineMs: 15_000, // the first read joins the reader's group
    }),
    onPartitionsDiff: () => undefined,
    onGroupsDiff: () => undefined,
  });
});

afterAll(async () => {
  await observer?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.deleteGroups([hotGroup, coldGroup]).catch(() => undefined);
  await admin?.disconnect();
});

describe('real lag in seconds', () => {
  it("is the age of the record at a hot group's committed offset", async () => {
    await observer.pollNow();
    const p0 = lagOf(hotGroup, 0)!;
    expect(p0.lag).toBe(8);
    // the record at offset 2 was made 80 s before the test's start
    const elapsed = (Date.now() - made) / 1000;
    expect(p0.lagSeconds).toBeGreaterThanOrEqual(ageOf(2) - 0.1);
    expect(p0.lagSeconds).toBeLessThanOrEqual(ageOf(2) + elapsed + 0.1);
    // nothing to consume on partition 1: no lag, no seconds
    expect(lagOf(hotGroup, 1)).toMatchObject({ lag: 0, lagSeconds: null });
  });

  it('follows the committed offset when it moves, and grows while it does not', async () => {
    const before = lagOf(hotGroup, 0)!.lagSeconds!;
    await observer.pollNow();
    expect(lagOf(hotGroup, 0)!.lagSeconds!).toBeGreaterThanOrEqual(before);
    await admin.setOffsets({ groupId: hotGroup, topic, partitions: [{ partition: 0, offset: '7' }] });
    await observer.pollNow();
    const p0 = lagOf(hotGroup, 0)!;
    expect(p0.lag).toBe(3);
    const elapsed = (Date.now() - made) / 1000;
    expect(p0.lagSeconds).toBeGreaterThanOrEqual(ageOf(7) - 0.1);
    expect(p0.lagSeconds).toBeLessThanOrEqual(ageOf(7) + elapsed + 0.1);
  });

  it('gives a group no view shows the estimate from the produce rate (blank: nothing is produced)', () => {
    expect(lagOf(coldGroup, 0)).toMatchObject({ lag: 8, lagSeconds: null });
  });

  it("deletes its reading consumer's group when it stops", async () => {
    expect((await admin.listGroups()).groups.some((g) => g.groupId.startsWith(readerPrefix))).toBe(true);
    await observer.stop();
    expect((await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(readerPrefix))).toEqual([]);
  });
});
