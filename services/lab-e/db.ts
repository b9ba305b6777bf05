// Postgres for the Lab E services: one database per service, created when missing, migrated at start under an
// advisory lock (two processes of one service starting together do not race), and a transaction helper.
import pg, { type Pool, type PoolClient } from 'pg';
import { AppError } from '../shared/app-error.js';
import type { Logger } from '../shared/logger.js';

export interface Migration {
  version: number;
  sql: string;
}

/** The database part of a postgres:// URL. */
export function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z0-9_-]{1,63}$/.test(name))
    throw new AppError('CONFIG_ERROR', `database name ${JSON.stringify(name)}: use letters, digits, _ or -`);
  return name;
}

/** The same server and user as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** CREATE DATABASE when it does not exist (connecting to the server's `postgres` database). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseNameOf(url);
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 5000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount !== 0) return false;
    await admin.query(`CREATE DATABASE "${name}"`);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42P04') return false; // created by a peer meanwhile
    throw new AppError('DB_ERROR', `Postgres: cannot create database ${name}: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  } finally {
    await admin.end().catch(() => undefined);
  }
}

export function createPool(url: string, logger: Logger, max = 10): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 3000,
    query_timeout: 15_000,
    idleTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'postgres: idle client error'));
  return pool;
}

export async function migrate(pool: Pool, lockName: string, migrations: readonly Migration[]): Promise<number[]> {
  return withTx(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${lockName}:migrations`]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (and rethrows). */
export async function withTx<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The inbox and outbox tables every consuming/producing service shares (in its own database). */
export const INBOX_OUTBOX_SQL = `
  CREATE TABLE processed_events (
    event_id uuid PRIMARY KEY,
    event_name text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    event_id uuid NOT NULL,
    event_name text NOT NULL,
    event_version integer NOT NULL,
    entity_kind text NOT NULL,
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text NULL,
    sent_partition integer NULL,
    sent_offset bigint NULL
  );
  CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;
`;
