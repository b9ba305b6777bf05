// What both Lab C services share: Kafka (topics created at start, 3 partitions each), the outbox table and its relay
// (services/shared/outbox-relay.ts, one per service database), the consumer (a reconnecting group member,
// services/shared/kafka-group-member.ts) that turns records into envelopes and skips poison, Fastify with CORS exactly
// as the seed's client needs it, and the stdout lines.
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { Kafka, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError, isAppError } from '../shared/app-error.js';
import { createHttpServer } from '../shared/http.js';
import { kafkaLogCreator } from '../shared/kafka-log.js';
import { kafkaSecurityFromEnv } from '../shared/kafka-security-env.js';
import { createKafkaGroupMember, type KafkaGroupMember } from '../shared/kafka-group-member.js';
import { linkedSocketFactory } from '../shared/kafka-links.js';
import type { Logger } from '../shared/logger.js';
import { OutboxRelay, ensureTopic } from '../shared/outbox-relay.js';
import { Envelope, TOPIC_PARTITIONS, type LabCLineBody, type LabCService, type LineOut } from './schema.js';

export interface CommonConfig {
  /** 0 picks a free port */
  port: number;
  host?: string;
  brokers: string[];
  /** broker address → link proxy (KAFKA_LINKS): its Kafka clients connect through the console's link proxies */
  kafkaLinks?: ReadonlyMap<string, string>;
  /** prefixes the topics and groups ('' by default) */
  prefix?: string;
  /** the `instance` of every line (default `<service>-<pid>`) */
  instance?: string;
  /** the consumer group's session timeout and heartbeat (defaults 10 s and 1 s) */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** relay tuning (tests) */
  relay?: { pollIntervalMs?: number; ackWindowMs?: number; maxBackoffMs?: number };
}

export interface LabCDeps {
  logger?: Logger;
  /** where the event lines go (stdout by default) */
  out?: LineOut;
  onFatal?: (err: Error) => void;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** The data of an event that is not what its type says: a poison record (logged, counted, skipped, never retried). */
export function dataOf<T>(schema: z.ZodType<T>, event: Envelope): T {
  const parsed = schema.safeParse(event.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(
    'POISON_MESSAGE',
    `${event.event_type} data: ${issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid'}`,
    { event_id: event.event_id },
  );
}

/** Writes a service's lines with their time, service and instance. */
export function lineWriter(out: LineOut, service: LabCService, instance: string): (l: LabCLineBody) => void {
  return (l) => out({ ts: nowIso(), service, instance, ...l });
}

/** A new envelope (UUIDv7 id, Unix-seconds timestamp). */
export function envelope(eventType: string, data: Record<string, unknown>): Envelope {
  return { event_type: eventType, event_id: uuidv7(), data, timestamp: Math.floor(Date.now() / 1000) };
}

/** The outbox of one service: keyed by the order id (aggregate_id), the envelope as the record value. */
export function outboxTableSql(table: string): string {
  return `
    CREATE TABLE ${table} (
      id bigserial PRIMARY KEY,
      aggregate_id uuid NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text NULL
    );
    CREATE INDEX ${table}_pending_idx ON ${table} (id) WHERE sent_at IS NULL;`;
}

export function createRelay(opts: {
  service: LabCService;
  table: string;
  pool: Pool;
  databaseUrl: string;
  brokers: string[];
  kafkaLinks?: ReadonlyMap<string, string> | undefined;
  topic: string;
  logger: Logger;
  tuning?: CommonConfig['relay'];
}): OutboxRelay {
  return new OutboxRelay({
    pool: opts.pool,
    databaseUrl: opts.databaseUrl,
    logger: opts.logger,
    table: opts.table,
    keyColumn: 'aggregate_id',
    columns: 'payload::text AS payload, event_type, event_id::text AS event_id',
    toRecord: (row) => ({
      key: row.key,
      value: row.payload as string,
      headers: { event_type: row.event_type as string, event_id: row.event_id as string, outbox_id: row.id },
    }),
    lockKey: `lab-c:${opts.table}`,
    channel: `lab_c_${opts.table}`,
    topic: opts.topic,
    partitions: TOPIC_PARTITIONS,
    replicationFactor: 1,
    brokers: opts.brokers,
    ...(opts.kafkaLinks === undefined ? {} : { kafka: { socketFactory: linkedSocketFactory(opts.kafkaLinks) } }),
    clientId: `lab-c-${opts.service}-relay`,
    ...opts.tuning,
  });
}

/** Both topics, created when missing (each service creates them at start, so that its consumer can subscribe). */
export async function ensureLabCTopics(
  brokers: string[],
  topics: string[],
  logger: Logger,
  kafkaLinks?: ReadonlyMap<string, string>,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'lab-c-admin',
    brokers,
    ...(kafkaLinks === undefined ? {} : { socketFactory: linkedSocketFactory(kafkaLinks) }),
    ...kafkaSecurityFromEnv(),
    connectionTimeout: 3000,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  for (const topic of topics) {
    try {
      await ensureTopic(kafka.admin(), { topic, partitions: TOPIC_PARTITIONS, replicationFactor: 1 }, logger);
    } catch (err) {
      // a replica starting at the same moment created it first
      const admin = kafka.admin();
      await admin.connect();
      const exists = await admin
        .listTopics()
        .then((t) => t.includes(topic))
        .finally(() => admin.disconnect());
      if (!exists) throw err;
    }
  }
}

/** Fastify with the lab services' error shape and CORS on every answer: `*`, preflight 204, Content-Type, the five methods. */
export async function createLabCHttp(logger: Logger): Promise<FastifyInstance> {
  const app = createHttpServer({
    logger,
    fastify: { ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } } },
  });
  await app.register(cors, CORS_OPTIONS);
  // "no body needed": an empty JSON body is no body (Fastify's own parser answers 400 to it)
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError('INVALID_INPUT', 'body: not valid JSON', { field: 'body' }), undefined);
    }
  });
  return app;
}

export const CORS_OPTIONS: FastifyCorsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['Content-Type'],
  optionsSuccessStatus: 204,
  strictPreflight: false,
};

export interface Consumed {
  outcome: 'applied' | 'duplicate' | 'waiting' | 'ignored';
  orderId: string | null;
  detail?: string;
}

/** records handed to a consumer's `handleBatch` at once at most */
const BATCH_CHUNK = 100;

export interface Where {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * One member of the service's consumer group: each record is parsed as an envelope (anything else is a `poison` line,
 * counted and skipped) and handed to `handle`; its offset is resolved after the `consumed` line. A handler failure
 * (Postgres away) is retried by kafkajs, then the consumer is replaced (from the committed offsets) after a backoff;
 * `commitOnError` is the broken mode that resolves the offset anyway.
 */
export function createLabCConsumer(opts: {
  service: LabCService;
  instance: string;
  brokers: string[];
  groupId: string;
  topic: string;
  logger: Logger;
  out: LineOut;
  config: CommonConfig;
  handle: (event: Envelope, where: Where) => Promise<Consumed>;
  /**
   * a chunk of a batch's events at once (every record of the chunk a well-formed envelope): their outcomes in order,
   * or undefined to have them handled one by one by `handle`
   */
  handleBatch?: (items: readonly { event: Envelope; where: Where }[]) => Promise<Consumed[] | undefined>;
  commitOnError?: boolean;
  onJoined?: () => void;
  onFatal?: (err: Error) => void;
}): { member: KafkaGroupMember; stats: { poison: number; processed: number } } {
  const { service, instance, out, logger } = opts;
  const stats = { poison: 0, processed: 0 };
  const line = lineWriter(out, service, instance);

  /** The record's envelope, or what is wrong with it. */
  function parse(message: KafkaMessage): { event: Envelope } | { problem: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch (err) {
      return { problem: `malformed JSON: ${(err as Error).message}` };
    }
    const env = Envelope.safeParse(parsed);
    if (env.success) return { event: env.data };
    const issue = env.error.issues[0];
    return {
      problem: `not a Lab C event: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`,
    };
  }

  function consumed(event: Envelope, where: Where, r: Consumed): void {
    stats.processed++;
    line({
      type: 'consumed',
      ...where,
      event_id: event.event_id,
      event_type: event.event_type,
      order_id: r.orderId,
      outcome: r.outcome,
      ...(r.detail ? { detail: r.detail } : {}),
    });
  }

  async function one(where: Where, message: KafkaMessage): Promise<void> {
    const p = parse(message);
    if ('problem' in p) {
      stats.poison++;
      line({ type: 'poison', ...where, code: 'POISON_MESSAGE', message: p.problem, errors_total: stats.poison });
      logger.warn({ ...where, err: p.problem }, 'poison record skipped');
      return;
    }
    const { event } = p;
    try {
      consumed(event, where, await opts.handle(event, where));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (isAppError(err) && err.code === 'POISON_MESSAGE') {
        stats.poison++;
        line({ type: 'poison', ...where, code: 'POISON_MESSAGE', message: why, errors_total: stats.poison });
        logger.warn({ ...where, err: why }, 'poison record skipped');
        return;
      }
      if (opts.commitOnError) {
        // the broken mode: the failure is logged and the offset committed as if the event had been handled
        line({
          type: 'consumed',
          ...where,
          event_id: event.event_id,
          event_type: event.event_type,
          order_id: typeof event.data.order_id === 'string' ? event.data.order_id : null,
          outcome: 'error',
          detail: why,
        });
        logger.error({ ...where, err: why }, 'event failed; offset committed anyway (commit-on-error)');
        return;
      }
      logger.error({ ...where, event_id: event.event_id, err: why }, 'event failed, it will come again');
      throw err;
    }
  }

  /** A chunk through `handleBatch`; false when it must go one by one (a record is not an envelope, or it declined). */
  async function chunkAtOnce(payload: EachBatchPayload, messages: readonly KafkaMessage[]): Promise<boolean> {
    const { batch } = payload;
    const items: { event: Envelope; where: Where }[] = [];
    for (const message of messages) {
      const p = parse(message);
      if ('problem' in p) return false;
      items.push({ event: p.event, where: { topic: batch.topic, partition: batch.partition, offset: message.offset } });
    }
    const outcomes = await opts.handleBatch?.(items);
    if (outcomes === undefined) return false;
    items.forEach((item, i) => consumed(item.event, item.where, outcomes[i] as Consumed));
    payload.resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
    return true;
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (let from = 0; from < batch.messages.length; from += BATCH_CHUNK) {
      const chunk = batch.messages.slice(from, from + BATCH_CHUNK);
      if (!payload.isRunning() || payload.isStale()) break;
      if (opts.handleBatch !== undefined && chunk.length > 1 && (await chunkAtOnce(payload, chunk))) continue;
      for (const message of chunk) {
        if (!payload.isRunning() || payload.isStale()) return;
        await one({ topic: batch.topic, partition: batch.partition, offset: message.offset }, message);
        payload.resolveOffset(message.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    }
  }

  const member = createKafkaGroupMember({
    brokers: opts.brokers,
    ...(opts.config.kafkaLinks === undefined
      ? {}
      : { kafka: { socketFactory: linkedSocketFactory(opts.config.kafkaLinks) } }),
    clientId: `lab-c-${instance}`,
    groupId: opts.groupId,
    topics: [opts.topic],
    logger,
    eachBatch,
    run: { partitionsConsumedConcurrently: TOPIC_PARTITIONS },
    ...(opts.onFatal ? { onFatal: opts.onFatal } : {}),
    sessionTimeoutMs: opts.config.sessionTimeoutMs,
    heartbeatIntervalMs: opts.config.heartbeatIntervalMs,
    maxWaitTimeMs: 250,
    // Postgres away: a fresh consumer from the committed offsets after a backoff
    restartOn: (err) => chainHas(err, (e) => isAppError(e) && e.code === 'DB_ERROR'),
    events: {
      joined: (join) => {
        line({
          type: 'lifecycle',
          state: 'joined',
          broken_mode: null,
          group_id: opts.groupId,
          assignment: join.assignment,
          ...(join.generationId === undefined ? {} : { generation_id: join.generationId }),
        });
        opts.onJoined?.();
      },
      crashed: (reason) => line({ type: 'lifecycle', state: 'crashed', broken_mode: null, detail: reason }),
    },
  });
  return { member, stats };
}

function chainHas(err: unknown, pred: (e: unknown) => boolean): boolean {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 10; depth++) {
    if (pred(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
