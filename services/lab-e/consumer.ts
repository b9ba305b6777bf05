// The consumer side of the Lab E services: one consumer group member on the service's topics. Every record is parsed
// and checked against the registry; a record that fails (not JSON, a broken envelope, data failing its schema) or is
// a version this service does not handle goes to `<topic>.dlq` with its errors (in the value and the headers) and the
// consumer goes on. A valid event goes to the service's handler, which applies it in one transaction with its inbox
// row (idempotent by event_id, `claimEvent`). Offsets are resolved after each record and committed by kafkajs; a
// handler failure (Postgres away) makes kafkajs restart the consumer from the committed offsets, which is safe since
// the handlers are idempotent.
import { Partitioners, type Consumer, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { PoolClient } from 'pg';
import { AppError, toAppError } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';
import { entityOf, type Envelope } from './events.js';
import type { SchemaRegistry, ValidationError } from './registry.js';
import { dlqOf, type FactOut, type LabEService } from './schema.js';

export interface Where {
  topic: string;
  partition: number;
  offset: string;
}

export interface Handled {
  outcome: 'applied' | 'ignored' | 'duplicate';
  entity: string;
  entityKind: 'task' | 'account' | 'cycle';
}

export interface EventHandler {
  /** event name → the versions this service handles; other events are ignored, other versions dead-lettered */
  supports: Readonly<Record<string, readonly number[]>>;
  handle(event: Envelope, where: Where): Promise<Handled>;
}

/** The inbox: true the first time `event` is seen (the row commits with the effect), false for a duplicate. */
export async function claimEvent(client: PoolClient, event: Envelope, where: Where): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO processed_events (event_id, event_name, topic, partition, "offset") VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.event_id, event.event_name, where.topic, where.partition, where.offset],
  );
  return rowCount === 1;
}

export interface DeadLetter {
  reason: 'invalid' | 'unsupported';
  errors: ValidationError[];
  source: Where & { key: string | null };
  consumer: { service: string; group: string };
  event_id: string | null;
  event_name: string | null;
  event_version: number | null;
  /** the original record value, as received */
  value: string | null;
}

/** The result of checking one record: a valid event, or what goes to the DLQ. */
export function classify(
  registry: SchemaRegistry,
  supports: EventHandler['supports'],
  raw: string | null,
): { event: Envelope } | { ignore: Envelope } | { reject: Pick<DeadLetter, 'reason' | 'errors'>; parsed?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch (err) {
    return {
      reject: {
        reason: 'invalid',
        errors: [{ field: '(event)', message: `not JSON: ${(err as Error).message}`, keyword: 'json' }],
      },
    };
  }
  const { name, version, errors } = registry.check(parsed);
  if (errors.length > 0) return { reject: { reason: 'invalid', errors }, parsed };
  const handled = supports[name!];
  if (handled === undefined) return { ignore: parsed as Envelope };
  if (!handled.includes(version!))
    return {
      reject: {
        reason: 'unsupported',
        errors: [
          {
            field: 'event_version',
            message: `${name} v${version} is not handled here (handled: ${handled.map((v) => `v${v}`).join(', ')})`,
            keyword: 'unsupported',
          },
        ],
      },
      parsed,
    };
  return { event: parsed as Envelope };
}

function entityOfParsed(parsed: unknown): string | null {
  const p = parsed as { event_name?: unknown; data?: unknown } | undefined;
  const entity = entityOf(typeof p?.event_name === 'string' ? p.event_name : '', p?.data).entity;
  return entity === '' ? null : entity;
}

export class EventConsumer {
  private consumer: Consumer | undefined;
  private dlq: Producer | undefined;
  private started: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      service: LabEService;
      kafka: Kafka;
      groupId: string;
      topics: readonly string[];
      registry: SchemaRegistry;
      handler: EventHandler;
      out: FactOut;
      logger: Logger;
      onFatal?: (err: Error) => void;
      sessionTimeoutMs?: number;
    },
  ) {}

  /** resolves once the member joined its group */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    const { kafka, groupId, logger } = this.opts;
    const dlq = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await dlq.connect();
    this.dlq = dlq;
    const sessionTimeout = this.opts.sessionTimeoutMs ?? 10_000;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 10_000),
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      logger.error({ err: error.message, restart }, 'consumer crashed');
      if (!restart) this.opts.onFatal?.(error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.opts.topics], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        for (const message of batch.messages) {
          if (!payload.isRunning() || payload.isStale()) break;
          await this.process({ topic: batch.topic, partition: batch.partition, offset: message.offset }, message);
          payload.resolveOffset(message.offset);
          await payload.heartbeat();
        }
      },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      joined,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('TIMEOUT', `consumer group ${groupId}: no join within 60 s`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    await this.started?.catch(() => undefined);
    await Promise.allSettled([this.consumer?.disconnect(), this.dlq?.disconnect()]);
  }

  private async process(where: Where, message: KafkaMessage): Promise<void> {
    const { registry, handler, out, service } = this.opts;
    const raw = message.value?.toString('utf8') ?? null;
    const verdict = classify(registry, handler.supports, raw);
    const ts = (): string => new Date().toISOString();
    if ('reject' in verdict) {
      const parsed = verdict.parsed as Partial<Envelope> | undefined;
      const letter: DeadLetter = {
        ...verdict.reject,
        source: { ...where, key: message.key?.toString('utf8') ?? null },
        consumer: { service, group: this.opts.groupId },
        event_id: typeof parsed?.event_id === 'string' ? parsed.event_id : null,
        event_name: typeof parsed?.event_name === 'string' ? parsed.event_name : null,
        event_version: typeof parsed?.event_version === 'number' ? parsed.event_version : null,
        value: raw,
      };
      const dlqTopic = dlqOf(where.topic);
      const [meta] = await this.dlq!.send({
        topic: dlqTopic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: JSON.stringify(letter),
            headers: {
              'x-dlq-reason': letter.reason,
              'x-dlq-errors': JSON.stringify(letter.errors),
              'x-source-topic': where.topic,
              'x-source-partition': String(where.partition),
              'x-source-offset': where.offset,
              'x-consumer-group': this.opts.groupId,
            },
          },
        ],
      });
      out({
        type: 'dead_lettered',
        ts: ts(),
        service,
        ...where,
        dlq_topic: dlqTopic,
        dlq_partition: meta?.partition ?? 0,
        dlq_offset: meta?.baseOffset ?? '-1',
        reason: letter.reason,
        event_id: letter.event_id,
        event_name: letter.event_name,
        event_version: letter.event_version,
        entity: entityOfParsed(parsed),
        errors: letter.errors,
      });
      this.opts.logger.warn({ ...where, errors: letter.errors }, 'event dead-lettered');
      return;
    }
    const event = 'event' in verdict ? verdict.event : verdict.ignore;
    let handled: Handled;
    if ('ignore' in verdict) {
      const { entity, kind } = entityOf(event.event_name, event.data);
      handled = { outcome: 'ignored', entity, entityKind: kind };
    } else {
      try {
        handled = await handler.handle(event, where);
      } catch (err) {
        const e = toAppError(err);
        this.opts.logger.error({ ...where, event_id: event.event_id, err: e.message }, 'event failed, retrying');
        throw e;
      }
    }
    const ref = { event_id: event.event_id, event_name: event.event_name, event_version: event.event_version };
    if (handled.outcome === 'duplicate')
      out({
        type: 'duplicate',
        ts: ts(),
        service,
        ...where,
        ...ref,
        entity: handled.entity,
        entity_kind: handled.entityKind,
      });
    else
      out({
        type: 'consumed',
        ts: ts(),
        service,
        ...where,
        ...ref,
        entity: handled.entity,
        entity_kind: handled.entityKind,
        outcome: handled.outcome,
      });
  }
}
