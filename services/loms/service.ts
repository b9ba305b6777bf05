// LOMS as a library: `createLoms(config).start()` runs the HTTP API, the migrations and the outbox relay in this
// process; `stop()` closes the server, drains the relay and disconnects everything. Both are idempotent.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Kafka } from 'kafkajs';
import pg from 'pg';
import { ORDER_EVENTS_PARTITIONS, ORDER_EVENTS_TOPIC } from '../lab-d/schema.js';
import { kafkaLogCreator } from '../shared/kafka-log.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { createLomsHandler, createLomsServer } from './http.js';
import { migrate } from './migrations.js';
import { OutboxRelay } from './relay.js';
import { OrderStore } from './store.js';

export interface LomsConfig {
  /** 0 picks a free port */
  port: number;
  host?: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  topic?: string;
  relay?: { batchSize?: number; pollIntervalMs?: number; maxBackoffMs?: number };
  /** Postgres pool size (default 10) */
  poolSize?: number;
}

export interface Loms {
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  readonly relay: OutboxRelay;
  readonly url: string;
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
  const kafka = new Kafka({
    clientId: 'loms',
    brokers: config.kafkaBrokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const relay = new OutboxRelay({
    pool,
    kafka,
    databaseUrl: config.databaseUrl,
    topic,
    logger: logger.child({ component: 'relay' }),
    partitions: ORDER_EVENTS_PARTITIONS,
    ...config.relay,
  });
  const store = new OrderStore(pool, topic, () => relay.committed());
  let server: http.Server | undefined;
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
        const applied = await migrate(pool);
        logger.info({ applied }, 'migrations applied');
        relay.start();
        const srv = createLomsServer(createLomsHandler(store, relay, logger));
        server = srv;
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(config.port, config.host ?? '127.0.0.1', () => {
            srv.off('error', reject);
            resolve();
          });
        });
        const { port, address } = srv.address() as AddressInfo;
        url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
        logger.info({ url, topic }, 'loms listening');
        return { port, url };
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        await started?.catch(() => undefined);
        const srv = server;
        const closing = srv
          ? new Promise<void>((resolve) => {
              srv.close(() => resolve());
              srv.closeIdleConnections();
              setTimeout(() => srv.closeAllConnections(), 2000).unref();
            })
          : Promise.resolve();
        await Promise.allSettled([closing, relay.stop()]);
        await Promise.allSettled([pool.end()]);
        logger.info('loms stopped');
      })();
      return stopped;
    },
  };
}
