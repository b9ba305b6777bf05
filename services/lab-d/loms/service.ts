// LOMS as a library: `createLoms(config).start()` runs the HTTP API, the migrations and the outbox relay in this
// process; `stop()` closes the server, drains the relay and disconnects everything. Both are idempotent.
import type { FastifyInstance } from 'fastify';
import { Kafka, Partitioners, type ICustomPartitioner, type Producer } from 'kafkajs';
import pg from 'pg';
import { linkedSocketFactory } from '../../shared/kafka-links.js';
import { kafkaLogCreator } from '../../shared/kafka-log.js';
import { kafkaSecurityFromEnv } from '../../shared/kafka-security-env.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { listen } from '../../shared/http.js';
import { OutboxRelay } from '../../shared/outbox-relay.js';
import { ORDER_EVENTS_PARTITIONS, ORDER_EVENTS_TOPIC, OUTBOX_TABLE, type RelayStatus } from '../schema.js';
import { createLomsApp } from './http.js';
import { OUTBOX_CHANNEL, migrate } from './migrations.js';
import type { LabDBrokenModeId } from '../broken-modes.js';
import { OrderStore, type EventRecord } from './store.js';

export interface LomsConfig {
  /** 0 picks a free port */
  port: number;
  host?: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** broker address → link proxy (KAFKA_LINKS): its Kafka clients connect through the console's link proxies */
  kafkaLinks?: ReadonlyMap<string, string>;
  topic?: string;
  relay?: { batchSize?: number; pollIntervalMs?: number; maxBackoffMs?: number; ackWindowMs?: number };
  /** Postgres pool size (default 10) */
  poolSize?: number;
  /** one of Lab D's broken modes for loms (broken-modes.ts); undefined: the correct service */
  brokenMode?: LabDBrokenModeId;
}

/** `random-partitioner`: a partition at random, whatever the key (the broken mode). */
export const randomPartitioner: ICustomPartitioner =
  () =>
  ({ partitionMetadata }) =>
    partitionMetadata[Math.floor(Math.random() * partitionMetadata.length)]?.partitionId ?? 0;

export interface Loms {
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  readonly relay: OutboxRelay;
  readonly url: string;
}

/** Lab D's outbox (see OutboxRow in ../schema.ts): keyed by order id, the payload is the record value. */
export function lomsRelay(opts: {
  pool: pg.Pool;
  databaseUrl: string;
  brokers: string[];
  topic: string;
  logger: Logger;
  tuning?: LomsConfig['relay'];
  brokenMode?: LabDBrokenModeId | undefined;
  kafkaLinks?: ReadonlyMap<string, string> | undefined;
}): OutboxRelay {
  const mode = opts.brokenMode;
  return new OutboxRelay({
    pool: opts.pool,
    databaseUrl: opts.databaseUrl,
    logger: opts.logger,
    table: OUTBOX_TABLE,
    keyColumn: 'key',
    columns: 'payload::text AS payload',
    toRecord: (row) => ({ key: row.key, value: row.payload as string, headers: { outbox_id: row.id } }),
    lockKey: 'loms:outbox-relay',
    channel: OUTBOX_CHANNEL,
    topic: opts.topic,
    partitions: ORDER_EVENTS_PARTITIONS,
    replicationFactor: 1,
    brokers: opts.brokers,
    clientId: 'loms',
    ...(opts.kafkaLinks === undefined ? {} : { kafka: { socketFactory: linkedSocketFactory(opts.kafkaLinks) } }),
    ...opts.tuning,
    // the broken modes that live in the relay
    ...(mode === 'relay-gives-up' ? { giveUpOnFailure: true } : {}),
    ...(mode === 'random-partitioner' ? { createPartitioner: randomPartitioner } : {}),
    ...(mode === 'no-graceful-shutdown' ? { abandonOnStop: true } : {}),
  });
}

export function createLoms(config: LomsConfig, deps: { logger?: Logger } = {}): Loms {
  const logger = deps.logger ?? createLogger({ name: 'loms' });
  const topic = config.topic ?? ORDER_EVENTS_TOPIC;
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.poolSize ?? 10,
    connectionTimeoutMillis: 3000,
    query_timeout: 15_000,
    idleTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'postgres: idle client error'));
  const relay = lomsRelay({
    pool,
    databaseUrl: config.databaseUrl,
    brokers: config.kafkaBrokers,
    topic,
    logger: logger.child({ component: 'relay' }),
    tuning: config.relay,
    brokenMode: config.brokenMode,
    kafkaLinks: config.kafkaLinks,
  });
  const relayControl = {
    async status(): Promise<RelayStatus> {
      const s = await relay.status();
      return { paused: s.paused, pending: s.pending, sent_total: s.sentTotal, last_error: s.lastError };
    },
    pause: () => relay.pause(),
    resume: () => relay.resume(),
  };
  // `send-before-commit`: a plain producer the handlers send to straight from their transaction (no outbox)
  let direct: { producer: Producer; connected?: Promise<void> } | undefined;
  const publishBeforeCommit =
    config.brokenMode === 'send-before-commit'
      ? async (records: EventRecord[]): Promise<void> => {
          direct ??= {
            producer: new Kafka({
              clientId: 'loms-direct',
              brokers: config.kafkaBrokers,
              ...kafkaSecurityFromEnv(),
              ...(config.kafkaLinks === undefined ? {} : { socketFactory: linkedSocketFactory(config.kafkaLinks) }),
              connectionTimeout: 3000,
              logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
            }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false }),
          };
          const d = direct;
          d.connected ??= d.producer.connect().catch((err: unknown) => {
            d.connected = undefined;
            throw err;
          });
          await d.connected;
          await d.producer.send({ topic, messages: records });
        }
      : undefined;
  const store = new OrderStore(pool, topic, () => relay.committed(), 'loms', publishBeforeCommit);
  let app: FastifyInstance | undefined;
  let started: Promise<{ port: number; url: string }> | undefined;
  let stopped: Promise<void> | undefined;
  let url = '';

  return {
    relay,
    get url() {
      return url;
    },
    start() {
      started ??= (async () => {
        if (config.brokenMode) logger.info({ brokenMode: config.brokenMode }, `broken mode: ${config.brokenMode}`);
        const applied = await migrate(pool);
        logger.info({ applied }, 'migrations applied');
        relay.start();
        app = createLomsApp(store, relayControl, logger);
        const bound = await listen(app, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        logger.info({ url, topic }, 'loms listening');
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        await started?.catch(() => undefined);
        const server = app;
        // no new requests; the ones in flight finish (their commits reach the outbox), idle keep-alives are closed
        const closing = server
          ? (async () => {
              const force = setTimeout(() => server.server.closeAllConnections(), 2000);
              force.unref();
              server.server.closeIdleConnections();
              await server.close();
              clearTimeout(force);
            })()
          : Promise.resolve();
        await Promise.allSettled([closing, relay.stop()]);
        await Promise.allSettled([direct?.producer.disconnect()]);
        await Promise.allSettled([pool.end()]);
        logger.info('loms stopped');
      })();
      return stopped;
    },
  };
}
