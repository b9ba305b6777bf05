// Lab B's Postgres: one database for the lab (DATABASE_URL, `lab_b` by default, created when missing), each service
// with its own tables, migrations applied at start under an advisory lock (services starting together do not race).
import pg from 'pg';
import { AppError, toAppError } from '../shared/app-error.js';
import { seenTableSql } from '../shared/amqp/pg-seen-store.js';
import type { LabBService } from './schema.js';
import { TABLES } from './schema.js';
import { ensureDatabase as ensureDatabaseOnce } from '../shared/database.js';

const MIGRATIONS: Readonly<Record<LabBService, readonly string[]>> = {
  auth: [
    `CREATE TABLE IF NOT EXISTS ${TABLES.users} (
       id text PRIMARY KEY,
       email text NOT NULL UNIQUE,
       password_hash text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE IF NOT EXISTS auth_tokens (
       token text PRIMARY KEY,
       user_id text NOT NULL REFERENCES ${TABLES.users} (id),
       created_at timestamptz NOT NULL DEFAULT now()
     );`,
  ],
  users: [
    `CREATE TABLE IF NOT EXISTS ${TABLES.profiles} (
       user_id text PRIMARY KEY,
       email text NOT NULL,
       display_name text NULL,
       department text NULL,
       version integer NOT NULL DEFAULT 1,
       updated_at timestamptz NOT NULL DEFAULT now()
     );`,
  ],
  audit: [
    `CREATE TABLE IF NOT EXISTS ${TABLES.audit} (
       id bigserial PRIMARY KEY,
       event_id text NOT NULL,
       user_id text NULL,
       email text NOT NULL,
       outcome text NOT NULL,
       at timestamptz NOT NULL,
       redelivered boolean NOT NULL DEFAULT false,
       recorded_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE INDEX IF NOT EXISTS audit_events_event_idx ON ${TABLES.audit} (event_id);
     CREATE TABLE IF NOT EXISTS ${TABLES.failedLogins} (
       id bigserial PRIMARY KEY,
       event_id text NOT NULL,
       email text NOT NULL,
       at timestamptz NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()
     );`,
  ],
  vacation: [
    `CREATE TABLE IF NOT EXISTS ${TABLES.vacations} (
       id text PRIMARY KEY,
       user_id text NOT NULL,
       from_date date NOT NULL,
       to_date date NOT NULL,
       status text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE IF NOT EXISTS ${TABLES.vacationUsers} (
       user_id text PRIMARY KEY,
       email text NOT NULL,
       version integer NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now()
     );`,
  ],
  notification: [],
  reports: [
    `CREATE TABLE IF NOT EXISTS ${TABLES.reportLogins} (
       day date NOT NULL,
       outcome text NOT NULL,
       count integer NOT NULL,
       PRIMARY KEY (day, outcome)
     );
     CREATE TABLE IF NOT EXISTS ${TABLES.reportVacations} (
       request_id text PRIMARY KEY,
       status text NOT NULL,
       at timestamptz NOT NULL
     );`,
  ],
};

/** Creates the database DATABASE_URL names when it is missing (one creation at a time on the server). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  await ensureDatabaseOnce(databaseUrl);
}

function dbError(err: unknown): AppError {
  return new AppError('DB_ERROR', `Postgres: ${toAppError(err).message}`, undefined, { cause: err });
}

/** Applies the service's tables and the seen-store table (once per version, under an advisory lock). */
export async function migrate(pool: pg.Pool, service: LabBService): Promise<number> {
  const client = await pool.connect().catch((err: unknown) => {
    throw dbError(err);
  });
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('lab_b_migrations'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS lab_b_migrations (
      service text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (service, version))`);
    await client.query(seenTableSql(TABLES.seen));
    const done = await client.query<{ version: number }>(`SELECT version FROM lab_b_migrations WHERE service = $1`, [
      service,
    ]);
    const have = new Set(done.rows.map((r) => r.version));
    let applied = 0;
    for (const [i, sql] of MIGRATIONS[service].entries()) {
      if (have.has(i + 1)) continue;
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(`INSERT INTO lab_b_migrations (service, version) VALUES ($1, $2)`, [service, i + 1]);
        await client.query('COMMIT');
        applied++;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw dbError(err);
      }
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('lab_b_migrations'))`).catch(() => undefined);
    client.release();
  }
}

export function createPool(databaseUrl: string, max = 5): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 3000,
    query_timeout: 15_000,
    idleTimeoutMillis: 10_000,
  });
}
