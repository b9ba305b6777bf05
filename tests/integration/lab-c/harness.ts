// Lab C test harness: orders ×N and payments ×N in-process (library entries, port 0) on databases, topics, groups and a
// Redis channel of their own, the gateway in front of them, their lines collected in memory, an HTTP client through the
// gateway, an SSE reader, and helpers to produce raw records and query a service's database. `stop()` stops everything
// and deletes what it created.
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { withDatabase } from '../../../services/shared/database.js';
import { createLogger } from '../../../services/shared/logger.js';
import { readSse } from '../../../services/shared/sse-client.js';
import { waitFor } from '../../../services/shared/wait.js';
import type { LabCBrokenModeId } from '../../../services/lab-c/broken-modes.js';
import { createLabCGateway, type Gateway } from '../../../services/lab-c/gateway.js';
import { createOrders, type OrdersService } from '../../../services/lab-c/orders.js';
import { createPayments, type PaymentsService } from '../../../services/lab-c/payments.js';
import { namesOf, type LabCLine, type LabCLineOf } from '../../../services/lab-c/schema.js';
import { endpoints, uniqueName } from '../support/index.js';

export { waitFor };

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface SseFrame {
  event: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  headers: Headers;
  frames: SseFrame[];
  /** comment lines (keep-alives) seen */
  comments: number;
  waitFrame(pred: (f: SseFrame) => boolean, what: string, timeoutMs?: number): Promise<SseFrame>;
  close(): void;
}

export interface LabC {
  prefix: string;
  /** the services' databases are <dbBase>_orders and <dbBase>_payments */
  dbBase: string;
  names: ReturnType<typeof namesOf>;
  gatewayUrl: string;
  orders: OrdersService[];
  payments: PaymentsService[];
  lines: LabCLine[];
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; base?: string },
  ): Promise<HttpResult<T>>;
  stream(path: string, base?: string): Promise<SseStream>;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    service: 'orders' | 'payments',
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  produce(topic: string, key: string, value: string, partition?: number): Promise<void>;
  /** records sent together (one request), to one partition */
  produceAll(topic: string, partition: number, records: readonly { key: string; value: string }[]): Promise<void>;
  linesOf<T extends LabCLine['type']>(type: T, pred?: (l: LabCLineOf<T>) => boolean): LabCLineOf<T>[];
  stop(): Promise<void>;
}

export interface LabCOptions {
  replicas?: number;
  fundsWindowMs?: number;
  paymentsBrokenMode?: LabCBrokenModeId;
  pauseMs?: number;
  /** payments reaches its database through this (a link the test can cut): the URL → the URL it uses */
  paymentsDatabaseVia?: (url: string) => string;
}

export async function startLabC(opts: LabCOptions = {}): Promise<LabC> {
  const ep = endpoints();
  const brokers = ep.kafka.brokers;
  const prefix = `${uniqueName('labc')}.`;
  const names = namesOf(prefix);
  const dbBase = uniqueName('es_labc', '_').slice(0, 50);
  const dbUrl = (s: 'orders' | 'payments'): string => withDatabase(ep.postgres.url, `${dbBase}_${s}`);
  const channel = `${prefix}sse-updates`;
  const lines: LabCLine[] = [];
  const out = (l: LabCLine): void => {
    lines.push(l);
  };
  const logger = createLogger({ name: 'lab-c-test', level: process.env.LAB_C_LOG_LEVEL ?? 'silent' });
  const n = opts.replicas ?? 3;
  const common = {
    port: 0,
    brokers,
    prefix,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    relay: { pollIntervalMs: 200 },
  };
  const orders = Array.from({ length: n }, (_, i) =>
    createOrders(
      {
        ...common,
        instance: `orders-${i + 1}`,
        databaseUrl: dbUrl('orders'),
        redisUrl: ep.redis.url,
        sseChannel: channel,
        keepAliveMs: 1000,
      },
      { logger, out },
    ),
  );
  const payments = Array.from({ length: n }, (_, i) =>
    createPayments(
      {
        ...common,
        instance: `payments-${i + 1}`,
        databaseUrl: opts.paymentsDatabaseVia ? opts.paymentsDatabaseVia(dbUrl('payments')) : dbUrl('payments'),
        fundsWindowMs: opts.fundsWindowMs ?? 500,
        retryIntervalMs: 200,
        ...(opts.pauseMs ? { pauseMs: opts.pauseMs } : {}),
        ...(opts.paymentsBrokenMode ? { brokenMode: opts.paymentsBrokenMode } : {}),
      },
      { logger, out },
    ),
  );
  let gateway: Gateway | undefined;
  const kafka = new Kafka({ clientId: 'lab-c-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const pools = new Map<string, pg.Pool>();
  const streams: SseStream[] = [];

  const stop = async (): Promise<void> => {
    for (const s of streams) s.close();
    await Promise.allSettled([gateway?.stop()]);
    await Promise.allSettled([...orders, ...payments].map((s) => s.stop()));
    await Promise.allSettled([producer.disconnect(), ...[...pools.values()].map((p) => p.end())]);
    const admin = new pg.Client({ connectionString: ep.postgres.url });
    admin.on('error', () => undefined);
    await admin.connect().then(
      async () => {
        for (const s of ['orders', 'payments'])
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

  try {
    // the first replica of each creates the database and the topics; the others start together
    await Promise.all([orders[0]!.start(), payments[0]!.start()]);
    await Promise.all([...orders.slice(1), ...payments.slice(1)].map((s) => s.start()));
    gateway = createLabCGateway(
      { port: 0, orders: orders.map((o) => o.url), payments: payments.map((p) => p.url) },
      { logger, out },
    );
    await gateway.start();
    await producer.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  const gatewayUrl = gateway.url;

  const call: LabC['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${o.base ?? gatewayUrl}${path}`, {
      method,
      headers,
      ...(o.body === undefined ? {} : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text === '' ? null : JSON.parse(text)) as never };
  };

  const stream: LabC['stream'] = async (path, base) => {
    const abort = new AbortController();
    const res = await fetch(`${base ?? gatewayUrl}${path}`, { signal: abort.signal });
    const frames: SseFrame[] = [];
    const s: SseStream = {
      status: res.status,
      headers: res.headers,
      frames,
      comments: 0,
      waitFrame: (pred, what, timeoutMs = 20_000) =>
        waitFor(() => frames.find(pred), { what, timeoutMs, intervalMs: 25 }),
      close: () => abort.abort(),
    };
    streams.push(s);
    if (res.body)
      void readSse(res.body, {
        event: (e) => frames.push({ event: e.event, data: JSON.parse(e.data) as never }),
        comment: () => s.comments++,
      });
    return s;
  };

  const query: LabC['query'] = async (service, sql, params = []) => {
    let pool = pools.get(service);
    if (pool === undefined) {
      pool = new pg.Pool({ connectionString: dbUrl(service), max: 2 });
      pool.on('error', () => undefined);
      pools.set(service, pool);
    }
    return (await pool.query(sql, params)).rows as never;
  };

  const linesOf: LabC['linesOf'] = (type, pred) =>
    lines.filter((l): l is LabCLineOf<typeof type> => l.type === type && (pred?.(l as never) ?? true));

  return {
    prefix,
    dbBase,
    names,
    gatewayUrl,
    orders,
    payments,
    lines,
    call,
    stream,
    query,
    async produce(topic, key, value, partition) {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key, value, ...(partition === undefined ? {} : { partition }) }],
      });
    },
    async produceAll(topic, partition, records) {
      await producer.send({ topic, acks: -1, messages: records.map((r) => ({ ...r, partition })) });
    },
    linesOf,
    stop,
  };
}
