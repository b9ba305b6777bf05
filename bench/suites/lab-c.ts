// Lab C's benchmark suite, on the stack's Kafka, Postgres and Redis, in one run:
//   1. orders/s sustained: orders ×3 and payments ×3 as child processes (`services/cli.ts lab-c/…`, as the console
//      runs them) behind the gateway; ORDERS orders created through the gateway by CONCURRENCY clients; orders/s from
//      the first create until every order is final (paid) in the orders database.
//   2. create → SSE latency at RATE orders/s: STREAMS users' event streams open through the gateway (spread over the
//      orders replicas), orders created at a fixed rate for LATENCY_SECONDS; per order, from just before its POST to
//      its final `order-update` frame (status paid) on its user's stream; p50/p99/max.
//   3. payments' inbox-to-commit throughput: a payments service (in-process) on a topic of its own holding
//      INBOX_EVENTS order.created events, paid as the service pays them (the inbox rows, the account rows locked and
//      debited, the ledger, payment and outbox rows, the inbox marks, in one transaction for up to 100 events of a
//      fetched batch); against a bare kafkajs consumer of the same records doing one INSERT per record (autocommit). Events/s from the first record handled to the last, the
//      median of ROUNDS rounds, the two alternating which goes first. Goal: ratio ≥ 0.5.
// Topics are bench-lab-c-<unique>.…, databases bench_lab_c_…; all deleted at the end.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import pg from 'pg';
import { withDatabase } from '../../services/shared/database.js';
import { createLogger } from '../../services/shared/logger.js';
import { readSse } from '../../services/shared/sse-client.js';
import { createPayments, type PaymentsService } from '../../services/lab-c/payments.js';
import { envelope } from '../../services/lab-c/runtime.js';
import { namesOf, TOPIC_PARTITIONS, type LabCLine } from '../../services/lab-c/schema.js';
import { Child, freePort, median, percentile, uniqueSuffix, waitUntil } from '../lab-d-support.js';
import type { BenchContext, BenchReport, BenchRow, BenchSuite } from '../types.js';

/** phase 1: orders through the gateway, and the clients creating them at once */
const ORDERS = 1500;
const CONCURRENCY = 24;
/** phase 2 */
const RATE = 100;
const LATENCY_SECONDS = 15;
const STREAMS = 20;
/** phase 3 */
const INBOX_EVENTS = 3000;
const ROUNDS = 3;
const USERS = 50;

const logger = createLogger({ name: 'bench-lab-c', level: 'error' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function json<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** the databases of one set of services, made here (replicas starting together would race on CREATE DATABASE) */
async function databases(adminUrl: string, base: string) {
  const names = { orders: `${base}_orders`, payments: `${base}_payments` };
  await withClient(adminUrl, async (c) => {
    for (const n of Object.values(names)) await c.query(`CREATE DATABASE "${n}"`);
  });
  return {
    url: (s: keyof typeof names) => withDatabase(adminUrl, names[s]),
    drop: () =>
      withClient(adminUrl, async (c) => {
        for (const n of Object.values(names)) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
      }),
  };
}

interface Replicas {
  gateway: string;
  orders: string[];
  children: Child[];
}

async function startReplicas(
  ctx: BenchContext,
  prefix: string,
  channel: string,
  dbs: Awaited<ReturnType<typeof databases>>,
): Promise<Replicas> {
  const { endpoints } = ctx;
  const common = {
    KAFKA_BROKERS: endpoints.kafka.brokers.join(','),
    LAB_C_PREFIX: prefix,
    LAB_C_SESSION_TIMEOUT_MS: '10000',
  };
  const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const orders = ports.slice(0, 3).map((p) => `http://127.0.0.1:${p}`);
  const payments = ports.slice(3, 6).map((p) => `http://127.0.0.1:${p}`);
  const children: Child[] = [];
  // answering at all (a 404 for an unknown id is an answer)
  const up = (url: string, path: string) =>
    waitUntil(
      async () =>
        (await fetch(`${url}${path}`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined)) !== undefined,
      90_000,
      `${url} answering`,
      200,
    );
  // payments first: each creates the topics it needs when missing, then orders
  for (let i = 0; i < 3; i++)
    children.push(
      new Child('lab-c/payments', {
        ...common,
        PORT: String(ports[3 + i]),
        INSTANCE: `payments-${i + 1}`,
        DATABASE_URL: dbs.url('payments'),
      }),
    );
  await Promise.all(payments.map((u) => up(u, `/payments-api/accounts/${randomUUID()}`)));
  for (let i = 0; i < 3; i++)
    children.push(
      new Child('lab-c/orders', {
        ...common,
        PORT: String(ports[i]),
        INSTANCE: `orders-${i + 1}`,
        DATABASE_URL: dbs.url('orders'),
        REDIS_URL: endpoints.redis.url,
        LAB_C_SSE_CHANNEL: channel,
      }),
    );
  await Promise.all(orders.map((u) => up(u, `/orders-api/orders/user/${randomUUID()}`)));
  children.push(
    new Child('lab-c/gateway', {
      PORT: String(ports[6]),
      LAB_C_ORDERS_URLS: orders.join(','),
      LAB_C_PAYMENTS_URLS: payments.join(','),
    }),
  );
  const gateway = `http://127.0.0.1:${ports[6]}`;
  await up(gateway, `/orders-api/orders/user/${randomUUID()}`);
  ctx.log(`lab-c: orders ×3, payments ×3 and the gateway up (${gateway})`);
  return { gateway, orders, children };
}

async function funded(base: string, n: number, amount: number): Promise<string[]> {
  const users: string[] = [];
  for (let i = 0; i < n; i++) {
    const { user_id } = await json<{ user_id: string }>('POST', `${base}/payments-api/accounts`);
    await json('POST', `${base}/payments-api/accounts/${user_id}/topup`, { amount });
    users.push(user_id);
  }
  return users;
}

async function finalCount(ordersUrl: string, ids: readonly string[]): Promise<number> {
  return withClient(ordersUrl, async (c) => {
    const r = await c.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM orders WHERE id = ANY($1::uuid[]) AND status IN ('paid', 'payment_failed')",
      [ids],
    );
    return Number(r.rows[0]?.n ?? 0);
  });
}

/** phase 1 */
async function sustained(ctx: BenchContext, r: Replicas, ordersDb: string, users: readonly string[]) {
  const ids: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ORDERS) {
        const i = next++;
        const { id } = await json<{ id: string }>('POST', `${r.gateway}/orders-api/orders`, {
          user_id: users[i % users.length],
        });
        ids.push(id);
      }
    }),
  );
  const createdMs = performance.now() - t0;
  // every 250 ms: the count is one query over the orders database, cheap next to the load
  for (;;) {
    const n = await finalCount(ordersDb, ids);
    if (n >= ids.length) break;
    if (performance.now() - t0 > 300_000) throw new Error(`lab-c: ${ids.length - n} orders not final after 300 s`);
    await sleep(250);
  }
  const finalMs = performance.now() - t0;
  const perSec = (ORDERS / finalMs) * 1000;
  ctx.log(
    `lab-c: ${ORDERS} orders created in ${(createdMs / 1000).toFixed(1)} s, all final after ${(finalMs / 1000).toFixed(1)} s: ${perSec.toFixed(0)} orders/s`,
  );
  return { orders: ORDERS, createdMs, finalMs, perSec, createPerSec: (ORDERS / createdMs) * 1000 };
}

/** one user's event stream, its frames parsed; order id → when its final update came */
async function openStream(gateway: string, userId: string, finals: Map<string, number>) {
  const abort = new AbortController();
  const res = await fetch(`${gateway}/orders-api/orders/stream?user_id=${userId}`, { signal: abort.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`lab-c: stream answered ${res.status}`);
  let connected = false;
  const done = readSse(res.body, {
    event: ({ event, data }) => {
      if (event === 'connected') connected = true;
      if (event !== 'order-update') return;
      const o = JSON.parse(data) as { id: string; status: string };
      if ((o.status === 'paid' || o.status === 'payment_failed') && !finals.has(o.id))
        finals.set(o.id, performance.now());
    },
  });
  await waitUntil(() => connected, 10_000, `the stream of ${userId} connected`);
  return {
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

/** phase 2 */
async function latency(ctx: BenchContext, r: Replicas, users: readonly string[]) {
  const finals = new Map<string, number>();
  const streamUsers = users.slice(0, STREAMS);
  const streams = await Promise.all(streamUsers.map((u) => openStream(r.gateway, u, finals)));
  const sent = new Map<string, number>();
  const total = RATE * LATENCY_SECONDS;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  let late = 0;
  try {
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -50) late++;
      const start = performance.now();
      pending.push(
        json<{ id: string }>('POST', `${r.gateway}/orders-api/orders`, {
          user_id: streamUsers[i % streamUsers.length],
        }).then(({ id }) => {
          sent.set(id, start);
        }),
      );
    }
    await Promise.all(pending);
    await waitUntil(() => [...sent.keys()].every((id) => finals.has(id)), 120_000, 'every final order-update', 100);
  } finally {
    await Promise.all(streams.map((s) => s.close()));
  }
  const ms = [...sent].map(([id, at]) => (finals.get(id) as number) - at).sort((a, b) => a - b);
  const out = {
    orders: total,
    rate: RATE,
    seconds: LATENCY_SECONDS,
    streams: STREAMS,
    lateSends: late,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1] ?? Number.NaN,
  };
  ctx.log(`lab-c: create → SSE final at ${RATE}/s: p50 ${out.p50.toFixed(1)} ms, p99 ${out.p99.toFixed(1)} ms`);
  return out;
}

/** phase 3: the records of one round, on a topic of its own */
async function produceOrders(kafka: Kafka, topic: string, users: readonly string[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < INBOX_EVENTS; i += 500) {
      const messages = Array.from({ length: Math.min(500, INBOX_EVENTS - i) }, (_, j) => {
        const orderId = randomUUID();
        const e = envelope('order.created', {
          order_id: orderId,
          user_id: users[(i + j) % users.length],
          amount: 100 + ((i + j) % 900),
          currency: 'USD',
        });
        return { key: orderId, value: JSON.stringify(e) };
      });
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

async function ensureTopics(admin: Admin, topics: string[]): Promise<void> {
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS, replicationFactor: 1 })),
  });
  await waitUntil(
    async () => {
      const meta = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
      return meta?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) ?? false;
    },
    20_000,
    'topic leaders',
    100,
  );
}

/** payments (in-process) on a fresh prefix: events/s from its first handled record to its INBOX_EVENTS-th commit */
async function labInbox(ctx: BenchContext, adminUrl: string, kafka: Kafka, admin: Admin, round: number) {
  const base = `bench_lab_c_inbox_${uniqueSuffix()}`.slice(0, 50);
  const prefix = `bench-lab-c-inbox-${uniqueSuffix()}-${round}.`;
  const names = namesOf(prefix);
  await ensureTopics(admin, [names.ordersTopic, names.paymentsTopic]);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${base}"`));
  const url = withDatabase(adminUrl, base);
  let committed = 0;
  let first = 0;
  /** the commits printed by the first transaction (within 5 ms of the first line) */
  let firstCommits = 0;
  let last = 0;
  const out = (line: LabCLine) => {
    if (line.type === 'payment_committed') {
      const now = performance.now();
      if (committed === 0) first = now;
      if (now - first < 5) firstCommits += 1;
      committed += 1;
      last = now;
    }
  };
  const config = {
    port: 0,
    brokers: ctx.endpoints.kafka.brokers,
    prefix,
    databaseUrl: url,
    instance: 'bench-payments',
  };
  let payments: PaymentsService | undefined = createPayments(config, { logger, out });
  try {
    await payments.start();
    const users = await funded(payments.url, USERS, 1e9);
    await payments.stop();
    payments = undefined;
    await produceOrders(kafka, names.ordersTopic, users);
    payments = createPayments(config, { logger, out });
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await payments.start();
    await waitUntil(() => committed >= INBOX_EVENTS, 300_000, `${INBOX_EVENTS} payments committed`, 20);
    const cpu = process.cpuUsage(cpu0);
    ctx.log(
      `lab-c: payments in-process: ${(((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100).toFixed(0)} % of a core over the round, ${((cpu.user + cpu.system) / INBOX_EVENTS).toFixed(0)} µs CPU per event`,
    );
    // the first transaction's own cost is not in the span, so neither are its commits
    return ((INBOX_EVENTS - firstCommits) / (last - first)) * 1000;
  } finally {
    await payments?.stop().catch(() => undefined);
    await admin.deleteTopics({ topics: [names.ordersTopic, names.paymentsTopic] }).catch(() => undefined);
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${base}" WITH (FORCE)`)).catch(() => undefined);
  }
}

/** the baseline: a bare kafkajs consumer inserting one row per record */
async function bareInbox(ctx: BenchContext, adminUrl: string, kafka: Kafka, admin: Admin, round: number) {
  const base = `bench_lab_c_bare_${uniqueSuffix()}`.slice(0, 50);
  const topic = `bench-lab-c-bare-${uniqueSuffix()}-${round}`;
  await ensureTopics(admin, [topic]);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${base}"`));
  const pool = new pg.Pool({ connectionString: withDatabase(adminUrl, base), max: 4 });
  pool.on('error', () => undefined);
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
  try {
    await pool.query('CREATE TABLE seen (order_id uuid PRIMARY KEY, body jsonb NOT NULL)');
    await produceOrders(
      kafka,
      topic,
      Array.from({ length: USERS }, () => randomUUID()),
    );
    let n = 0;
    let first = 0;
    let last = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const body = JSON.parse(message.value?.toString('utf8') ?? '{}') as { data: { order_id: string } };
        await pool.query('INSERT INTO seen (order_id, body) VALUES ($1, $2::jsonb)', [
          body.data.order_id,
          JSON.stringify(body),
        ]);
        const now = performance.now();
        if (n === 0) first = now;
        n += 1;
        last = now;
      },
    });
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await waitUntil(() => n >= INBOX_EVENTS, 300_000, `${INBOX_EVENTS} rows inserted by the bare consumer`, 20);
    const cpu = process.cpuUsage(cpu0);
    ctx.log(
      `lab-c: bare consumer: ${(((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100).toFixed(0)} % of a core, ${((cpu.user + cpu.system) / INBOX_EVENTS).toFixed(0)} µs CPU per event`,
    );
    return ((INBOX_EVENTS - 1) / (last - first)) * 1000;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${base}" WITH (FORCE)`)).catch(() => undefined);
  }
}

async function inboxRatio(ctx: BenchContext) {
  const adminUrl = ctx.endpoints.postgres.url;
  const kafka = new Kafka({
    clientId: 'bench-lab-c',
    brokers: ctx.endpoints.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const rounds: { lab: number; bare: number; ratio: number; first: 'lab' | 'bare' }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const first = round % 2 === 0 ? 'lab' : 'bare';
      let lab = 0;
      let bare = 0;
      if (first === 'lab') {
        lab = await labInbox(ctx, adminUrl, kafka, admin, round);
        bare = await bareInbox(ctx, adminUrl, kafka, admin, round);
      } else {
        bare = await bareInbox(ctx, adminUrl, kafka, admin, round);
        lab = await labInbox(ctx, adminUrl, kafka, admin, round);
      }
      rounds.push({ lab, bare, ratio: lab / bare, first });
      ctx.log(`lab-c: inbox round ${round + 1}: payments ${lab.toFixed(0)}/s, bare ${bare.toFixed(0)}/s`);
    }
  } finally {
    await admin.disconnect();
  }
  return {
    events: INBOX_EVENTS,
    rounds,
    labPerSec: median(rounds.map((r) => r.lab)),
    barePerSec: median(rounds.map((r) => r.bare)),
    ratio: median(rounds.map((r) => r.ratio)),
  };
}

function inboxRows(inbox: Awaited<ReturnType<typeof inboxRatio>>): BenchRow[] {
  return [
    { metric: "payments' inbox-to-commit", value: inbox.labPerSec, unit: 'events/s' },
    { metric: 'bare kafkajs consumer, one insert per record', value: inbox.barePerSec, unit: 'events/s' },
    {
      metric: 'payments inbox / bare consumer',
      value: inbox.ratio,
      unit: 'ratio',
      goal: '≥ 0.5',
      pass: inbox.ratio >= 0.5,
    },
  ];
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const { endpoints } = ctx;
  if (endpoints.redis.url === '') throw new Error('lab-c: the bench needs Redis (the stack provider gives it)');
  const suffix = uniqueSuffix();
  const prefix = `bench-lab-c-${suffix}.`;
  const channel = `${prefix}sse-updates`;
  const dbs = await databases(endpoints.postgres.url, `bench_lab_c_${suffix}`.slice(0, 50));
  const kafka = new Kafka({
    clientId: 'bench-lab-c-admin',
    brokers: endpoints.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const names = namesOf(prefix);
  let replicas: Replicas | undefined;
  try {
    if (process.env.BENCH_LAB_C_ONLY === 'inbox') {
      const inbox = await inboxRatio(ctx);
      return { suite: 'lab-c', rows: inboxRows(inbox), details: { inbox } };
    }
    await ensureTopics(admin, [names.ordersTopic, names.paymentsTopic]);
    replicas = await startReplicas(ctx, prefix, channel, dbs);
    const users = await funded(replicas.gateway, USERS, 1e9);
    await warmUp(replicas, dbs.url('orders'), users);
    const s = await sustained(ctx, replicas, dbs.url('orders'), users);
    const l = await latency(ctx, replicas, users);
    await Promise.all(replicas.children.map((c) => c.stop()));
    replicas = undefined;
    const inbox = await inboxRatio(ctx);
    const rows: BenchRow[] = [
      { metric: `orders/s sustained, 6 replicas, ${ORDERS} orders until all final`, value: s.perSec, unit: 'orders/s' },
      { metric: `create → SSE final p50 at ${RATE} orders/s`, value: l.p50, unit: 'ms' },
      { metric: `create → SSE final p99 at ${RATE} orders/s`, value: l.p99, unit: 'ms' },
      ...inboxRows(inbox),
    ];
    return {
      suite: 'lab-c',
      rows,
      details: { sustained: s, latency: l, inbox, machine: { cpus: cpus().length, loadavg: loadavg() } },
    };
  } finally {
    if (replicas !== undefined) await Promise.all(replicas.children.map((c) => c.stop()));
    const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await dbs.drop().catch(() => undefined);
  }
}

/** 60 orders, all final, before anything is timed: each replica's first requests and the groups' first fetches */
async function warmUp(r: Replicas, ordersDb: string, users: readonly string[]): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const { id } = await json<{ id: string }>('POST', `${r.gateway}/orders-api/orders`, {
        user_id: users[i % users.length],
      });
      return id;
    }),
  );
  await waitUntil(
    async () => (await finalCount(ordersDb, ids)) === ids.length,
    60_000,
    'the warm-up orders final',
    100,
  );
}

const suite: BenchSuite = { name: 'lab-c', run };
export default suite;
