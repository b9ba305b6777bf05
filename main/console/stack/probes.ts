// Health probes, one per component, each a real round trip with the component's own client (with a deadline).
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createClient } from 'redis';
import { AppError } from '../../../services/shared/app-error.js';
import { kafkaClientSecurity, type KafkaSecurity } from './kafka-security.js';
import { describeCluster } from './local/kafka.js';
import { createManagementClient, publicManagementUrl, type ManagementOverview } from './rabbitmq-management.js';
import type { ComponentName, StackEndpoints } from './types.js';

export type Probe = (endpoints: StackEndpoints, timeoutMs?: number) => Promise<string>;

function withDeadline<T>(what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('TIMEOUT', `${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Kafka: admin describeCluster. Returns a detail sentence. */
export async function pingKafka(brokers: string[], timeoutMs = 5_000, security?: KafkaSecurity): Promise<string> {
  const info = await withDeadline(
    'kafka',
    timeoutMs + 1_000,
    describeCluster(brokers, timeoutMs, kafkaClientSecurity(security)),
  );
  return `cluster ${info.clusterId}, ${info.brokers} broker(s)`;
}

/** Postgres: `select 1`. */
export async function pingPostgres(url: string, timeoutMs = 5_000): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ version: string }>('select 1 as one, current_setting($1) as version', [
      'server_version',
    ]);
    return `PostgreSQL ${res.rows[0]?.version ?? '?'}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** RabbitMQ: an AMQP connection. */
export async function pingRabbitmq(url: string, timeoutMs = 5_000): Promise<string> {
  const conn = await withDeadline('rabbitmq', timeoutMs, amqp.connect(url, { timeout: timeoutMs }));
  conn.on('error', () => undefined);
  try {
    const props = conn.connection.serverProperties as Record<string, unknown>;
    const product = typeof props.product === 'string' ? props.product : 'RabbitMQ';
    const version = typeof props.version === 'string' ? props.version : '?';
    return `${product} ${version}`;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** RabbitMQ with its management API: the AMQP connection, then `/api/overview` (which node answers, which plugin). */
export async function pingRabbitmqManagement(url: string, managementUrl: string, timeoutMs = 5_000): Promise<string> {
  const amqpDetail = await pingRabbitmq(url, timeoutMs);
  const overview = await createManagementClient(managementUrl).get<ManagementOverview>('/api/overview', timeoutMs);
  return `${amqpDetail}, node ${overview.node}, management ${overview.management_version} on ${publicManagementUrl(managementUrl)}`;
}

/** MongoDB: `ping` with the official driver (no serverApi: the MongoDB-wire test server would refuse it). */
export async function pingMongodb(url: string, timeoutMs = 5_000): Promise<string> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    const info: Record<string, unknown> = await client
      .db('admin')
      .command({ buildInfo: 1 })
      .catch(() => ({}));
    return `MongoDB wire protocol, version ${typeof info.version === 'string' ? info.version : '?'}`;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Redis: PING. */
export async function pingRedis(url: string, timeoutMs = 5_000): Promise<string> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await withDeadline('redis', timeoutMs, client.connect());
    const pong = await client.ping();
    return `Redis ${pong}`;
  } finally {
    client.destroy();
  }
}

export const PROBES: Record<ComponentName, Probe> = {
  kafka: (e, t) => pingKafka(e.kafka.brokers, t, e.kafka.security),
  postgres: (e, t) => pingPostgres(e.postgres.url, t),
  rabbitmq: (e, t) =>
    e.rabbitmq.managementUrl === undefined
      ? pingRabbitmq(e.rabbitmq.url, t)
      : pingRabbitmqManagement(e.rabbitmq.url, e.rabbitmq.managementUrl, t),
  mongodb: (e, t) => pingMongodb(e.mongodb.url, t),
  redis: (e, t) => pingRedis(e.redis.url, t),
};

/** The address of a component without credentials (for health and error messages). */
export function publicEndpoint(name: ComponentName, endpoints: StackEndpoints): string {
  if (name === 'kafka') return endpoints.kafka.brokers.join(',');
  const management = name === 'rabbitmq' ? endpoints.rabbitmq.managementUrl : undefined;
  if (management !== undefined)
    return `${publicEndpoint(name, { ...endpoints, rabbitmq: { url: endpoints.rabbitmq.url } })} · management ${publicManagementUrl(management)}`;
  const url = endpoints[name].url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

/** Runs a probe; resolves to {ok, detail}. Never throws. */
export async function probe(
  name: ComponentName,
  endpoints: StackEndpoints,
  timeoutMs?: number,
): Promise<{ ok: boolean; detail: string }> {
  try {
    return { ok: true, detail: await PROBES[name](endpoints, timeoutMs) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    return {
      ok: false,
      detail: typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message || 'no answer',
    };
  }
}
