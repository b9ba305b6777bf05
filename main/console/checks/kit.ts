// What every lab's checks use: waiting on a condition within the check's deadline, the outcome with its evidence
// bounded, a word with its count, and one SQL query on a connection of its own.
import pg from 'pg';
import type { Evidence } from '../contract/console-api.js';
import type { CheckContext, CheckOutcome } from '../labs/types.js';

/** Polls `probe` every `intervalMs` until it gives a value, the time is up (undefined) or the check is aborted (throws). */
export async function until<T>(
  ctx: Pick<CheckContext, 'signal' | 'deadline'>,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 150,
): Promise<T | undefined> {
  const end = Math.min(Date.now() + timeoutMs, ctx.deadline - 1000);
  for (;;) {
    ctx.signal.throwIfAborted();
    let value: T | undefined;
    try {
      value = await probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
    if (Date.now() >= end) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A check's outcome; at most 50 evidence rows (the counts say how many there were). */
export function outcome(
  status: CheckOutcome['status'],
  summary: string,
  counts: Record<string, number>,
  evidence: Evidence[],
): CheckOutcome {
  return { status, summary, counts, evidence: evidence.slice(0, 50) };
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One query on a connection of its own (closed afterwards); 3 s to connect. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}
