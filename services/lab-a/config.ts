// Lab A's env config (presentations-api, projector), read once with zod. Names are fixed: docker/compose.yml and the
// console's lab module use them.
import { hostname } from 'node:os';
import { z } from 'zod';
import { Brokers, Millis, Port, parseEnv } from '../shared/config.js';
import { parseKafkaLinks } from '../shared/kafka-links.js';
import { BROKEN_MODE_ENV, parseBrokenMode } from './broken-modes.js';
import {
  API_DEFAULT_PORT,
  DEFAULT_MONGODB_DB,
  PRESENTATION_EVENTS_PARTITIONS,
  PRESENTATION_EVENTS_TOPIC,
  PROJECTOR_GROUP_ID,
} from './schema.js';
import type { PresentationsApiConfig } from './api.js';
import type { ProjectorConfig } from './projector.js';

const MongoUrl = z
  .string()
  .default('mongodb://127.0.0.1:27017/?directConnection=true')
  .refine((u) => /^mongodb(\+srv)?:\/\//.test(u), 'must be a mongodb:// URL');
const RedisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// URL');
const Flag = z
  .enum(['0', '1', 'true', 'false', 'on', 'off', 'yes', 'no'])
  .default('0')
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v));

const Common = {
  KAFKA_BROKERS: Brokers,
  PRESENTATIONS_TOPIC: z.string().min(1).default(PRESENTATION_EVENTS_TOPIC),
  MONGODB_URL: MongoUrl,
  MONGODB_DB: z.string().min(1).default(DEFAULT_MONGODB_DB),
};

export const ApiEnv = z.object({
  ...Common,
  PORT: Port.default(API_DEFAULT_PORT),
  /** 127.0.0.1 by default; a container that publishes the port sets HOST=0.0.0.0 */
  HOST: z.string().min(1).default('127.0.0.1'),
  API_INSTANCE: z.string().min(1).default('presentations-api'),
  REDIS_URL: RedisUrl,
  /** prefixes every Redis key ('' by default) */
  REDIS_PREFIX: z.string().default(''),
  WRITE_THROUGH: Flag,
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(PRESENTATION_EVENTS_PARTITIONS),
  /** a number, or `auto`: min(2, brokers in the cluster) */
  TOPIC_REPLICATION_FACTOR: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(10)]).default('auto'),
  /** how long a command waits for Kafka's acknowledgement before it is answered 503 */
  KAFKA_ACK_TIMEOUT_MS: Millis.default(5000),
  /** broker address → the proxy to reach it through (`host:port=host:port,…`; services/shared/kafka-links.ts): the
   * console's link fault on the API's Kafka link */
  KAFKA_LINKS: z.string().default(''),
});

export const ProjectorEnv = z.object({
  ...Common,
  PROJECTOR_GROUP_ID: z.string().min(1).default(PROJECTOR_GROUP_ID),
  PROJECTOR_INSTANCE: z.string().min(1).optional(),
  PROJECTOR_SESSION_TIMEOUT_MS: Millis.optional(),
  PROJECTOR_HEARTBEAT_MS: Millis.optional(),
  /** `slow-projector`: the pause before each batch (default 6000 ms) */
  PROJECTOR_SLOW_MS: Millis.optional(),
});

/**
 * `LAB_BROKEN_MODE` (broken-modes.ts): unset or empty runs the correct service; a mode that is unknown or belongs to the
 * other service is a CONFIG_ERROR listing the known ones (the standalone entry exits 2).
 */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PresentationsApiConfig {
  const e = parseEnv(ApiEnv, env);
  const brokenMode = parseBrokenMode('presentations-api', env[BROKEN_MODE_ENV]);
  return {
    port: e.PORT,
    host: e.HOST,
    instance: e.API_INSTANCE,
    brokers: e.KAFKA_BROKERS,
    topic: e.PRESENTATIONS_TOPIC,
    partitions: e.TOPIC_PARTITIONS,
    replicationFactor: e.TOPIC_REPLICATION_FACTOR,
    mongoUrl: e.MONGODB_URL,
    mongoDb: e.MONGODB_DB,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    writeThrough: e.WRITE_THROUGH,
    ackTimeoutMs: e.KAFKA_ACK_TIMEOUT_MS,
    ...(e.KAFKA_LINKS === '' ? {} : { kafkaLinks: parseKafkaLinks(e.KAFKA_LINKS) }),
    ...(brokenMode ? { brokenMode } : {}),
  };
}

export function projectorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const e = parseEnv(ProjectorEnv, env);
  const brokenMode = parseBrokenMode('projector', env[BROKEN_MODE_ENV]);
  return {
    brokers: e.KAFKA_BROKERS,
    topic: e.PRESENTATIONS_TOPIC,
    groupId: e.PROJECTOR_GROUP_ID,
    instance: e.PROJECTOR_INSTANCE ?? `${hostname()}-${process.pid}`,
    mongoUrl: e.MONGODB_URL,
    mongoDb: e.MONGODB_DB,
    ...(e.PROJECTOR_SESSION_TIMEOUT_MS ? { sessionTimeoutMs: e.PROJECTOR_SESSION_TIMEOUT_MS } : {}),
    ...(e.PROJECTOR_HEARTBEAT_MS ? { heartbeatIntervalMs: e.PROJECTOR_HEARTBEAT_MS } : {}),
    ...(e.PROJECTOR_SLOW_MS ? { slowMs: e.PROJECTOR_SLOW_MS } : {}),
    ...(brokenMode ? { brokenMode } : {}),
  };
}
