// The order store: orders, items, stock reservations and the outbox, each status change in ONE transaction with its
// outbox row. After the commit `onCommitted` wakes the relay (never before: no event for a change that did not commit).
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { AppError } from '../../shared/app-error.js';
import { checkout, toDbError } from '../../shared/postgres.js';
import type { OrderEvent, OrderStatus } from '../schema.js';
import { canTransition } from './status-machine.js';

export interface OrderItem {
  sku: string;
  count: number;
}

export interface OrderInfo {
  status: OrderStatus;
  userId: string;
  items: OrderItem[];
}

export interface CreateResult {
  orderId: string;
  status: 'awaiting payment' | 'failed';
  /** when failed: the first item that could not be reserved */
  shortage?: { index: number; sku: string; requested: number; available: number };
}

/** An order event as a record: key = order id, value = the OrderEvent JSON. */
export interface EventRecord {
  key: string;
  value: string;
}

type CreateRow = {
  order_id: string | null;
  status: string;
  short_index: number | null;
  short_available: string | null;
};
const CREATE_SQL =
  'SELECT order_id::text AS order_id, status, short_index, short_available::text AS short_available FROM loms_create_order($1, $2::bigint[], $3::int[], $4, $5)';

export class OrderStore {
  constructor(
    private readonly pool: Pool,
    private readonly topic: string,
    /** called after every commit that wrote outbox rows (wakes the relay) */
    private readonly onCommitted: () => void = () => undefined,
    private readonly source = 'loms',
    /**
     * Lab D's `send-before-commit` broken mode: the events are produced from inside the transaction, before (and
     * whatever becomes of) its commit, and no outbox row remains. Undefined: the outbox (the correct store).
     */
    private readonly publishBeforeCommit?: (records: EventRecord[]) => Promise<void>,
  ) {}

  /** One statement, one transaction (see migration 3, loms_create_order): order, items, reservation, outbox rows. */
  async createOrder(userId: string, items: readonly OrderItem[]): Promise<CreateResult> {
    const args = [userId, items.map((i) => i.sku), items.map((i) => i.count), this.topic, this.source];
    let row: CreateRow | undefined;
    if (this.publishBeforeCommit) {
      const publish = this.publishBeforeCommit;
      // the broken create: the same statement inside an explicit transaction; its outbox rows are taken out and
      // produced before the COMMIT, which may still fail
      row = await this.tx(async (c) => {
        const created = (await c.query<CreateRow>(CREATE_SQL, args)).rows[0];
        if (created?.order_id) {
          const events = await c.query<{ id: string; key: string; value: string }>(
            'DELETE FROM outbox WHERE aggregate_id = $1 RETURNING id::text AS id, key, payload::text AS value',
            [created.order_id],
          );
          const ordered = events.rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
          await publish(ordered.map(({ key, value }) => ({ key, value })));
        }
        return created;
      });
    } else {
      try {
        row = (await this.pool.query<CreateRow>(CREATE_SQL, args)).rows[0];
      } catch (err) {
        throw toDbError(err);
      }
    }
    if (!row) throw new AppError('INTERNAL', 'loms_create_order returned no row');
    if (row.status === 'unknown sku') {
      const index = row.short_index ?? 0;
      const field = `items[${index}].sku`;
      throw new AppError('INVALID_INPUT', `${field}: unknown sku ${items[index]?.sku}`, {
        field,
        sku: items[index]?.sku,
      });
    }
    if (!this.publishBeforeCommit) this.onCommitted();
    const orderId = row.order_id as string;
    if (row.status === 'failed') {
      const index = row.short_index ?? 0;
      const item = items[index] as OrderItem;
      return {
        orderId,
        status: 'failed',
        shortage: { index, sku: item.sku, requested: item.count, available: Number(row.short_available ?? 0) },
      };
    }
    return { orderId, status: 'awaiting payment' };
  }

  async getOrder(orderId: string): Promise<OrderInfo> {
    try {
      const order = await this.pool.query<{ status: OrderStatus; user_id: string }>(
        'SELECT status, user_id::text AS user_id FROM orders WHERE id = $1',
        [orderId],
      );
      const row = order.rows[0];
      if (!row) throw notFound(orderId);
      const items = await this.pool.query<{ sku: string; count: number }>(
        'SELECT sku::text AS sku, count FROM order_items WHERE order_id = $1 ORDER BY order_items.sku',
        [orderId],
      );
      return { status: row.status, userId: row.user_id, items: items.rows };
    } catch (err) {
      throw toDbError(err);
    }
  }

  /** pay: the reservation is written off (total and reserved both drop). */
  async pay(orderId: string): Promise<void> {
    await this.transition(
      orderId,
      'paid',
      stockUpdate('total_count = s.total_count - i.count, reserved = s.reserved - i.count'),
    );
  }

  /** cancel: the reservation is released. */
  async cancel(orderId: string): Promise<void> {
    await this.transition(orderId, 'cancelled', stockUpdate('reserved = s.reserved - i.count'));
  }

  async stockInfo(sku: string): Promise<number> {
    try {
      const res = await this.pool.query<{ available: string }>(
        'SELECT (total_count - reserved)::text AS available FROM stocks WHERE sku = $1',
        [sku],
      );
      const row = res.rows[0];
      if (!row) throw new AppError('NOT_FOUND', `sku: unknown sku ${sku}`, { field: 'sku', sku });
      return Math.max(0, Number(row.available));
    } catch (err) {
      throw toDbError(err);
    }
  }

  private async transition(orderId: string, to: 'paid' | 'cancelled', stockSql: string): Promise<void> {
    await this.tx(async (c) => {
      const res = await c.query<{ status: OrderStatus; user_id: string }>(
        'SELECT status, user_id::text AS user_id FROM orders WHERE id = $1 FOR UPDATE',
        [orderId],
      );
      const row = res.rows[0];
      if (!row) throw notFound(orderId);
      if (!canTransition(row.status, to)) {
        throw new AppError('CONFLICT', `orderId: order ${orderId} is "${row.status}" and can not become "${to}"`, {
          field: 'orderId',
          orderId,
          status: row.status,
          requested: to,
        });
      }
      await c.query('UPDATE orders SET status = $2, updated_at = now() WHERE id = $1', [orderId, to]);
      await this.emit(c, orderId, row.user_id, to);
      // the stock rows are the hot rows (every order of a sku locks them): lock them last, right before the commit
      await c.query(stockSql, [orderId]);
    });
  }

  /** The outbox row for one status change. (The relay is woken after the commit: see `onCommitted`.) */
  private async emit(c: PoolClient, orderId: string, userId: string, status: OrderStatus): Promise<void> {
    const payload: OrderEvent = {
      order_id: Number(orderId),
      status,
      moment: new Date().toISOString(),
      user_id: userId,
      event_id: randomUUID(),
      source: this.source,
    };
    if (this.publishBeforeCommit) {
      await this.publishBeforeCommit([{ key: orderId, value: JSON.stringify(payload) }]); // the broken mode: no outbox
      return;
    }
    await c.query('INSERT INTO outbox (aggregate_id, topic, key, payload) VALUES ($1, $2, $3, $4)', [
      orderId,
      this.topic,
      orderId,
      JSON.stringify(payload),
    ]);
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await checkout(this.pool);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      this.onCommitted();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw toDbError(err);
    } finally {
      release(broken);
    }
  }
}

/** Updates the stock rows of order $1, locking them in sku order first (the order creates lock them in: no deadlock). */
function stockUpdate(set: string): string {
  return `WITH locked AS (SELECT s.sku FROM stocks s JOIN order_items i ON i.sku = s.sku WHERE i.order_id = $1 ORDER BY s.sku FOR UPDATE OF s)
          UPDATE stocks s SET ${set} FROM order_items i WHERE i.order_id = $1 AND s.sku = i.sku AND s.sku IN (SELECT sku FROM locked)`;
}

function notFound(orderId: string): AppError {
  return new AppError('NOT_FOUND', `orderId: order ${orderId} not found`, { field: 'orderId', orderId });
}
