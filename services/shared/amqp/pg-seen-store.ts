// The Postgres seen-store: a table keyed (consumer, event_id); the mark and the consumer's effect commit in one
// transaction. Two consumers handling the same id at once: the second INSERT waits on the first's uncommitted key and
// then finds it (duplicate), or, when the first rolled back, takes it and does the work.
import type pg from 'pg';
import { AppError, toAppError } from '../app-error.js';
import type { OnceResult, SeenStore } from './seen-store.js';

export function seenTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    consumer text NOT NULL,
    event_id text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
  );`;
}

export class PgSeenStore implements SeenStore<pg.PoolClient> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly table = 'processed_events',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new AppError('CONFIG_ERROR', `bad seen-store table name: ${table}`);
  }

  async once<T>(consumer: string, eventId: string, work: (tx: pg.PoolClient) => Promise<T>): Promise<OnceResult<T>> {
    return this.inTransaction<OnceResult<T>>(async (client) => {
      const mark = await client.query(
        `INSERT INTO ${this.table} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [consumer, eventId],
      );
      if (mark.rowCount === 0) return { commit: false, result: { duplicate: true } };
      const value = await work(client);
      return { commit: true, result: { duplicate: false, value } };
    });
  }

  async always<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.inTransaction(async (client) => ({ commit: true, result: await work(client) }));
  }

  private async inTransaction<R>(body: (client: pg.PoolClient) => Promise<{ commit: boolean; result: R }>): Promise<R> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new AppError('DB_ERROR', `Postgres is unavailable: ${toAppError(err).message}`, undefined, { cause: err });
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const { commit, result } = await body(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (err instanceof AppError) throw err;
      throw new AppError('DB_ERROR', toAppError(err).message, undefined, { cause: err });
    } finally {
      client.release(broken);
    }
  }
}
