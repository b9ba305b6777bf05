// The link proxies' cost (issue 10: link faults), in one run, all on loopback against the stack's brokers:
//   1. Kafka relay throughput: a kafkajs batch producer (acks 1, 200-byte values, batches of 500) direct to the
//      brokers, against the same producer through a console link (faults/link-registry.ts: one proxy per broker,
//      mapped by KAFKA_LINKS through services/shared/kafka-links.ts's socket factory), alternating which goes first,
//      median of the rounds. Goal: ratio ≥ 0.9.
//   2. Kafka end to end at a fixed rate: produced (one record per send, acks 1) → consumed (eachMessage), both clients
//      direct, then both through their links; latency from each record's scheduled send time. Goal: p99 added < 2 ms.
//   3. Postgres round trips: `SELECT 1` one after another on one connection, direct against through a link. Goal: p99
//      added < 2 ms.
// The proxies run in a process of their own (bench/links-proxy-host.ts), as they do in the console, apart from the
// clients. Topics are named bench-links-<unique>… and deleted at the end.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import pg from 'pg';
import { linkedSocketFactory, parseKafkaLinks } from '../../services/shared/kafka-links.js';
import { REPO_ROOT, percentile, uniqueSuffix } from '../lab-d-support.js';
import type { BenchContext, BenchReport, BenchRow, BenchSuite } from '../types.js';

const ROUNDS = 3;
const MESSAGES = 40_000;
const BATCH = 500;
const VALUE = Buffer.alloc(200, 'x');
const E2E_RATE = 500;
const E2E_SECONDS = 4;
const PG_TRIPS = 2000;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

type Routed = Record<'producer' | 'consumer' | 'client', Record<string, string>>;

/** The proxy host process: the routed envs, and a stop that closes its stdin and waits for its exit (by its PID). */
async function proxyHost(ctx: BenchContext): Promise<{ routed: Routed; stop(): Promise<string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'links-proxy-host.ts'), JSON.stringify(ctx.endpoints)],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the proxy host exited (${code}): ${stderr.slice(0, 500)}`)));
  });
  return {
    routed: JSON.parse(line) as Routed,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      return stderr.trim();
    },
  };
}

/** A kafkajs config direct to the brokers, or through the links an env names (its KAFKA_LINKS). */
function kafkaConfig(instance: string, ctx: BenchContext, env?: Record<string, string>): KafkaConfig {
  const brokers = ctx.endpoints.kafka.brokers;
  const base: KafkaConfig = { clientId: `bench-${instance}`, brokers, logLevel: logLevel.NOTHING };
  if (env === undefined) return base;
  if (env.KAFKA_LINKS === undefined) throw new Error('the link registry did not route the brokers');
  return { ...base, socketFactory: linkedSocketFactory(parseKafkaLinks(env.KAFKA_LINKS)) };
}

async function producerThroughput(config: KafkaConfig, topic: string): Promise<number> {
  const producer = new Kafka(config).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // warm-up: metadata and connections
    await producer.send({ topic, acks: 1, messages: [{ value: VALUE }] });
    const started = performance.now();
    for (let sent = 0; sent < MESSAGES; sent += BATCH) {
      await producer.send({
        topic,
        acks: 1,
        messages: Array.from({ length: BATCH }, (_, i) => ({ key: String((sent + i) % 64), value: VALUE })),
      });
    }
    return MESSAGES / ((performance.now() - started) / 1000);
  } finally {
    await producer.disconnect();
  }
}

/** Latencies (ms, sorted) of records sent at E2E_RATE for E2E_SECONDS, from their scheduled send time to consumed. */
async function endToEnd(producerConfig: KafkaConfig, consumerConfig: KafkaConfig, topic: string): Promise<number[]> {
  const consumer = new Kafka(consumerConfig).consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 10 });
  const producer = new Kafka(producerConfig).producer({ allowAutoTopicCreation: false });
  const total = E2E_RATE * E2E_SECONDS;
  const latencies: number[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  let joined: () => void = () => undefined;
  const isJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: ({ message }) => {
      const scheduled = Number(message.headers?.t?.toString());
      if (Number.isFinite(scheduled)) latencies.push(performance.timeOrigin + performance.now() - scheduled);
      if (latencies.length >= total) done();
      return Promise.resolve();
    },
  });
  await producer.connect();
  try {
    await isJoined;
    // the consumer starts at the end: records sent before its first fetch would be skipped; wait for the assignment
    await producer.send({ topic, acks: 1, messages: [{ value: VALUE }] });
    const start = performance.timeOrigin + performance.now() + 200;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const at = start + (i * 1000) / E2E_RATE;
      const wait = at - (performance.timeOrigin + performance.now());
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(
        producer.send({
          topic,
          acks: 1,
          messages: [{ key: String(i % 64), value: VALUE, headers: { t: String(at) } }],
        }),
      );
    }
    await Promise.all(sends);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  } finally {
    await Promise.allSettled([producer.disconnect(), consumer.disconnect()]);
  }
  return latencies.sort((a, b) => a - b);
}

async function pgTrips(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 100; i++) await client.query('SELECT 1');
    const times: number[] = [];
    for (let i = 0; i < PG_TRIPS; i++) {
      const t0 = performance.now();
      await client.query('SELECT 1');
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b);
  } finally {
    await client.end();
  }
}

const suite: BenchSuite = {
  name: 'links',
  async run(ctx): Promise<BenchReport> {
    const suffix = uniqueSuffix();
    const topic = `bench-links-${suffix}`;
    const e2eTopics = [`${topic}-e2e-direct`, `${topic}-e2e-linked`];
    const admin = new Kafka({
      clientId: 'bench-links-admin',
      brokers: ctx.endpoints.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const host = await proxyHost(ctx);
    let relayed = '';
    const loadBefore = loadavg();
    try {
      await admin.createTopics({
        topics: [topic, ...e2eTopics].map((t) => ({ topic: t, numPartitions: 2, replicationFactor: 1 })),
        waitForLeaders: true,
      });
      const direct = kafkaConfig('producer', ctx);
      const linked = kafkaConfig('producer', ctx, host.routed.producer);

      // 1. throughput, alternating
      const rates = { direct: [] as number[], linked: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        const order: ('direct' | 'linked')[] = r % 2 === 0 ? ['direct', 'linked'] : ['linked', 'direct'];
        for (const which of order) {
          const rate = await producerThroughput(which === 'direct' ? direct : linked, topic);
          rates[which].push(rate);
          ctx.log(`links: round ${r + 1} ${which}: ${Math.round(rate)} records/s`);
        }
      }
      const directRate = median(rates.direct);
      const linkedRate = median(rates.linked);

      // 2. end to end
      const consumerLinked = kafkaConfig('consumer', ctx, host.routed.consumer);
      const e2eDirect = await endToEnd(direct, kafkaConfig('consumer', ctx), e2eTopics[0]!);
      const e2eLinked = await endToEnd(linked, consumerLinked, e2eTopics[1]!);
      const p = (xs: number[], q: number) => (xs.length === 0 ? Number.NaN : percentile(xs, q));
      ctx.log(`links: e2e p99 direct ${p(e2eDirect, 99).toFixed(2)} ms, linked ${p(e2eLinked, 99).toFixed(2)} ms`);

      // 3. Postgres round trips
      const pgUrl = ctx.endpoints.postgres.url;
      const pgLinked = host.routed.client.DATABASE_URL!;
      const pgDirect = await pgTrips(pgUrl);
      const pgVia = await pgTrips(pgLinked);
      const loadAfter = loadavg();
      relayed = await host.stop();

      const ratio = linkedRate / directRate;
      const addedE2e = p(e2eLinked, 99) - p(e2eDirect, 99);
      const addedPg = p(pgVia, 99) - p(pgDirect, 99);
      const rows: BenchRow[] = [
        { metric: 'kafka producer direct', value: Math.round(directRate), unit: 'records/s' },
        { metric: 'kafka producer through links', value: Math.round(linkedRate), unit: 'records/s' },
        { metric: 'producer ratio links/direct', value: ratio, unit: 'ratio', goal: '≥ 0.9', pass: ratio >= 0.9 },
        { metric: `kafka e2e p99 direct @${E2E_RATE}/s`, value: p(e2eDirect, 99), unit: 'ms' },
        { metric: `kafka e2e p99 through links @${E2E_RATE}/s`, value: p(e2eLinked, 99), unit: 'ms' },
        { metric: 'kafka e2e p99 added', value: addedE2e, unit: 'ms', goal: '< 2', pass: addedE2e < 2 },
        { metric: 'postgres SELECT 1 p99 direct', value: p(pgDirect, 99), unit: 'ms' },
        { metric: 'postgres SELECT 1 p99 through a link', value: p(pgVia, 99), unit: 'ms' },
        { metric: 'postgres p99 added', value: addedPg, unit: 'ms', goal: '< 2', pass: addedPg < 2 },
      ];
      return {
        suite: 'links',
        rows,
        details: {
          rounds: rates,
          messages: MESSAGES,
          batch: BATCH,
          valueBytes: VALUE.length,
          proxyProcess: 'bench/links-proxy-host.ts',
          e2e: {
            rate: E2E_RATE,
            seconds: E2E_SECONDS,
            direct: { n: e2eDirect.length, p50: p(e2eDirect, 50), p99: p(e2eDirect, 99) },
            linked: { n: e2eLinked.length, p50: p(e2eLinked, 50), p99: p(e2eLinked, 99) },
          },
          postgres: {
            trips: PG_TRIPS,
            direct: { p50: p(pgDirect, 50), p99: p(pgDirect, 99) },
            linked: { p50: p(pgVia, 50), p99: p(pgVia, 99) },
          },
          loadavg: { before: loadBefore, after: loadAfter },
        },
      };
    } finally {
      if (relayed === '') relayed = await host.stop();
      ctx.log(`links: relayed ${relayed}`);
      await admin.deleteTopics({ topics: [topic, ...e2eTopics] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
};

export default suite;
