// Postgres set-up shared by the lab services that own a database: create it when missing, migrate it at start under an
// advisory lock (several replicas of one service starting together do not race), and run work in one transaction.
import pg, { type Pool, type PoolClient } from 'pg';
import { AppError } from './app-error.js';
import type { Logger } from './logger.js';
import { checkout, toDbError } from './postgres.js';

export interface Migration {
  version: number;
  sql: string;
}

/** The database part of a postgres:// URL (letters, digits, `_`, `-`). */
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

/**
 * CREATE DATABASE when it does not exist (connecting to the server's `postgres` database); true when it created it.
 * Creations are taken one at a time under an advisory lock there: Postgres refuses two CREATE DATABASE at once
 * ("source database template1 is being accessed by other users", 55006), which several services of a lab starting
 * together on a fresh server would otherwise run into. A 55006 from someone else's creation is retried.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseNameOf(url);
  for (let attempt = 1; ; attempt++) {
    const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 5000 });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await admin.query("SELECT pg_advisory_lock(hashtext('eventscope:create-database'))");
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount !== 0) return false;
      await admin.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false; // created by a peer meanwhile
      if (code === '55006' && attempt < 10) {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        continue;
      }
      throw new AppError('DB_ERROR', `Postgres: cannot create database ${name}: ${(err as Error).message}`, undefined, {
        cause: err,
      });
    } finally {
      // the session's end releases the advisory lock
      await admin.end().catch(() => undefined);
    }
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

/** Applies the migrations not applied yet, in one transaction under an advisory lock; returns the versions applied. */
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

/** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (rethrown as DB_ERROR unless an AppError). */
export async function withTx<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool);
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
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
