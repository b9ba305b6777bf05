// The local provider's KRaft clusters, on their own ports (below the ephemeral range) and folders, never the shared
// stack's 9092: 3 nodes (a topic with RF 3; kafka-2 stopped → the observer sees its leaderships move and the ISR
// shrink, acks=all writes go on; started → the ISR is whole again), then 2 nodes (RF 2; kafka-2 stopped → the ISR
// shrinks, and the node left, one of 2 voters, has no controller quorum: a topic can not be created; started → it
// can). One cluster at a time, -Xmx256m per node; each is killed by PID when its test ends (and in afterAll).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { PartitionState } from '../../main/console/contract/console-api.js';
import { createKafkaObserver, type KafkaObserver } from '../../main/console/observe/kafka-observer.js';
import { isAlive } from '../../main/console/stack/local/process.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { uniqueName } from './support/index.js';
import { freePort } from './support/test-provider.js';

const dirs: string[] = [];
const providers: LocalStackProvider[] = [];

/** SIGKILL every node a provider started, by PID, and wait until they are gone (a test's end: quick, no shutdown) */
async function killAll(provider: LocalStackProvider): Promise<void> {
  const pids = Object.values(provider.kafkaNodePids());
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: 'every node gone' });
}

afterAll(async () => {
  await Promise.allSettled(providers.map((p) => killAll(p)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** 2 × size distinct free ports below 32768 */
async function ports(size: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < 2 * size) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

async function clusterProvider(size: number): Promise<LocalStackProvider> {
  const dir = mkdtempSync(path.join(tmpdir(), `eventscope-kafka-n${size}-`));
  dirs.push(dir);
  const p = await ports(size);
  const provider = new LocalStackProvider({
    owner: 'tests',
    dir,
    stateDir: dir,
    rabbitmqNode: 'shared',
    ports: { kafka: p[0]!, kafkaController: p[1]! },
    kafkaNodePorts: Array.from({ length: size - 1 }, (_, i) => ({
      port: p[2 + 2 * i]!,
      controllerPort: p[3 + 2 * i]!,
    })),
    kafkaNodes: size,
    kafkaHeapMb: 256,
  });
  providers.push(provider);
  return provider;
}

function clientOf(provider: LocalStackProvider): Kafka {
  return new Kafka({
    clientId: 'cluster-test',
    brokers: provider.endpoints().kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  });
}

/** createTopics, then wait for every partition's leader and a full ISR ourselves (waitForLeaders is not enough). */
async function createTopic(admin: Admin, topic: string, partitions: number, rf: number): Promise<void> {
  // kafkajs' own wait (waitForLeaders, its default) fails with UNKNOWN_TOPIC_OR_PARTITION right after the create
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: rf }],
    waitForLeaders: false,
  });
  await waitFor(
    async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = meta.topics[0]?.partitions ?? [];
      return parts.length === partitions && parts.every((p) => p.leader >= 0 && p.isr.length === rf);
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${topic}: every partition with a leader and ${rf} in sync` },
  );
}

function observe(admin: Admin): KafkaObserver {
  return createKafkaObserver({
    admin,
    logger: createMemoryLogger().logger,
    pollIntervalMs: 60_000, // polled by the test
    hideGroup: () => true,
    onPartitionsDiff: () => undefined,
    onGroupsDiff: () => undefined,
  });
}

/** The observer's partitions of `topic` once it shows all `n` with every replica in sync (a poll right after the
 * create can fail on a broker that has not heard of the topic yet: the observer says so and polls again). */
async function inSync(observer: KafkaObserver, topic: string, n: number): Promise<PartitionState[]> {
  return waitFor(
    async () => {
      const parts = await partitionsOf(observer, topic);
      return parts.length === n && parts.every((p) => p.leader !== null && p.isr.length === p.replicas.length)
        ? parts
        : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 300, what: `the observer's ${topic} with ${n} partitions, all in sync` },
  );
}

/** The observer's partitions of `topic` after one poll. */
async function partitionsOf(observer: KafkaObserver, topic: string): Promise<PartitionState[]> {
  await observer.pollNow();
  return observer
    .partitionsSnapshot()
    .partitions.filter((p) => p.topic === topic)
    .sort((a, b) => a.partition - b.partition);
}

async function writeAll(kafka: Kafka, topic: string, n: number): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const sent = await producer.send({ topic, acks: -1, timeout: 10_000, messages });
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
  } finally {
    await producer.disconnect();
  }
}

describe.sequential('local provider: a KRaft cluster', () => {
  it('3 nodes: healthy per node; kafka-2 stopped → leaders move and the ISR shrinks, writes go on; started → ISR whole', async () => {
    const provider = await clusterProvider(3);
    expect(provider.endpoints().kafka.brokers).toHaveLength(3);
    const t0 = Date.now();
    await provider.startComponent('kafka');
    const healthyMs = Date.now() - t0;
    console.log(`3-node KRaft cluster healthy in ${(healthyMs / 1000).toFixed(1)} s (-Xmx256m per node)`);
    const [health] = (await provider.status()).filter((h) => h.name === 'kafka');
    expect(health?.state).toBe('healthy');
    expect(health?.nodes?.map((n) => [n.name, n.state])).toEqual([
      ['kafka-1', 'healthy'],
      ['kafka-2', 'healthy'],
      ['kafka-3', 'healthy'],
    ]);
    expect(Object.keys(provider.kafkaNodePids()).sort()).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);

    const kafka = clientOf(provider);
    const admin = kafka.admin();
    await admin.connect();
    const observer = observe(admin);
    try {
      const topic = uniqueName('cluster3');
      await createTopic(admin, topic, 3, 3);
      const before = await inSync(observer, topic, 3);
      expect(before.map((p) => p.replicas)).toEqual([
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
      ]);
      expect(before.every((p) => p.isr.length === 3 && p.leader !== null)).toBe(true);
      await writeAll(kafka, topic, 30);

      const t1 = Date.now();
      await provider.stopNode('kafka', 'kafka-2');
      const after = await waitFor(
        async () => {
          const parts = await partitionsOf(observer, topic);
          return parts.every((p) => p.leader !== 2 && p.leader !== null && !p.isr.includes(2)) ? parts : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 300, what: 'no leader on 2 and 2 out of every ISR' },
      );
      console.log(
        `3 nodes, kafka-2 stopped: leaders moved and the ISR shrank in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
      );
      expect(after.map((p) => p.isr)).toEqual([
        [1, 3],
        [1, 3],
        [1, 3],
      ]);
      const [degraded] = (await provider.status()).filter((h) => h.name === 'kafka');
      expect(degraded?.state).toBe('unhealthy');
      expect(degraded?.nodes?.find((n) => n.name === 'kafka-2')?.state).toBe('stopped');
      expect(degraded?.detail).toMatch(/2 of 3 voters are a quorum/);
      await writeAll(kafka, topic, 10); // acks=all with min.insync.replicas 1: the two in sync are enough

      await provider.startNode('kafka', 'kafka-2');
      await waitFor(async () => (await partitionsOf(observer, topic)).every((p) => p.isr.length === 3), {
        timeoutMs: 30_000,
        intervalMs: 300,
        what: 'kafka-2 back in every ISR',
      });
      expect((await provider.status()).find((h) => h.name === 'kafka')?.state).toBe('healthy');
    } finally {
      await observer.stop();
      await admin.disconnect().catch(() => undefined);
    }
    await killAll(provider); // the next cluster's JVMs start only once these are gone
    expect(provider.kafkaNodePids()).toEqual({});
  }, 60_000);

  it('2 nodes: kafka-2 stopped → the ISR shrinks and the 1 voter left has no quorum (no new topic); started → it has', async () => {
    const provider = await clusterProvider(2);
    const t0 = Date.now();
    await provider.startComponent('kafka');
    console.log(`2-node KRaft cluster healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s (-Xmx256m per node)`);
    const kafka = clientOf(provider);
    const admin = kafka.admin();
    await admin.connect();
    const observer = observe(admin);
    try {
      const topic = uniqueName('cluster2');
      await createTopic(admin, topic, 2, 2);
      expect((await inSync(observer, topic, 2)).map((p) => p.isr)).toEqual([
        [1, 2],
        [1, 2],
      ]);

      // a controlled shutdown: while both voters still run, the controller moves kafka-2's leaderships and its ISRs
      await provider.stopNode('kafka', 'kafka-2');
      await waitFor(
        async () => (await partitionsOf(observer, topic)).every((p) => p.leader === 1 && p.isr.join() === '1'),
        { timeoutMs: 20_000, intervalMs: 300, what: 'leader 1 and ISR [1] on every partition' },
      );
      // the node left answers its health probe again within a few seconds of the stop (on a loaded machine it may miss one)
      const detail = await waitFor(
        async () => {
          const d = (await provider.status()).find((h) => h.name === 'kafka')?.detail;
          return d !== undefined && /1 of 2 voters are no quorum/.test(d) ? d : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: "the stack's Kafka to say that 1 of 2 voters are no quorum" },
      );
      expect(detail).toMatch(/^KRaft cluster of 2 nodes .*, kafka-2 down: 1 of 2 voters are no quorum/);

      // the lesson: with one of 2 voters gone no controller is elected, so no metadata change goes through
      const t1 = Date.now();
      const lone = new Kafka({
        clientId: 'cluster-test-lone',
        brokers: provider.endpoints().kafka.brokers.slice(0, 1),
        logLevel: logLevel.NOTHING,
        requestTimeout: 4_000,
        retry: { retries: 0 },
      }).admin({ retry: { retries: 0 } });
      await lone.connect();
      const outcome = await Promise.race([
        lone
          .createTopics({
            topics: [{ topic: uniqueName('no-quorum'), numPartitions: 1, replicationFactor: 1 }],
            timeout: 3_000,
          })
          .then(
            () => 'created',
            (err: unknown) => `refused: ${err instanceof Error ? err.message : String(err)}`,
          ),
        new Promise<string>((r) => setTimeout(() => r('no answer in 10 s'), 10_000)),
      ]);
      await lone.disconnect().catch(() => undefined);
      console.log(`2 nodes, kafka-2 stopped: createTopics → ${outcome} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
      expect(outcome).not.toBe('created');

      await provider.startNode('kafka', 'kafka-2');
      await waitFor(async () => (await partitionsOf(observer, topic)).every((p) => p.isr.length === 2), {
        timeoutMs: 30_000,
        intervalMs: 300,
        what: 'kafka-2 back in every ISR',
      });
      await createTopic(admin, uniqueName('quorum-back'), 1, 2);
    } finally {
      await observer.stop();
      await admin.disconnect().catch(() => undefined);
    }
    await killAll(provider);
  }, 60_000);
});
