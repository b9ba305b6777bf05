// Postgres helpers shared by the lab services: one error normalisation (DB_ERROR, 503) and a checked-out client that
// cannot crash the process when its connection dies mid-transaction.
import type { Pool, PoolClient } from 'pg';
import { AppError } from './app-error.js';

/** Normalises a pg / socket error into DB_ERROR (HTTP 503) with a message that says Postgres is the problem. */
export function toDbError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const unavailable =
    (typeof e.code === 'string' &&
      (/^(08|57P)/.test(e.code) ||
        ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e.code))) ||
    /connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Connection terminated|Query read timeout/i.test(
      message,
    );
  return new AppError(
    'DB_ERROR',
    unavailable ? `Postgres is unavailable: ${message}` : `database error: ${message}`,
    e.code ? { pgCode: e.code } : undefined,
    { cause: err },
  );
}

/**
 * A pooled client with an error listener for as long as it is checked out: pg-pool only listens while a client is idle,
 * so a connection that dies between two queries of a transaction would otherwise be an uncaught 'error' event. The
 * failure still reaches the caller as the rejected query.
 */
export async function checkout(pool: Pool): Promise<{ client: PoolClient; release: (broken: boolean) => void }> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toDbError(err);
  }
  let failed = false;
  const onError = (): void => {
    failed = true;
  };
  client.on('error', onError);
  return {
    client,
    release: (broken) => {
      client.off('error', onError);
      client.release(broken || failed);
    },
  };
}
