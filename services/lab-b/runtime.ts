// What every Lab B service is made of: its config, the event-line writer (stdout), one reconnecting AMQP connection
// with the publisher and consumers on it, the Postgres pool and seen-store, and the HTTP server when it has one.
// start(): database (created when missing) and migrations, then AMQP (waiting out a broker that is away), then HTTP.
// stop(): HTTP closed, consumers drained, channels and the connection closed, the pool ended. Both idempotent.
import type { Channel, ConsumeMessage } from 'amqplib';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { z } from 'zod';
import { AppError, toAppError } from '../shared/app-error.js';
import { AmqpConnection, type AmqpConnectionEvent } from '../shared/amqp/connection.js';
import { AmqpConsumer, type Decoded, type DeliveryInfo } from '../shared/amqp/consumer.js';
import { PgSeenStore } from '../shared/amqp/pg-seen-store.js';
import { AmqpPublisher, type PublishRequest, type PublishResult } from '../shared/amqp/publisher.js';
import { createHttpServer, listen } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import type { LabBConfig } from './config.js';
import { createPool, ensureDatabase, migrate } from './db.js';
import type { EntityKind, LabBLine } from './schema.js';
import { Topology } from './topology.js';

export interface LabBDeps {
  logger: Logger;
  /** where event lines go (one JSON string per call, no newline); stdout by default */
  out?: (line: string) => void;
  onFatal?: (err: Error) => void;
}

export interface LabBHandle {
  start(): Promise<{ url: string | undefined }>;
  stop(): Promise<void>;
  readonly url: string | undefined;
}

type LineBody = LabBLine extends infer L
  ? L extends LabBLine
    ? Omit<L, 'ts' | 'service' | 'instance' | 'mode'>
    : never
  : never;

export interface ConsumerSpec<T> {
  queue: string;
  entity: EntityKind;
  declare: (ch: Channel) => Promise<void>;
  decode: (msg: ConsumeMessage) => Decoded<T>;
  handle: (value: T, ctx: { tx: pg.PoolClient; delivery: DeliveryInfo }) => Promise<void>;
}

export class LabBRuntime {
  readonly logger: Logger;
  readonly topo: Topology;
  readonly conn: AmqpConnection;
  readonly pool: pg.Pool;
  readonly seen: PgSeenStore;
  private publisher: AmqpPublisher | undefined;
  private readonly consumers: AmqpConsumer<unknown, pg.PoolClient>[] = [];
  private readonly entities = new Map<string, { entity: EntityKind; id: string }>();
  private readonly out: (line: string) => void;
  private app: FastifyInstance | undefined;
  private started: Promise<{ url: string | undefined }> | undefined;
  private stopped: Promise<void> | undefined;
  url: string | undefined;

  constructor(
    readonly cfg: LabBConfig,
    deps: LabBDeps,
  ) {
    this.logger = deps.logger.child({ instance: cfg.instance, ...(cfg.broken.mode ? { mode: cfg.broken.mode } : {}) });
    this.out = deps.out ?? ((line) => process.stdout.write(`${line}\n`));
    this.topo = new Topology(cfg.prefix, !cfg.broken.nonDurable);
    this.conn = new AmqpConnection({
      url: cfg.amqpUrl,
      logger: this.logger.child({ component: 'amqp' }),
      name: `lab-b/${cfg.instance}`,
      minBackoffMs: cfg.reconnectMinMs,
      maxBackoffMs: cfg.reconnectMaxMs,
      heartbeatS: cfg.heartbeatS,
      onEvent: (e) => this.onConnection(e),
      onFatal: (err) => deps.onFatal?.(err),
    });
    this.pool = createPool(cfg.databaseUrl);
    this.pool.on('error', (err) => this.logger.warn({ err: err.message }, 'postgres: idle client error'));
    this.seen = new PgSeenStore(this.pool);
  }

  /** Writes one event line (stdout). */
  emit(body: LineBody): void {
    const line = {
      ts: new Date().toISOString(),
      service: this.cfg.service,
      instance: this.cfg.instance,
      ...(this.cfg.broken.mode ? { mode: this.cfg.broken.mode } : {}),
      ...body,
    };
    this.out(JSON.stringify(line));
  }

  private onConnection(e: AmqpConnectionEvent): void {
    this.emit({
      type: 'lifecycle',
      state: e.state,
      ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
      ...(e.retryInMs !== undefined ? { retry_in_ms: e.retryInMs } : {}),
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    });
  }

  /** The service's one publisher (confirms, mandatory, persistent unless a broken mode says otherwise). */
  usePublisher(declare: (ch: Channel) => Promise<void>): void {
    const b = this.cfg.broken;
    this.publisher = new AmqpPublisher(this.conn, {
      logger: this.logger.child({ component: 'publisher' }),
      confirm: !b.noMandatory,
      mandatory: !b.noMandatory,
      persistent: !b.nonDurable,
      timeoutMs: this.cfg.publishTimeoutMs,
      declare,
      onFact: (f) => {
        const ent = this.entities.get(f.eventId) ?? null;
        const route = {
          exchange: f.exchange,
          routing_key: f.routingKey,
          event_id: f.eventId === '' ? null : f.eventId,
          entity: ent?.entity ?? null,
          entity_id: ent?.id ?? null,
        };
        if (f.kind === 'published')
          this.emit({
            type: 'published',
            ...route,
            confirmed: f.confirmed,
            mandatory: f.mandatory,
            persistent: f.persistent,
          });
        else if (f.kind === 'returned')
          this.emit({ type: 'returned', ...route, reply_code: f.replyCode, reply_text: f.replyText });
        else this.emit({ type: 'publish_failed', ...route, code: f.code, message: f.message });
      },
    });
  }

  /** Publishes with the entity named in the event lines. */
  async publish(
    req: PublishRequest & { eventId: string },
    entity: EntityKind,
    entityId: string,
  ): Promise<PublishResult> {
    const publisher = this.publisher;
    if (publisher === undefined) throw new AppError('INTERNAL', 'this service has no publisher');
    this.entities.set(req.eventId, { entity, id: entityId });
    try {
      return await publisher.publish(req);
    } finally {
      this.entities.delete(req.eventId);
    }
  }

  useConsumer<T>(spec: ConsumerSpec<T>): void {
    const b = this.cfg.broken;
    const consumer = new AmqpConsumer<T, pg.PoolClient>(this.conn, {
      queue: spec.queue,
      logger: this.logger.child({ component: 'consumer', queue: spec.queue }),
      declare: spec.declare,
      decode: spec.decode,
      handle: spec.handle,
      seen: this.seen,
      prefetch: this.cfg.prefetch,
      deadLetterExchange: this.topo.deadLetterExchange,
      ack: b.autoAck ? 'auto' : 'manual',
      dedupe: !b.noDedupe,
      poison: b.requeuePoison ? 'requeue' : 'dead-letter',
      workDelayMs: this.cfg.workDelayMs,
      onConsuming: (c) => this.emit({ type: 'lifecycle', state: 'consuming', queue: c.queue, prefetch: c.prefetch }),
      onFact: (f) => {
        const q = {
          queue: f.queue,
          exchange: f.exchange,
          routing_key: f.routingKey,
          event_id: f.eventId,
          entity: spec.entity,
          entity_id: f.entityId,
        };
        switch (f.kind) {
          case 'delivered':
            return this.emit({ type: 'delivered', ...q, redelivered: f.redelivered, delivery_tag: f.deliveryTag });
          case 'acked':
            return this.emit({ type: 'acked', ...q, auto: f.auto });
          case 'duplicate':
            return this.emit({ type: 'duplicate', ...q });
          case 'dead_lettered':
            return this.emit({
              type: 'dead_lettered',
              ...q,
              reason: f.reason,
              code: f.code,
              dead_letter_exchange: f.deadLetterExchange,
              via: f.via,
            });
          case 'requeued':
            return this.emit({ type: 'requeued', ...q, reason: f.reason, code: f.code });
          case 'ack_lost':
            return this.emit({ type: 'ack_lost', ...q, reason: f.reason });
        }
      },
    });
    this.consumers.push(consumer as AmqpConsumer<unknown, pg.PoolClient>);
  }

  /** The HTTP server (routes added by the service before start). */
  http(): FastifyInstance {
    this.app ??= createHttpServer({ logger: this.logger.child({ component: 'http' }) });
    return this.app;
  }

  start(): Promise<{ url: string | undefined }> {
    this.started ??= (async () => {
      await ensureDatabase(this.cfg.databaseUrl);
      const applied = await migrate(this.pool, this.cfg.service);
      this.logger.info({ applied }, 'migrations applied');
      await this.conn.start();
      if (this.app) {
        const { url } = await listen(this.app, this.cfg.port, this.cfg.host);
        this.url = url;
        this.logger.info({ url }, 'listening');
        this.emit({ type: 'lifecycle', state: 'listening', url });
      }
      return { url: this.url };
    })();
    return this.started;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const closing = this.app ? this.app.close() : Promise.resolve();
      await Promise.allSettled([closing, ...this.consumers.map((c) => c.stop()), this.publisher?.stop()]);
      await Promise.allSettled([this.conn.stop()]);
      await this.started?.catch(() => undefined);
      await Promise.allSettled([this.pool.end()]);
      this.logger.info('stopped');
    })();
    return this.stopped;
  }
}

/** A JSON body parsed with a zod schema; anything else is poison, with a reason a student can read. */
export function decodeJson<S extends z.ZodType>(msg: ConsumeMessage, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(msg.content.toString('utf8'));
  } catch (err) {
    throw new AppError('POISON_MESSAGE', `not JSON: ${toAppError(err).message}`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw new AppError('POISON_MESSAGE', `unexpected shape: ${field}: ${issue?.message ?? 'invalid'}`);
}

/** The message id, if the producer set one. */
export function messageIdOf(msg: ConsumeMessage): string | undefined {
  const id = msg.properties.messageId as unknown;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
