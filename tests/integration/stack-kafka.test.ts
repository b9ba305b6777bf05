// Kafka smoke test against the real broker: a topic with 2 partitions, keyed records, a consumer group of two members
// with decoded assignments, committed offsets equal to the log-end offsets.
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../services/shared/wait.js';
import { endpoints, uniqueName } from './support/index.js';

describe('kafka', () => {
  const topic = uniqueName('smoke-orders');
  const groupId = uniqueName('smoke-group');
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    kafka = new Kafka({ clientId: 'eventscope-smoke', brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('creates a topic with 2 partitions', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1]);
  });

  it('produces keyed records, consumes them in a group, and shows assignments and offsets', async () => {
    const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6'];
    const messages = keys.flatMap((key) => [1, 2].map((n) => ({ key, value: JSON.stringify({ key, n }) })));
    const sent = await producer.send({ topic, acks: -1, messages });
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);

    const seen: { key: string; partition: number; offset: string; member: number }[] = [];
    for (const member of [0, 1]) {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 500,
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ key: message.key?.toString() ?? '', partition, offset: message.offset, member });
          return Promise.resolve();
        },
      });
    }

    await waitFor(() => new Set(seen.map((s) => `${s.partition}:${s.offset}`)).size === messages.length, {
      timeoutMs: 60_000,
      what: 'all records consumed',
    });
    // Same key, same partition; both partitions used.
    for (const key of keys) expect(new Set(seen.filter((s) => s.key === key).map((s) => s.partition)).size).toBe(1);
    expect(new Set(seen.map((s) => s.partition))).toEqual(new Set([0, 1]));

    // The group settles with two members, one partition each (decoded from the member assignment bytes).
    const assignments = await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        if (group?.state !== 'Stable' || group.members.length !== 2) return undefined;
        const decoded = group.members.map((m) => ({
          memberId: m.memberId,
          assignment: AssignerProtocol.MemberAssignment.decode(m.memberAssignment),
        }));
        if (decoded.some((d) => d.assignment === null)) return undefined;
        const perMember = decoded.map((d) => d.assignment?.assignment[topic] ?? []);
        return perMember.every((p) => p.length === 1) ? perMember : undefined;
      },
      { timeoutMs: 60_000, what: 'a stable group with 2 members, one partition each' },
    );
    expect(assignments.flat().sort()).toEqual([0, 1]);

    // Committed offsets reach the log-end offsets.
    const logEnd = await admin.fetchTopicOffsets(topic);
    expect(logEnd.map((p) => Number(p.high)).reduce((a, b) => a + b, 0)).toBe(messages.length);
    await waitFor(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return logEnd.every((p) => committed?.partitions.find((c) => c.partition === p.partition)?.offset === p.high);
      },
      { timeoutMs: 30_000, what: 'committed offsets equal to the log-end offsets' },
    );
  });
});
