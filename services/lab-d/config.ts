// Lab D's env config (loms, notifier), read once with zod. Names are fixed: docker/compose.yml uses them.
import { hostname } from 'node:os';
import { z } from 'zod';
import { Brokers, Millis, Port, parseEnv } from '../shared/config.js';
import { parseKafkaLinks } from '../shared/kafka-links.js';
import { BROKEN_MODE_ENV, parseBrokenMode } from './broken-modes.js';
import { NOTIFIER_GROUP_ID, ORDER_EVENTS_TOPIC } from './schema.js';
import type { LomsConfig } from './loms/service.js';
import type { NotifierConfig } from './notifier/notifier.js';

export const LomsEnv = z.object({
  PORT: Port.default(8084),
  /** 127.0.0.1 by default; a container that publishes the port sets HOST=0.0.0.0 */
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .default('postgres://postgres@127.0.0.1:5432/postgres')
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL'),
  KAFKA_BROKERS: Brokers,
  LOMS_TOPIC: z.string().min(1).default(ORDER_EVENTS_TOPIC),
  /** broker address → link proxy (the console's link faults; services/shared/kafka-links.ts) */
  KAFKA_LINKS: z.string().default(''),
});

export const NotifierEnv = z.object({
  KAFKA_BROKERS: Brokers,
  NOTIFIER_GROUP_ID: z.string().min(1).default(NOTIFIER_GROUP_ID),
  NOTIFIER_INSTANCE: z.string().min(1).optional(),
  NOTIFIER_TOPIC: z.string().min(1).default(ORDER_EVENTS_TOPIC),
  KAFKA_LINKS: z.string().default(''),
  /** optional tuning, see NotifierConfig */
  NOTIFIER_SESSION_TIMEOUT_MS: Millis.optional(),
  NOTIFIER_HEARTBEAT_MS: Millis.optional(),
});

/**
 * `LAB_BROKEN_MODE` (broken-modes.ts): unset or empty runs the correct service; a mode that is unknown or belongs to the
 * other service is a CONFIG_ERROR listing the known ones (the standalone entry exits 2).
 */
export function lomsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LomsConfig {
  const e = parseEnv(LomsEnv, env);
  const brokenMode = parseBrokenMode('loms', env[BROKEN_MODE_ENV]);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    topic: e.LOMS_TOPIC,
    ...(e.KAFKA_LINKS === '' ? {} : { kafkaLinks: parseKafkaLinks(e.KAFKA_LINKS) }),
    ...(brokenMode ? { brokenMode } : {}),
  };
}

export function notifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const e = parseEnv(NotifierEnv, env);
  const brokenMode = parseBrokenMode('notifier', env[BROKEN_MODE_ENV]);
  return {
    ...(brokenMode ? { brokenMode } : {}),
    brokers: e.KAFKA_BROKERS,
    groupId: e.NOTIFIER_GROUP_ID,
    instance: e.NOTIFIER_INSTANCE ?? `${hostname()}-${process.pid}`,
    topic: e.NOTIFIER_TOPIC,
    ...(e.KAFKA_LINKS === '' ? {} : { kafkaLinks: parseKafkaLinks(e.KAFKA_LINKS) }),
    ...(e.NOTIFIER_SESSION_TIMEOUT_MS ? { sessionTimeoutMs: e.NOTIFIER_SESSION_TIMEOUT_MS } : {}),
    ...(e.NOTIFIER_HEARTBEAT_MS ? { heartbeatIntervalMs: e.NOTIFIER_HEARTBEAT_MS } : {}),
  };
}
