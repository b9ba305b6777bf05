// The console's outbox observer against real Postgres. Outbox ids come from a sequence at insert time but transactions
// commit in any order, so a row with a smaller id can become visible after a larger one was read, and `sent_at` is the
// relay transaction's start time, not its commit time. Neither may make the timeline miss a committed or a sent fact.
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { migrate } from '../../services/lab-d/loms/migrations.js';
import { createOutboxObserver, type OutboxObserver } from '../../main/console/observe/outbox-observer.js';
import { createTestDatabase, type TestDatabase } from './support/index.js';

let db: TestDatabase;
let pool: pg.Pool;
let observer: OutboxObserver;
const committed = new Map<string, { orderId: string; status: string; sentAt: number | null }>();
const sent = new Map<string, number>();

async function insertRow(client: pg.PoolClient | pg.Pool, orderId: number, status: string): Promise<string> {
  const r = await client.query<{ id: string }>(
    `INSERT INTO outbox (aggregate_id, topic, key, payload) VALUES ($1, 'loms.order-events', $2, $3) RETURNING id::text`,
    [orderId, String(orderId), JSON.stringify({ order_id: String(orderId), status, moment: new Date().toISOString() })],
  );
  return r.rows[0]!.id;
}

const labD = createLabD({});

beforeAll(async () => {
  db = await createTestDatabase('outbox_observer');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrate(pool);
  observer = createOutboxObserver({
    pool,
    spec: labD.outboxes![0]!,
    statuses: labD.manifest.entity.statuses,
    logger: createMemoryLogger().logger,
    pollIntervalMs: 60_000,
    onDiff: () => undefined,
    onCommitted: (orderId, status, _at, outboxId, sentAt) => committed.set(outboxId, { orderId, status, sentAt }),
    onSent: (_orderId, outboxId, sentAt) => sent.set(outboxId, sentAt),
  });
  await observer.pollNow(); // the first look: an empty table
});

afterAll(async () => {
  await observer?.stop();
  await pool?.end();
  await db?.drop();
});

describe('outbox observer', () => {
  it('reports a row whose transaction commits after a row with a larger id was already read', async () => {
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      const early = await insertRow(slow, 101, 'new'); // smaller id, still uncommitted
      const late = await insertRow(pool, 102, 'new'); // larger id, committed at once
      await observer.pollNow();
      expect(committed.has(late)).toBe(true);
      expect(committed.has(early)).toBe(false);
      await slow.query('COMMIT');
      await observer.pollNow();
      expect(committed.get(early)).toEqual({ orderId: '101', status: 'new', sentAt: null });
    } finally {
      slow.release();
    }
  });

  it('reports a row marked sent by a transaction that started before an earlier look and committed after it', async () => {
    const id = await insertRow(pool, 103, 'awaiting payment');
    await observer.pollNow();
    expect(committed.get(id)?.sentAt).toBeNull();
    const relay = await pool.connect();
    try {
      await relay.query('BEGIN');
      await relay.query('UPDATE outbox SET sent_at = now() WHERE id = $1', [id]); // now() = this transaction's start
      const other = await insertRow(pool, 104, 'new');
      await pool.query('UPDATE outbox SET sent_at = now() WHERE id = $1', [other]); // a later sent_at, visible first
      await observer.pollNow();
      expect(sent.has(id)).toBe(false);
      await relay.query('COMMIT');
    } finally {
      relay.release();
    }
    await observer.pollNow();
    expect(sent.get(id)).toBeTypeOf('number');
  });
});
