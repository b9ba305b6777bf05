// Helpers for integration tests: the stack's endpoints (provided by the global setup), unique names, and a throwaway
// Postgres database per test. Import from 'tests/integration/support/index.js' (relative path).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { StackEndpoints } from '../../../main/console/stack/types.js';

export type { StackEndpoints } from '../../../main/console/stack/types.js';

/** Where the stack's servers are (brought up by tests/integration/global-setup.ts). */
export function endpoints(): StackEndpoints {
  return inject('endpoints');
}

/** Which provider the global setup used ('local', 'docker' or 'external'). */
export function stackProvider(): string {
  return inject('stackProvider');
}

/**
 * A name unique to this test run: `<prefix>-<time>-<random>`, lower case, safe for Kafka topics and groups,
 * RabbitMQ queues, Redis keys and (with `_`) Postgres and Mongo names.
 */
export function uniqueName(prefix: string, separator: '-' | '_' = '-'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9]+/g, separator);
  return [clean, Date.now().toString(36), randomBytes(3).toString('hex')].join(separator);
}

export interface TestDatabase {
  /** The database's name. */
  name: string;
  /** A connection URL to it (same server and user as the stack's Postgres URL). */
  url: string;
  /** Drops the database (terminating leftover connections). Idempotent. */
  drop(): Promise<void>;
}

/** CREATEs a uniquely named Postgres database on the stack's server; call `drop()` in afterAll/afterEach. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = endpoints().postgres.url;
  const name = uniqueName(`es_${prefix}`, '_').slice(0, 63);
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: StackEndpoints;
    stackProvider: string;
  }
}
