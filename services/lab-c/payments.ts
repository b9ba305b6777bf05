// Lab C payments, one replica (run it ×3 on one database): accounts and top-ups over HTTP (under /payments-api, as the
// seed's client calls them), and the consumer of orders-events (group payments-service-group) that pays each order
// exactly once: inbox insert (event_id unique, the row locked), the account row locked, the debit, the ledger row, the
// payment row (order_id unique) and its outbox row (payment.completed) and the inbox mark, all in ONE transaction. An
// order the balance does not cover is kept `waiting` in the inbox (its offset committed: the inbox holds it) and retried
// until the funds window has passed; then it gets a failed payment row and payment.failed with the reason.
//
// The broken modes (broken-modes.ts) branch where their bug lives: `inbox-mark-outside-tx` (the mark after the commit,
// the payment saved ON CONFLICT DO NOTHING), `no-claim-lock` (a plain SELECT on the inbox, no account lock, no unique
// order_id), `commit-on-error` (runtime.ts' consumer), `lost-update-balance` (balance read, computed, written back).
// `pauseMs` is the test hook for a kill mid-transaction: the service waits there and says so in a `paused` line.
import type { FastifyInstance } from 'fastify';
import type { PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../shared/app-error.js';
import { createPool, ensureDatabase, migrate, withTx, type Migration } from '../shared/database.js';
import { listen } from '../shared/http.js';
import { Inbox, inboxTableSql, type Received } from '../shared/inbox.js';
import { createLogger } from '../shared/logger.js';
import { toDbError } from '../shared/postgres.js';
import type { Runnable } from '../shared/service-entry.js';
import type { LabCBrokenModeId } from './broken-modes.js';
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
import { OrderCreatedData, namesOf, stdoutLine, type Account, type Envelope, type LabCLine } from './schema.js';

export interface PaymentsConfig extends CommonConfig {
  databaseUrl: string;
  /** how long an under-funded order waits for a top-up before it fails (the seed: 15 s) */
  fundsWindowMs?: number;
  /** how often waiting orders are tried again (default 1 s; a top-up tries them at once) */
  retryIntervalMs?: number;
  /** the test hook: wait this long inside the payment transaction (or, inbox-mark-outside-tx, before the mark) */
  pauseMs?: number;
  brokenMode?: LabCBrokenModeId;
}

export interface PaymentsService extends Runnable {
  start(): Promise<{ port: number; url: string }>;
  readonly url: string;
  readonly instance: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL UNIQUE,
        balance numeric(15, 2) NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ledger (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id),
        user_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('topup', 'debit')),
        amount numeric(15, 2) NOT NULL CHECK (amount > 0),
        order_id uuid NULL,
        event_id uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ledger_account_idx ON ledger (account_id);
      CREATE INDEX ledger_order_idx ON ledger (order_id) WHERE order_id IS NOT NULL;
      CREATE TABLE payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL,
        user_id uuid NOT NULL,
        amount numeric(15, 2) NOT NULL,
        status text NOT NULL CHECK (status IN ('completed', 'failed')),
        reason text NULL,
        event_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX payments_order_id_key ON payments (order_id);
      ${outboxTableSql('payments_outbox')}
      ${inboxTableSql('payments_inbox')}`,
  },
];

type AccountRow = { id: string; user_id: string; balance: string; created_at: Date; updated_at: Date };
const ACCOUNT_COLUMNS = 'id, user_id, balance::text AS balance, created_at, updated_at';

export function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    user_id: r.user_id,
    balance: Number(r.balance),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const UUID = { type: 'string', format: 'uuid' } as const;
const cents = (n: number): number => Math.round(n * 100);

/** Why an order is kept waiting for funds, or undefined when `balance` (null: no account) covers it. */
function shortOf(d: OrderCreatedData, balance: number | null): string | undefined {
  if (balance === null) return 'no account for the user yet';
  return cents(balance) >= cents(d.amount) ? undefined : 'insufficient funds so far';
}

/**
 * The payment of an order once decided: paid when `balance` (null: no account) covers it, else failed with the reason;
 * its row's status and reason and its outbox event.
 */
function paymentOf(d: OrderCreatedData, balance: number | null) {
  const id = uuidv7();
  const covered = shortOf(d, balance) === undefined;
  const reason = covered
    ? null
    : balance === null
      ? `no account for user ${d.user_id}`
      : `insufficient funds: balance ${balance.toFixed(2)}, amount ${d.amount.toFixed(2)}`;
  const event = covered
    ? envelope('payment.completed', { payment_id: id, order_id: d.order_id, user_id: d.user_id, amount: d.amount })
    : envelope('payment.failed', { order_id: d.order_id, user_id: d.user_id, amount: d.amount, reason: reason ?? '' });
  return { id, covered, status: covered ? ('completed' as const) : ('failed' as const), reason, event };
}

export function createPayments(config: PaymentsConfig, deps: LabCDeps = {}): PaymentsService {
  const instance = config.instance ?? `payments-${process.pid}`;
  const logger = deps.logger ?? createLogger({ name: `lab-c-${instance}` });
  const out = deps.out ?? stdoutLine;
  const names = namesOf(config.prefix);
  const mode = config.brokenMode;
  const windowMs = config.fundsWindowMs ?? 15_000;
  const pauseMs = config.pauseMs ?? 0;
  const pool = createPool(config.databaseUrl, logger);
  const inbox = new Inbox('payments_inbox');
  const relay = createRelay({
    service: 'payments',
    table: 'payments_outbox',
    pool,
    databaseUrl: config.databaseUrl,
    brokers: config.brokers,
    kafkaLinks: config.kafkaLinks,
    topic: names.paymentsTopic,
    logger: logger.child({ component: 'relay' }),
    ...(config.relay ? { tuning: config.relay } : {}),
  });
  const line = lineWriter(out, 'payments', instance);
  const pause = async (at: string, orderId: string): Promise<void> => {
    if (pauseMs <= 0) return;
    line({ type: 'paused', at, order_id: orderId, ms: pauseMs });
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  };

  /** The inbox row of `event`, as each mode reads it. */
  async function receive(client: PoolClient, event: Envelope, where: Where): Promise<Received> {
    const e = { eventId: event.event_id, eventType: event.event_type, payload: event, ...where };
    if (mode !== 'no-claim-lock') return inbox.receive(client, e);
    // the broken claim: a plain look (no insert-first, no lock); the row is written at the end, with the mark
    const seen = await inbox.read(client, event.event_id, false);
    if (seen !== undefined) return { ...seen, fresh: false };
    return { status: 'received', ageMs: 0, attempts: 1, fresh: true };
  }

  /** The inbox mark in the payment's transaction (no-claim-lock: the row itself is only written now). */
  async function mark(
    client: PoolClient,
    event: Envelope,
    where: Where,
    status: 'processed' | 'waiting' | 'failed',
    why?: string,
  ): Promise<void> {
    if (mode !== 'no-claim-lock') return inbox.mark(client, event.event_id, status, why);
    await client.query(
      `INSERT INTO payments_inbox (event_id, event_type, payload, topic, "partition", "offset", status, last_error, processed_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, CASE WHEN $7 = 'processed' THEN now() END)
       ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, last_error = EXCLUDED.last_error,
         processed_at = EXCLUDED.processed_at, attempts = payments_inbox.attempts + 1`,
      [
        event.event_id,
        event.event_type,
        JSON.stringify(event),
        where.topic,
        where.partition,
        where.offset,
        status,
        why ?? null,
      ],
    );
  }

  /** The debit of `amount` from account `id`; the new balance (lost-update-balance: read, compute, write back). */
  async function debit(client: PoolClient, id: string, amount: number, orderId: string): Promise<number> {
    if (mode === 'lost-update-balance') {
      const { rows } = await client.query<{ balance: string }>(
        'SELECT balance::text AS balance FROM accounts WHERE id = $1',
        [id],
      );
      const next = (cents(Number(rows[0]?.balance ?? 0)) - cents(amount)) / 100;
      await pause('between-read-and-write', orderId);
      await client.query('UPDATE accounts SET balance = $2, updated_at = now() WHERE id = $1', [id, next]);
      return next;
    }
    const { rows } = await client.query<{ balance: string }>(
      'UPDATE accounts SET balance = balance - $2, updated_at = now() WHERE id = $1 RETURNING balance::text AS balance',
      [id, amount],
    );
    return Number(rows[0]?.balance);
  }

  /**
   * Pays (or fails) the order of one order.created in the caller's transaction, the inbox row already received.
   * Returns the outcome and what to print after the commit.
   */
  async function pay(
    client: PoolClient,
    event: Envelope,
    seen: Received,
    where: Where,
  ): Promise<{
    consumed: Consumed;
    committed?: Omit<Extract<LabCLine, { type: 'payment_committed' }>, 'ts' | 'service' | 'instance' | 'type'>;
  }> {
    const d = OrderCreatedData.parse(event.data);
    if (seen.status === 'processed')
      return { consumed: { outcome: 'duplicate', orderId: d.order_id, detail: 'event id already processed' } };
    if (mode !== 'inbox-mark-outside-tx') {
      const existing = await client.query('SELECT 1 FROM payments WHERE order_id = $1', [d.order_id]);
      if (existing.rowCount !== 0) {
        await mark(client, event, where, 'processed', 'the order has a payment already');
        return { consumed: { outcome: 'duplicate', orderId: d.order_id, detail: 'the order has a payment already' } };
      }
    }
    const lock = mode === 'no-claim-lock' || mode === 'lost-update-balance' ? '' : ' FOR UPDATE';
    const { rows } = await client.query<{ id: string; balance: string }>(
      `SELECT id, balance::text AS balance FROM accounts WHERE user_id = $1${lock}`,
      [d.user_id],
    );
    const account = rows[0];
    const balance = account === undefined ? null : Number(account.balance);
    const why = shortOf(d, balance);
    if (why !== undefined && seen.ageMs < windowMs) {
      await mark(client, event, where, 'waiting', why);
      return { consumed: { outcome: 'waiting', orderId: d.order_id, detail: why } };
    }
    const { id: paymentId, covered, status, reason, event: out } = paymentOf(d, balance);
    let balanceAfter = balance;
    if (covered && account !== undefined) {
      balanceAfter = await debit(client, account.id, d.amount, d.order_id);
      await client.query(
        "INSERT INTO ledger (account_id, user_id, kind, amount, order_id, event_id) VALUES ($1, $2, 'debit', $3, $4, $5)",
        [account.id, d.user_id, d.amount, d.order_id, event.event_id],
      );
    }
    const conflict = mode === 'inbox-mark-outside-tx' ? ' ON CONFLICT (order_id) DO NOTHING' : '';
    await client.query(
      `INSERT INTO payments (id, order_id, user_id, amount, status, reason, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7)${conflict}`,
      [paymentId, d.order_id, d.user_id, d.amount, status, reason, event.event_id],
    );
    await client.query(
      'INSERT INTO payments_outbox (aggregate_id, event_id, event_type, payload) VALUES ($1, $2, $3, $4::jsonb)',
      [d.order_id, out.event_id, out.event_type, JSON.stringify(out)],
    );
    if (mode !== 'inbox-mark-outside-tx') {
      if (mode !== 'lost-update-balance') await pause('before-commit', d.order_id);
      await mark(client, event, where, 'processed');
    }
    return {
      consumed: { outcome: 'applied', orderId: d.order_id, detail: covered ? 'paid' : 'failed' },
      committed: {
        order_id: d.order_id,
        payment_id: paymentId,
        user_id: d.user_id,
        amount: d.amount,
        status,
        reason,
        balance_after: balanceAfter,
      },
    };
  }

  /** After a commit: wake the relay, print, and (inbox-mark-outside-tx) the mark as a second statement. */
  async function afterCommit(event: Envelope, r: Awaited<ReturnType<typeof pay>>): Promise<Consumed> {
    if (r.committed) {
      relay.committed();
      line({ type: 'payment_committed', ...r.committed });
      if (mode === 'inbox-mark-outside-tx') {
        await pause('before-mark', r.committed.order_id);
        await inbox.mark(pool, event.event_id, 'processed').catch((err: unknown) => {
          throw toDbError(err);
        });
      }
    }
    return r.consumed;
  }

  async function handle(event: Envelope, where: Where): Promise<Consumed> {
    if (event.event_type !== 'order.created')
      return { outcome: 'ignored', orderId: typeof event.data.order_id === 'string' ? event.data.order_id : null };
    try {
      dataOf(OrderCreatedData, event);
    } catch (err) {
      // a well-formed envelope with bad data: recorded as failed in the inbox, then a poison line (never retried)
      await withTx(pool, async (client) => {
        await inbox.receive(client, { eventId: event.event_id, eventType: event.event_type, payload: event, ...where });
        await inbox.mark(client, event.event_id, 'failed', (err as Error).message);
      });
      throw err;
    }
    const r = await withTx(pool, async (client) => pay(client, event, await receive(client, event, where), where));
    return afterCommit(event, r);
  }

  /**
   * The set-based path (the correct service, no test pause): a chunk of order.created events paid in ONE transaction
   * with a statement per step for all of them (inbox rows inserted and locked in event id order, the accounts locked in
   * id order, debits, ledger, payment and outbox rows, inbox marks), the same decisions as `pay` made per event in
   * order. Undefined when the chunk is not plain (another event type, bad data, an event or order twice) or the
   * transaction failed: the consumer then handles the events one by one, where each case has its own path.
   */
  async function payBatch(items: readonly { event: Envelope; where: Where }[]): Promise<Consumed[] | undefined> {
    const orders = items.map(({ event }) =>
      event.event_type === 'order.created' ? OrderCreatedData.safeParse(event.data) : undefined,
    );
    const data = orders.flatMap((o) => (o?.success === true ? [o.data] : []));
    if (data.length !== items.length) return undefined;
    const eventIds = items.map(({ event }) => event.event_id);
    if (new Set(eventIds).size !== items.length || new Set(data.map((d) => d.order_id)).size !== items.length)
      return undefined;
    try {
      const done = await withTx(pool, (client) => payAll(client, items, data));
      if (done.committed.length > 0) relay.committed();
      for (const c of done.committed) line({ type: 'payment_committed', ...c });
      return done.consumed;
    } catch (err) {
      logger.warn({ err: (err as Error).message, events: items.length }, 'payments: batch failed, one by one now');
      return undefined;
    }
  }

  async function payAll(
    client: PoolClient,
    items: readonly { event: Envelope; where: Where }[],
    data: readonly OrderCreatedData[],
  ) {
    const ids = items.map(({ event }) => event.event_id);
    const order = [...items.keys()].sort((a, b) => (ids[a] as string).localeCompare(ids[b] as string));
    const column = <T>(f: (i: number) => T): T[] => order.map(f);
    const inserted = await client.query<{ event_id: string }>(
      `INSERT INTO payments_inbox (event_id, event_type, payload, topic, "partition", "offset")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::int[], $6::bigint[])
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text AS event_id`,
      [
        column((i) => ids[i]),
        column((i) => items[i]?.event.event_type),
        column((i) => JSON.stringify(items[i]?.event)),
        column((i) => items[i]?.where.topic),
        column((i) => items[i]?.where.partition),
        column((i) => items[i]?.where.offset),
      ],
    );
    const fresh = new Set(inserted.rows.map((r) => r.event_id));
    const again = ids.filter((id) => !fresh.has(id));
    if (again.length > 0)
      await client.query('UPDATE payments_inbox SET attempts = attempts + 1 WHERE event_id = ANY($1::uuid[])', [again]);
    const seen = new Map(
      (
        await client.query<{ event_id: string; status: string; age_ms: string }>(
          `SELECT event_id::text AS event_id, status, (extract(epoch FROM now() - received_at) * 1000)::bigint::text AS age_ms
           FROM payments_inbox WHERE event_id = ANY($1::uuid[]) ORDER BY event_id FOR UPDATE`,
          [ids],
        )
      ).rows.map((r) => [r.event_id, { status: r.status, ageMs: Number(r.age_ms) }]),
    );
    const paid = new Set(
      (
        await client.query<{ order_id: string }>(
          'SELECT order_id::text AS order_id FROM payments WHERE order_id = ANY($1::uuid[])',
          [data.map((d) => d.order_id)],
        )
      ).rows.map((r) => r.order_id),
    );
    const accounts = new Map(
      (
        await client.query<{ id: string; user_id: string; balance: string }>(
          `SELECT id::text AS id, user_id::text AS user_id, balance::text AS balance FROM accounts
           WHERE user_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
          [[...new Set(data.map((d) => d.user_id))]],
        )
      ).rows.map((r) => [r.user_id, { id: r.id, cents: cents(Number(r.balance)) }]),
    );

    const consumed: Consumed[] = [];
    const committed: Omit<Extract<LabCLine, { type: 'payment_committed' }>, 'ts' | 'service' | 'instance' | 'type'>[] =
      [];
    const marks: { id: string; status: string; why: string | null }[] = [];
    const debits: { account: string; user: string; amount: number; order: string; event: string }[] = [];
    const payments: (string | number | null)[][] = [];
    const outbox: Envelope[] = [];
    data.forEach((d, i) => {
      const eventId = ids[i] as string;
      const row = seen.get(eventId);
      if (row === undefined) throw new Error(`inbox row ${eventId} vanished`);
      if (row.status === 'processed') {
        consumed.push({ outcome: 'duplicate', orderId: d.order_id, detail: 'event id already processed' });
        return;
      }
      if (paid.has(d.order_id)) {
        marks.push({ id: eventId, status: 'processed', why: 'the order has a payment already' });
        consumed.push({ outcome: 'duplicate', orderId: d.order_id, detail: 'the order has a payment already' });
        return;
      }
      const account = accounts.get(d.user_id);
      const balance = account === undefined ? null : account.cents / 100;
      const why = shortOf(d, balance);
      if (why !== undefined && row.ageMs < windowMs) {
        marks.push({ id: eventId, status: 'waiting', why });
        consumed.push({ outcome: 'waiting', orderId: d.order_id, detail: why });
        return;
      }
      const p = paymentOf(d, balance);
      if (p.covered && account !== undefined) {
        account.cents -= cents(d.amount);
        debits.push({ account: account.id, user: d.user_id, amount: d.amount, order: d.order_id, event: eventId });
      }
      payments.push([p.id, d.order_id, d.user_id, d.amount, p.status, p.reason, eventId]);
      outbox.push(p.event);
      marks.push({ id: eventId, status: 'processed', why: null });
      consumed.push({ outcome: 'applied', orderId: d.order_id, detail: p.covered ? 'paid' : 'failed' });
      committed.push({
        order_id: d.order_id,
        payment_id: p.id,
        user_id: d.user_id,
        amount: d.amount,
        status: p.status,
        reason: p.reason,
        balance_after: account === undefined ? null : account.cents / 100,
      });
    });

    const col = <T>(rows: readonly T[][], k: number) => rows.map((r) => r[k]);
    if (debits.length > 0) {
      await client.query(
        `UPDATE accounts a SET balance = a.balance - v.amount, updated_at = now()
         FROM (SELECT id, sum(amount) AS amount FROM unnest($1::uuid[], $2::numeric[]) AS t(id, amount) GROUP BY id) v
         WHERE a.id = v.id`,
        [debits.map((d) => d.account), debits.map((d) => d.amount)],
      );
      await client.query(
        `INSERT INTO ledger (account_id, user_id, kind, amount, order_id, event_id)
         SELECT a, u, 'debit', m, o, e FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::uuid[], $5::uuid[]) AS t(a, u, m, o, e)`,
        [
          debits.map((d) => d.account),
          debits.map((d) => d.user),
          debits.map((d) => d.amount),
          debits.map((d) => d.order),
          debits.map((d) => d.event),
        ],
      );
    }
    if (payments.length > 0) {
      await client.query(
        `INSERT INTO payments (id, order_id, user_id, amount, status, reason, event_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[], $5::text[], $6::text[], $7::uuid[])`,
        [0, 1, 2, 3, 4, 5, 6].map((k) => col(payments, k)),
      );
      await client.query(
        `INSERT INTO payments_outbox (aggregate_id, event_id, event_type, payload)
         SELECT a, e, t, p::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS v(a, e, t, p)`,
        [
          outbox.map((o) => o.data.order_id as string),
          outbox.map((o) => o.event_id),
          outbox.map((o) => o.event_type),
          outbox.map((o) => JSON.stringify(o)),
        ],
      );
    }
    if (marks.length > 0)
      await client.query(
        `UPDATE payments_inbox i SET status = v.status, last_error = v.why,
           processed_at = CASE WHEN v.status = 'processed' THEN now() ELSE i.processed_at END
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, status, why) WHERE i.event_id = v.id`,
        [marks.map((m) => m.id), marks.map((m) => m.status), marks.map((m) => m.why)],
      );
    return { consumed, committed };
  }

  /** Waiting orders, one transaction each (SKIP LOCKED: the replicas share them). */
  let retryTimer: NodeJS.Timeout | undefined;
  let retrying: Promise<void> | undefined;
  let stopping = false;
  async function retryWaiting(): Promise<void> {
    for (let n = 0; n < 100 && !stopping; n++) {
      const done = await withTx(pool, async (client) => {
        const { rows } = await client.query<{
          event_id: string;
          payload: Envelope;
          topic: string;
          partition: number;
          offset: string;
        }>(
          `SELECT event_id::text AS event_id, payload, topic, "partition", "offset"::text AS "offset" FROM payments_inbox
           WHERE status = 'waiting' ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        const seen = await inbox.read(client, row.event_id, true, true);
        if (seen === undefined) return undefined;
        return { row, result: await pay(client, row.payload, { ...seen, fresh: false }, row) };
      });
      if (done === undefined) return;
      const consumed = await afterCommit(done.row.payload, done.result);
      if (consumed.outcome !== 'waiting')
        line({
          type: 'consumed',
          topic: done.row.topic,
          partition: done.row.partition,
          offset: done.row.offset,
          event_id: done.row.event_id,
          event_type: 'order.created',
          order_id: consumed.orderId,
          outcome: consumed.outcome,
          detail: `retried: ${consumed.detail ?? ''}`,
        });
      else if (n > 0) return; // the next one waits too: try again on the next tick
    }
  }
  const kickRetry = (): void => {
    if (retrying || stopping) return;
    retrying = retryWaiting()
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'payments: retry of waiting orders failed'))
      .finally(() => {
        retrying = undefined;
      });
  };

  const { member } = createLabCConsumer({
    service: 'payments',
    instance,
    brokers: config.brokers,
    groupId: names.paymentsGroup,
    topic: names.ordersTopic,
    logger: logger.child({ component: 'consumer' }),
    out,
    config,
    handle,
    // the broken modes and the test pause keep the one-by-one path: each bug lives in one of its statements
    ...(mode === undefined && pauseMs <= 0 ? { handleBatch: payBatch } : {}),
    ...(mode === 'commit-on-error' ? { commitOnError: true } : {}),
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
  });

  function routes(app: FastifyInstance): void {
    app.get('/healthz', () => ({ ok: true, service: 'payments', instance }));
    app.post('/payments-api/accounts', async (_req, reply) => {
      const { rows } = await pool
        .query<AccountRow>(`INSERT INTO accounts (id, user_id) VALUES ($1, $2) RETURNING ${ACCOUNT_COLUMNS}`, [
          uuidv7(),
          uuidv7(),
        ])
        .catch((err: unknown) => {
          throw toDbError(err);
        });
      const a = toAccount(rows[0]!);
      return reply.status(201).send({ id: a.id, user_id: a.user_id, balance: a.balance, created_at: a.created_at });
    });
    app.get<{ Params: { user_id: string } }>(
      '/payments-api/accounts/:user_id',
      { schema: { params: { type: 'object', properties: { user_id: UUID } } } },
      async (req) => {
        const { rows } = await pool
          .query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1`, [req.params.user_id])
          .catch((err: unknown) => {
            throw toDbError(err);
          });
        if (rows[0] === undefined) throw notFound(req.params.user_id);
        return toAccount(rows[0]);
      },
    );
    app.post<{ Params: { user_id: string }; Body: { amount: number } }>(
      '/payments-api/accounts/:user_id/topup',
      {
        schema: {
          params: { type: 'object', properties: { user_id: UUID } },
          body: {
            type: 'object',
            required: ['amount'],
            properties: { amount: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000_000 } },
          },
        },
      },
      async (req) => {
        const { amount } = req.body;
        const a = await withTx(pool, async (client) => {
          let row: AccountRow | undefined;
          if (mode === 'lost-update-balance') {
            const read = await client.query<{ id: string; balance: string }>(
              'SELECT id, balance::text AS balance FROM accounts WHERE user_id = $1',
              [req.params.user_id],
            );
            const r = read.rows[0];
            if (r === undefined) throw notFound(req.params.user_id);
            await pause('between-read-and-write', '');
            const next = (cents(Number(r.balance)) + cents(amount)) / 100;
            row = (
              await client.query<AccountRow>(
                `UPDATE accounts SET balance = $2, updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
                [r.id, next],
              )
            ).rows[0];
          } else {
            row = (
              await client.query<AccountRow>(
                `UPDATE accounts SET balance = balance + $2, updated_at = now() WHERE user_id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
                [req.params.user_id, amount],
              )
            ).rows[0];
          }
          if (row === undefined) throw notFound(req.params.user_id);
          await client.query("INSERT INTO ledger (account_id, user_id, kind, amount) VALUES ($1, $2, 'topup', $3)", [
            row.id,
            row.user_id,
            amount,
          ]);
          return toAccount(row);
        });
        kickRetry(); // orders waiting for funds may be covered now
        return { id: a.id, user_id: a.user_id, balance: a.balance, updated_at: a.updated_at };
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
        line({ type: 'lifecycle', state: 'starting', broken_mode: mode ?? null });
        if (mode) logger.info({ brokenMode: mode }, `broken mode: ${mode}`);
        await ensureDatabase(config.databaseUrl);
        const applied = await migrate(pool, 'lab-c-payments', MIGRATIONS);
        await uniqueOrderId(mode !== 'no-claim-lock');
        logger.info({ applied }, 'payments: database ready');
        await ensureLabCTopics(config.brokers, [names.ordersTopic, names.paymentsTopic], logger, config.kafkaLinks);
        relay.start();
        await member.start();
        retryTimer = setInterval(kickRetry, config.retryIntervalMs ?? 1000);
        retryTimer.unref();
        app = await createLabCHttp(logger);
        routes(app);
        const bound = await listen(app, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        line({ type: 'lifecycle', state: 'listening', broken_mode: mode ?? null, detail: url });
        logger.info({ url, instance }, 'payments listening');
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        line({ type: 'lifecycle', state: 'stopping', broken_mode: mode ?? null });
        stopping = true;
        clearInterval(retryTimer);
        await started?.catch(() => undefined);
        await Promise.allSettled([app?.close(), retrying]);
        await Promise.allSettled([member.stop(), relay.stop()]);
        await Promise.allSettled([pool.end()]);
        line({ type: 'lifecycle', state: 'stopped', broken_mode: mode ?? null });
      })();
      return stopped;
    },
  };

  /** The correct service keeps `order_id` unique; `no-claim-lock` runs without (as the seed's schema did). */
  async function uniqueOrderId(wanted: boolean): Promise<void> {
    try {
      if (wanted) await pool.query('CREATE UNIQUE INDEX IF NOT EXISTS payments_order_id_key ON payments (order_id)');
      else await pool.query('DROP INDEX IF EXISTS payments_order_id_key');
    } catch (err) {
      logger.warn(
        { err: (err as Error).message },
        'payments: could not restore the unique order_id (duplicates exist)',
      );
    }
  }
}

function notFound(userId: string): AppError {
  return new AppError('NOT_FOUND', `account of user ${userId} not found`, { user_id: userId });
}
