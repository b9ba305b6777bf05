// Lab B's benchmark suite, on the stack's RabbitMQ (endpoints.rabbitmq), in one run:
//   1. publish throughput: our publisher (services/shared/amqp/publisher.ts: confirm channel, mandatory, persistent,
//      return listener) against a bare amqplib ConfirmChannel publisher with the same flags, the same body and the same
//      window of confirms in flight, to the same kind of queue; alternating which goes first, median of the rounds.
//   2. publish → handled latency at 1 000 msg/s through our consumer (services/shared/amqp/consumer.ts: prefetch, ack
//      after the work, dedupe): with the lab services' Postgres seen-store (the mark in one transaction per message, as
//      the services run) and with the in-memory one (the AMQP path alone). Latency counts from each message's scheduled
//      send time, so a publisher that falls behind shows in the figures (no coordinated omission).
//   3. the RabbitMQ observer's own CPU (main/console/observe/rabbitmq-observer.ts) polling the management API each
//      second with 50 queues of ours declared: process.cpuUsage() over a fixed window, as % of one core.
// Every exchange and queue is named bench-lab-b-<unique>…; all are deleted at the end, as is the seen-store database.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import amqp, { type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import pg from 'pg';
import { createRabbitmqObserver } from '../../main/console/observe/rabbitmq-observer.js';
import { createManagementClient, managementUrlOf } from '../../main/console/stack/rabbitmq-management.js';
import { AmqpConnection } from '../../services/shared/amqp/connection.js';
import { AmqpConsumer } from '../../services/shared/amqp/consumer.js';
import { PgSeenStore, seenTableSql } from '../../services/shared/amqp/pg-seen-store.js';
import { AmqpPublisher } from '../../services/shared/amqp/publisher.js';
import { MemorySeenStore, type SeenStore } from '../../services/shared/amqp/seen-store.js';
import { createLogger } from '../../services/shared/logger.js';
import { createDatabase, median, percentile, uniqueSuffix } from '../lab-d-support.js';
import type { BenchContext, BenchReport, BenchRow, BenchSuite } from '../types.js';

const ROUNDS = 3;
/** messages per publisher per round */
const MESSAGES = 4000;
/** confirms in flight, the same for both publishers */
const WINDOW = 100;
const RATE_PER_SEC = 1000;
const LATENCY_SECONDS = 5;
const OBSERVER_QUEUES = 50;
const OBSERVER_WINDOW_MS = 15_000;
/** a body of the size of a lab event (a vacation status change) */
const BODY = {
  event_id: '00000000-0000-7000-8000-000000000000',
  request_id: '00000000-0000-7000-8000-000000000001',
  user_id: '00000000-0000-7000-8000-000000000002',
  from_status: 'submitted',
  to_status: 'approved',
  at: '2026-01-01T00:00:00.000Z',
};

const logger = createLogger({ name: 'bench-lab-b', level: 'warn' });

/** Runs `send` n times with at most `window` unsettled at once; returns the elapsed ms. */
async function windowed(n: number, window: number, send: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  return performance.now() - started;
}

/** A throwaway exchange → queue (durable, as the lab's work queues) on a channel of `admin`. */
async function declarePair(admin: amqp.Channel, name: string): Promise<{ exchange: string; queue: string }> {
  const exchange = `${name}.x`;
  const queue = `${name}.q`;
  await admin.assertExchange(exchange, 'topic', { durable: true });
  await admin.assertQueue(queue, { durable: true });
  await admin.bindQueue(queue, exchange, '#');
  return { exchange, queue };
}

interface ThroughputResult {
  rounds: { ours: number; bare: number; ratio: number; first: 'ours' | 'bare' }[];
  oursPerSec: number;
  barePerSec: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

async function benchThroughput(ctx: BenchContext, url: string, admin: amqp.Channel, base: string) {
  const { exchange, queue } = await declarePair(admin, `${base}.tp`);
  // ours: one connection as a lab service has it
  const conn = new AmqpConnection({ url, logger, name: `${base}/ours`, heartbeatS: 10 });
  const publisher = new AmqpPublisher(conn, { logger, timeoutMs: 30_000 });
  await conn.start();
  // bare: amqplib's confirm channel, the same flags
  const bareModel = await amqp.connect(url, { clientProperties: { connection_name: `${base}/bare` } });
  const bare: ConfirmChannel = await bareModel.createConfirmChannel();
  bare.on('return', () => undefined);
  const content = (): Buffer => Buffer.from(JSON.stringify(BODY));
  const runOurs = () =>
    windowed(MESSAGES, WINDOW, async (i) => {
      const r = await publisher.publish({ exchange, routingKey: 'bench.tp', body: BODY, eventId: `ours-${i}` });
      if (r.outcome !== 'confirmed') throw new Error(`ours: ${r.outcome}`);
    });
  const runBare = () =>
    windowed(
      MESSAGES,
      WINDOW,
      (i) =>
        new Promise<void>((resolve, reject) => {
          bare.publish(
            exchange,
            'bench.tp',
            content(),
            { messageId: `bare-${i}`, contentType: 'application/json', persistent: true, mandatory: true },
            (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        }),
    );
  const rounds: ThroughputResult['rounds'] = [];
  try {
    // a warm-up of each (JIT, the queue's first segment)
    await runOurs();
    await runBare();
    await admin.purgeQueue(queue);
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0 ? 'ours' : 'bare';
      let oursMs: number;
      let bareMs: number;
      if (first === 'ours') {
        oursMs = await runOurs();
        await admin.purgeQueue(queue);
        bareMs = await runBare();
      } else {
        bareMs = await runBare();
        await admin.purgeQueue(queue);
        oursMs = await runOurs();
      }
      await admin.purgeQueue(queue);
      const ours = (MESSAGES / oursMs) * 1000;
      const bareRate = (MESSAGES / bareMs) * 1000;
      rounds.push({ ours, bare: bareRate, ratio: ours / bareRate, first });
      ctx.log(
        `lab-b: round ${r + 1}: ours ${ours.toFixed(0)} msg/s, bare ${bareRate.toFixed(0)} msg/s, ratio ${(ours / bareRate).toFixed(2)}`,
      );
    }
  } finally {
    await publisher.stop();
    await conn.stop();
    await bareModel.close().catch(() => undefined);
    await admin.deleteQueue(queue).catch(() => undefined);
    await admin.deleteExchange(exchange).catch(() => undefined);
  }
  const ratios = rounds.map((r) => r.ratio);
  return {
    rounds,
    oursPerSec: median(rounds.map((r) => r.ours)),
    barePerSec: median(rounds.map((r) => r.bare)),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  } satisfies ThroughputResult;
}

interface LatencyResult {
  store: 'postgres' | 'memory';
  sent: number;
  handled: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** how far behind schedule the publisher's last tick ran */
  publisherLagMs: number;
  /** messages handled per second, from the first scheduled send to the last handled */
  handledPerSec: number;
}

async function benchLatency<Tx>(
  ctx: BenchContext,
  url: string,
  admin: amqp.Channel,
  name: string,
  store: 'postgres' | 'memory',
  seen: SeenStore<Tx>,
): Promise<LatencyResult> {
  const { exchange, queue } = await declarePair(admin, name);
  const total = RATE_PER_SEC * LATENCY_SECONDS;
  const scheduledAt = new Float64Array(total);
  const latencies: number[] = [];
  let lastHandledAt = 0;
  let done: () => void = () => undefined;
  const allHandled = new Promise<void>((resolve) => (done = resolve));
  const conn = new AmqpConnection({ url, logger, name: `${name}/lab-b`, heartbeatS: 10 });
  const publisher = new AmqpPublisher(conn, { logger, timeoutMs: 30_000 });
  const consumer = new AmqpConsumer<number, Tx>(conn, {
    queue,
    logger,
    declare: () => Promise.resolve(),
    decode: (msg: ConsumeMessage) => {
      const body = JSON.parse(msg.content.toString('utf8')) as { i: number; event_id: string };
      return { value: body.i, eventId: body.event_id, entityId: null };
    },
    handle: (i) => {
      lastHandledAt = performance.now();
      latencies.push(lastHandledAt - (scheduledAt[i] as number));
      if (latencies.length === total) done();
      return Promise.resolve();
    },
    seen,
    prefetch: 10, // the lab services' default (AMQP_PREFETCH)
    deadLetterExchange: `${name}.dlx`,
  });
  await conn.start();
  const suffix = uniqueSuffix();
  let publisherLagMs = 0;
  const publishes: Promise<unknown>[] = [];
  try {
    // 1 000 msg/s as 10 messages every 10 ms, each tick scheduled from the start (not from the previous tick)
    const perTick = RATE_PER_SEC / 100;
    const t0 = performance.now() + 50;
    for (let tick = 0; tick * perTick < total; tick++) {
      const due = t0 + tick * 10;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      publisherLagMs = Math.max(publisherLagMs, performance.now() - due);
      for (let k = 0; k < perTick; k++) {
        const i = tick * perTick + k;
        scheduledAt[i] = due;
        publishes.push(
          publisher.publish({ exchange, routingKey: 'bench.latency', body: { i, event_id: `${suffix}-${i}` } }),
        );
      }
    }
    await Promise.all(publishes);
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref());
    if ((await Promise.race([allHandled, deadline])) === 'timeout')
      ctx.log(`lab-b: latency (${store}): only ${latencies.length} of ${total} handled within 60 s`);
  } finally {
    await consumer.stop();
    await publisher.stop();
    await conn.stop();
    await admin.deleteQueue(queue).catch(() => undefined);
    await admin.deleteExchange(exchange).catch(() => undefined);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    store,
    sent: total,
    handled: latencies.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    publisherLagMs,
    handledPerSec: (latencies.length / (lastHandledAt - (scheduledAt[0] as number))) * 1000,
  };
}

/** One seen-store mark as the consumer makes it (BEGIN, INSERT, COMMIT), sequentially: what one message costs. */
async function benchMark(pool: pg.Pool): Promise<{ n: number; p50Ms: number; p99Ms: number }> {
  const n = 300;
  const times: number[] = [];
  const store = new PgSeenStore(pool);
  const suffix = uniqueSuffix();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await store.once('bench-mark', `${suffix}-${i}`, () => Promise.resolve());
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { n, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

interface ObserverResult {
  queues: number;
  queuesSeen: number;
  windowMs: number;
  polls: number;
  cpuMs: number;
  cpuPercentOfCore: number;
}

async function benchObserver(ctx: BenchContext, admin: amqp.Channel, base: string, managementUrl: string) {
  const names = Array.from({ length: OBSERVER_QUEUES }, (_, i) => `${base}.obs.${String(i).padStart(2, '0')}`);
  for (const q of names) await admin.assertQueue(q, { durable: false, autoDelete: false });
  const client = createManagementClient(managementUrl);
  let polls = 0;
  const observer = createRabbitmqObserver({
    // the observer's own client, counting its polls (one /api/queues per poll)
    management: {
      ...client,
      get: <T>(path: string, timeoutMs?: number) => {
        if (path.startsWith('/api/queues')) polls += 1;
        return client.get<T>(path, timeoutMs);
      },
    },
    logger,
    pollIntervalMs: 1000,
    onDiff: () => undefined,
  });
  try {
    // one poll first (the node's name, the first full diff), then the window with the observer alone in this process
    await observer.pollNow();
    const queuesSeen = observer.snapshot().queues.filter((q) => q.name.startsWith(`${base}.obs.`)).length;
    polls = 0;
    const before = process.cpuUsage();
    const t0 = performance.now();
    observer.start();
    await new Promise((resolve) => setTimeout(resolve, OBSERVER_WINDOW_MS));
    await observer.stop();
    const used = process.cpuUsage(before);
    const windowMs = performance.now() - t0;
    const cpuMs = (used.user + used.system) / 1000;
    ctx.log(`lab-b: observer: ${cpuMs.toFixed(0)} ms CPU in ${(windowMs / 1000).toFixed(1)} s, ${polls} polls`);
    return {
      queues: names.length,
      queuesSeen,
      windowMs,
      polls,
      cpuMs,
      cpuPercentOfCore: (cpuMs / windowMs) * 100,
    } satisfies ObserverResult;
  } finally {
    await observer.stop().catch(() => undefined);
    for (const q of names) await admin.deleteQueue(q).catch(() => undefined);
  }
}

const suite: BenchSuite = {
  name: 'lab-b',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const url = ctx.endpoints.rabbitmq.url;
    if (url === '') throw new Error('lab-b: the stack has no RabbitMQ endpoint');
    const managementUrl = managementUrlOf(ctx.endpoints.rabbitmq);
    const base = `bench-lab-b-${uniqueSuffix()}`;
    const adminModel = await amqp.connect(url, { clientProperties: { connection_name: `${base}/admin` } });
    const admin = await adminModel.createChannel();
    const db = await createDatabase(ctx.endpoints.postgres.url, 'bench_lab_b');
    const pool = new pg.Pool({ connectionString: db.url, max: 5 });
    try {
      await pool.query(seenTableSql('processed_events'));
      ctx.log(`lab-b: publish throughput, ${ROUNDS} rounds of ${MESSAGES} messages each, ${WINDOW} confirms in flight`);
      const tp = await benchThroughput(ctx, url, admin, base);
      const loadAfterThroughput = loadavg();
      ctx.log(`lab-b: publish → handled at ${RATE_PER_SEC}/s for ${LATENCY_SECONDS} s (Postgres seen-store)`);
      const latPg = await benchLatency(ctx, url, admin, `${base}.lat-pg`, 'postgres', new PgSeenStore(pool));
      ctx.log(`lab-b: publish → handled at ${RATE_PER_SEC}/s for ${LATENCY_SECONDS} s (in-memory seen-store)`);
      const latMem = await benchLatency(ctx, url, admin, `${base}.lat-mem`, 'memory', new MemorySeenStore());
      ctx.log(`lab-b: observer CPU, ${OBSERVER_QUEUES} queues, polled each second for ${OBSERVER_WINDOW_MS / 1000} s`);
      const obs = await benchObserver(ctx, admin, base, managementUrl);
      const mark = await benchMark(pool);
      const latencyRows = (l: LatencyResult, label: string): BenchRow[] => [
        {
          metric: `publish → handled p50, ${label} (${RATE_PER_SEC}/s × ${LATENCY_SECONDS} s)`,
          value: l.p50Ms,
          unit: 'ms',
        },
        { metric: `publish → handled p99, ${label}`, value: l.p99Ms, unit: 'ms' },
        { metric: `publish → handled max, ${label}`, value: l.maxMs, unit: 'ms' },
        { metric: `handled rate, ${label} (one consumer, prefetch 10)`, value: l.handledPerSec, unit: 'msg/s' },
        {
          metric: `handled of sent, ${label} (publisher's worst lag behind schedule, ms)`,
          value: l.handled,
          unit: `of ${l.sent} (${l.publisherLagMs.toFixed(0)})`,
          pass: l.handled === l.sent,
        },
      ];
      return {
        suite: 'lab-b',
        rows: [
          {
            metric: `our publisher (confirms, mandatory, persistent), ${MESSAGES} msgs × ${ROUNDS} (median)`,
            value: tp.oursPerSec,
            unit: 'msg/s',
          },
          {
            metric: `bare amqplib confirm channel, same flags and window of ${WINDOW}`,
            value: tp.barePerSec,
            unit: 'msg/s',
          },
          {
            metric: `ours / bare, median of per-round ratios (spread ${tp.ratioMin.toFixed(2)}–${tp.ratioMax.toFixed(2)})`,
            value: tp.ratio,
            unit: 'ratio',
            goal: '≥ 0.8',
            pass: tp.ratio >= 0.8,
          },
          {
            metric: 'context: load average (1 min) after the throughput rounds, on this many cores',
            value: loadAfterThroughput[0] ?? Number.NaN,
            unit: `(${cpus().length} cores)`,
          },
          ...latencyRows(latPg, 'Postgres seen-store'),
          ...latencyRows(latMem, 'in-memory seen-store'),
          {
            metric: `one Postgres seen-store mark (BEGIN, INSERT, COMMIT), sequential, p50 of ${mark.n} (p99 in unit)`,
            value: mark.p50Ms,
            unit: `ms (p99 ${mark.p99Ms.toFixed(1)})`,
          },
          {
            metric: `RabbitMQ observer CPU, ${obs.polls} polls in ${(obs.windowMs / 1000).toFixed(0)} s, ${obs.queuesSeen} of ${obs.queues} queues seen`,
            value: obs.cpuPercentOfCore,
            unit: '% of one core',
            goal: '< 5',
            pass: obs.cpuPercentOfCore < 5,
          },
        ],
        details: { throughput: tp, latency: [latPg, latMem], seenStoreMark: mark, observer: obs, loadAfterThroughput },
      };
    } finally {
      await pool.end().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await adminModel.close().catch(() => undefined);
    }
  },
};

export default suite;
