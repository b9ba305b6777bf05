// Lab C orders, one replica (run it ×3 on one database): the orders HTTP API of the seed (under /orders-api), the order
// row and its `order.created` outbox row in one transaction, the outbox relay to orders-events, a consumer of
// payments-events (group orders-service-group) that applies payment.completed / payment.failed once per event id
// (inbox) and moves the order to its final status, and the live stream: every update goes to the Redis channel
// `sse-updates`, every replica subscribes to it and writes the update to the SSE connections of that user it holds.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PoolClient } from 'pg';
import { createClient } from 'redis';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../shared/app-error.js';
import { createPool, ensureDatabase, migrate, withTx, type Migration } from '../shared/database.js';
import { listen } from '../shared/http.js';
import { toDbError } from '../shared/postgres.js';
import { Inbox, inboxTableSql } from '../shared/inbox.js';
import { createLogger } from '../shared/logger.js';
import type { Runnable } from '../shared/service-entry.js';
import {
  createLabCConsumer,
  createLabCHttp,
  createRelay,
  dataOf,
  ensureLabCTopics,
  envelope,
  lineWriter,
  outboxTableSql,
  type CommonConfig,
  type Consumed,
  type LabCDeps,
  type Where,
} from './runtime.js';
import {
  FINAL_STATUSES,
  PaymentCompletedData,
  PaymentFailedData,
  SSE_CHANNEL,
  SseUpdate,
  namesOf,
  stdoutLine,
  type Envelope,
  type Order,
  type OrderStatus,
} from './schema.js';

export interface OrdersConfig extends CommonConfig {
  databaseUrl: string;
  redisUrl: string;
  /** the Redis channel of the SSE fan-out (default `sse-updates`) */
  sseChannel?: string;
  /** false: this replica does not subscribe to the channel (the bad-setup case of invariant 5) */
  sseSubscribe?: boolean;
  /** a comment line on every open stream this often (default 15 s) */
  keepAliveMs?: number;
}

export interface OrdersService extends Runnable {
  start(): Promise<{ port: number; url: string }>;
  readonly url: string;
  readonly instance: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        amount numeric(15, 2) NOT NULL CHECK (amount >= 0),
        currency varchar(3) NOT NULL DEFAULT 'USD',
        status text NOT NULL DEFAULT 'created'
          CHECK (status IN ('created', 'payment_pending', 'paid', 'payment_failed', 'completed', 'cancelled')),
        payment_id uuid NULL,
        error_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_user_idx ON orders (user_id, created_at);
      ${outboxTableSql('orders_outbox')}
      ${inboxTableSql('orders_inbox')}`,
  },
];

type OrderRow = {
  id: string;
  user_id: string;
  amount: string;
  currency: string;
  status: OrderStatus;
  payment_id: string | null;
  error_reason: string | null;
  created_at: Date;
  updated_at: Date;
};
const ORDER_COLUMNS =
  'id, user_id, amount::text AS amount, currency, status, payment_id, error_reason, created_at, updated_at';

export function toOrder(r: OrderRow): Order {
  return {
    id: r.id,
    userID: r.user_id,
    amount: Number(r.amount),
    currency: r.currency,
    status: r.status,
    paymentID: r.payment_id,
    errorReason: r.error_reason,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** 100.00–1000.00, two decimals (the seed's orders pick the amount themselves). */
export function pickAmount(random: () => number = Math.random): number {
  return Math.round((100 + random() * 900) * 100) / 100;
}

const UUID = { type: 'string', format: 'uuid' } as const;

export function createOrders(config: OrdersConfig, deps: LabCDeps & { random?: () => number } = {}): OrdersService {
  const instance = config.instance ?? `orders-${process.pid}`;
  const logger = deps.logger ?? createLogger({ name: `lab-c-${instance}` });
  const out = deps.out ?? stdoutLine;
  const names = namesOf(config.prefix);
  const channel = config.sseChannel ?? SSE_CHANNEL;
  const pool = createPool(config.databaseUrl, logger);
  const inbox = new Inbox('orders_inbox');
  const relay = createRelay({
    service: 'orders',
    table: 'orders_outbox',
    pool,
    databaseUrl: config.databaseUrl,
    brokers: config.brokers,
    kafkaLinks: config.kafkaLinks,
    topic: names.ordersTopic,
    logger: logger.child({ component: 'relay' }),
    ...(config.relay ? { tuning: config.relay } : {}),
  });
  const line = lineWriter(out, 'orders', instance);

  // --- Redis: one client publishes, a duplicate subscribes (a subscribed connection can do nothing else)
  const publisher = createClient({ url: config.redisUrl });
  const subscriber = publisher.duplicate();
  for (const [name, c] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const)
    c.on('error', (err: Error) => logger.warn({ err: err.message, client: name }, 'redis: connection error'));

  // --- SSE: this replica's open streams, by user
  const streams = new Map<string, Set<FastifyReply>>();
  const write = (reply: FastifyReply, event: string, data: unknown): void => {
    reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  function deliver(message: string): void {
    let update: { user_id: string; order: unknown };
    try {
      update = SseUpdate.parse(JSON.parse(message));
    } catch {
      logger.warn({ channel }, 'sse: a message on the channel that is not an order update, ignored');
      return;
    }
    const mine = streams.get(update.user_id);
    const order = update.order as Order;
    if (mine === undefined || mine.size === 0) return;
    for (const reply of mine) write(reply, 'order-update', order);
    line({
      type: 'sse_pushed',
      order_id: order.id,
      user_id: update.user_id,
      status: order.status,
      connections: mine.size,
    });
  }
  async function publish(order: Order): Promise<void> {
    line({ type: 'order_status', order_id: order.id, status: order.status });
    try {
      await publisher.publish(channel, JSON.stringify({ user_id: order.userID, event: 'order-update', order }));
    } catch (err) {
      logger.warn({ err: (err as Error).message, order_id: order.id }, 'redis: update not published');
    }
  }

  // --- the consumer of payments-events
  async function applyPayment(event: Envelope, where: Where): Promise<Consumed> {
    let next: { status: OrderStatus; paymentId: string | null; reason: string | null; orderId: string };
    if (event.event_type === 'payment.completed') {
      const d = dataOf(PaymentCompletedData, event);
      next = { status: 'paid', paymentId: d.payment_id, reason: null, orderId: d.order_id };
    } else if (event.event_type === 'payment.failed') {
      const d = dataOf(PaymentFailedData, event);
      next = { status: 'payment_failed', paymentId: null, reason: d.reason, orderId: d.order_id };
    } else {
      return { outcome: 'ignored', orderId: typeof event.data.order_id === 'string' ? event.data.order_id : null };
    }
    const result = await withTx(pool, async (client: PoolClient) => {
      const seen = await inbox.receive(client, {
        eventId: event.event_id,
        eventType: event.event_type,
        payload: event,
        ...where,
      });
      if (seen.status === 'processed') return { outcome: 'duplicate' as const };
      const { rows } = await client.query<OrderRow>(
        `UPDATE orders SET status = $2, payment_id = $3, error_reason = $4, updated_at = now()
         WHERE id = $1 AND status NOT IN (${FINAL_STATUSES.map((s) => `'${s}'`).join(', ')}) RETURNING ${ORDER_COLUMNS}`,
        [next.orderId, next.status, next.paymentId, next.reason],
      );
      await inbox.mark(
        client,
        event.event_id,
        'processed',
        rows.length === 0 ? 'order unknown or already final' : undefined,
      );
      return rows[0] === undefined
        ? { outcome: 'ignored' as const }
        : { outcome: 'applied' as const, order: toOrder(rows[0]) };
    });
    if ('order' in result && result.order) await publish(result.order);
    return {
      outcome: result.outcome,
      orderId: next.orderId,
      ...(result.outcome === 'ignored' ? { detail: 'order unknown or already final' } : {}),
    };
  }
  const { member } = createLabCConsumer({
    service: 'orders',
    instance,
    brokers: config.brokers,
    groupId: names.ordersGroup,
    topic: names.paymentsTopic,
    logger: logger.child({ component: 'consumer' }),
    out,
    config,
    handle: applyPayment,
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
  });

  // --- HTTP
  function routes(app: FastifyInstance): void {
    app.get('/healthz', () => ({ ok: true, service: 'orders', instance }));
    app.post<{ Body: { user_id: string } }>(
      '/orders-api/orders',
      {
        schema: {
          body: { type: 'object', required: ['user_id'], properties: { user_id: UUID } },
        },
      },
      async (req) => {
        const id = uuidv7();
        const amount = pickAmount(deps.random);
        const event = envelope('order.created', { order_id: id, user_id: req.body.user_id, amount, currency: 'USD' });
        const order = await withTx(pool, async (client) => {
          const { rows } = await client.query<OrderRow>(
            `INSERT INTO orders (id, user_id, amount, currency) VALUES ($1, $2, $3, 'USD') RETURNING ${ORDER_COLUMNS}`,
            [id, req.body.user_id, amount],
          );
          await client.query(
            'INSERT INTO orders_outbox (aggregate_id, event_id, event_type, payload) VALUES ($1, $2, $3, $4::jsonb)',
            [id, event.event_id, event.event_type, JSON.stringify(event)],
          );
          return toOrder(rows[0]!);
        });
        relay.committed();
        line({
          type: 'order_committed',
          order_id: id,
          user_id: order.userID,
          amount: order.amount,
          event_id: event.event_id,
        });
        await publish(order);
        return order;
      },
    );
    app.get<{ Querystring: { user_id: string } }>(
      '/orders-api/orders/stream',
      {
        schema: {
          querystring: {
            type: 'object',
            required: ['user_id'],
            properties: { user_id: { type: 'string', minLength: 1 } },
          },
        },
      },
      (req, reply) => {
        const userId = req.query.user_id;
        const headers = {
          ...(reply.getHeaders() as Record<string, string>),
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-orders-instance': instance,
        };
        reply.hijack();
        reply.raw.writeHead(200, headers);
        let mine = streams.get(userId);
        if (mine === undefined) streams.set(userId, (mine = new Set()));
        mine.add(reply);
        write(reply, 'connected', { message: 'Connected to order status updates', user_id: userId });
        const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), config.keepAliveMs ?? 15_000);
        keepAlive.unref();
        reply.raw.on('close', () => {
          clearInterval(keepAlive);
          mine.delete(reply);
          if (mine.size === 0) streams.delete(userId);
        });
      },
    );
    app.get<{ Params: { user_id: string } }>(
      '/orders-api/orders/user/:user_id',
      { schema: { params: { type: 'object', properties: { user_id: UUID } } } },
      async (req) => {
        const { rows } = await pool
          .query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [
            req.params.user_id,
          ])
          .catch(rethrowDb);
        return rows.map(toOrder);
      },
    );
    app.get<{ Params: { id: string } }>(
      '/orders-api/orders/:id',
      { schema: { params: { type: 'object', properties: { id: UUID } } } },
      async (req) => {
        const { rows } = await pool
          .query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [req.params.id])
          .catch(rethrowDb);
        if (rows[0] === undefined)
          throw new AppError('NOT_FOUND', `order ${req.params.id} not found`, { id: req.params.id });
        return toOrder(rows[0]);
      },
    );
  }

  let app: FastifyInstance | undefined;
  let url = '';
  let started: Promise<{ port: number; url: string }> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    instance,
    get url() {
      return url;
    },
    start() {
      started ??= (async () => {
        line({ type: 'lifecycle', state: 'starting', broken_mode: null });
        await ensureDatabase(config.databaseUrl);
        const applied = await migrate(pool, 'lab-c-orders', MIGRATIONS);
        logger.info({ applied }, 'orders: database ready');
        await ensureLabCTopics(config.brokers, [names.ordersTopic, names.paymentsTopic], logger, config.kafkaLinks);
        await publisher.connect();
        if (config.sseSubscribe !== false) {
          await subscriber.connect();
          await subscriber.subscribe(channel, deliver);
        } else logger.warn({ channel }, 'orders: not subscribed to the SSE channel (bad setup)');
        relay.start();
        await member.start();
        app = await createLabCHttp(logger);
        routes(app);
        const bound = await listen(app, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        line({ type: 'lifecycle', state: 'listening', broken_mode: null, detail: url });
        logger.info({ url, instance }, 'orders listening');
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        line({ type: 'lifecycle', state: 'stopping', broken_mode: null });
        await started?.catch(() => undefined);
        for (const set of streams.values()) for (const reply of set) reply.raw.end();
        streams.clear();
        const server = app;
        await Promise.allSettled([server?.close()]);
        await Promise.allSettled([member.stop(), relay.stop()]);
        await Promise.allSettled([
          subscriber.isOpen ? subscriber.quit() : Promise.resolve(),
          publisher.isOpen ? publisher.quit() : Promise.resolve(),
        ]);
        await Promise.allSettled([pool.end()]);
        line({ type: 'lifecycle', state: 'stopped', broken_mode: null });
      })();
      return stopped;
    },
  };
}

function rethrowDb(err: unknown): never {
  throw toDbError(err);
}
