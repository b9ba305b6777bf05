// The outbox relay: claims pending rows in id order, produces them keyed by order id (acks from all in-sync replicas,
// idempotent producer, one request in flight) and marks them sent only after the broker acknowledged.
//
// Per-key order: only one relay in the whole database works at a time (a transaction-scoped advisory lock), it claims
// the OLDEST pending rows (ORDER BY id ... FOR UPDATE SKIP LOCKED), and a failed batch is left pending as a whole, so
// the next claim starts with the same rows again: a later row of an order can never be sent before an earlier one.
// While Kafka is down the rows wait; attempts and the last error are written to them, the relay backs off (capped)
// and never gives up.
//
// Throughput: one claiming transaction carries up to MAX_BATCHES_PER_TX batches, pipelined (batch k is on the wire
// while the connection marks k−1 and claims k+1). Latency: a commit in this process wakes the loop directly; commits
// of other processes arrive by LISTEN/NOTIFY; a poll (pollIntervalMs) covers everything else.
import pg, { type Pool } from 'pg';
import { Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from '../shared/logger.js';
import { AppError } from '../shared/app-error.js';
import type { RelayStatus } from '../lab-d/schema.js';
import { OUTBOX_CHANNEL } from './migrations.js';
import { checkout, toDbError } from './store.js';

export interface RelayOptions {
  pool: Pool;
  kafka: Kafka;
  /** for the LISTEN connection (a pooled client can not hold a LISTEN) */
  databaseUrl: string;
  topic: string;
  logger: Logger;
  batchSize?: number;
  /** fallback poll when no NOTIFY arrives (lost connection, rows written by someone else) */
  pollIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** partitions of the topic when the relay has to create it */
  partitions?: number;
}

const RELAY_LOCK_SQL = "SELECT pg_try_advisory_xact_lock(hashtext('loms:outbox-relay'))";
/** cross-process NOTIFYs are sent at most this often */
const NOTIFY_COALESCE_MS = 20;
/** batches per claiming transaction before it commits (the marks become visible at commit) */
const MAX_BATCHES_PER_TX = 10;

interface Claimed {
  id: string;
  topic: string;
  key: string;
  payload: string;
}

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

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly producer: Producer;
  private readonly signal = new Signal();
  private readonly stopSignal = new Signal();
  private listener: pg.Client | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private paused = false;
  private producerConnected = false;
  private topicReady = false;
  private sentTotal = 0;
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  private notifyTimer: NodeJS.Timeout | undefined;
  /** identifies this relay's own NOTIFYs */
  private readonly token = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  constructor(private readonly opts: RelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.initialBackoffMs = opts.initialBackoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.producer = opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, the Java client's partitioner (kafkajs 2's default, named to silence its warning)
      createPartitioner: Partitioners.DefaultPartitioner,
      // Few retries inside one send: the relay itself retries a failed batch forever, with backoff, counting attempts.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.producerConnected = false;
    });
  }

  /** Starts the loop; does not wait for Kafka (rows wait in the outbox until it is reachable). Idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    void this.listen();
    this.loop = this.run();
  }

  /** Lets the in-flight batch finish, then disconnects the producer and the LISTEN client. Idempotent. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    clearTimeout(this.notifyTimer);
    this.signal.wake();
    this.stopSignal.wake();
    await this.loop;
    this.loop = undefined;
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
   * After a commit that wrote outbox rows: wake this relay at once (in-process), and tell other loms processes of the
   * same database with a NOTIFY outside the business transaction. A NOTIFY inside it would serialise every commit on
   * Postgres' global notify lock (measured: half the create throughput); here they are coalesced to one per
   * NOTIFY_COALESCE_MS, and carry this relay's token so that its own LISTEN ignores them.
   */
  committed(): void {
    this.signal.wake();
    if (this.notifyTimer || this.stopping) return;
    this.notifyTimer = setTimeout(() => {
      this.opts.pool
        .query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, this.token])
        .catch(() => undefined)
        .finally(() => {
          this.notifyTimer = undefined;
        });
    }, NOTIFY_COALESCE_MS);
    this.notifyTimer.unref();
  }

  /** In-process counters (no database round trip). */
  stats(): { paused: boolean; sentTotal: number; lastError: string | null } {
    return { paused: this.paused, sentTotal: this.sentTotal, lastError: this.lastError };
  }

  async status(): Promise<RelayStatus> {
    try {
      const { rows } = await this.opts.pool.query<{ pending: string }>(
        'SELECT count(*)::text AS pending FROM outbox WHERE sent_at IS NULL',
      );
      return {
        paused: this.paused,
        pending: Number(rows[0]?.pending ?? 0),
        sent_total: this.sentTotal,
        last_error: this.lastError,
      };
    } catch (err) {
      throw toDbError(err);
    }
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
      await ensureTopic(this.opts.kafka.admin(), this.opts.topic, this.opts.partitions ?? 2, this.opts.logger);
      this.topicReady = true;
    }
  }

  private async resetProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    this.producerConnected = false;
  }

  /**
   * One claiming transaction, pipelined: while batch k is on its way to Kafka, the same connection marks batch k−1
   * (already acknowledged) and claims batch k+1 (the oldest pending rows, minus batch k). Sends stay strictly sequential
   * (k+1 only after k was acknowledged), so per-key order holds. When a send fails, the marks so far and the attempts
   * of the failed batch commit; the claimed-but-unsent rows stay pending and are claimed first next time.
   * Returns how many rows were sent (and marked).
   */
  private async drainOnce(): Promise<number> {
    const { client, release } = await checkout(this.opts.pool);
    let broken = false;
    let open = false;
    try {
      // One round trip: start, pin the ordered index scan (the planner's estimates of a young outbox are poor and a
      // bitmap scan + sort of every pending row costs 10× more), and claim the first batch if this transaction gets the
      // relay lock (no lock: another loms' relay is draining, and the claim is empty). Simple-query protocol, so the
      // only value is inlined: the batch size, an integer.
      const first = (await client.query(
        `BEGIN; SET LOCAL enable_sort = off;
         SELECT id::text AS id, topic, key, payload::text AS payload FROM outbox
          WHERE (${RELAY_LOCK_SQL}) AND sent_at IS NULL
          ORDER BY outbox.id LIMIT ${Math.trunc(this.batchSize)} FOR UPDATE SKIP LOCKED`,
      )) as unknown as pg.QueryResult<Claimed>[];
      open = true;
      // Marks `marked` (acknowledged) and claims the next batch in ONE statement: a round trip less per batch. The
      // SELECT does not see the CTE's update (same snapshot), hence `marked` is excluded explicitly, like `inFlight`.
      // `outbox.id`, not `id`: the output column `id::text AS id` would sort as text ("12" < "8") and reorder a key.
      const markAndClaim = async (inFlight: string[], marked: string[]): Promise<Claimed[]> =>
        (
          await client.query<Claimed>(
            `WITH marked AS (
               UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($3::bigint[]) RETURNING id
             )
             SELECT id::text AS id, topic, key, payload::text AS payload FROM outbox
              WHERE sent_at IS NULL AND outbox.id <> ALL($2::bigint[]) AND outbox.id <> ALL($3::bigint[])
              ORDER BY outbox.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [this.batchSize, inFlight, marked],
          )
        ).rows;
      const mark = (ids: string[]): Promise<unknown> =>
        client.query(
          'UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])',
          [ids],
        );

      let sent = 0;
      let batches = 0;
      let acked: string[] = []; // acknowledged by the broker, not yet marked
      let current = first[2]?.rows ?? [];
      while (current.length > 0) {
        const ids = current.map((r) => r.id);
        const sending = this.send(current).then(
          () => undefined,
          (err: unknown) => err as Error,
        );
        // meanwhile on the database: mark the previous (acknowledged) batch and claim the next one, when there may be
        // more (a full batch, or a commit woke us meanwhile: its rows then go out right after this batch's ack)
        const more =
          (current.length === this.batchSize || this.signal.consume()) &&
          batches + 1 < MAX_BATCHES_PER_TX &&
          !this.stopping &&
          !this.paused;
        let next: Claimed[] = [];
        if (more) next = await markAndClaim(ids, acked);
        else if (acked.length > 0) await mark(acked);
        sent += acked.length;
        acked = [];
        const failure = await sending;
        if (failure) {
          await client.query(
            'UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])',
            [ids, failure.message.slice(0, 1000)],
          );
          await client.query('COMMIT');
          open = false;
          this.sentTotal += sent;
          throw new AppError(
            'KAFKA_UNAVAILABLE',
            `Kafka did not take ${ids.length} outbox row(s): ${failure.message}`,
            { ids: ids.length },
            { cause: failure },
          );
        }
        acked = ids;
        batches++;
        current = next;
      }
      // mark and commit in one round trip (ids come from bigint columns: digits only, safe to inline)
      if (acked.length > 0 && acked.every((id) => /^\d+$/.test(id))) {
        await client.query(
          `UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY('{${acked.join(',')}}'::bigint[]); COMMIT`,
        );
        sent += acked.length;
      } else {
        if (acked.length > 0) await mark(acked);
        sent += acked.length;
        await client.query('COMMIT');
      }
      open = false;
      this.sentTotal += sent;
      if (sent > 0) this.lastError = null;
      return sent;
    } catch (err) {
      if (open) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw err;
    } finally {
      release(broken);
    }
  }

  private async send(rows: Claimed[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.payload, headers: { outbox_id: r.id } });
      byTopic.set(r.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
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
        await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
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

/** Creates the topic (N partitions, RF 1) when it is missing. */
export async function ensureTopic(admin: Admin, topic: string, partitions: number, logger: Logger): Promise<void> {
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (topics.includes(topic)) return;
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    logger.info({ topic, partitions, created }, 'ensured topic');
  } finally {
    await admin.disconnect();
  }
}
