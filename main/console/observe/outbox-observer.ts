// Polls an outbox table that a lab names (OutboxSpec: table and columns): pending count, oldest pending age, sent/s;
// pushes what changed. It also feeds the timeline with the committed facts (new outbox rows) and their sent time,
// incrementally and in bounded pages.
import type { Pool } from 'pg';
import type { Logger } from '../../../services/shared/logger.js';
import type { OutboxSpec } from '../labs/types.js';
import type { OutboxState } from '../contract/console-api.js';
import { createPollLoop } from './poll-loop.js';

export interface OutboxObserverDeps {
  pool: Pool;
  spec: OutboxSpec;
  /** the lab's statuses: a row with another status gives no fact */
  statuses: readonly string[];
  logger: Logger;
  pollIntervalMs: number;
  onDiff: (seq: number, changes: Partial<OutboxState> & { at: number }) => void;
  /** committed facts for the timeline */
  onCommitted?: (entity: string, status: string, at: number, rowId: string, sentAt: number | null) => void;
  onSent?: (entity: string, rowId: string, sentAt: number) => void;
  /** how many newest rows to read back at start (default 100 000, the timeline's cap) */
  backfillRows?: number;
  now?: () => number;
}

export interface OutboxObserver {
  start(): void;
  stop(): Promise<void>;
  setPollInterval(ms: number): void;
  pollNow(): Promise<void>;
  snapshot(): { seq: number; state: OutboxState | null };
  history(sinceMs?: number): OutboxState[];
}

const HISTORY_MS = 10 * 60_000;
const HISTORY_MAX = 6000;
const PAGE = 5000;
const GAP_TTL_MS = 60_000;
const GAPS_MAX = 10_000;
const UNSENT_MAX = 200_000;

interface FactRow {
  id: string;
  aggregate_id: string;
  status: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export function createOutboxObserver(deps: OutboxObserverDeps): OutboxObserver {
  const now = deps.now ?? Date.now;
  const STATUSES = new Set<string>(deps.statuses);
  const { table, columns: c } = deps.spec;
  const OUTBOX_TABLE = table;
  /** the columns of a fact row, under the names the code reads */
  const FACT_COLUMNS = `${c.id}::text AS id, ${c.entity}::text AS aggregate_id, ${c.status} AS status, ${c.createdAt} AS created_at, ${c.sentAt} AS sent_at`;
  let seq = 0;
  let state: OutboxState | null = null;
  const samples: OutboxState[] = [];
  let lastId: bigint | undefined;
  let sentTotal = 0;
  let lastSentTotal: { total: number; at: number } | undefined;

  // Outbox ids come from a sequence at insert time, but transactions commit in any order: a row with a smaller id can
  // become visible after a larger one was read. Ids skipped while reading forward are kept as gaps and looked up again
  // until they show up or expire (a rolled-back insert leaves a gap for good). Likewise `sent_at` is the relay
  // transaction's start time, not its commit time, so "sent since" is tracked per row: the ids seen unsent are asked
  // for again until they are sent.
  const gaps = new Map<bigint, number>(); // id → first noticed
  const unsent = new Map<bigint, string>(); // id → order id, oldest first

  const emitCommitted = (r: {
    id: string;
    aggregate_id: string;
    status: string | null;
    created_at: Date;
    sent_at: Date | null;
  }) => {
    if (r.status === null || !STATUSES.has(r.status)) return;
    deps.onCommitted?.(r.aggregate_id, r.status, r.created_at.getTime(), r.id, r.sent_at?.getTime() ?? null);
    if (r.sent_at === null && deps.onSent !== undefined) {
      unsent.set(BigInt(r.id), r.aggregate_id);
      if (unsent.size > UNSENT_MAX) unsent.delete(unsent.keys().next().value as bigint);
    }
  };

  const readFacts = async () => {
    if (deps.onCommitted === undefined) return;
    const at = now();
    if (lastId === undefined) {
      const r = await deps.pool.query<{ max: string | null }>(`SELECT max(${c.id})::text AS max FROM ${OUTBOX_TABLE}`);
      const max = BigInt(r.rows[0]?.max ?? '0');
      const back = BigInt(deps.backfillRows ?? 100_000);
      lastId = max > back ? max - back : 0n;
    }
    // rows that were invisible (uncommitted) when a later id was read
    for (const [id, seen] of gaps) if (at - seen > GAP_TTL_MS) gaps.delete(id);
    if (gaps.size > 0) {
      const late = await deps.pool.query<FactRow>(
        `SELECT ${FACT_COLUMNS} FROM ${OUTBOX_TABLE} WHERE ${c.id} = ANY($1::bigint[]) ORDER BY ${c.id}`,
        [[...gaps.keys()].map(String)],
      );
      for (const r of late.rows) {
        gaps.delete(BigInt(r.id));
        emitCommitted(r);
      }
    }
    // new rows, a bounded page per poll (the next poll continues)
    const rows = await deps.pool.query<FactRow>(
      `SELECT ${FACT_COLUMNS} FROM ${OUTBOX_TABLE} WHERE ${c.id} > $1 ORDER BY ${c.id} LIMIT ${PAGE}`,
      [lastId.toString()],
    );
    for (const r of rows.rows) {
      const id = BigInt(r.id);
      for (let g = lastId + 1n; g < id && gaps.size < GAPS_MAX; g += 1n) gaps.set(g, at);
      lastId = id;
      emitCommitted(r);
    }
    // rows seen unsent that the relay has marked sent since (the oldest first, a bounded page per poll)
    if (deps.onSent !== undefined && unsent.size > 0) {
      const ids: string[] = [];
      for (const id of unsent.keys()) {
        ids.push(id.toString());
        if (ids.length >= PAGE * 4) break;
      }
      const sent = await deps.pool.query<{ id: string; aggregate_id: string; sent_at: Date }>(
        `SELECT ${c.id}::text AS id, ${c.entity}::text AS aggregate_id, ${c.sentAt} AS sent_at FROM ${OUTBOX_TABLE} WHERE ${c.id} = ANY($1::bigint[]) AND ${c.sentAt} IS NOT NULL ORDER BY ${c.id}`,
        [ids],
      );
      for (const r of sent.rows) {
        unsent.delete(BigInt(r.id));
        deps.onSent(r.aggregate_id, r.id, r.sent_at.getTime());
      }
    }
  };

  const poll = async () => {
    const at = now();
    let next: OutboxState;
    try {
      const r = await deps.pool.query<{ pending: string; oldest: Date | null; sent: string }>(
        `SELECT count(*) FILTER (WHERE ${c.sentAt} IS NULL)::text AS pending,
                min(${c.createdAt}) FILTER (WHERE ${c.sentAt} IS NULL) AS oldest,
                count(*) FILTER (WHERE ${c.sentAt} IS NOT NULL)::text AS sent
           FROM ${OUTBOX_TABLE}`,
      );
      const row = r.rows[0];
      const pending = Number(row?.pending ?? 0);
      sentTotal = Number(row?.sent ?? 0);
      let sentPerSec = 0;
      if (lastSentTotal !== undefined && at > lastSentTotal.at) {
        sentPerSec = Math.max(0, (sentTotal - lastSentTotal.total) / ((at - lastSentTotal.at) / 1000));
      }
      lastSentTotal = { total: sentTotal, at };
      next = {
        reachable: true,
        pending,
        oldestPendingAgeMs: row?.oldest == null ? null : Math.max(0, at - row.oldest.getTime()),
        sentPerSec: Math.round(sentPerSec * 10) / 10,
        sentTotal,
        at,
        detail:
          pending === 0
            ? 'the relay has published every committed row'
            : `${pending} committed row(s) wait for the relay`,
      };
      await readFacts();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const detail =
        e.code === '42P01'
          ? `the ${OUTBOX_TABLE} table does not exist yet (start the service that owns it: it creates its schema)`
          : e.code === '3D000'
            ? `the database of ${OUTBOX_TABLE} does not exist yet (start the service that owns it: it creates it)`
            : `Postgres does not answer: ${e.message ?? String(err)}`;
      next = {
        ...(state ?? { pending: 0, oldestPendingAgeMs: null, sentPerSec: 0, sentTotal: 0 }),
        reachable: false,
        at,
        detail,
      };
    }
    const changes: Partial<OutboxState> & { at: number } = { at };
    if (state === null) Object.assign(changes, next);
    else
      for (const k of Object.keys(next) as (keyof OutboxState)[])
        if (k !== 'at' && next[k] !== state[k]) (changes as Record<string, unknown>)[k] = next[k];
    state = next;
    samples.push(next);
    while (samples.length > HISTORY_MAX || (samples.length > 0 && samples[0]!.at < at - HISTORY_MS)) samples.shift();
    if (Object.keys(changes).length > 1) {
      seq += 1;
      deps.onDiff(seq, changes);
    }
  };

  const loop = createPollLoop(
    () => poll().catch((err: unknown) => deps.logger.error({ err }, 'outbox observer poll failed')),
    deps.pollIntervalMs,
  );

  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    setPollInterval: (ms) => loop.setInterval(ms),
    pollNow: () => loop.pollNow(),
    snapshot: () => ({ seq, state }),
    history: (sinceMs) => (sinceMs === undefined ? [...samples] : samples.filter((s) => s.at >= sinceMs)),
  };
}
