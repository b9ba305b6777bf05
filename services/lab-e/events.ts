// Lab E's events on Kafka: the envelope, the producer side (validate against the registry, then an outbox row in the
// same transaction as the change; a relay publishes the rows with acks all after the commit and prints `produced`),
// and the topics (created at start, each with its `<topic>.dlq`).
//
// Why an outbox and not a send after the commit: a send after the commit loses the event when the process dies or the
// broker is away between the two; the outbox row commits with the change and the relay retries until the broker takes
// it, in id order (per-key order kept: one relay per database at a time, by an advisory lock). At least once: a crash
// between the send and the mark sends the rows again, and the consumers are idempotent by event_id.
import { Kafka, Partitioners, type Admin, type Producer, type RecordMetadata } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError, toAppError } from '../shared/app-error.js';
import { linkedSocketFactory } from '../shared/kafka-links.js';
import { kafkaLogCreator } from '../shared/kafka-log.js';
import { kafkaSecurityFromEnv } from '../shared/kafka-security-env.js';
import type { Logger } from '../shared/logger.js';
import { withTx } from './db.js';
import type { SchemaRegistry } from './registry.js';
import { dlqOf, TOPIC_PARTITIONS, type FactOut, type LabELineOf, type LabEService } from './schema.js';

export interface Envelope<D = Record<string, unknown>> {
  event_id: string;
  event_version: number;
  event_name: string;
  /** ISO 8601 */
  event_time: string;
  producer: string;
  data: D;
}

export function envelope<D>(name: string, version: number, producer: string, data: D, now = new Date()): Envelope<D> {
  return {
    event_id: uuidv7(),
    event_version: version,
    event_name: name,
    event_time: now.toISOString(),
    producer,
    data,
  };
}

export function createKafka(
  clientId: string,
  brokers: string[],
  logger: Logger,
  kafkaLinks?: ReadonlyMap<string, string>,
): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...(kafkaLinks === undefined ? {} : { socketFactory: linkedSocketFactory(kafkaLinks) }),
    ...kafkaSecurityFromEnv(),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
  });
}

/** Creates the topics (TOPIC_PARTITIONS, RF 1) and their dead-letter topics (1 partition) when missing. */
export async function ensureTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = [
    ...topics.map((t) => ({ topic: t, numPartitions: TOPIC_PARTITIONS, replicationFactor: 1 })),
    ...topics.map((t) => ({ topic: dlqOf(t), numPartitions: 1, replicationFactor: 1 })),
  ].filter((t) => !existing.has(t.topic));
  if (wanted.length === 0) return;
  try {
    await admin.createTopics({ topics: wanted, waitForLeaders: true });
  } catch (err) {
    // another service created some of them at the same moment
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}

/** The producer side of one service: validates an event and writes its outbox row in the caller's transaction. */
export class EventWriter {
  constructor(
    private readonly opts: {
      service: LabEService;
      registry: SchemaRegistry;
      out: FactOut;
      /** broken mode `skip-validation`: write without checking */
      skipValidation?: boolean;
      now?: () => Date;
    },
  ) {}

  /**
   * Validates `data` as `name` v`version` and adds it to the outbox (in `client`'s transaction). An invalid event is
   * an AppError INVALID_INPUT naming the field, and a `refused` line: nothing is written, so nothing is ever sent.
   */
  async add(
    client: PoolClient,
    args: {
      topic: string;
      key: string;
      entityKind: 'task' | 'account' | 'cycle';
      name: string;
      version: number;
      data: unknown;
    },
  ): Promise<Envelope<unknown>> {
    const event = envelope(args.name, args.version, this.opts.service, args.data, this.opts.now?.() ?? new Date());
    if (!this.opts.skipValidation) {
      try {
        this.opts.registry.assertValid(args.name, args.version, event);
      } catch (err) {
        const e = toAppError(err);
        this.opts.out({
          type: 'refused',
          ts: new Date().toISOString(),
          service: this.opts.service,
          event_name: args.name,
          event_version: args.version,
          entity: args.key,
          errors: (e.details?.errors as { field: string; message: string; keyword: string }[] | undefined) ?? [],
        });
        throw e;
      }
    }
    await client.query(
      `INSERT INTO outbox (topic, key, event_id, event_name, event_version, entity_kind, value)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [args.topic, args.key, event.event_id, args.name, args.version, args.entityKind, JSON.stringify(event)],
    );
    return event;
  }
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  event_id: string;
  event_name: string;
  event_version: number;
  entity_kind: 'task' | 'account' | 'cycle';
  value: unknown;
}

/**
 * Publishes pending outbox rows in id order, acks all, idempotent producer; marks them sent with the partition and
 * offset they got; prints one `produced` line per row. A failed batch is retried as a whole with a capped backoff,
 * forever. `wake()` after a commit publishes without waiting for the next poll.
 */
export class OutboxRelay {
  private producer: Producer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private readonly partitionCounts = new Map<string, number>();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly opts: {
      service: LabEService;
      pool: Pool;
      kafka: Kafka;
      logger: Logger;
      out: FactOut;
      pollIntervalMs?: number;
      batchSize?: number;
    },
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const producer = this.opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    this.producer = producer;
    this.loop = this.run();
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop?.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.publishBatch();
        backoff = 0;
      } catch (err) {
        backoff = Math.min(backoff === 0 ? 200 : backoff * 2, 5000);
        this.opts.logger.warn({ err: toAppError(err).message, retry_in_ms: backoff }, 'outbox: publish failed');
      }
      if (sent > 0 && backoff === 0) continue;
      await this.pause(backoff || (this.opts.pollIntervalMs ?? 250));
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.pendingWake && ms < 1000) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.pendingWake = false;
        done();
      };
    });
  }

  private async partitionOf(topic: string, key: string): Promise<number> {
    let n = this.partitionCounts.get(topic);
    if (n === undefined) {
      const admin = this.opts.kafka.admin();
      await admin.connect();
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        n = meta.topics[0]?.partitions.length ?? TOPIC_PARTITIONS;
      } finally {
        await admin.disconnect();
      }
      this.partitionCounts.set(topic, n);
    }
    const partitionMetadata = Array.from({ length: n }, (_, i) => ({
      partitionErrorCode: 0,
      partitionId: i,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    return this.partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  /** one batch: claim, send, mark sent, commit, then the `produced` lines; returns how many rows went out */
  private async publishBatch(): Promise<number> {
    const producer = this.producer;
    if (producer === undefined) return 0;
    let failed: { ids: string[]; err: unknown } | undefined;
    const lines: LabELineOf<'produced'>[] = [];
    const count = await withTx(this.opts.pool, async (client) => {
      const { rows: lock } = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('lab-e:outbox-relay')) AS ok",
      );
      if (lock[0]?.ok !== true) return 0;
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, key, event_id, event_name, event_version, entity_kind, value FROM outbox
         WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.opts.batchSize ?? 200],
      );
      if (rows.length === 0) return 0;
      const placed = await Promise.all(
        rows.map(async (r) => ({ row: r, partition: await this.partitionOf(r.topic, r.key) })),
      );
      const byTopic = new Map<string, typeof placed>();
      for (const p of placed) byTopic.set(p.row.topic, [...(byTopic.get(p.row.topic) ?? []), p]);
      let metadata: RecordMetadata[];
      try {
        metadata = await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((p) => ({
              key: p.row.key,
              value: JSON.stringify(p.row.value),
              partition: p.partition,
              headers: { event_name: p.row.event_name, event_version: String(p.row.event_version) },
            })),
          })),
        });
      } catch (err) {
        failed = { ids: rows.map((r) => r.id), err };
        return 0;
      }
      // offsets: within one topic-partition the records of a batch are consecutive from baseOffset, in order
      const next = new Map<string, bigint>();
      for (const m of metadata) next.set(`${m.topicName}:${m.partition}`, BigInt(m.baseOffset ?? '0'));
      const ids: string[] = [];
      const partitions: number[] = [];
      const offsets: string[] = [];
      for (const p of placed) {
        const k = `${p.row.topic}:${p.partition}`;
        const offset = next.get(k) ?? 0n;
        next.set(k, offset + 1n);
        ids.push(p.row.id);
        partitions.push(p.partition);
        offsets.push(offset.toString());
        lines.push({
          type: 'produced',
          ts: '',
          service: this.opts.service,
          topic: p.row.topic,
          partition: p.partition,
          offset: offset.toString(),
          key: p.row.key,
          event_id: p.row.event_id,
          event_name: p.row.event_name,
          event_version: p.row.event_version,
          entity: p.row.key,
          entity_kind: p.row.entity_kind,
        });
      }
      await client.query(
        `UPDATE outbox o SET sent_at = now(), attempts = o.attempts + 1, last_error = NULL,
                sent_partition = u.partition, sent_offset = u.off
         FROM unnest($1::bigint[], $2::int[], $3::bigint[]) AS u(id, partition, off) WHERE o.id = u.id`,
        [ids, partitions, offsets],
      );
      return rows.length;
    });
    if (failed !== undefined) {
      const message = toAppError(failed.err).message;
      await this.opts.pool
        .query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])', [
          failed.ids,
          message,
        ])
        .catch(() => undefined);
      throw new AppError('KAFKA_UNAVAILABLE', `outbox: ${message}`, undefined, { cause: failed.err });
    }
    const ts = new Date().toISOString();
    for (const line of lines) this.opts.out({ ...line, ts });
    return count;
  }
}

/** The entity an event is about (the record key): a task's or an account's public id, or a billing cycle. */
export function entityOf(name: string, data: unknown): { entity: string; kind: 'task' | 'account' | 'cycle' } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  if (name.startsWith('Task')) return { entity: str(d.public_id), kind: 'task' };
  if (name.startsWith('Account')) return { entity: str(d.public_id), kind: 'account' };
  if (name === 'BillingCycleClosed') return { entity: str(d.cycle_id), kind: 'cycle' };
  return { entity: str(d.account_public_id), kind: 'account' };
}
