// What every Lab E service shares: its database (created when missing, migrated), its Kafka topics, its outbox relay,
// its consumer, its Fastify server (services/shared/http.ts: the one error shape), lifecycle lines and an idempotent
// start()/stop(). A service module gives its migrations, its routes and its event handler; `createService` does the
// rest, in this order: database → migrations → topics → relay → consumer (joined) → HTTP; stop() in reverse.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { AppError } from '../shared/app-error.js';
import { createHttpServer, listen } from '../shared/http.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { Runnable } from '../shared/service-entry.js';
import type { BrokenModeId } from './broken-modes.js';
import { EventConsumer, type EventHandler } from './consumer.js';
import { createPool, ensureDatabase, migrate, withTx, type Migration } from './db.js';
import { createKafka, ensureTopics, EventWriter, OutboxRelay } from './events.js';
import { schemaRegistry, type SchemaRegistry } from './registry.js';
import {
  CONSUMES,
  GROUPS,
  IDENTITY_HEADERS,
  Role,
  stdoutFacts,
  topicNames,
  type FactOut,
  type LabEService,
  type TopicKey,
} from './schema.js';

export interface CommonConfig {
  /** 0 picks a free port */
  port: number;
  host?: string;
  brokers: string[];
  /** broker address → link proxy (KAFKA_LINKS): its Kafka clients connect through the console's link proxies */
  kafkaLinks?: ReadonlyMap<string, string>;
  /** prefixes every topic and consumer group (tests, several lab instances on one broker); '' by default */
  prefix?: string;
  brokenMode?: BrokenModeId;
}

export interface ServiceDeps {
  logger?: Logger;
  /** where fact lines go (stdout by default) */
  out?: FactOut;
  onFatal?: (err: Error) => void;
  /** the clock (accounting's day, analytics' "today", event times) */
  now?: () => Date;
  /** [0, 1), for prices and assignees */
  random?: () => number;
}

export interface LabEServiceHandle extends Runnable {
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  readonly url: string;
  readonly name: LabEService;
}

export interface ServiceContext {
  service: LabEService;
  logger: Logger;
  out: FactOut;
  now: () => Date;
  random: () => number;
  brokenMode: BrokenModeId | undefined;
  topics: Record<TopicKey, string>;
  registry: SchemaRegistry;
  /** undefined for the gateway */
  pool: Pool;
  writer: EventWriter;
  /** one transaction; the relay is woken after the commit so that its outbox rows go out at once */
  tx<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
}

export interface ServiceParts {
  routes(app: FastifyInstance): void;
  handler?: EventHandler;
  /** after the server listens (timers) */
  started?(): void;
  /** before anything stops */
  stopping?(): void;
}

export interface ServiceDefinition {
  service: LabEService;
  config: CommonConfig & { databaseUrl?: string };
  deps: ServiceDeps;
  migrations?: readonly Migration[];
  /** skip validation when producing (broken mode skip-validation) */
  skipValidation?: boolean;
  setup(ctx: ServiceContext): ServiceParts;
}

export function createService(def: ServiceDefinition): LabEServiceHandle {
  const { service, config, deps } = def;
  const logger = deps.logger ?? createLogger({ name: `lab-e-${service}` });
  const out = deps.out ?? stdoutFacts;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const prefix = config.prefix ?? '';
  const topics = topicNames(prefix);
  const registry = schemaRegistry();
  const pool = config.databaseUrl === undefined ? undefined : createPool(config.databaseUrl, logger);
  const kafka: Kafka | undefined =
    config.databaseUrl === undefined
      ? undefined
      : createKafka(`lab-e-${service}`, config.brokers, logger, config.kafkaLinks);
  const relay =
    pool && kafka
      ? new OutboxRelay({ service, pool, kafka, logger: logger.child({ component: 'outbox' }), out })
      : undefined;
  const writer = new EventWriter({
    service,
    registry,
    out,
    now,
    ...(def.skipValidation ? { skipValidation: true } : {}),
  });
  const ctx: ServiceContext = {
    service,
    logger,
    out,
    now,
    random,
    brokenMode: config.brokenMode,
    topics,
    registry,
    pool: pool as Pool,
    writer,
    async tx(work) {
      if (pool === undefined) throw new AppError('INTERNAL', `${service} has no database`);
      const result = await withTx(pool, work);
      relay?.wake();
      return result;
    },
  };
  const parts = def.setup(ctx);
  const consumer =
    parts.handler && kafka
      ? new EventConsumer({
          service,
          kafka,
          groupId: `${prefix}${GROUPS[service as keyof typeof GROUPS]}`,
          topics: CONSUMES[service].map((k) => topics[k]),
          registry,
          handler: parts.handler,
          out,
          logger: logger.child({ component: 'consumer' }),
          ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
        })
      : undefined;
  // no type coercion and no silent removal of unknown fields: a bad body is a 400 naming the field
  const app = createHttpServer({
    logger,
    fastify: { ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } } },
  });
  app.get('/healthz', () => ({ ok: true, service }));
  parts.routes(app);

  let url = '';
  let started: Promise<{ port: number; url: string }> | undefined;
  let stopped: Promise<void> | undefined;
  const lifecycle = (state: 'starting' | 'listening' | 'stopping' | 'stopped' | 'crashed', extra = {}): void =>
    out({
      type: 'lifecycle',
      ts: new Date().toISOString(),
      service,
      state,
      broken_mode: config.brokenMode ?? null,
      ...extra,
    });

  return {
    name: service,
    get url() {
      return url;
    },
    start() {
      started ??= (async () => {
        lifecycle('starting');
        if (pool !== undefined && config.databaseUrl !== undefined) {
          const created = await ensureDatabase(config.databaseUrl);
          const applied = await migrate(pool, `lab-e-${service}`, def.migrations ?? []);
          logger.info({ created, applied }, 'database ready');
        }
        if (kafka !== undefined) {
          const admin = kafka.admin();
          await admin.connect();
          try {
            await ensureTopics(admin, Object.values(topics));
          } finally {
            await admin.disconnect();
          }
        }
        await relay?.start();
        await consumer?.start();
        const bound = await listen(app, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        parts.started?.();
        lifecycle('listening', { url });
        logger.info({ url, prefix, broken_mode: config.brokenMode ?? null }, `${service} listening`);
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        lifecycle('stopping');
        parts.stopping?.();
        await started?.catch(() => undefined);
        await Promise.allSettled([app.close()]);
        await Promise.allSettled([consumer?.stop(), relay?.stop()]);
        await Promise.allSettled([pool?.end()]);
        lifecycle('stopped');
      })();
      return stopped;
    },
  };
}

/** The caller as the gateway forwarded it; 401 when a request did not come through the gateway. */
export function identityOf(req: FastifyRequest): { publicId: string; role: Role } {
  const publicId = req.headers[IDENTITY_HEADERS.publicId];
  const role = Role.safeParse(req.headers[IDENTITY_HEADERS.role]);
  if (typeof publicId !== 'string' || publicId === '' || !role.success)
    throw new AppError('UNAUTHORIZED', 'no identity: call this service through the gateway');
  return { publicId, role: role.data };
}

/** 403 in the one error shape (AppError has no FORBIDDEN code: UNAUTHORIZED with status 403). */
export function forbidden(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('UNAUTHORIZED', message, { ...details, status: 403 });
}

/** JSON Schema for a public id in a route (400 naming the field). */
export const UUID_SCHEMA = { type: 'string', format: 'uuid' } as const;
