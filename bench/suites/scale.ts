// Scale (issue "the console on real clusters"): a generated cluster of 1 000 topics × 10 partitions and 500 consumer
// groups on a broker of the bench's own (127.0.0.1:19392, its own data folder, killed by PID at the end), the console
// started on it as on a course cluster. Figures: the first full view (every partition and group pushed to the
// renderer's side) against one round of the same describe calls by a bare kafkajs admin; the console's CPU at its
// default 1 s poll as % of one core, against the bare admin polling everything every second (ratio); RSS.
// Goals: first view < 5 s, observers < 20 % of one core, RSS < 400 MB.
//   npm run bench -- scale          (SCALE_TOPICS, SCALE_PARTITIONS, SCALE_GROUPS, SCALE_WINDOW_S to change the size)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createConsole } from '../../main/console/create-console.js';
import { mapLimited } from '../../main/console/observe/kafka-observer.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { LocalKafka } from '../../main/console/stack/local/kafka.js';
import type { StackEndpoints } from '../../main/console/stack/types.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { sharedStackProvider } from '../../tests/integration/support/test-provider.js';
import type { BenchContext, BenchReport, BenchSuite } from '../types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOPICS = Number(process.env.SCALE_TOPICS ?? 1000);
const PARTITIONS = Number(process.env.SCALE_PARTITIONS ?? 10);
const GROUPS = Number(process.env.SCALE_GROUPS ?? 500);
const WINDOW_S = Number(process.env.SCALE_WINDOW_S ?? 20);
const PORT = Number(process.env.SCALE_KAFKA_PORT ?? 19392);

const topicName = (i: number) => `scale-t${String(i).padStart(4, '0')}`;
const groupName = (i: number) => `scale-g${String(i).padStart(3, '0')}`;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/** 1 000 topics with a record on each partition, 500 groups with offsets committed on two topics each. */
async function generate(admin: Admin, kafka: Kafka, log: (l: string) => void): Promise<void> {
  const names = Array.from({ length: TOPICS }, (_, i) => topicName(i));
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    // kafkajs reads the new topics' metadata right after the create, and a busy broker may not have them yet
    // (UNKNOWN_TOPIC_OR_PARTITION): the create is asked again, an existing topic being no error
    await waitFor(
      () =>
        admin
          .createTopics({
            topics: chunk.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
            timeout: 60_000,
          })
          .then(() => true),
      { timeoutMs: 120_000, intervalMs: 500, what: `topics ${chunk[0]}… to be created` },
    );
    log(`scale: ${Math.min(names.length, i + 100)} of ${names.length} topics created`);
  }
  // every partition led (asked 100 topics at a time: one unknown topic fails the whole metadata request)
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: chunk });
        return meta.topics.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0));
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `every partition of ${chunk[0]}… to have a leader` },
    );
  }
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < names.length; i += 50) {
    await producer.sendBatch({
      acks: 1,
      topicMessages: names.slice(i, i + 50).map((topic) => ({
        topic,
        messages: Array.from({ length: PARTITIONS * 3 }, (_, j) => ({ partition: j % PARTITIONS, value: `r${j}` })),
      })),
    });
  }
  await producer.disconnect();
  // kafkajs commits a group's offsets by joining it (a few seconds each on a fresh broker): 25 groups at a time
  await mapLimited(
    Array.from({ length: GROUPS }, (_, g) => g),
    25,
    (g) =>
      admin.setOffsets({
        groupId: groupName(g),
        topic: topicName(g % TOPICS),
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, offset: String(p % 4) })),
      }),
  );
  log(`scale: ${TOPICS * PARTITIONS} partitions, ${GROUPS} groups`);
}

/** One round of the describe calls the console's observer makes, by a bare admin: everything, every time. */
async function bareRound(admin: Admin): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  await admin.fetchTopicMetadata({ topics });
  await Promise.all(topics.map((t) => admin.fetchTopicOffsets(t)));
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  await admin.describeGroups(groups);
  await Promise.all(groups.map((groupId) => admin.fetchOffsets({ groupId })));
}

async function measureBare(kafka: Kafka, log: (l: string) => void) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const t0 = performance.now();
    await bareRound(admin);
    const firstMs = performance.now() - t0;
    // polled every second (a round that overruns starts the next at once), for the same window as the console
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    let rounds = 0;
    while (performance.now() - w0 < WINDOW_S * 1000) {
      const r0 = performance.now();
      await bareRound(admin);
      rounds += 1;
      const rest = 1000 - (performance.now() - r0);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
    const corePct = (cpuMs(cpu0) / (performance.now() - w0)) * 100;
    log(
      `scale: bare admin: first round ${firstMs.toFixed(0)} ms, ${corePct.toFixed(1)} % of a core (${rounds} rounds)`,
    );
    return { firstMs, corePct, rounds };
  } finally {
    await admin.disconnect();
  }
}

async function measureConsole(endpoints: StackEndpoints, log: (l: string) => void) {
  const env = { EVENTSCOPE_POLL_MS: '1000' };
  const partitions = new Set<string>();
  const groups = new Set<string>();
  let seen: () => void = () => undefined;
  const console_ = createConsole({
    config: loadConsoleConfig(ROOT, env),
    provider: sharedStackProvider(['kafka'], () => endpoints),
    logger: createMemoryLogger('scale').logger,
    mode: 'web',
    version: 'bench',
    labs: [createLabD(env)],
  });
  console_.subscribe((e) => {
    if (e.name === 'kafka:snapshot-diff') {
      for (const p of e.payload.upsert) partitions.add(p.id);
      for (const id of e.payload.removed) partitions.delete(id);
    } else if (e.name === 'groups:diff') {
      for (const g of e.payload.upsert) if (g.groupId.startsWith('scale-g')) groups.add(g.groupId);
    }
    seen();
  });
  const t0 = performance.now();
  const cpuStart = process.cpuUsage();
  await console_.start();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`first full view: ${partitions.size} partitions, ${groups.size} groups after 120 s`)),
        120_000,
      );
      seen = () => {
        if (partitions.size >= TOPICS * PARTITIONS && groups.size >= GROUPS) {
          clearTimeout(timer);
          resolve();
        }
      };
      seen();
    });
    const firstViewMs = performance.now() - t0;
    const firstViewCpuMs = cpuMs(cpuStart);
    log(`scale: console: first full view in ${firstViewMs.toFixed(0)} ms`);
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    const corePct = (cpuMs(cpu0) / (performance.now() - w0)) * 100;
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    log(`scale: console: ${corePct.toFixed(1)} % of a core at a 1 s poll, RSS ${rssMb.toFixed(0)} MB`);
    return { firstViewMs, firstViewCpuMs, corePct, rssMb };
  } finally {
    await console_.stop();
  }
}

const scale: BenchSuite = {
  name: 'scale',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const log = (line: string) => ctx.log(line);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'eventscope-scale-'));
    const broker = new LocalKafka({ port: PORT, controllerPort: PORT + 1, dataDir, heapMb: 1024 });
    log(`scale: starting a broker of its own on 127.0.0.1:${PORT}`);
    await broker.start();
    try {
      const kafka = new Kafka({ clientId: 'scale-bench', brokers: broker.brokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await generate(admin, kafka, log);
      await admin.disconnect();
      const endpoints: StackEndpoints = {
        ...ctx.endpoints,
        kafka: { brokers: broker.brokers },
      };
      const viewed = await measureConsole(endpoints, log);
      const bare = await measureBare(kafka, log);
      return {
        suite: 'scale',
        rows: [
          {
            metric: `first full view, ${TOPICS * PARTITIONS} partitions + ${GROUPS} groups`,
            value: viewed.firstViewMs / 1000,
            unit: 's',
            goal: '< 5',
            pass: viewed.firstViewMs < 5000,
          },
          {
            metric: 'context: one round of the same describe calls, bare admin',
            value: bare.firstMs / 1000,
            unit: 's',
          },
          {
            metric: 'console CPU at a 1 s poll (observers + tail)',
            value: viewed.corePct,
            unit: '% core',
            goal: '< 20',
            pass: viewed.corePct < 20,
          },
          { metric: 'context: bare admin polling everything each second', value: bare.corePct, unit: '% core' },
          { metric: 'ratio console CPU / bare admin CPU', value: viewed.corePct / bare.corePct, unit: '×' },
          {
            metric: 'RSS with the console running',
            value: viewed.rssMb,
            unit: 'MB',
            goal: '< 400',
            pass: viewed.rssMb < 400,
          },
        ],
        details: { topics: TOPICS, partitions: PARTITIONS, groups: GROUPS, windowS: WINDOW_S, viewed, bare },
      };
    } finally {
      await broker.stop().catch(() => broker.kill());
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default scale;
