// The outbox relay, for any lab's outbox table: claims pending rows in id order, produces them keyed by the key column
// (acks from all in-sync replicas, idempotent producer, one request in flight) and marks them sent only after the broker
// acknowledged.
//
// The table: `id bigserial PRIMARY KEY`, the key column, `sent_at timestamptz NULL` (pending = NULL), `attempts integer`,
// `last_error text NULL`, and whatever `columns` reads for `toRecord` (Lab D: `payload`). A partial index on (id) WHERE
// sent_at IS NULL keeps the claim cheap.
//
// Per-key order: only one relay per lock key in the whole database works at a time (a transaction-scoped advisory lock),
// it claims the OLDEST pending rows (ORDER BY id ... FOR UPDATE SKIP LOCKED), and a batch that was not acknowledged is
// left pending as a whole, so the next claim starts with the same rows again: a later row of a key can never be sent
// before an earlier one.
//
// While the broker is unavailable the rows wait. The producer retries as kafkajs' idempotent producer wants (without a
// limit, the same sequence numbers each time: the broker drops a retry it already has, so a retry neither duplicates nor
// reorders). A batch not acknowledged within ackWindowMs counts an attempt on its rows (with the last error kafkajs
// reported) and the claiming transaction commits; the relay keeps waiting for that same send, counting an attempt per
// window, and marks the rows once it is acknowledged. A send that fails outright (an error kafkajs does not retry) is
// counted too, and the batch is claimed again after a capped backoff, forever. stop() waits at most one window for a
// batch in flight; what is not acknowledged then stays pending (its send is abandoned: kafkajs may still deliver it
// later in this process, and a restart sends it again: at least once).
//
// Throughput: one claiming transaction carries up to MAX_BATCHES_PER_TX batches, pipelined (batch k is on the wire
// while the connection marks k−1 and claims k+1). Latency: a commit in this process wakes the loop directly
// (`committed()`); commits of other processes arrive by LISTEN/NOTIFY on the channel; a poll (pollIntervalMs) covers
// everything else.
import pg, { type Pool } from 'pg';
import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type ICustomPartitioner,
  type KafkaConfig,
  type Message,
  type Producer,
  type logCreator,
} from 'kafkajs';
import { AppError } from './app-error.js';
import { kafkaLogCreator } from './kafka-log.js';
import { kafkaSecurityFromEnv } from './kafka-security-env.js';
import type { Logger } from './logger.js';
import { checkout, toDbError } from './postgres.js';

/** One claimed row: `id` and `key` as text, plus the columns the relay was told to read. */
export type OutboxRow = { id: string; key: string } & Record<string, unknown>;

export interface OutboxRelayOptions {
  pool: Pool;
  /** for the LISTEN connection (a pooled client can not hold a LISTEN) */
  databaseUrl: string;
  logger: Logger;
  /** the outbox table (an SQL identifier) */
  table: string;
  /** the column whose value is the record key (per-key order holds for it) */
  keyColumn: string;
  /** what else to read per row, as a select list (e.g. `payload::text AS payload`); default none */
  columns?: string;
  /** how a claimed row becomes a record (default: key, no value) */
  toRecord: (row: OutboxRow) => Message;
  /** the advisory lock key: one relay per key in the database drains at a time */
  lockKey: string;
  /** the NOTIFY channel commits of other processes wake the relay on (an SQL identifier) */
  channel: string;
  /** the topic every row goes to, created when missing with these partitions and replication factor */
  topic: string;
  partitions: number;
  replicationFactor?: number;
  brokers: string[];
  clientId?: string;
  /** more kafkajs client options (ssl, sasl, socketFactory, …) */
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
  /** default murmur2 on the key (the Java client's partitioner) */
  createPartitioner?: ICustomPartitioner;
  batchSize?: number;
  /** fallback poll when no NOTIFY arrives (lost connection, rows written by someone else) */
  pollIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** how long a batch may wait for its acknowledgement before an attempt is counted (default 2 s) */
  ackWindowMs?: number;
  /**
   * A broken relay (Lab D's `relay-gives-up`): its producer gives up after a few retries, like a plain producer, and a
   * failed batch is marked done with `last_error = 'gave up: …'` instead of being retried: its records are lost.
   */
  giveUpOnFailure?: boolean;
  /**
   * A broken relay (Lab D's `no-graceful-shutdown`): stop() does not wait for the batch in flight; the batch in hand (the
   * oldest pending rows) is marked sent and never sent: those records never reach the topic.
   */
  abandonOnStop?: boolean;
}

export interface RelayStats {
  paused: boolean;
  sentTotal: number;
  lastError: string | null;
}

/** cross-process NOTIFYs are sent at most this often */
const NOTIFY_COALESCE_MS = 20;
/** batches per claiming transaction before it commits (the marks become visible at commit) */
const MAX_BATCHES_PER_TX = 10;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A wake-up signal: `wake()` ends every current `wait()`; a wake with nobody waiting ends the next wait at once. */
class Signal {
  private pending = false;
  private readonly waiters = new Set<() => void>();

  wake(): void {
    if (this.waiters.size === 0) {
      this.pending = true;
      return;
    }
    for (const resolve of [...this.waiters]) resolve();
  }

  /** Whether a wake arrived with nobody waiting (and forget it). */
  consume(): boolean {
    const was = this.pending;
    this.pending = false;
    return was;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

/** How a send ended within a wait: acknowledged, failed, or still in flight. */
type Outcome = { state: 'acked' } | { state: 'failed'; error: Error } | { state: 'in-flight' };

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly ackWindowMs: number;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly signal = new Signal();
  private readonly stopSignal = new Signal();
  /** resolves when stop() is called (a fresh one per start) */
  private stopRequested: Promise<void> = new Promise(() => undefined);
  private resolveStop: () => void = () => undefined;
  private listener: pg.Client | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private paused = false;
  private producerConnected = false;
  private topicReady = false;
  private sentTotal = 0;
  private lastError: string | null = null;
  /** the last error kafkajs reported while a send was retrying (it retries inside the send and only logs them) */
  private lastKafkaError: string | null = null;
  private consecutiveFailures = 0;
  private notifyTimer: NodeJS.Timeout | undefined;
  /** identifies this relay's own NOTIFYs */
  private readonly token = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private readonly sql: { claimFirst: string; markAndClaim: string; mark: string; attempt: string; pending: string };
  /**
   * markAndClaim with the ids inlined as array literals (simple-query protocol, still one round trip): the mark first,
   * then a claim that sees it (a statement of its own: a new snapshot within the transaction), so only the batch in
   * flight is excluded, as constants. Measured against the one-statement form with bound arrays, 500 rows marked and
   * 500 claimed past 500 in flight, alternating, on a loaded machine: 16 ms against 20 ms (medians of 10). The mark
   * (a non-HOT update of 500 rows) is most of it. The claim's index scan still walks the pending index's entries of
   * the rows marked earlier in the transaction (their old versions stay until vacuum). A claim by `id > highest in
   * flight` would skip them, but also a row committed meanwhile below it while its transaction's other row (the same
   * key, a higher id) goes out: a reordered key (invariant 3 caught it), so the claim keeps the oldest pending row.
   */
  private readonly markAndClaimInline: (inFlight: string, marked: string | undefined) => string;

  constructor(private readonly opts: OutboxRelayOptions) {
    for (const [what, name] of [
      ['table', opts.table],
      ['keyColumn', opts.keyColumn],
      ['channel', opts.channel],
    ] as const) {
      if (!IDENTIFIER.test(name)) throw new AppError('CONFIG_ERROR', `outbox relay: ${what} is not an SQL identifier`);
    }
    this.batchSize = Math.trunc(opts.batchSize ?? 500);
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.initialBackoffMs = opts.initialBackoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.ackWindowMs = opts.ackWindowMs ?? 2000;

    const t = opts.table;
    const select = `${t}.id::text AS id, ${t}.${opts.keyColumn}::text AS key${opts.columns ? `, ${opts.columns}` : ''}`;
    const lock = `pg_try_advisory_xact_lock(hashtext('${opts.lockKey.replaceAll("'", "''")}'))`;
    const markSet = 'sent_at = now(), attempts = attempts + 1, last_error = NULL';
    this.sql = {
      // One round trip: start, pin the ordered index scan (the planner's estimates of a young outbox are poor and a
      // bitmap scan + sort of every pending row costs 10× more), and claim the first batch if this transaction gets the
      // relay lock (no lock: another relay is draining, and the claim is empty). Simple-query protocol, so the only
      // value is inlined: the batch size, an integer.
      claimFirst: `BEGIN; SET LOCAL enable_sort = off;
        SELECT ${select} FROM ${t} WHERE (${lock}) AND sent_at IS NULL
         ORDER BY ${t}.id LIMIT ${this.batchSize} FOR UPDATE SKIP LOCKED`,
      // Marks $3 (acknowledged) and claims the next batch in ONE statement: a round trip less per batch. The SELECT does
      // not see the CTE's update (same snapshot), hence $3 is excluded explicitly, like $2 (in flight). `t.id`, not `id`:
      // the output column `id::text AS id` would sort as text ("12" < "8") and reorder a key. (The fallback of
      // `markAndClaimInline` below, for ids that are not plain digits: never from a bigint column.)
      markAndClaim: `WITH marked AS (UPDATE ${t} SET ${markSet} WHERE id = ANY($3::bigint[]) RETURNING id)
        SELECT ${select} FROM ${t}
         WHERE sent_at IS NULL AND ${t}.id <> ALL($2::bigint[]) AND ${t}.id <> ALL($3::bigint[])
         ORDER BY ${t}.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      mark: `UPDATE ${t} SET ${markSet} WHERE id = ANY($1::bigint[])`,
      attempt: `UPDATE ${t} SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`,
      pending: `SELECT count(*)::text AS pending FROM ${t} WHERE sent_at IS NULL`,
    };
    this.markAndClaimInline = (inFlight, marked) =>
      `${marked === undefined ? '' : `UPDATE ${t} SET ${markSet} WHERE id = ANY('{${marked}}'::bigint[]);\n`}` +
      `SELECT ${select} FROM ${t} WHERE sent_at IS NULL AND ${t}.id <> ALL('{${inFlight}}'::bigint[])
         ORDER BY ${t}.id LIMIT ${this.batchSize} FOR UPDATE SKIP LOCKED`;

    this.kafka = new Kafka({
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      ...kafkaSecurityFromEnv(),
      ...opts.kafka,
      clientId: opts.clientId ?? 'outbox-relay',
      brokers: opts.brokers,
      logCreator: this.logCreator(opts.logger),
    });
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      createPartitioner: opts.createPartitioner ?? Partitioners.DefaultPartitioner,
      ...(opts.giveUpOnFailure
        ? // a plain producer that gives up after a few retries (the broken relay's)
          { idempotent: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } }
        : // as kafkajs' idempotent producer wants: retries without a limit (see the top of this file)
          { idempotent: true, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 } }),
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.producerConnected = false;
    });
  }

  /** Starts the loop; does not wait for Kafka (rows wait in the outbox until it is reachable). Idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.stopRequested = new Promise((resolve) => {
      this.resolveStop = resolve;
    });
    void this.listen();
    this.loop = this.run();
  }

  /** Lets the batch in flight finish (at most one ack window), then disconnects the producer and the LISTEN client. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.resolveStop();
    clearTimeout(this.notifyTimer);
    this.signal.wake();
    this.stopSignal.wake();
    await this.loop;
    this.loop = undefined;
    if (this.opts.abandonOnStop) {
      // the broken relay: the batch in hand (the oldest pending rows: the one in flight, or the next one) is marked
      // sent, and the process goes without sending it
      const dropped = await this.opts.pool
        .query(
          `UPDATE ${this.opts.table} SET sent_at = now(), attempts = attempts + 1 WHERE id IN
             (SELECT id FROM ${this.opts.table} WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)`,
          [this.batchSize],
        )
        .then(
          (r) => r.rowCount ?? 0,
          () => 0,
        );
      this.opts.logger.info({ rows: dropped }, 'outbox relay: stopping at once, the batch in hand marked sent unsent');
    }
    const listener = this.listener;
    this.listener = undefined;
    await Promise.allSettled([this.producer.disconnect(), listener?.end()]);
    this.producerConnected = false;
  }

  pause(): void {
    this.paused = true;
    this.opts.logger.info('outbox relay paused');
  }

  resume(): void {
    this.paused = false;
    this.opts.logger.info('outbox relay resumed');
    this.signal.wake();
  }

  /** Wakes the loop now (the NOTIFY path; also usable by an embedding process). */
  wake(): void {
    this.signal.wake();
  }

  /**
   * After a commit that wrote outbox rows: wake this relay at once (in-process), and tell other processes of the same
   * database with a NOTIFY outside the business transaction. A NOTIFY inside it would serialise every commit on
   * Postgres' global notify lock (measured: half the create throughput); here they are coalesced to one per
   * NOTIFY_COALESCE_MS, and carry this relay's token so that its own LISTEN ignores them.
   */
  committed(): void {
    this.signal.wake();
    if (this.notifyTimer || this.stopping) return;
    this.notifyTimer = setTimeout(() => {
      this.opts.pool
        .query('SELECT pg_notify($1, $2)', [this.opts.channel, this.token])
        .catch(() => undefined)
        .finally(() => {
          this.notifyTimer = undefined;
        });
    }, NOTIFY_COALESCE_MS);
    this.notifyTimer.unref();
  }

  /** In-process counters (no database round trip). */
  stats(): RelayStats {
    return { paused: this.paused, sentTotal: this.sentTotal, lastError: this.lastError };
  }

  /** The counters and the number of pending rows. */
  async status(): Promise<RelayStats & { pending: number }> {
    try {
      const { rows } = await this.opts.pool.query<{ pending: string }>(this.sql.pending);
      return { ...this.stats(), pending: Number(rows[0]?.pending ?? 0) };
    } catch (err) {
      throw toDbError(err);
    }
  }

  /**
   * kafkajs' logs into the service's logger. While a send is retrying, kafkajs logs each failed attempt at ERROR and
   * keeps the error to itself: the relay keeps the last one (for `last_error`) and reports the wait itself, so those
   * lines go to debug.
   */
  private logCreator(logger: Logger): logCreator {
    const bridge = kafkaLogCreator(logger)(logLevel.DEBUG);
    return () => (entry) => {
      if (entry.namespace === 'Producer' && entry.level === logLevel.ERROR) {
        const cause = typeof entry.log.error === 'string' ? ` (${entry.log.error})` : '';
        this.lastKafkaError = `${entry.log.message}${cause}`;
        logger.debug({ ...entry.log, kafka: true }, entry.log.message);
        return;
      }
      bridge(entry);
    };
  }

  private async run(): Promise<void> {
    let backoff = this.initialBackoffMs;
    while (!this.stopping) {
      if (this.paused) {
        await this.signal.wait(this.pollIntervalMs);
        continue;
      }
      try {
        await this.ensureKafka();
        if (this.paused || this.stopping) continue; // paused while it was connecting: no claim
        const sent = await this.drainOnce();
        backoff = this.initialBackoffMs;
        this.consecutiveFailures = 0;
        if (sent < this.batchSize * MAX_BATCHES_PER_TX) await this.signal.wait(this.pollIntervalMs);
      } catch (err) {
        this.consecutiveFailures++;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.opts.logger.warn(
          { err: this.lastError, backoffMs: backoff, failures: this.consecutiveFailures },
          'outbox relay: batch not sent, will retry',
        );
        if (this.consecutiveFailures % 3 === 0) await this.resetProducer();
        // Backoff is not cut short by NOTIFY (new rows do not make Kafka come back); only stop() ends it early.
        await this.stopSignal.wait(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  private async ensureKafka(): Promise<void> {
    if (!this.producerConnected) {
      await this.producer.connect();
      this.producerConnected = true;
    }
    if (!this.topicReady) {
      const { topic, partitions, replicationFactor } = this.opts;
      await ensureTopic(this.kafka.admin(), { topic, partitions, replicationFactor }, this.opts.logger);
      this.topicReady = true;
    }
  }

  private async resetProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    this.producerConnected = false;
  }

  /** How `sending` ends within `ms` (or at stop(), when `untilStop`). */
  private async outcomeWithin(sending: Promise<Error | undefined>, ms: number, untilStop: boolean): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const waits: Promise<Outcome>[] = [
      sending.then((error) => (error ? { state: 'failed', error } : { state: 'acked' })),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ state: 'in-flight' }), ms);
      }),
    ];
    if (untilStop) waits.push(this.stopRequested.then(() => ({ state: 'in-flight' })));
    try {
      return await Promise.race(waits);
    } finally {
      clearTimeout(timer);
    }
  }

  private notAcknowledged(waitedMs: number): string {
    return `not acknowledged within ${waitedMs} ms${this.lastKafkaError ? `: ${this.lastKafkaError}` : ''}`;
  }

  /**
   * One claiming transaction, pipelined: while batch k is on its way to Kafka, the same connection marks batch k−1
   * (already acknowledged) and claims batch k+1 (the oldest pending rows, minus batch k). Sends stay strictly sequential
   * (k+1 only after k was acknowledged), so per-key order holds. When a batch is not acknowledged within the window, the
   * marks so far and the attempts of that batch commit; its rows stay pending and the relay keeps waiting for the same
   * send outside the transaction (`awaitInFlight`). Returns how many rows were sent (and marked).
   */
  private async drainOnce(): Promise<number> {
    const { client, release } = await checkout(this.opts.pool);
    let broken = false;
    let open = false;
    let inFlight: { ids: string[]; sending: Promise<Error | undefined> } | undefined;
    let failure: Error | undefined;
    let sent = 0;
    try {
      const first = (await client.query(this.sql.claimFirst)) as unknown as pg.QueryResult<OutboxRow>[];
      open = true;
      const markAndClaim = async (claimedNow: string[], marked: string[]): Promise<OutboxRow[]> => {
        if (!claimedNow.every(isDigits) || !marked.every(isDigits))
          return (await client.query<OutboxRow>(this.sql.markAndClaim, [this.batchSize, claimedNow, marked])).rows;
        const sql = this.markAndClaimInline(claimedNow.join(','), marked.length > 0 ? marked.join(',') : undefined);
        const result = (await client.query(sql)) as unknown as pg.QueryResult<OutboxRow> | pg.QueryResult<OutboxRow>[];
        return (Array.isArray(result) ? result[result.length - 1]! : result).rows;
      };

      let batches = 0;
      let acked: string[] = []; // acknowledged by the broker, not yet marked
      let current = first[2]?.rows ?? [];
      while (current.length > 0) {
        const ids = current.map((r) => r.id);
        this.lastKafkaError = null;
        const sending = this.send(current).then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        );
        // meanwhile on the database: mark the previous (acknowledged) batch and claim the next one, when there may be
        // more (a full batch, or a commit woke us meanwhile: its rows then go out right after this batch's ack)
        const more =
          (current.length === this.batchSize || this.signal.consume()) &&
          batches + 1 < MAX_BATCHES_PER_TX &&
          !this.stopping &&
          !this.paused;
        let next: OutboxRow[] = [];
        if (more) next = await markAndClaim(ids, acked);
        else if (acked.length > 0) await client.query(this.sql.mark, [acked]);
        sent += acked.length;
        acked = [];
        const outcome = await this.outcomeWithin(sending, this.ackWindowMs, this.opts.abandonOnStop === true);
        batches++;
        if (outcome.state === 'acked') {
          acked = ids;
          current = next;
          continue;
        }
        if (outcome.state === 'failed' && this.opts.giveUpOnFailure) {
          await this.giveUp(client, ids, outcome.error); // the broken relay moves on
          current = next;
          continue;
        }
        if (outcome.state === 'in-flight' && this.stopping && this.opts.abandonOnStop) break; // see stop()
        const why = outcome.state === 'failed' ? outcome.error.message : this.notAcknowledged(this.ackWindowMs);
        await client.query(this.sql.attempt, [ids, why.slice(0, 1000)]);
        if (outcome.state === 'failed') failure = outcome.error;
        else inFlight = { ids, sending };
        break;
      }
      // mark and commit in one round trip (ids come from bigint columns: digits only, safe to inline)
      if (acked.length > 0 && acked.every(isDigits)) {
        await client.query(
          `UPDATE ${this.opts.table} SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY('{${acked.join(',')}}'::bigint[]); COMMIT`,
        );
      } else {
        if (acked.length > 0) await client.query(this.sql.mark, [acked]);
        await client.query('COMMIT');
      }
      sent += acked.length;
      open = false;
    } catch (err) {
      if (open) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw toDbError(err);
    } finally {
      release(broken);
    }
    this.sentTotal += sent;
    if (failure) {
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `Kafka did not take the outbox rows: ${failure.message}`,
        { topic: this.opts.topic },
        { cause: failure },
      );
    }
    if (inFlight) return sent + (await this.awaitInFlight(inFlight.ids, inFlight.sending));
    if (sent > 0) this.lastError = null;
    return sent;
  }

  /**
   * A batch the broker has not acknowledged within the window (its rows pending, their claim committed): waits for the
   * same send, counting an attempt per window, and marks the rows when it is acknowledged. Returns the rows marked.
   * At stop() the rows stay pending (the correct relay) or are marked sent unacknowledged (`abandonOnStop`).
   */
  private async awaitInFlight(ids: string[], sending: Promise<Error | undefined>): Promise<number> {
    const started = Date.now() - this.ackWindowMs;
    for (;;) {
      if (this.stopping) return 0;
      this.lastError = this.notAcknowledged(Date.now() - started);
      this.opts.logger.warn(
        { rows: ids.length, waitedMs: Date.now() - started, err: this.lastKafkaError },
        'outbox relay: the broker has not acknowledged the batch yet, still sending',
      );
      const outcome = await this.outcomeWithin(sending, this.ackWindowMs, true);
      if (outcome.state === 'acked') {
        await this.opts.pool.query(this.sql.mark, [ids]).catch((err: unknown) => {
          throw toDbError(err);
        });
        this.sentTotal += ids.length;
        this.lastError = null;
        this.opts.logger.info({ rows: ids.length, waitedMs: Date.now() - started }, 'outbox relay: batch acknowledged');
        return ids.length;
      }
      if (outcome.state === 'failed' && this.opts.giveUpOnFailure) {
        await this.giveUp(this.opts.pool, ids, outcome.error).catch(() => undefined);
        return 0;
      }
      if (outcome.state === 'failed') {
        await this.recordAttempt(ids, outcome.error.message);
        throw new AppError(
          'KAFKA_UNAVAILABLE',
          `Kafka did not take the outbox rows: ${outcome.error.message}`,
          undefined,
          {
            cause: outcome.error,
          },
        );
      }
      if (!this.stopping) await this.recordAttempt(ids, this.notAcknowledged(Date.now() - started));
    }
  }

  /** The broken relay (`giveUpOnFailure`): the rows of a failed send are marked done with the error; their records are lost. */
  private async giveUp(db: Pick<Pool, 'query'>, ids: string[], error: Error): Promise<void> {
    await db.query(
      `UPDATE ${this.opts.table} SET sent_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`,
      [ids, `gave up: ${error.message}`.slice(0, 1000)],
    );
    this.lastError = error.message;
    this.opts.logger.error({ err: error.message, rows: ids.length }, 'outbox relay: send failed, rows marked error');
  }

  /** Counts an attempt on rows outside a transaction (best effort: Postgres may be away too). */
  private async recordAttempt(ids: string[], why: string): Promise<void> {
    await this.opts.pool.query(this.sql.attempt, [ids, why.slice(0, 1000)]).catch((err: unknown) => {
      this.opts.logger.debug({ err: (err as Error).message }, 'outbox relay: could not count an attempt');
    });
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: this.opts.topic, messages: rows.map((r) => this.opts.toRecord(r)) }],
    });
  }

  /** A dedicated connection LISTENs for commits; reconnects with backoff. The poll covers the gaps. */
  private async listen(): Promise<void> {
    let delay = 500;
    while (!this.stopping) {
      const client = new pg.Client({ connectionString: this.opts.databaseUrl });
      try {
        const closed = new Promise<void>((resolve) => {
          client.on('error', (err) => {
            this.opts.logger.warn({ err: err.message }, 'outbox relay: LISTEN connection lost');
            resolve();
          });
          client.on('end', () => resolve());
        });
        await client.connect();
        if (this.stopping) {
          await client.end().catch(() => undefined);
          return;
        }
        client.on('notification', (n) => {
          if (n.payload !== this.token) this.signal.wake();
        });
        await client.query(`LISTEN ${this.opts.channel}`);
        this.listener = client;
        delay = 500;
        this.signal.wake(); // rows may have been committed while we were not listening
        await closed;
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, 'outbox relay: LISTEN connection failed');
      }
      if (this.listener === client) this.listener = undefined;
      await client.end().catch(() => undefined);
      if (this.stopping) return;
      await this.stopSignal.wait(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Digits only (an id from a bigint column): safe to inline in SQL. */
const isDigits = (id: string): boolean => /^\d+$/.test(id);

/** Creates the topic (N partitions, replication factor RF, default 1) when it is missing. */
export async function ensureTopic(
  admin: Admin,
  spec: { topic: string; partitions: number; replicationFactor?: number | undefined },
  logger: Logger,
): Promise<void> {
  const { topic, partitions } = spec;
  const replicationFactor = spec.replicationFactor ?? 1;
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (topics.includes(topic)) return;
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor }],
      waitForLeaders: true,
    });
    logger.info({ topic, partitions, replicationFactor, created }, 'ensured topic');
  } finally {
    await admin.disconnect();
  }
}
