// Lab A's benchmark suite, on the stack's Kafka, MongoDB-wire server and Redis, in one run:
//   1. commands/s end to end: the presentations API and one projector of services/lab-a in-process, COMMANDS creates
//      over HTTP from WORKERS concurrent clients, timed from the first request until every presentation is in MongoDB
//      (the projector's `projected` line, written after the MongoDB write, counted in-process as the baseline counts
//      its writes); against a bare kafkajs producer with the API's settings (acks all, one request in flight, murmur2;
//      WORKERS concurrent single-record sends of the same envelope, key = id) and a bare kafkajs consumer writing the
//      same documents with the same driver call (the projector's applyEvent: one conditional replaceOne upsert per
//      event). Ours sends the commands that arrive during a send together (the API's coalescing sender) and writes a
//      batch's events in bulk (the projector); the baseline is the plain per-record client. Alternating which goes
//      first, median of the per-round ratios (goal ≥ 0.6).
//   2. the consistency window at 200 commands/s: WINDOW_COMMANDS commands (creates, then updates spread over them) at
//      that rate, each from its 202 to the projector's `projected` line of that version (the line is written after the
//      MongoDB write): p50, p99, max.
//   3. replay: a new projector (a group of its own, from the earliest offset, into a database of its own) rebuilds the
//      read model from everything the topic holds; events/s into MongoDB.
// Topics are bench-lab-a-<unique>…, databases bench_lab_a_…, Redis keys bench-lab-a-<unique>:…; all removed at the end.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { createClient } from 'redis';
import { createPresentationsApi } from '../../services/lab-a/api.js';
import { applyEvent, createProjector, type Projector } from '../../services/lab-a/projector.js';
import {
  PRESENTATIONS_COLLECTION,
  type PresentationDoc,
  type PresentationEvent,
  type ProjectorLine,
} from '../../services/lab-a/schema.js';
import { createLogger } from '../../services/shared/logger.js';
import { median, uniqueSuffix } from '../lab-d-support.js';
import type { BenchContext, BenchReport, BenchSuite } from '../types.js';

const ROUNDS = 3;
/** creates per path per round */
const COMMANDS = 600;
const WORKERS = 16;
const WINDOW_RATE = 200;
const WINDOW_COMMANDS = 600;
const PARTITIONS = 3;

const quiet = (name: string) => createLogger({ name, level: 'silent' });

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
};

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`lab-a: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const body = (i: number) => ({
  title: `bench talk ${i}`,
  speaker: `Speaker ${i % 13}`,
  conference: 'Eventscope bench',
  duration_min: 20 + (i % 40),
  abstract: 'a presentation of the Lab A benchmark',
});

/** `n` tasks on `workers` concurrent loops. */
async function pool(n: number, workers: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: false });
  await waitFor(
    `leaders of ${topic}`,
    async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      const parts = meta?.topics[0]?.partitions ?? [];
      return parts.length === PARTITIONS && parts.every((p) => p.leader >= 0);
    },
    20_000,
  );
}

interface World {
  kafka: Kafka;
  mongo: MongoClient;
  base: string;
  topics: string[];
  dbs: string[];
  redisPrefix: string;
}

/** A database name of this run's own, `tag` apart. */
const dbName = (w: World, tag: string): string => `bench_lab_a_${w.base.slice(-12).replace(/[^a-z0-9]/gi, '_')}_${tag}`;

const postJson = (url: string, path: string, method: string, b: unknown): Promise<Response> =>
  fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });

interface LabUnderTest {
  url: string;
  projector: Projector;
  stop(): Promise<void>;
}

/**
 * The presentations API and one projector of services/lab-a in-process, on a topic and database of their own, warmed
 * up: the API creates its topic on the first command, so one create is sent and waited for until `projected` says
 * it is in MongoDB (the projector's assignment done too).
 */
async function startLab(
  ctx: BenchContext,
  w: World,
  opts: { topic: string; db: string; maxWaitTimeMs: number; projected: (l: ProjectorLine) => void },
): Promise<LabUnderTest> {
  w.topics.push(opts.topic);
  w.dbs.push(opts.db);
  const api = createPresentationsApi(
    {
      port: 0,
      brokers: ctx.endpoints.kafka.brokers,
      topic: opts.topic,
      mongoUrl: ctx.endpoints.mongodb.url,
      mongoDb: opts.db,
      redisUrl: ctx.endpoints.redis.url,
      redisPrefix: w.redisPrefix,
      replicationFactor: 1,
    },
    { logger: quiet('bench-api'), out: () => undefined },
  );
  let warmedUp = false;
  const projector = createProjector(
    {
      brokers: ctx.endpoints.kafka.brokers,
      topic: opts.topic,
      groupId: `${opts.topic}.projector`,
      mongoUrl: ctx.endpoints.mongodb.url,
      mongoDb: opts.db,
      maxWaitTimeMs: opts.maxWaitTimeMs,
    },
    {
      logger: quiet('bench-projector'),
      out: (l) => {
        if (l.type === 'projected') warmedUp = true;
        opts.projected(l);
      },
    },
  );
  const stop = async (): Promise<void> => {
    await projector.stop();
    await api.stop();
  };
  try {
    const { url } = await api.start();
    await waitFor(
      'the API accepts a command',
      async () => (await postJson(url, '/presentations', 'POST', body(-1))).status === 202,
      30_000,
    );
    await projector.start();
    await waitFor('the warm-up projected', () => warmedUp, 30_000);
    return { url, projector, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** One path's figures: ms from the first command until every 202 (or send ack), and until all are in MongoDB. */
interface PathRun {
  acceptedMs: number;
  doneMs: number;
}

/** The lab's path: API + projector in-process; `n` creates over HTTP from WORKERS clients. */
async function labRun(ctx: BenchContext, w: World, round: number, n: number): Promise<PathRun> {
  let projected = 0;
  const lab = await startLab(ctx, w, {
    topic: `${w.base}.lab-${round}`,
    db: dbName(w, `l${round}`),
    maxWaitTimeMs: 100,
    projected: (l) => {
      if (l.type === 'projected') projected++;
    },
  });
  try {
    const t0 = performance.now();
    await pool(n, WORKERS, async (i) => {
      const res = await postJson(lab.url, '/presentations', 'POST', body(i));
      if (res.status !== 202) throw new Error(`lab-a: the API answered ${res.status}: ${await res.text()}`);
    });
    const acceptedMs = performance.now() - t0;
    await waitFor(`${n} presentations projected`, () => projected >= n + 1, 120_000);
    return { acceptedMs, doneMs: performance.now() - t0 };
  } finally {
    await lab.stop();
  }
}

/** The baseline: a bare producer and a bare consumer writing the same documents. */
async function bareRun(ctx: BenchContext, w: World, round: number, n: number): Promise<PathRun> {
  const topic = `${w.base}.bare-${round}`;
  const db = dbName(w, `b${round}`);
  w.topics.push(topic);
  w.dbs.push(db);
  const admin = w.kafka.admin();
  await admin.connect();
  await createTopic(admin, topic);
  await admin.disconnect();
  // the API's producer settings (services/lab-a/api.ts): one request in flight (a presentation's order), murmur2
  const producer = w.kafka.producer({
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = w.kafka.consumer({ groupId: `${topic}.consumer`, maxWaitTimeInMs: 100 });
  const col = w.mongo.db(db).collection<PresentationDoc & { _id: string }>(PRESENTATIONS_COLLECTION);
  let written = 0;
  const event = (i: number): PresentationEvent => ({
    event_id: randomUUID(),
    type: 'PresentationCreated',
    occurred_at: new Date().toISOString(),
    aggregate_id: randomUUID(),
    version: 1,
    data: body(i),
  });
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        await applyEvent(col, JSON.parse(message.value!.toString()) as PresentationEvent);
        written++;
      },
    });
    const send = async (i: number) => {
      const e = event(i);
      await producer.send({ topic, acks: -1, messages: [{ key: e.aggregate_id, value: JSON.stringify(e) }] });
    };
    await send(-1);
    await waitFor('the warm-up written', () => written >= 1, 30_000);
    const t0 = performance.now();
    await pool(n, WORKERS, send);
    const acceptedMs = performance.now() - t0;
    await waitFor(`${n} documents written`, () => written >= n + 1, 120_000);
    return { acceptedMs, doneMs: performance.now() - t0 };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

interface WindowResult {
  commands: number;
  accepted: number;
  p50: number;
  p99: number;
  max: number;
  sentOverMs: number;
  replayEvents: number;
  replayMs: number;
}

/** The consistency window at WINDOW_RATE commands/s, then a replay of the same topic into a fresh database. */
async function windowAndReplay(ctx: BenchContext, w: World): Promise<WindowResult> {
  const topic = `${w.base}.window`;
  const db = dbName(w, 'w');
  const replayDb = `${db}r`;
  w.dbs.push(replayDb);
  const projectedAt = new Map<string, number>();
  const lab = await startLab(ctx, w, {
    topic,
    db,
    maxWaitTimeMs: 50,
    projected: (l) => {
      if (l.type === 'projected') projectedAt.set(`${l.id}:${l.version}`, performance.now());
    },
  });
  const post = (path: string, method: string, b: unknown) => postJson(lab.url, path, method, b);
  try {
    const creates = 60;
    const ids: Promise<string | null>[] = [];
    const answers: Promise<{ key: string; at: number } | null>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < WINDOW_COMMANDS; i++) {
      const due = t0 + (i * 1000) / WINDOW_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const answered = async (res: Response): Promise<{ key: string; at: number; id: string } | null> => {
        const at = performance.now();
        if (res.status !== 202) return null;
        const j = (await res.json()) as { id: string; version: number };
        return { key: `${j.id}:${j.version}`, at, id: j.id };
      };
      if (i < creates) {
        const a = post('/presentations', 'POST', body(i)).then(answered);
        answers.push(a);
        ids.push(a.then((x) => x?.id ?? null));
      } else {
        const n = i;
        answers.push(
          ids[i % creates]!.then((id) =>
            id === null ? null : post(`/presentations/${id}`, 'PUT', { duration_min: 1 + (n % 500) }).then(answered),
          ),
        );
      }
    }
    const sentOverMs = performance.now() - t0;
    const all = (await Promise.all(answers)).filter((a) => a !== null);
    await waitFor(`${all.length} changes projected`, () => all.every((a) => projectedAt.has(a.key)), 60_000);
    const windows = all.map((a) => Math.max(0, projectedAt.get(a.key)! - a.at));
    await lab.projector.stop();

    // replay: everything on the topic into a fresh database through a new group from the earliest offset
    const admin = w.kafka.admin();
    await admin.connect();
    const records = (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high), 0);
    await admin.disconnect();
    let handled = 0;
    let first = 0;
    const replayer = createProjector(
      {
        brokers: ctx.endpoints.kafka.brokers,
        topic,
        groupId: `${topic}.replay`,
        mongoUrl: ctx.endpoints.mongodb.url,
        mongoDb: replayDb,
        maxWaitTimeMs: 50,
      },
      {
        logger: quiet('bench-replay'),
        out: (l) => {
          if (l.type === 'projected' || l.type === 'skipped') {
            if (handled === 0) first = performance.now();
            handled++;
          }
        },
      },
    );
    const r0 = performance.now();
    await replayer.start();
    try {
      await waitFor(`${records} events replayed`, () => handled >= records, 120_000);
    } finally {
      await replayer.stop();
    }
    ctx.log(`lab-a: replay: joined in ${(first - r0).toFixed(0)} ms, then ${records} events`);
    return {
      commands: WINDOW_COMMANDS,
      accepted: all.length,
      p50: quantile(windows, 0.5),
      p99: quantile(windows, 0.99),
      max: Math.max(...windows),
      sentOverMs,
      replayEvents: records,
      replayMs: performance.now() - first,
    };
  } finally {
    await lab.stop();
  }
}

const suite: BenchSuite = {
  name: 'lab-a',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const base = `bench-lab-a-${uniqueSuffix()}`;
    const w: World = {
      kafka: new Kafka({
        clientId: 'bench-lab-a',
        brokers: ctx.endpoints.kafka.brokers,
        logLevel: logLevel.NOTHING,
        retry: { retries: 5, initialRetryTime: 100 },
      }),
      mongo: new MongoClient(ctx.endpoints.mongodb.url, { serverSelectionTimeoutMS: 5000 }),
      base,
      topics: [],
      dbs: [],
      redisPrefix: `${base}:`,
    };
    await w.mongo.connect();
    const loadBefore = loadavg();
    const rounds: {
      lab: number;
      bare: number;
      ratio: number;
      first: 'lab' | 'bare';
      labPath: PathRun;
      barePath: PathRun;
    }[] = [];
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const first = r % 2 === 0 ? 'lab' : 'bare';
        const run = (which: 'lab' | 'bare') =>
          which === 'lab' ? labRun(ctx, w, r, COMMANDS) : bareRun(ctx, w, r, COMMANDS);
        const a = await run(first);
        const b = await run(first === 'lab' ? 'bare' : 'lab');
        const labPath = first === 'lab' ? a : b;
        const barePath = first === 'lab' ? b : a;
        const lab = (COMMANDS / labPath.doneMs) * 1000;
        const bare = (COMMANDS / barePath.doneMs) * 1000;
        rounds.push({ lab, bare, ratio: lab / bare, first, labPath, barePath });
        const ms = (x: PathRun) => `${x.acceptedMs.toFixed(0)} ms to the last ack, ${x.doneMs.toFixed(0)} ms in all`;
        ctx.log(
          `lab-a: round ${r + 1}: lab ${lab.toFixed(0)} commands/s end to end (${ms(labPath)}), bare ${bare.toFixed(0)} events/s (${ms(barePath)}), ratio ${(lab / bare).toFixed(2)}`,
        );
      }
      const win = await windowAndReplay(ctx, w);
      ctx.log(
        `lab-a: window at ${WINDOW_RATE}/s: p50 ${win.p50.toFixed(0)} ms, p99 ${win.p99.toFixed(0)} ms, max ${win.max.toFixed(0)} ms; replay ${((win.replayEvents / win.replayMs) * 1000).toFixed(0)} events/s`,
      );
      const ratio = median(rounds.map((x) => x.ratio));
      return {
        suite: 'lab-a',
        rows: [
          {
            metric: 'commands/s end to end (202 → in MongoDB)',
            value: median(rounds.map((x) => x.lab)),
            unit: 'commands/s',
          },
          {
            metric: 'bare kafkajs producer + consumer, same documents',
            value: median(rounds.map((x) => x.bare)),
            unit: 'events/s',
          },
          { metric: 'ratio lab / bare (median of rounds)', value: ratio, unit: '×', goal: '≥ 0.6', pass: ratio >= 0.6 },
          { metric: `consistency window p50 at ${WINDOW_RATE} commands/s`, value: win.p50, unit: 'ms' },
          { metric: `consistency window p99 at ${WINDOW_RATE} commands/s`, value: win.p99, unit: 'ms' },
          { metric: `consistency window max at ${WINDOW_RATE} commands/s`, value: win.max, unit: 'ms' },
          {
            metric: 'replay into MongoDB (new group, earliest offset)',
            value: (win.replayEvents / win.replayMs) * 1000,
            unit: 'events/s',
          },
        ],
        details: {
          rounds,
          commandsPerRound: COMMANDS,
          workers: WORKERS,
          window: { ...win, rate: WINDOW_RATE, achievedRate: (win.commands / win.sentOverMs) * 1000 },
          machine: { cpus: cpus().length, loadBefore, loadAfter: loadavg() },
        },
      };
    } finally {
      const admin = w.kafka.admin();
      await admin.connect().catch(() => undefined);
      await admin.deleteTopics({ topics: w.topics }).catch(() => undefined);
      const groups = (await admin.listGroups().catch(() => ({ groups: [] }))).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(base));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      for (const db of w.dbs)
        await w.mongo
          .db(db)
          .dropDatabase()
          .catch(() => undefined);
      await w.mongo.close();
      const redis = createClient({ url: ctx.endpoints.redis.url, socket: { reconnectStrategy: false } });
      redis.on('error', () => undefined);
      await redis
        .connect()
        .then(async () => {
          const keys: string[] = [];
          for await (const batch of redis.scanIterator({ MATCH: `${w.redisPrefix}*`, COUNT: 500 })) keys.push(...batch);
          if (keys.length > 0) await redis.del(keys);
          await redis.quit();
        })
        .catch(() => undefined);
    }
  },
};

export default suite;
