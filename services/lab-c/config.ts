// Lab C's env config, read once with zod; a bad variable exits 2 naming it. Each replica of orders and payments is one
// process with its own PORT (and INSTANCE, the `instance` of its lines); the replicas of a service share its database.
import { z } from 'zod';
import { Brokers, Millis, Port, parseEnv } from '../shared/config.js';
import { withDatabase } from '../shared/database.js';
import { parseKafkaLinks } from '../shared/kafka-links.js';
import { BROKEN_MODE_ENV, parseBrokenMode } from './broken-modes.js';
import type { GatewayConfig } from './gateway.js';
import type { OrdersConfig } from './orders.js';
import type { PaymentsConfig } from './payments.js';
import { DEFAULT_DATABASES, DEFAULT_PORTS, SSE_CHANNEL } from './schema.js';

const PgUrl = z.string().refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL');
const Flag = z
  .enum(['true', 'false', '1', '0'])
  .default('true')
  .transform((v) => v === 'true' || v === '1');
const Urls = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim().replace(/\/$/, ''))
      .filter(Boolean),
  )
  .refine((l) => l.length > 0 && l.every((u) => /^https?:\/\/[^\s/]+$/.test(u)), 'must be http://host:port[,…]');

const Shared = {
  HOST: z.string().min(1).default('127.0.0.1'),
  KAFKA_BROKERS: Brokers,
  KAFKA_LINKS: z.string().default(''),
  LAB_C_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  LAB_C_PG_URL: PgUrl.default('postgres://postgres@127.0.0.1:5432/postgres'),
  INSTANCE: z.string().min(1).optional(),
  LAB_C_SESSION_TIMEOUT_MS: Millis.optional(),
  LAB_C_HEARTBEAT_MS: Millis.optional(),
};

export const OrdersEnv = z.object({
  ...Shared,
  PORT: Port.default(DEFAULT_PORTS.orders[0]),
  DATABASE_URL: PgUrl.optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  LAB_C_SSE_CHANNEL: z.string().min(1).default(SSE_CHANNEL),
  /** false: the bad-setup case of invariant 5 (a replica that does not subscribe to the channel) */
  LAB_C_SSE_SUBSCRIBE: Flag,
  LAB_C_KEEPALIVE_MS: Millis.optional(),
});

export const PaymentsEnv = z.object({
  ...Shared,
  PORT: Port.default(DEFAULT_PORTS.payments[0]),
  DATABASE_URL: PgUrl.optional(),
  LAB_C_FUNDS_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  LAB_C_RETRY_INTERVAL_MS: Millis.optional(),
  /** the test hook of "kill a payments instance mid-transaction" */
  LAB_C_PAUSE_MS: z.coerce.number().int().min(0).max(120_000).default(0),
});

export const GatewayEnv = z.object({
  HOST: Shared.HOST,
  PORT: Port.default(DEFAULT_PORTS.gateway),
  LAB_C_ORDERS_URLS: Urls.default(DEFAULT_PORTS.orders.map((p) => `http://127.0.0.1:${p}`)),
  LAB_C_PAYMENTS_URLS: Urls.default(DEFAULT_PORTS.payments.map((p) => `http://127.0.0.1:${p}`)),
});

function common(e: z.output<typeof OrdersEnv> | z.output<typeof PaymentsEnv>) {
  return {
    port: e.PORT,
    host: e.HOST,
    brokers: e.KAFKA_BROKERS,
    ...(e.KAFKA_LINKS === '' ? {} : { kafkaLinks: parseKafkaLinks(e.KAFKA_LINKS) }),
    prefix: e.LAB_C_PREFIX,
    ...(e.INSTANCE ? { instance: e.INSTANCE } : {}),
    ...(e.LAB_C_SESSION_TIMEOUT_MS ? { sessionTimeoutMs: e.LAB_C_SESSION_TIMEOUT_MS } : {}),
    ...(e.LAB_C_HEARTBEAT_MS ? { heartbeatIntervalMs: e.LAB_C_HEARTBEAT_MS } : {}),
  };
}

export function ordersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const e = parseEnv(OrdersEnv, env);
  parseBrokenMode('orders', env[BROKEN_MODE_ENV]); // orders has none: a mode set is refused with the list
  return {
    ...common(e),
    databaseUrl: e.DATABASE_URL ?? withDatabase(e.LAB_C_PG_URL, DEFAULT_DATABASES.orders),
    redisUrl: e.REDIS_URL,
    sseChannel: e.LAB_C_SSE_CHANNEL,
    sseSubscribe: e.LAB_C_SSE_SUBSCRIBE,
    ...(e.LAB_C_KEEPALIVE_MS ? { keepAliveMs: e.LAB_C_KEEPALIVE_MS } : {}),
  };
}

export function paymentsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const e = parseEnv(PaymentsEnv, env);
  const brokenMode = parseBrokenMode('payments', env[BROKEN_MODE_ENV]);
  return {
    ...common(e),
    databaseUrl: e.DATABASE_URL ?? withDatabase(e.LAB_C_PG_URL, DEFAULT_DATABASES.payments),
    fundsWindowMs: e.LAB_C_FUNDS_WINDOW_MS,
    ...(e.LAB_C_RETRY_INTERVAL_MS ? { retryIntervalMs: e.LAB_C_RETRY_INTERVAL_MS } : {}),
    pauseMs: e.LAB_C_PAUSE_MS,
    ...(brokenMode ? { brokenMode } : {}),
  };
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(GatewayEnv, env);
  return { port: e.PORT, host: e.HOST, orders: e.LAB_C_ORDERS_URLS, payments: e.LAB_C_PAYMENTS_URLS };
}
