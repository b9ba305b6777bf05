// The console's benchmarks (suite "console"):
// - ingest: records/s that the tail + timeline store absorb from an order-events topic, against a bare kafkajs consumer
//   (same consumer settings, no work) reading the same records in the same run; ratio. Goal ≥ 0.8, by wall time and by
//   CPU time. Each side reads in a process of its own (bench/console-ingest-reader.ts), as the console's tail runs in the
//   console's process: in one process each side's JIT and heap state leaked into the other's figures. Each side lives
//   for the whole run, as the console's tail and store live for the console's: paused between reads, it reads each
//   round's 200 000 new records (new orders), so the store is full (its 100 000-entity cap) from the third round on and
//   every new order evicts the oldest, as in a console that has run for a while. After CONSOLE_BENCH_WARMUP warm-up
//   rounds (default 3, not counted), each round's side that reads first alternates; the report gives the median of the
//   per-round ratios with their spread.
// - memory: RSS of a process that ingests 1 000 000 events through the same tail → timeline path with the 100 000-entity
//   cap (bench/console-memory.ts, its own process so that Kafka's client buffers do not count). Goal < 300 MB.
// Standalone: `KAFKA_BROKERS=127.0.0.1:9092 node --expose-gc --import tsx bench/console-ingest.ts` writes
// bench/results/console.json.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, Partitioners, logLevel, type Consumer, type ConsumerConfig } from 'kafkajs';
import { createTailBuffer, createTopicTail, type TailBuffer } from '../main/console/observe/topic-tail.js';
import { createLabD } from '../main/console/labs/lab-d/index.js';
import { timelineLabOf } from '../main/console/labs/timeline-lab.js';
import { createTimelineStore } from '../main/console/timeline/timeline-store.js';
import { createLogger } from '../services/shared/logger.js';
import { median } from './lab-d-support.js';
import type { BenchContext, BenchReport, BenchSuite } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env.CONSOLE_BENCH_RECORDS ?? 200_000);
const ROUNDS = Number(process.env.CONSOLE_BENCH_ROUNDS ?? 5);
/**
 * warm-up rounds (not counted): the console's process was still getting faster after one (CPU per read 487, 510, 436,
 * then 340–405 ms in a 9-round run), the bare one was not; both get the same
 */
const WARMUP = Math.max(1, Number(process.env.CONSOLE_BENCH_WARMUP ?? 3));
const STATUSES = ['new', 'awaiting payment', 'paid', 'cancelled'] as const;

function kafkaFor(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'console-bench', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** Creates the topic (2 partitions), empty. */
export async function createIngestTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

/**
 * Appends the bench's RECORDS order events for round `round` (0, 1, …): four per order, orders numbered on from the
 * previous rounds', so that each round's entities are new to a store that has read the earlier rounds. Returns RECORDS.
 */
export async function appendIngestRecords(kafka: Kafka, topic: string, round: number): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const base = Date.now();
  const firstOrder = 1 + round * Math.ceil(RECORDS / 4);
  for (let start = 0; start < RECORDS; start += 10_000) {
    const messages = [];
    for (let i = start; i < Math.min(RECORDS, start + 10_000); i++) {
      const orderId = firstOrder + Math.floor(i / 4);
      const status = STATUSES[i % 4]!;
      const value = JSON.stringify({
        order_id: orderId,
        status: status === 'cancelled' ? 'paid' : status,
        moment: new Date(base + i).toISOString(),
        user_id: '1000',
        event_id: `e${round}-${i}`,
        source: 'loms',
      });
      messages.push({ key: String(orderId), value });
    }
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
  return RECORDS;
}

/** Creates the topic with one round of the bench's records (the profiling harnesses); returns RECORDS. */
export async function prefillIngestTopic(kafka: Kafka, topic: string, log: (l: string) => void): Promise<number> {
  await createIngestTopic(kafka, topic);
  await appendIngestRecords(kafka, topic, 0);
  log(`console bench: ${RECORDS} records in ${topic}`);
  return RECORDS;
}

/**
 * One side of the bench, kept for the whole run as the console keeps its tail: a bare kafkajs consumer, or the console's
 * tail with the timeline store behind it (and a subscriber for the batched pushes). It subscribes from the topic's start
 * and is paused between reads; each read resumes it, takes the records appended since the last one, and pauses it
 * again. (A side made new for each read paid for its code again: V8 dropped the previous read's optimised code with
 * its objects and compiled it again during the read, 50 to 100 ms of the console's CPU a read that its long-lived
 * tail does not pay.)
 */
export interface IngestSide {
  /** Resumes, reads the next `records` records, pauses: the times from the first record delivered to the last. */
  read(records: number): Promise<Timing & { entities?: number }>;
  stop(): Promise<void>;
}

export async function startIngestSide(
  kafka: Kafka,
  topic: string,
  mode: 'bare' | 'console',
  style: 'eachBatch' | 'eachMessage' = 'eachBatch',
): Promise<IngestSide> {
  let count = 0;
  let target = Infinity;
  let first = 0;
  let cpu0 = process.cpuUsage();
  let done: ((t: Timing) => void) | undefined;
  /** k records delivered (the first of a read starts its clocks) */
  const delivered = (k: number) => {
    if (first === 0 && done !== undefined) {
      first = performance.now();
      cpu0 = process.cpuUsage();
    }
    count += k;
    if (count >= target && done !== undefined) {
      const d = done;
      done = undefined;
      d(timing(first, cpu0));
    }
  };
  const sides = mode === 'bare' ? await bare(kafka, topic, style, delivered) : await console_(kafka, topic, delivered);
  const topics = [{ topic }];
  sides.consumer().pause(topics);
  return {
    async read(records) {
      target = count + records;
      first = 0;
      const finished = new Promise<Timing>((resolve) => (done = resolve));
      sides.consumer().resume(topics);
      const t = await withDeadline(finished, 300_000, `${mode} side`);
      sides.consumer().pause(topics);
      return { ...t, ...(sides.entities === undefined ? {} : { entities: sides.entities() }) };
    },
    stop: () => sides.stop(),
  };
}

/** A side's consumer, running: `delivered(k)` for each k records it is given. */
interface Running {
  consumer(): Consumer;
  entities?: () => number;
  stop(): Promise<void>;
}

/** A side's reader process (bench/console-ingest-reader.ts): `read(n)` reads the next n records of the topic. */
interface Reader {
  read(records: number): Promise<Timing & { entities?: number }>;
  stop(): void;
}

async function startReader(
  mode: 'bare' | 'console',
  style: 'eachBatch' | 'eachMessage',
  topic: string,
  brokers: string[],
): Promise<Reader> {
  const child: ChildProcess = fork(
    path.join(ROOT, 'bench', 'console-ingest-reader.ts'),
    [mode, style, topic, brokers.join(',')],
    {
      cwd: ROOT,
      // CONSOLE_BENCH_NODE_FLAGS: more V8 flags for both readers while profiling (e.g. --trace-gc, --cpu-prof)
      execArgv: [
        '--expose-gc',
        ...(process.env.CONSOLE_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        '--import',
        'tsx',
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let pending: { resolve: (t: Timing & { entities?: number }) => void; reject: (e: Error) => void } | undefined;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (msg: { ready?: boolean; ms?: number; cpuMs?: number; entities?: number; error?: string }) => {
    if (msg.ready === true) return ready();
    const p = pending;
    pending = undefined;
    if (msg.error !== undefined) p?.reject(new Error(`${mode} reader: ${msg.error}`));
    else p?.resolve({ ms: msg.ms!, cpuMs: msg.cpuMs!, entities: msg.entities });
  });
  child.on('exit', (code) => pending?.reject(new Error(`${mode} reader exited (${code ?? 'signal'})`)));
  await withDeadline(started, 60_000, `${mode} reader start`);
  return {
    read(records) {
      return withDeadline(
        new Promise<Timing & { entities?: number }>((resolve, reject) => {
          pending = { resolve, reject };
          child.send({ records });
        }),
        300_000,
        `${mode} reader`,
      );
    },
    // it exits when the channel closes (writing a --cpu-prof profile); killed if it has not within 5 s
    stop: () => {
      if (child.connected) child.disconnect();
      setTimeout(() => child.exitCode === null && child.kill(), 5000).unref();
    },
  };
}

/** The timing of a read. */
interface Timing {
  /** wall time from the first record to the last */
  ms: number;
  /** CPU time (user + system) of this process over the same span */
  cpuMs: number;
}

function timing(first: number, cpu0: NodeJS.CpuUsage): Timing {
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - first, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The bare consumer: the tail's consumer settings, no work per record. */
async function bare(
  kafka: Kafka,
  topic: string,
  style: 'eachBatch' | 'eachMessage',
  delivered: (k: number) => void,
): Promise<Running> {
  const consumer = kafka.consumer({
    groupId: `console-bench-bare-${Math.random().toString(36).slice(2)}`,
    allowAutoTopicCreation: false,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run(
    style === 'eachBatch'
      ? {
          autoCommit: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: async (payload) => {
            delivered(payload.batch.messages.length);
            await payload.heartbeat();
          },
        }
      : {
          // the everyday kafkajs idiom (for context only; the goal is measured against eachBatch, the fastest)
          autoCommit: false,
          partitionsConsumedConcurrently: 4,
          eachMessage: () => {
            delivered(1);
            return Promise.resolve();
          },
        },
  );
  return { consumer: () => consumer, stop: () => consumer.disconnect() };
}

/** The console's tail with the timeline store behind it (and a subscriber for the batched pushes). */
async function console_(kafka: Kafka, topic: string, delivered: (k: number) => void): Promise<Running> {
  const timeline = createTimelineStore({
    lab: timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: topic })),
    cap: 100_000,
    batchMs: 50,
    onBatch: () => undefined,
  });
  const buffer = createTailBuffer({ timeline: () => timeline, onBatch: () => undefined });
  const counting: TailBuffer = {
    ingest: (t, p, messages) => {
      buffer.ingest(t, p, messages);
      delivered(messages.length);
    },
    page: (q) => buffer.page(q),
    find: (t, source) => buffer.find(t, source),
    keysSeen: (t, p) => buffer.keysSeen(t, p),
    get ingested() {
      return buffer.ingested;
    },
    stop: () => buffer.stop(),
  };
  // the tail makes its own consumer: the bench keeps a hold of it to pause and resume it
  let consumer: Consumer | undefined;
  const holding = Object.create(kafka, {
    consumer: { value: (config: ConsumerConfig) => (consumer = kafka.consumer(config)) },
  }) as Kafka;
  const tail = createTopicTail({
    kafka: holding,
    groupId: `eventscope-observer-bench-${Math.random().toString(36).slice(2)}`,
    buffer: counting,
    logger: createLogger({ name: 'bench', level: 'silent' }),
  });
  await tail.follow([topic]);
  if (consumer === undefined) throw new Error('console side: the tail did not start a consumer');
  return {
    consumer: () => consumer!,
    entities: () => timeline.size,
    stop: async () => {
      await tail.stop();
      timeline.stop();
    },
  };
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function memory(): Promise<Record<string, number | boolean>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench', 'console-memory.ts'), '1000000', '100000'],
    {
      cwd: ROOT,
      timeout: 600_000,
      maxBuffer: 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | boolean>;
}

export const consoleBench: BenchSuite = {
  name: 'console',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const kafka = kafkaFor(ctx.endpoints.kafka.brokers);
    const topic = `bench-console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    await createIngestTopic(kafka, topic);
    const bareMs: number[] = [];
    const consoleMs: number[] = [];
    const bareCpuMs: number[] = [];
    const eachMessageMs: number[] = [];
    const consoleCpuMs: number[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    let entities = 0;
    const brokers = ctx.endpoints.kafka.brokers;
    const readers: Reader[] = [];
    try {
      // one process per side, and the eachMessage consumer (context only) in a third, so that it cannot slow the bare one
      const [bareReader, consoleReader, eachMessageReader] = await Promise.all(
        (
          [
            ['bare', 'eachBatch'],
            ['console', 'eachBatch'],
            ['bare', 'eachMessage'],
          ] as const
        ).map(([mode, style]) => startReader(mode, style, topic, brokers)),
      );
      readers.push(bareReader!, consoleReader!, eachMessageReader!);
      // the first WARMUP rounds warm both paths up (JIT) and are not counted; then the side that reads first alternates.
      // Each round appends RECORDS new records (new orders) while the sides are paused, and each side reads them.
      for (let round = 0; round < WARMUP + ROUNDS; round++) {
        await appendIngestRecords(kafka, topic, round);
        const consoleFirst = round % 2 === 1;
        let b: Timing;
        let c: Timing & { entities?: number };
        if (consoleFirst) {
          c = await consoleReader!.read(RECORDS);
          b = await bareReader!.read(RECORDS);
        } else {
          b = await bareReader!.read(RECORDS);
          c = await consoleReader!.read(RECORDS);
        }
        entities = c.entities ?? entities;
        ctx.log(
          `console bench round ${round}${round < WARMUP ? ' (warm-up)' : ` (${consoleFirst ? 'console' : 'bare'} first)`}: bare ${Math.round(RECORDS / (b.ms / 1000))} rec/s (cpu ${Math.round(b.cpuMs)} ms), console ${Math.round(RECORDS / (c.ms / 1000))} rec/s (cpu ${Math.round(c.cpuMs)} ms), ratio ${(b.ms / c.ms).toFixed(2)}, by cpu ${(b.cpuMs / c.cpuMs).toFixed(2)}`,
        );
        // context only (not part of the ratio); it reads every round's records too
        const e = await eachMessageReader!.read(RECORDS);
        if (round < WARMUP) continue;
        eachMessageMs.push(e.ms);
        bareMs.push(b.ms);
        consoleMs.push(c.ms);
        bareCpuMs.push(b.cpuMs);
        consoleCpuMs.push(c.cpuMs);
        ratios.push(b.ms / c.ms);
        cpuRatios.push(b.cpuMs / c.cpuMs);
      }
    } finally {
      for (const r of readers) r.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
    const bareRate = RECORDS / (median(bareMs) / 1000);
    const consoleRate = RECORDS / (median(consoleMs) / 1000);
    const ratio = median(ratios);
    const cpuRatio = median(cpuRatios);
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    const eachMessageRate = RECORDS / (median(eachMessageMs) / 1000);
    ctx.log('console bench: memory (1 000 000 events, 100 000 cap)…');
    const mem = await memory();
    const rss = Number(mem.rssMb);
    return {
      suite: 'console',
      rows: [
        { metric: 'ingest: bare kafkajs consumer', value: Math.round(bareRate), unit: 'records/s' },
        { metric: 'ingest: console tail + timeline', value: Math.round(consoleRate), unit: 'records/s' },
        {
          metric: `ingest ratio (console / bare), median of ${ratios.length} rounds (spread ${spread(ratios)})`,
          value: Math.round(ratio * 100) / 100,
          unit: '×',
          goal: '≥ 0.8',
          pass: ratio >= 0.8,
        },
        {
          metric: `ingest ratio by CPU time (bare cpu / console cpu), median (spread ${spread(cpuRatios)})`,
          value: Math.round(cpuRatio * 100) / 100,
          unit: '×',
          goal: '≥ 0.8',
          pass: cpuRatio >= 0.8,
        },
        {
          metric: 'context: bare kafkajs consumer with eachMessage',
          value: Math.round(eachMessageRate),
          unit: 'records/s',
        },
        {
          metric: 'context: ratio console / eachMessage consumer',
          value: Math.round((consoleRate / eachMessageRate) * 100) / 100,
          unit: '×',
        },
        { metric: 'RSS after 1 000 000 events (100 000 cap)', value: rss, unit: 'MB', goal: '< 300', pass: rss < 300 },
      ],
      details: {
        records: RECORDS,
        rounds: ROUNDS,
        warmupRounds: WARMUP,
        ratios,
        cpuRatios,
        bareMs,
        consoleMs,
        bareCpuMs,
        consoleCpuMs,
        eachMessageMs,
        loadAverage: (await import('node:os')).loadavg(),
        cpus: (await import('node:os')).cpus().length,
        timelineEntitiesAfterIngest: entities,
        memory: mem,
        note: 'times run from the first record delivered to the last (group joins excluded); ratios per round (the side that reads first alternates), their median; rates from the median times',
      },
    };
  },
};

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  consoleBench
    .run({
      endpoints: {
        kafka: { brokers },
        postgres: { url: '' },
        rabbitmq: { url: '' },
        mongodb: { url: '' },
        redis: { url: '' },
      },
      log,
    })
    .then((report) => {
      const dir = path.join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'console.json'),
        `${JSON.stringify({ suite: report.suite, at: new Date().toISOString(), rows: report.rows, details: report.details }, null, 2)}\n`,
      );
      for (const r of report.rows)
        process.stdout.write(
          `${r.metric}: ${r.value} ${r.unit}${r.goal ? ` (goal ${r.goal}: ${r.pass ? 'ok' : 'MISSED'})` : ''}\n`,
        );
    })
    .catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
}
