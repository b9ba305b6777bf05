// Lab C's panel requests (contract.ts): the Inbox panel's per-consumer figures and the Money panel's accounts, read
// from the services' databases on a connection of their own (a database that does not exist yet reads as unreachable
// and empty), plus the duplicates each service's lines reported.
import pg from 'pg';
import type { InboxConsumer, InboxView, MoneyView } from './contract.js';

/** Runs `work` on the database; undefined when it does not exist yet (the service never started). */
async function onDatabase<T>(url: string, work: (db: pg.Client) => Promise<T>): Promise<T | undefined> {
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  db.on('error', () => undefined);
  try {
    await db.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return undefined;
    throw err;
  }
  try {
    return await work(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

export interface InboxSpec {
  service: 'payments' | 'orders';
  databaseUrl: string;
  table: string;
  outbox: string;
  group: string;
  topic: string;
  duplicatesRejected: number;
}

export async function readInbox(spec: InboxSpec): Promise<InboxConsumer> {
  const empty: InboxConsumer = {
    service: spec.service,
    table: spec.table,
    group: spec.group,
    topic: spec.topic,
    reachable: false,
    received: 0,
    processed: 0,
    pending: 0,
    waiting: 0,
    failed: 0,
    duplicatesRejected: spec.duplicatesRejected,
    redeliveries: 0,
    newest: [],
    outbox: { table: spec.outbox, pending: 0, oldestPendingMs: null },
  };
  const read = await onDatabase(spec.databaseUrl, async (db) => {
    const [c] = (
      await db.query<Record<string, string>>(
        `SELECT count(*)::text AS received,
           count(*) FILTER (WHERE status = 'processed')::text AS processed,
           count(*) FILTER (WHERE status IN ('received', 'waiting'))::text AS pending,
           count(*) FILTER (WHERE status = 'waiting')::text AS waiting,
           count(*) FILTER (WHERE status = 'failed')::text AS failed,
           COALESCE(sum(attempts - 1), 0)::text AS redeliveries
         FROM ${spec.table}`,
      )
    ).rows;
    const newest = (
      await db.query<{
        event_id: string;
        event_type: string;
        order_id: string | null;
        status: string;
        attempts: number;
        topic: string;
        partition: number;
        offset: string;
        last_error: string | null;
        received_at: Date;
      }>(
        `SELECT event_id::text AS event_id, event_type, payload->'data'->>'order_id' AS order_id, status, attempts,
           topic, "partition", "offset"::text AS "offset", last_error, received_at
         FROM ${spec.table} ORDER BY received_at DESC LIMIT 12`,
      )
    ).rows;
    const [o] = (
      await db.query<{ pending: string; oldest_ms: string | null }>(
        `SELECT count(*)::text AS pending,
           (extract(epoch FROM now() - min(created_at)) * 1000)::bigint::text AS oldest_ms
         FROM ${spec.outbox} WHERE sent_at IS NULL`,
      )
    ).rows;
    return { c: c!, newest, o: o! };
  }).catch(() => undefined);
  if (read === undefined) return empty;
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    ...empty,
    reachable: true,
    received: n(read.c.received),
    processed: n(read.c.processed),
    pending: n(read.c.pending),
    waiting: n(read.c.waiting),
    failed: n(read.c.failed),
    redeliveries: n(read.c.redeliveries),
    newest: read.newest.map((r) => ({
      eventId: r.event_id,
      eventType: r.event_type,
      orderId: r.order_id,
      status: r.status,
      attempts: r.attempts,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      lastError: r.last_error,
      receivedAt: r.received_at.getTime(),
    })),
    outbox: {
      table: spec.outbox,
      pending: n(read.o.pending),
      oldestPendingMs: read.o.oldest_ms === null ? null : Number(read.o.oldest_ms),
    },
  };
}

export async function readInboxes(specs: InboxSpec[]): Promise<InboxView> {
  return { consumers: await Promise.all(specs.map(readInbox)) };
}

const cents = (v: string | number) => Math.round(Number(v) * 100);

export async function readMoney(paymentsDatabaseUrl: string): Promise<MoneyView> {
  const none: MoneyView = {
    reachable: false,
    accounts: 0,
    balances: 0,
    topups: 0,
    paid: 0,
    completedPayments: 0,
    failedPayments: 0,
    conservation: 0,
    unbalanced: 0,
    list: [],
  };
  const rows = await onDatabase(paymentsDatabaseUrl, async (db) => {
    const accounts = (
      await db.query<{
        user_id: string;
        balance: string;
        topups: string;
        paid: string;
        payments: string;
        failed: string;
        ledger: string;
        updated_at: Date;
      }>(
        `SELECT a.user_id::text AS user_id, a.balance::text AS balance, a.updated_at,
           (SELECT COALESCE(sum(amount), 0) FROM ledger l WHERE l.account_id = a.id AND kind = 'topup')::text AS topups,
           (SELECT COALESCE(sum(CASE WHEN kind = 'topup' THEN amount ELSE -amount END), 0) FROM ledger l
             WHERE l.account_id = a.id)::text AS ledger,
           (SELECT COALESCE(sum(amount), 0) FROM payments p WHERE p.user_id = a.user_id AND p.status = 'completed')::text AS paid,
           (SELECT count(*) FROM payments p WHERE p.user_id = a.user_id AND p.status = 'completed')::text AS payments,
           (SELECT count(*) FROM payments p WHERE p.user_id = a.user_id AND p.status = 'failed')::text AS failed
         FROM accounts a ORDER BY a.updated_at DESC LIMIT 5000`,
      )
    ).rows;
    return accounts;
  });
  if (rows === undefined) return none;
  const list = rows.map((r) => ({
    userId: r.user_id,
    balance: Number(r.balance),
    topups: Number(r.topups),
    paid: Number(r.paid),
    payments: Number(r.payments),
    failed: Number(r.failed),
    ledger: Number(r.ledger),
    ok: cents(r.balance) === cents(r.topups) - cents(r.paid) && cents(r.balance) === cents(r.ledger),
    updatedAt: r.updated_at.getTime(),
  }));
  const sum = (f: (a: (typeof list)[number]) => number) => list.reduce((s, a) => s + Math.round(f(a) * 100), 0) / 100;
  const balances = sum((a) => a.balance);
  const topups = sum((a) => a.topups);
  const paid = sum((a) => a.paid);
  return {
    reachable: true,
    accounts: list.length,
    balances,
    topups,
    paid,
    completedPayments: list.reduce((s, a) => s + a.payments, 0),
    failedPayments: list.reduce((s, a) => s + a.failed, 0),
    // `+ 0` turns a rounded -0 (balances a hair under top-ups − payments in floating point) into 0
    conservation: Math.round((balances - (topups - paid)) * 100) / 100 + 0,
    unbalanced: list.filter((a) => !a.ok).length,
    list: [...list.filter((a) => !a.ok), ...list.filter((a) => a.ok)].slice(0, 50),
  };
}
