// Lab E test harness: the five services in-process (library entries, port 0) on databases and topics of their own
// (a unique prefix), their fact lines collected in memory, an HTTP client through the gateway, and helpers to produce
// raw records, read a topic and query a service's database. `stop()` stops everything and deletes what it created.
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { createLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import type { BrokenModeId } from '../../../services/lab-e/broken-modes.js';
import { DEV_JWT_SECRET } from '../../../services/lab-e/config.js';
import { withDatabase } from '../../../services/lab-e/db.js';
import {
  topicNames,
  type LabELine,
  type LabELineOf,
  type Role,
  type TopicKey,
} from '../../../services/lab-e/schema.js';
import { createAccounting, type Accounting } from '../../../services/lab-e/services/accounting.js';
import { createAnalytics } from '../../../services/lab-e/services/analytics.js';
import { createAuth } from '../../../services/lab-e/services/auth.js';
import { createGateway } from '../../../services/lab-e/services/gateway.js';
import { createTasks } from '../../../services/lab-e/services/tasks.js';
import type { LabEServiceHandle } from '../../../services/lab-e/runtime.js';
import { endpoints, uniqueName } from '../support/index.js';

export { waitFor };

type Backend = 'auth' | 'tasks' | 'accounting' | 'analytics';

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface Account {
  public_id: string;
  role: Role;
  email: string;
  token: string;
}

export interface LabE {
  prefix: string;
  topics: Record<TopicKey, string>;
  gatewayUrl: string;
  accounting: Accounting;
  /** every fact line of every service, in order */
  lines: LabELine[];
  kafka: Kafka;
  /** the assignee pick of tasks: a number in [0, 1) (undefined: Math.random) */
  assigneeRandom: { value: number | undefined };
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<HttpResult<T>>;
  signup(role: Role): Promise<Account>;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    service: Backend,
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  produce(topic: TopicKey, key: string, value: unknown): Promise<void>;
  /** waits for a fact line; `since` skips the lines before that index */
  waitLine<T extends LabELine['type']>(
    type: T,
    pred: (l: LabELineOf<T>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<LabELineOf<T>>;
  linesOf<T extends LabELine['type']>(type: T, pred?: (l: LabELineOf<T>) => boolean): LabELineOf<T>[];
  /** reads a topic from the beginning until `done` holds for what was read */
  readTopic(topic: string, done: (messages: KafkaMessage[]) => boolean, what: string): Promise<KafkaMessage[]>;
  gatewayWith(brokenMode: BrokenModeId): Promise<{ url: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function startLabE(
  opts: { brokenModes?: Partial<Record<Backend, BrokenModeId>>; accountingRandom?: () => number } = {},
): Promise<LabE> {
  const ep = endpoints();
  const brokers = ep.kafka.brokers;
  const prefix = `${uniqueName('labe')}.`;
  const dbBase = uniqueName('es_labe', '_').slice(0, 50);
  const dbUrl = (s: Backend) => withDatabase(ep.postgres.url, `${dbBase}_${s}`);
  const lines: LabELine[] = [];
  const out = (l: LabELine) => {
    lines.push(l);
  };
  const logger = createLogger({ name: 'lab-e-test', level: process.env.LAB_E_LOG_LEVEL ?? 'silent' });
  const assigneeRandom: { value: number | undefined } = { value: undefined };
  const common = { port: 0, brokers, prefix };
  const mode = (s: Backend) => (opts.brokenModes?.[s] ? { brokenMode: opts.brokenModes[s] } : {});
  const auth = createAuth(
    { ...common, ...mode('auth'), databaseUrl: dbUrl('auth'), jwtSecret: DEV_JWT_SECRET },
    { logger, out },
  );
  const tasks = createTasks(
    { ...common, ...mode('tasks'), databaseUrl: dbUrl('tasks') },
    { logger, out, random: () => assigneeRandom.value ?? Math.random() },
  );
  const accounting = createAccounting(
    { ...common, ...mode('accounting'), databaseUrl: dbUrl('accounting') },
    { logger, out, ...(opts.accountingRandom ? { random: opts.accountingRandom } : {}) },
  );
  const analytics = createAnalytics(
    { ...common, ...mode('analytics'), databaseUrl: dbUrl('analytics') },
    { logger, out },
  );
  const backends: LabEServiceHandle[] = [auth, tasks, accounting, analytics];
  const extraGateways: LabEServiceHandle[] = [];
  let gateway: LabEServiceHandle | undefined;
  const kafka = new Kafka({ clientId: 'lab-e-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const pools = new Map<Backend, pg.Pool>();
  const consumers: Consumer[] = [];
  const topics = topicNames(prefix);

  const stop = async () => {
    await Promise.allSettled([...extraGateways, ...(gateway ? [gateway] : [])].map((g) => g.stop()));
    await Promise.allSettled(backends.map((b) => b.stop()));
    await Promise.allSettled([producer.disconnect(), ...consumers.map((c) => c.disconnect())]);
    await Promise.allSettled([...pools.values()].map((p) => p.end()));
    const admin = new pg.Client({ connectionString: ep.postgres.url });
    admin.on('error', () => undefined);
    await admin.connect().then(
      async () => {
        for (const s of ['auth', 'tasks', 'accounting', 'analytics'] as const)
          await admin.query(`DROP DATABASE IF EXISTS "${dbBase}_${s}" WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      },
      () => undefined,
    );
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      const mine = (await kadmin.listTopics()).filter((t) => t.startsWith(prefix));
      if (mine.length > 0) await kadmin.deleteTopics({ topics: mine }).catch(() => undefined);
      const groups = (await kadmin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await kadmin.deleteGroups(groups).catch(() => undefined);
    } finally {
      await kadmin.disconnect();
    }
  };

  const upstreams = () => ({ auth: auth.url, tasks: tasks.url, accounting: accounting.url, analytics: analytics.url });
  try {
    await Promise.all(backends.map((b) => b.start()));
    gateway = createGateway({ port: 0, jwtSecret: DEV_JWT_SECRET, upstreams: upstreams() }, { logger, out });
    await gateway.start();
    await producer.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  const gatewayUrl = gateway.url;

  const call: LabE['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers,
      ...(o.body === undefined ? {} : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as never };
  };

  let n = 0;
  const signup = async (role: Role): Promise<Account> => {
    const email = `${role}-${++n}-${Date.now().toString(36)}@popug.test`;
    const s = await call<{ public_id: string }>('POST', '/auth/signup', {
      body: { email, password: 'secret-popug', full_name: `${role} ${n}`, role },
    });
    if (s.status !== 201) throw new Error(`signup: ${s.status} ${JSON.stringify(s.body)}`);
    const l = await call<{ token: string }>('POST', '/auth/login', { body: { email, password: 'secret-popug' } });
    if (l.status !== 200) throw new Error(`login: ${l.status} ${JSON.stringify(l.body)}`);
    return { public_id: s.body.public_id, role, email, token: l.body.token };
  };

  const query: LabE['query'] = async (service, sql, params = []) => {
    let pool = pools.get(service);
    if (pool === undefined) {
      pool = new pg.Pool({ connectionString: dbUrl(service), max: 2 });
      pool.on('error', () => undefined);
      pools.set(service, pool);
    }
    return (await pool.query(sql, params)).rows as never;
  };

  const linesOf: LabE['linesOf'] = (type, pred) =>
    lines.filter((l): l is LabELineOf<typeof type> => l.type === type && (pred?.(l as never) ?? true));

  return {
    prefix,
    topics,
    gatewayUrl,
    accounting,
    lines,
    kafka,
    assigneeRandom,
    call,
    signup,
    query,
    async produce(topic, key, value) {
      await producer.send({
        topic: topics[topic],
        acks: -1,
        messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }],
      });
    },
    waitLine: (type, pred, what, timeoutMs = 30_000) =>
      waitFor(() => linesOf(type, pred)[0], { what, timeoutMs, intervalMs: 50 }),
    linesOf,
    async readTopic(topic, done, what) {
      const got: KafkaMessage[] = [];
      const consumer = kafka.consumer({ groupId: `${prefix}reader-${consumers.length}`, maxWaitTimeInMs: 200 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          return Promise.resolve();
        },
      });
      try {
        await waitFor(() => done(got), { what, timeoutMs: 30_000 });
      } finally {
        await consumer.disconnect();
      }
      return got;
    },
    async gatewayWith(brokenMode) {
      const g = createGateway(
        { port: 0, jwtSecret: DEV_JWT_SECRET, upstreams: upstreams(), brokenMode },
        { logger, out },
      );
      extraGateways.push(g);
      const { url } = await g.start();
      return { url, stop: () => g.stop() };
    },
    stop,
  };
}

/** A valid envelope for raw produce (the registry's shape). */
export function rawEvent<D>(name: string, version: number, data: D, id: string = crypto.randomUUID()) {
  return {
    event_id: id,
    event_version: version,
    event_name: name,
    event_time: new Date().toISOString(),
    producer: 'test',
    data,
  };
}
