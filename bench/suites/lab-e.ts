// Lab E's benchmark suite, on the stack's Kafka and Postgres, in one run:
//   1. validation cost: events/s through the producing path of services/lab-e (EventWriter: the ajv registry's
//      assertValid, then the outbox row in the caller's transaction; OutboxRelay: acks all, idempotent producer) with
//      validation against the same path with it skipped (the writer of the skip-validation broken mode), timed from
//      the first write to the last `produced` line; alternating which goes first, median of the per-round ratios.
//      The registry alone (assertValid, no I/O) is measured too, to say how much of an event's cost it is.
//   2. accounting: a real accounting service (createAccounting, its own database and consumer group) fed a bounded
//      batch of TaskAssigned + TaskCompleted events (one fee and one reward ledger row each) on topics of its own;
//      events/s from the first send until every ledger row exists.
// Topics are bench-lab-e-<unique>.…, databases bench_lab_e_…; all deleted at the end.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { createLogger } from '../../services/shared/logger.js';
import { createPool, INBOX_OUTBOX_SQL, withTx } from '../../services/lab-e/db.js';
import { createKafka, ensureTopics, envelope, EventWriter, OutboxRelay } from '../../services/lab-e/events.js';
import { schemaRegistry } from '../../services/lab-e/registry.js';
import { dlqOf, topicNames, type FactOut } from '../../services/lab-e/schema.js';
import { createAccounting } from '../../services/lab-e/services/accounting.js';
import { createDatabase, median, uniqueSuffix } from '../lab-d-support.js';
import type { BenchContext, BenchReport, BenchSuite } from '../types.js';

const ROUNDS = 5;
/** events per writer per round */
const EVENTS = 1000;
/** events per transaction (a request of the tasks service writes one or two; more here so the writes dominate less) */
const PER_TX = 20;
const REGISTRY_EVENTS = 20_000;
/** tasks fed to accounting: each a TaskAssigned (fee) and a TaskCompleted (reward) */
const ACCOUNTING_TASKS = 500;
const WORKERS = 20;

// kafkajs' warnings (idempotent retries, the partitioner) say nothing about the figures
const logger = createLogger({ name: 'bench-lab-e', level: 'error' });

const taskCreated = (i: number) => ({
  public_id: randomUUID(),
  title: `bench task ${i}`,
  jira_id: `POPUG-${i}`,
  description: 'a task of the Lab E benchmark',
});

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`lab-e: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface ValidationResult {
  rounds: { withValidation: number; without: number; ratio: number; first: 'with' | 'without' }[];
  withPerSec: number;
  withoutPerSec: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  registryPerSec: number;
  registryUsPerEvent: number;
}

async function benchValidation(ctx: BenchContext, base: string, pool: Pool): Promise<ValidationResult> {
  const topic = `${base}.tasks-stream`;
  const kafka = createKafka(`${base}-producer`, ctx.endpoints.kafka.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topic]);
  await pool.query(INBOX_OUTBOX_SQL);
  let produced = 0;
  const out: FactOut = (line) => {
    if (line.type === 'produced') produced += 1;
  };
  const registry = schemaRegistry();
  const writers = {
    with: new EventWriter({ service: 'tasks', registry, out }),
    without: new EventWriter({ service: 'tasks', registry, out, skipValidation: true }),
  };
  const relay = new OutboxRelay({ service: 'tasks', pool, kafka, logger, out });
  await relay.start();
  const run = async (which: 'with' | 'without', n: number): Promise<number> => {
    const target = produced + n;
    const t0 = performance.now();
    for (let i = 0; i < n; i += PER_TX) {
      await withTx(pool, async (client) => {
        for (let k = i; k < Math.min(n, i + PER_TX); k++) {
          const data = taskCreated(k);
          await writers[which].add(client, {
            topic,
            key: data.public_id,
            entityKind: 'task',
            name: 'TaskCreated',
            version: 2,
            data,
          });
        }
      });
      relay.wake();
    }
    await waitFor(`${n} events produced (${which} validation)`, () => produced >= target, 120_000);
    return (n / (performance.now() - t0)) * 1000;
  };
  const rounds: ValidationResult['rounds'] = [];
  try {
    await run('with', 200); // warm-up: JIT, the producer's metadata
    await run('without', 200);
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0 ? 'with' : 'without';
      const a = await run(first, EVENTS);
      const b = await run(first === 'with' ? 'without' : 'with', EVENTS);
      const withValidation = first === 'with' ? a : b;
      const without = first === 'with' ? b : a;
      rounds.push({ withValidation, without, ratio: withValidation / without, first });
      ctx.log(
        `lab-e: round ${r + 1}: with validation ${withValidation.toFixed(0)} events/s, without ${without.toFixed(0)}, ratio ${(withValidation / without).toFixed(2)}`,
      );
    }
  } finally {
    await relay.stop();
    await admin.deleteTopics({ topics: [topic, dlqOf(topic)] }).catch(() => undefined);
    await admin.disconnect();
  }
  // the registry alone: a whole event (envelope + data) as the writer validates it
  const events = Array.from({ length: 1000 }, (_, i) => envelope('TaskCreated', 2, 'tasks', taskCreated(i)));
  const t0 = performance.now();
  for (let i = 0; i < REGISTRY_EVENTS; i++) registry.assertValid('TaskCreated', 2, events[i % events.length]);
  const registryMs = performance.now() - t0;
  const ratios = rounds.map((r) => r.ratio);
  return {
    rounds,
    withPerSec: median(rounds.map((r) => r.withValidation)),
    withoutPerSec: median(rounds.map((r) => r.without)),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    registryPerSec: (REGISTRY_EVENTS / registryMs) * 1000,
    registryUsPerEvent: (registryMs * 1000) / REGISTRY_EVENTS,
  };
}

interface AccountingResult {
  events: number;
  ledgerRows: number;
  eventsPerSec: number;
  elapsedMs: number;
  /** how long the send of the batch alone took */
  sendMs: number;
}

async function benchAccounting(ctx: BenchContext, base: string, databaseUrl: string): Promise<AccountingResult> {
  const prefix = `${base}.`;
  const topics = topicNames(prefix);
  let applied = 0;
  const accounting = createAccounting(
    { port: 0, host: '127.0.0.1', brokers: ctx.endpoints.kafka.brokers, prefix, databaseUrl, closeDayEveryMs: 0 },
    {
      logger,
      out: (line) => {
        if (line.type === 'consumed' && line.outcome === 'applied') applied += 1;
      },
    },
  );
  const kafka = createKafka(`${base}-feeder`, ctx.endpoints.kafka.brokers, logger);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const admin = kafka.admin();
  const pool = createPool(databaseUrl, logger, 2);
  await accounting.start(); // its topics created, its group joined
  await producer.connect();
  await admin.connect();
  try {
    const workers = Array.from({ length: WORKERS }, () => randomUUID());
    const messages = Array.from({ length: ACCOUNTING_TASKS }, (_, i) => {
      const task = randomUUID();
      const assignee = workers[i % WORKERS] as string;
      return [
        envelope('TaskAssigned', 1, 'tasks', { public_id: task, assignee_public_id: assignee, reason: 'created' }),
        envelope('TaskCompleted', 1, 'tasks', { public_id: task, assignee_public_id: assignee }),
      ].map((event) => ({
        key: task,
        value: JSON.stringify(event),
        headers: { event_name: event.event_name, event_version: String(event.event_version) },
      }));
    });
    const total = ACCOUNTING_TASKS * 2;
    const t0 = performance.now();
    // per task its two events in order (one key, one partition), in batches of 100 tasks
    for (let i = 0; i < messages.length; i += 100)
      await producer.send({ topic: topics.tasksLifecycle, acks: -1, messages: messages.slice(i, i + 100).flat() });
    const sendMs = performance.now() - t0;
    let rows = 0;
    await waitFor(
      `${total} ledger rows`,
      async () => {
        const { rows: r } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger');
        rows = Number(r[0]?.n ?? 0);
        return rows >= total;
      },
      180_000,
    );
    const elapsedMs = performance.now() - t0;
    ctx.log(`lab-e: accounting applied ${applied} events, ${rows} ledger rows in ${(elapsedMs / 1000).toFixed(1)} s`);
    return { events: total, ledgerRows: rows, eventsPerSec: (total / elapsedMs) * 1000, elapsedMs, sendMs };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await accounting.stop();
    await pool.end().catch(() => undefined);
    const all = Object.values(topics);
    await admin.deleteTopics({ topics: [...all, ...all.map(dlqOf)] }).catch(() => undefined);
    await admin.disconnect();
  }
}

const suite: BenchSuite = {
  name: 'lab-e',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const base = `bench-lab-e-${uniqueSuffix()}`;
    const producerDb = await createDatabase(ctx.endpoints.postgres.url, 'bench_lab_e_outbox');
    const accountingDb = await createDatabase(ctx.endpoints.postgres.url, 'bench_lab_e_accounting');
    const pool = createPool(producerDb.url, logger, 4);
    try {
      ctx.log(
        `lab-e: produce with / without validation, ${ROUNDS} rounds of ${EVENTS} events, ${PER_TX} per transaction`,
      );
      const v = await benchValidation(ctx, base, pool);
      const loadAfterValidation = loadavg();
      ctx.log(`lab-e: accounting, ${ACCOUNTING_TASKS} tasks (${ACCOUNTING_TASKS * 2} events)`);
      const acc = await benchAccounting(ctx, base, accountingDb.url);
      const predicted = 1 / (1 + (v.registryUsPerEvent * v.withoutPerSec) / 1e6);
      return {
        suite: 'lab-e',
        rows: [
          {
            metric: `produce with validation (ajv, outbox, relay), ${EVENTS} × ${ROUNDS} (median)`,
            value: v.withPerSec,
            unit: 'events/s',
          },
          { metric: 'produce without validation (the same path, skipped)', value: v.withoutPerSec, unit: 'events/s' },
          {
            metric: `with / without, median of per-round ratios (spread ${v.ratioMin.toFixed(2)}–${v.ratioMax.toFixed(2)})`,
            value: v.ratio,
            unit: 'ratio',
            goal: '≥ 0.9',
            pass: v.ratio >= 0.9,
          },
          {
            metric: `the registry alone: assertValid of TaskCreated v2 (µs per event in unit)`,
            value: v.registryPerSec,
            unit: `events/s (${v.registryUsPerEvent.toFixed(1)} µs)`,
          },
          {
            metric: "the ratio the registry's cost alone predicts (1 / (1 + its µs × events/s without))",
            value: predicted,
            unit: `ratio (${predicted.toFixed(4)})`,
          },
          {
            metric: 'context: load average (1 min) after the produce rounds, on this many cores',
            value: loadAfterValidation[0] ?? Number.NaN,
            unit: `(${cpus().length} cores)`,
          },
          {
            metric: `accounting: ${acc.events} events (TaskAssigned + TaskCompleted) applied with their ledger rows`,
            value: acc.eventsPerSec,
            unit: 'events/s',
          },
          {
            metric: 'accounting: ledger rows (seconds until all existed)',
            value: acc.ledgerRows,
            unit: `of ${acc.events} (${(acc.elapsedMs / 1000).toFixed(1)} s)`,
            pass: acc.ledgerRows === acc.events,
          },
        ],
        details: { validation: v, accounting: acc, loadAfterValidation },
      };
    } finally {
      await pool.end().catch(() => undefined);
      await producerDb.drop().catch(() => undefined);
      await accountingDb.drop().catch(() => undefined);
    }
  },
};

export default suite;
