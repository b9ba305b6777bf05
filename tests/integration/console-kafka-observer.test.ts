// The console's Kafka observer against the real broker: partitions with offsets, a group's members with decoded
// assignments (2 own a partition, 1 is idle), committed offsets and lag per partition, and a rebalance with who moved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { createKafkaObserver, type KafkaObserver } from '../../main/console/observe/kafka-observer.js';
import type { GroupState, Rebalance } from '../../main/console/contract/console-api.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka } from './lab-d/harness.js';

let kafka: Kafka;
let admin: Admin;
let observer: KafkaObserver;
const consumers: Consumer[] = [];
const topic = uniqueName('console-obs');
const groupId = uniqueName('console-obs-group');
const groups = new Map<string, GroupState>();
const rebalances: Rebalance[] = [];

beforeAll(async () => {
  kafka = testKafka(endpoints().kafka.brokers, 'console-observer-test');
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })),
  });
  await producer.send({
    topic,
    messages: Array.from({ length: 6 }, (_, i) => ({ key: `j${i}`, value: `w${i}`, partition: 1 })),
  });
  await producer.disconnect();
  // the group has processed 4 of partition 0 and all of partition 1
  await admin.setOffsets({
    groupId,
    topic,
    partitions: [
      { partition: 0, offset: '4' },
      { partition: 1, offset: '6' },
    ],
  });

  const observerAdmin = kafka.admin();
  observer = createKafkaObserver({
    admin: observerAdmin,
    logger: createMemoryLogger().logger,
    pollIntervalMs: 200,
    hideGroup: (g) => g !== groupId, // only this test's group
    onPartitionsDiff: () => undefined,
    onGroupsDiff: (_seq, upsert, _removed, r) => {
      for (const g of upsert) groups.set(g.groupId, g);
      rebalances.push(...r);
    },
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

async function member(clientId: string): Promise<Consumer> {
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
  return c;
}

describe('kafka observer', () => {
  it('reports partitions with log-start and log-end offsets', async () => {
    const parts = await waitFor(
      () => {
        const p = observer.partitionsSnapshot().partitions.filter((x) => x.topic === topic);
        return p.length === 2 ? p : undefined;
      },
      { what: 'the topic partitions' },
    );
    const byPartition = Object.fromEntries(parts.map((p) => [p.partition, p]));
    expect(byPartition[0]).toMatchObject({ logStartOffset: '0', logEndOffset: '10' });
    expect(byPartition[1]).toMatchObject({ logStartOffset: '0', logEndOffset: '6' });
  });

  it('reports 3 members with decoded assignments (2 own a partition, 1 idle) and lag per partition', async () => {
    await member('member-a');
    await member('member-b');
    await member('member-c');
    const g = await waitFor(
      () => {
        const s = groups.get(groupId);
        return s !== undefined && s.state === 'Stable' && s.members.length === 3 ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'a stable group of 3' },
    );
    const owning = g.members.filter((m) => (m.assignment[topic] ?? []).length > 0);
    expect(owning).toHaveLength(2);
    expect(owning.flatMap((m) => m.assignment[topic]).sort()).toEqual([0, 1]);
    expect(g.members.filter((m) => (m.assignment[topic] ?? []).length === 0)).toHaveLength(1);
    const lag = Object.fromEntries(g.partitions.filter((p) => p.topic === topic).map((p) => [p.partition, p]));
    expect(lag[0]).toMatchObject({ committedOffset: '4', logEndOffset: '10', lag: 6 });
    expect(lag[1]).toMatchObject({ committedOffset: '6', logEndOffset: '6', lag: 0 });
    expect(g.totalLag).toBe(6);
    expect(lag[0]!.ownerMemberId).toBe(owning.find((m) => m.assignment[topic]!.includes(0))!.memberId);
  });

  it('records a rebalance with who moved when an owner leaves', async () => {
    const g = groups.get(groupId)!;
    const owner0 = g.members.find((m) => (m.assignment[topic] ?? []).includes(0))!;
    const idx = consumers.findIndex((_, i) => ['member-a', 'member-b', 'member-c'][i] === owner0.clientId);
    await consumers[idx]!.disconnect();
    const r = await waitFor(
      () =>
        rebalances.find(
          (x) => x.groupId === groupId && x.moves.some((m) => m.partition === 0 && m.from === owner0.clientId),
        ),
      {
        timeoutMs: 60_000,
        what: 'a rebalance moving partition 0',
      },
    );
    const move = r.moves.find((m) => m.partition === 0)!;
    expect(move.to).not.toBeNull();
    expect(move.to).not.toBe(owner0.clientId);
    expect(r.membersBefore).toHaveLength(3);
    expect(r.membersAfter).toHaveLength(2);
    expect(observer.rebalances(groupId)[0]).toEqual(r);
  });
});
