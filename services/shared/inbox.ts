// The transactional inbox, for any lab's consumer: one row per event id (`event_id` unique), written in the same
// transaction as the event's effect, so that a redelivered or duplicated event is recognised and applied at most once.
//
// A row is `received` when first inserted, then `processed` (the effect committed with it), or left `waiting` (the
// effect could not be applied yet, e.g. funds missing, and a retrier picks it up again), or `failed`. `receive()` inserts
// the row if it is new and locks it (FOR UPDATE) in the caller's transaction: of two consumers racing on one event id,
// the second waits for the first's commit and then sees the row `processed`.
import type { PoolClient } from 'pg';
import { AppError } from './app-error.js';

export type InboxStatus = 'received' | 'waiting' | 'processed' | 'failed';

export interface InboxEvent {
  eventId: string;
  eventType: string;
  /** the record value as JSON (kept for the retrier and for the console) */
  payload: unknown;
  topic: string;
  partition: number;
  offset: string;
}

export interface Received {
  /** true the first time this event id is seen */
  fresh: boolean;
  status: InboxStatus;
  /** how long ago the row was first received, in ms (database clock) */
  ageMs: number;
  attempts: number;
}

type Db = Pick<PoolClient, 'query'>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The table (an SQL identifier): event_id unique, where it came from, its payload, its status and attempts. */
export function inboxTableSql(table: string): string {
  check(table);
  return `
    CREATE TABLE IF NOT EXISTS ${table} (
      event_id uuid PRIMARY KEY,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      topic text NOT NULL,
      "partition" integer NOT NULL,
      "offset" bigint NOT NULL,
      status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'waiting', 'processed', 'failed')),
      attempts integer NOT NULL DEFAULT 1,
      last_error text NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz NULL
    );
    CREATE INDEX IF NOT EXISTS ${table}_waiting_idx ON ${table} (received_at) WHERE status = 'waiting';`;
}

function check(table: string): void {
  if (!IDENTIFIER.test(table)) throw new AppError('CONFIG_ERROR', `inbox: table ${table} is not an SQL identifier`);
}

export class Inbox {
  constructor(readonly table: string) {
    check(table);
  }

  /**
   * Inserts the event's row when it is new and locks it for the caller's transaction. `lock: false` is the broken read
   * (no lock: two racers both see the row unprocessed).
   */
  async receive(db: Db, e: InboxEvent, opts: { lock?: boolean } = {}): Promise<Received> {
    const inserted = await db.query(
      `INSERT INTO ${this.table} (event_id, event_type, payload, topic, "partition", "offset")
       VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
      [e.eventId, e.eventType, JSON.stringify(e.payload), e.topic, e.partition, e.offset],
    );
    const fresh = inserted.rowCount === 1;
    const row = await this.read(db, e.eventId, opts.lock !== false, !fresh);
    if (row === undefined) throw new AppError('INTERNAL', `inbox ${this.table}: row ${e.eventId} vanished`);
    return { ...row, fresh };
  }

  /** The row of `eventId` (locked when `lock`); `count` adds an attempt (a redelivery or a retry). */
  async read(db: Db, eventId: string, lock = true, count = false): Promise<Omit<Received, 'fresh'> | undefined> {
    if (count) await db.query(`UPDATE ${this.table} SET attempts = attempts + 1 WHERE event_id = $1`, [eventId]);
    const { rows } = await db.query<{ status: InboxStatus; age_ms: string; attempts: number }>(
      `SELECT status, (extract(epoch FROM now() - received_at) * 1000)::bigint::text AS age_ms, attempts
       FROM ${this.table} WHERE event_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [eventId],
    );
    const r = rows[0];
    return r === undefined ? undefined : { status: r.status, ageMs: Number(r.age_ms), attempts: r.attempts };
  }

  /** Marks the row processed (in the effect's transaction), or `waiting` / `failed` with why. */
  async mark(
    db: Db,
    eventId: string,
    status: Exclude<InboxStatus, 'received'> = 'processed',
    why?: string,
  ): Promise<void> {
    await db.query(
      `UPDATE ${this.table} SET status = $2, last_error = $3,
         processed_at = CASE WHEN $2 = 'processed' THEN now() ELSE processed_at END WHERE event_id = $1`,
      [eventId, status, why ?? null],
    );
  }

  /** The ids of rows left `waiting`, oldest first (for a retrier). */
  async waiting(db: Db, limit = 100): Promise<string[]> {
    const { rows } = await db.query<{ event_id: string }>(
      `SELECT event_id::text AS event_id FROM ${this.table} WHERE status = 'waiting' ORDER BY received_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.event_id);
  }

  /** The payload of a row (what the retrier re-applies). */
  async payload(db: Db, eventId: string): Promise<unknown> {
    const { rows } = await db.query<{ payload: unknown }>(`SELECT payload FROM ${this.table} WHERE event_id = $1`, [
      eventId,
    ]);
    return rows[0]?.payload;
  }

  /** Rows per status, and the duplicates counted as attempts beyond the first. */
  async counts(db: Db): Promise<Record<InboxStatus, number> & { redeliveries: number }> {
    const { rows } = await db.query<{ status: InboxStatus; n: string; extra: string }>(
      `SELECT status, count(*)::text AS n, sum(attempts - 1)::text AS extra FROM ${this.table} GROUP BY status`,
    );
    const out = { received: 0, waiting: 0, processed: 0, failed: 0, redeliveries: 0 };
    for (const r of rows) {
      out[r.status] = Number(r.n);
      out.redeliveries += Number(r.extra);
    }
    return out;
  }
}
