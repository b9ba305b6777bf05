// A tail of the topics through the console's own consumer group (`eventscope-observer-<random>`, hidden in the UI):
// every record goes into a bounded ring (merged across partitions in arrival order), the selected lab's entity topics'
// records into the timeline store, and a batched push. The ingest path keeps the record's bytes where kafkajs decoded them and
// decodes lazily; the timeline gets one batch per fetch batch.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../../../services/shared/logger.js';
import { toAppError, type AppError } from '../../../services/shared/app-error.js';
import type { TailRecord } from '../contract/console-api.js';
import type { TimelineStore } from '../timeline/timeline-store.js';
import { createFlushTimer } from '../events/flush-timer.js';

const VALUE_MAX = 4096;
/** records per tail:batch push at most (the newest; the rest is counted as dropped and paged on demand) */
const PUSH_MAX = 500;

export interface TailBufferOptions {
  /** records kept for topics:tail-page (default 10 000) */
  capacity?: number;
  /** the entity store of the selected lab (it says which topics it follows); read per fetch batch */
  timeline?: () => TimelineStore | undefined;
  /** batched push of new records (16–100 ms window, at most 500 per push) */
  onBatch?: (seq: number, records: TailRecord[], dropped: number) => void;
  wantBatches?: () => boolean;
  batchMs?: number;
  /** distinct keys remembered per partition before the counter switches to counting (default 50 000) */
  keySetCap?: number;
}

export interface TailBuffer {
  /** One fetch batch of a partition, in offset order. The ring keeps `messages` itself (not a copy): leave it unchanged. */
  ingest(topic: string, partition: number, messages: EachBatchPayload['batch']['messages']): void;
  page(q: {
    topic?: string | undefined;
    partition?: number | undefined;
    key?: string | undefined;
    before?: number | undefined;
    limit?: number | undefined;
  }): {
    records: TailRecord[];
    nextBefore: number | null;
  };
  /** the newest keyed record of a topic whose value is a JSON object (or the one at partition/offset, while the ring holds it) */
  find(
    topic: string,
    source?: { partition: number; offset: string },
  ): { key: Buffer | null; value: Buffer | null; partition: number; offset: string } | undefined;
  keysSeen(topic: string, partition: number): number;
  readonly ingested: number;
  stop(): void;
}

/** Starts with `{` and ends with `}` (whitespace aside): what a duplicate should copy, unlike a poison record. */
function looksLikeJsonObject(value: Buffer | null): value is Buffer {
  if (value === null) return false;
  const text = value.toString('utf8').trim();
  return text.startsWith('{') && text.endsWith('}');
}

/**
 * The value of a decimal string of 1 to 15 digits without a leading zero (what kafkajs gives offsets and timestamps
 * as), read in a loop: cheaper than V8's generic string-to-number conversion, and `String(n)` gives the string back.
 * −1 for anything else (a sign, a leading zero, more digits, empty): callers fall back to `+s`.
 */
export function plainDecimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15 || (n > 1 && s.charCodeAt(0) === 0x30)) return -1;
  // int32 arithmetic: the leading digits (6 at most) in `high`, the last 9 at most in `low`
  const split = n > 9 ? n - 9 : 0;
  let high = 0;
  let i = 0;
  for (; i < split; i++) {
    const d = (s.charCodeAt(i) - 0x30) | 0;
    if (d >>> 0 > 9) return -1;
    high = (high * 10 + d) | 0;
  }
  let low = 0;
  for (; i < n; i++) {
    const d = (s.charCodeAt(i) - 0x30) | 0;
    if (d >>> 0 > 9) return -1;
    low = (low * 10 + d) | 0;
  }
  return split === 0 ? low : high * 1e9 + low;
}

type Messages = EachBatchPayload['batch']['messages'];

/**
 * The ring keeps the fetch batches themselves, not a copy of each record: per batch its topic, partition, the idx of
 * its first record and the messages array kafkajs delivered, for as long as one of its records is among the newest
 * `capacity`. A record's fields are read from its message only when it is shown (a page, a push, a find), so the ring
 * costs nothing per record. (Copying each record's offset, timestamp, key and value into parallel arrays was most of
 * the ring's cost: about 100 ns a record.) It pins the messages of the batches it keeps: `capacity` records and at most
 * one batch more.
 */
export function createTailBuffer(opts: TailBufferOptions): TailBuffer {
  const capacity = Math.max(1, opts.capacity ?? 10_000);
  const keySetCap = opts.keySetCap ?? 50_000;
  const batchMs = Math.min(100, Math.max(16, opts.batchMs ?? 50));
  // the kept batches, by their number % capacity: each holds one of the newest `capacity` records, so they are fewer
  const batchTopic: string[] = new Array<string>(capacity).fill('');
  const batchPartition = new Int32Array(capacity);
  /** the idx of the batch's first record */
  const batchStart = new Float64Array(capacity);
  const batchMessages: (Messages | undefined)[] = new Array<Messages | undefined>(capacity).fill(undefined);
  /** the number of the oldest kept batch, and of the next one */
  let oldestBatch = 0;
  let nextBatch = 0;
  let next = 0; // idx of the next record
  /** the first idx not pushed yet */
  let pushedUpTo = 0;
  /** topic → per partition: the keys seen (bounded) and the count carried over from cleared sets */
  const keys = new Map<string, { set: Set<string>; carried: number }[]>();
  let seq = 0;

  /** the kept batch that holds record idx (one of the newest `capacity`) */
  const batchOf = (idx: number): number => {
    let lo = oldestBatch;
    let hi = nextBatch - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (batchStart[mid % capacity]! <= idx) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  const timestampOf = (m: Messages[number]): number => {
    const t = plainDecimal(m.timestamp);
    return t >= 0 ? t : +m.timestamp;
  };

  const toRecord = (idx: number, b: number): TailRecord => {
    const slot = b % capacity;
    const m = batchMessages[slot]![idx - batchStart[slot]!]!;
    const key = m.key ?? null;
    const value = m.value ?? null;
    return {
      idx,
      topic: batchTopic[slot]!,
      partition: batchPartition[slot]!,
      offset: m.offset,
      key: key === null ? null : key.toString('utf8'),
      value:
        value === null
          ? null
          : value.length > VALUE_MAX
            ? `${value.subarray(0, VALUE_MAX).toString('utf8')}…`
            : value.toString('utf8'),
      timestamp: timestampOf(m),
    };
  };

  const flush = () => {
    const from = Math.max(pushedUpTo, next - Math.min(capacity, PUSH_MAX));
    const dropped = from - pushedUpTo;
    pushedUpTo = next;
    if (opts.onBatch === undefined || (opts.wantBatches !== undefined && !opts.wantBatches())) return;
    const out: TailRecord[] = [];
    let b = from < next ? batchOf(from) : 0;
    for (let i = from; i < next; i++) {
      while (b + 1 < nextBatch && batchStart[(b + 1) % capacity]! <= i) b++;
      out.push(toRecord(i, b));
    }
    seq += 1;
    opts.onBatch(seq, out, dropped);
  };

  const timer = createFlushTimer(flush, batchMs);

  const keyCounter = (topic: string, partition: number) => {
    let perPartition = keys.get(topic);
    if (perPartition === undefined) {
      perPartition = [];
      keys.set(topic, perPartition);
    }
    let k = perPartition[partition];
    if (k === undefined) {
      k = { set: new Set(), carried: 0 };
      perPartition[partition] = k;
    }
    return k;
  };
  const countKey = (k: { set: Set<string>; carried: number }, key: string) => {
    if (k.set.has(key)) return;
    if (k.set.size >= keySetCap) {
      // Bounded memory: keep counting, forget the older keys (a key seen again later counts once more).
      k.carried += k.set.size;
      k.set.clear();
    }
    k.set.add(key);
  };

  /** Keeps a batch of n > 0 records: drops the batches that then hold none of the newest `capacity`, first. */
  const keep = (topic: string, partition: number, messages: Messages, n: number) => {
    const oldest = next + n - capacity;
    while (oldestBatch < nextBatch) {
      const slot = oldestBatch % capacity;
      if (batchStart[slot]! + batchMessages[slot]!.length > oldest) break;
      batchMessages[slot] = undefined;
      batchTopic[slot] = '';
      oldestBatch += 1;
    }
    const slot = nextBatch % capacity;
    batchTopic[slot] = topic;
    batchPartition[slot] = partition;
    batchStart[slot] = next;
    batchMessages[slot] = messages;
    nextBatch += 1;
    next += n;
  };

  /** the timeline's part of a batch: each record's offset (the first + its place when `first` ≥ 0) and timestamp */
  const toTimeline = (
    timeline: TimelineStore,
    topic: string,
    partition: number,
    messages: Messages,
    first: number,
    counter: { set: Set<string>; carried: number },
  ) => {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      let offset = first >= 0 ? first + i : plainDecimal(m.offset);
      if (offset < 0) offset = +m.offset;
      const value = m.value ?? null;
      // entity events are counted by the timeline (one entity per key); other records here
      if (!timeline.ingestRecord(topic, partition, offset, value, timestampOf(m)) && m.key != null)
        countKey(counter, m.key.toString('latin1'));
    }
  };

  return {
    ingest(topic, partition, messages) {
      const n = messages.length;
      if (n === 0) return;
      const store = opts.timeline?.();
      const timeline = store?.follows(topic) === true ? store : undefined;
      const counter = keyCounter(topic, partition);
      keep(topic, partition, messages, n);
      if (timeline === undefined) {
        for (let i = 0; i < n; i++) {
          const key = messages[i]!.key;
          if (key != null) countKey(counter, key.toString('latin1'));
        }
      } else {
        // A batch whose first and last offsets are as far apart as its length has every offset in between, in order
        // (a partition's offsets only grow): each record's offset is then the first + its place, without reading its
        // string.
        const first = plainDecimal(messages[0]!.offset);
        const dense = first >= 0 && plainDecimal(messages[n - 1]!.offset) === first + n - 1;
        // one timeline batch per fetch batch: each entity it touches is checked and queued for a push once
        timeline.beginBatch();
        try {
          toTimeline(timeline, topic, partition, messages, dense ? first : -1, counter);
        } finally {
          timeline.endBatch();
        }
      }
      if (timer.stopped || opts.onBatch === undefined) pushedUpTo = next;
      else if (next > pushedUpTo) timer.schedule();
    },
    page({ topic, partition, key, before, limit = 200 }) {
      const records: TailRecord[] = [];
      const oldest = Math.max(0, next - capacity);
      let i = Math.min(before ?? next, next) - 1;
      let b = i >= oldest ? batchOf(i) : 0;
      for (; i >= oldest && records.length < limit; i--) {
        while (batchStart[b % capacity]! > i) b--;
        const slot = b % capacity;
        if (topic !== undefined && batchTopic[slot] !== topic) continue;
        if (partition !== undefined && batchPartition[slot] !== partition) continue;
        if (key !== undefined && batchMessages[slot]![i - batchStart[slot]!]!.key?.toString('utf8') !== key) continue;
        records.push(toRecord(i, b));
      }
      return { records, nextBefore: i >= oldest && records.length > 0 ? records.at(-1)!.idx : null };
    },
    find(topic, source) {
      const oldest = Math.max(0, next - capacity);
      for (let b = nextBatch - 1; b >= oldestBatch; b--) {
        const slot = b % capacity;
        if (batchTopic[slot] !== topic || (source !== undefined && batchPartition[slot] !== source.partition)) continue;
        const messages = batchMessages[slot]!;
        const start = batchStart[slot]!;
        for (let j = messages.length - 1; j >= 0 && start + j >= oldest; j--) {
          const m = messages[j]!;
          if (source !== undefined && m.offset !== source.offset) continue;
          const key = m.key ?? null;
          const value = m.value ?? null;
          if (source === undefined && (key === null || !looksLikeJsonObject(value))) continue; // the newest keyed event
          return { key, value, partition: batchPartition[slot]!, offset: m.offset };
        }
      }
      return undefined;
    },
    keysSeen(topic, partition) {
      const k = keys.get(topic)?.[partition];
      const store = opts.timeline?.();
      const fromTimeline = store?.follows(topic) === true ? store.keysFirstPublished(topic, partition) : 0;
      return fromTimeline + (k === undefined ? 0 : k.carried + k.set.size);
    },
    get ingested() {
      return next;
    },
    stop: () => timer.stop(),
  };
}

export interface TopicTailDeps {
  kafka: Kafka;
  groupId: string;
  buffer: TailBuffer;
  logger: Logger;
  /** read each topic from its log start (default true: the timeline gets the history the broker still holds) */
  fromBeginning?: boolean;
  /** An error while the consumer is down (it crashed, or could not start), `undefined` once it has joined again. */
  onHealth?: (error: AppError | undefined) => void;
  /** restart delay after a crash or a failed start: doubles from this (default 500 ms)… */
  minBackoffMs?: number;
  /** …up to this (default 5000 ms) */
  maxBackoffMs?: number;
}

export interface TopicTail {
  /** Follows exactly these topics (existing ones): restarts the consumer when the set changes. */
  follow(topics: string[]): Promise<void>;
  readonly topics: string[];
  stop(): Promise<void>;
}

/**
 * The tail's consumer, kept alive: when it crashes (the broker went away longer than kafkajs' retries) or cannot start,
 * the tail says so on onHealth and starts a new consumer after a backoff that doubles up to a cap, again and again,
 * until one joins the group (then onHealth(undefined)). kafkajs' own restart is turned off so that only one consumer
 * runs. The buffer is kept throughout, and a new consumer goes on where the tail was: it seeks each partition to the
 * offset after the last record ingested, and records below it (fetched before the seek took hold) are dropped, so each
 * record enters the buffer once. (A partition whose log is now shorter than that offset was recreated or wiped: it is
 * read again from its start.)
 */
export function createTopicTail(deps: TopicTailDeps): TopicTail {
  const minBackoffMs = deps.minBackoffMs ?? 500;
  const maxBackoffMs = Math.max(minBackoffMs, deps.maxBackoffMs ?? 5000);
  let consumer: Consumer | undefined;
  let current: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  /** last reported health (undefined: nothing reported yet) */
  let healthy: boolean | undefined;
  /** restarts since the consumer last joined (the backoff's exponent) */
  let failures = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** topic → partition → the offset after the last record ingested */
  const positions = new Map<string, Map<number, number>>();

  const serially = (work: () => Promise<void>): Promise<void> => {
    chain = chain
      .then(work)
      .catch((err: unknown) => deps.logger.warn({ err: toAppError(err).message }, 'tail: unexpected error'));
    return chain;
  };

  const report = (error: AppError | undefined) => {
    if ((error === undefined) === healthy) return; // only changes are reported
    healthy = error === undefined;
    deps.onHealth?.(error);
  };

  const stopConsumer = async () => {
    const c = consumer;
    consumer = undefined;
    if (c !== undefined) await c.disconnect().catch(() => undefined);
  };

  const cancelRestart = () => {
    if (restartTimer !== undefined) clearTimeout(restartTimer);
    restartTimer = undefined;
  };

  const scheduleRestart = () => {
    if (stopped || restartTimer !== undefined || current.length === 0) return;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(failures, 20));
    failures += 1;
    deps.logger.info({ retryInMs: delay, attempt: failures }, 'tail: restarting the consumer');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void serially(async () => {
        if (stopped || current.length === 0) return;
        await stopConsumer();
        await startOrRetry(current);
      });
    }, delay);
  };

  /** Drops what the buffer already has (a batch fetched again after a restart). */
  const unseen = (
    topic: string,
    partition: number,
    batch: EachBatchPayload['batch'],
  ): EachBatchPayload['batch']['messages'] => {
    const messages = batch.messages;
    const from = positions.get(topic)?.get(partition);
    if (from === undefined || messages.length === 0 || Number(messages[0]!.offset) >= from) return messages;
    if (Number(batch.highWatermark) < from) {
      positions.get(topic)?.delete(partition); // the log is shorter than what the tail read: recreated or wiped
      return messages;
    }
    return messages.filter((m) => Number(m.offset) >= from);
  };

  const startConsumer = async (topics: string[]) => {
    const c = deps.kafka.consumer({
      groupId: deps.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 200,
      // kafkajs' default for consumers (5 retries), but no restart of its own: the tail restarts it (scheduleRestart)
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(false) },
    });
    consumer = c;
    c.on(c.events.CRASH, (e) => {
      if (consumer !== c || stopped) return;
      const error = toAppError(e.payload.error, 'KAFKA_UNAVAILABLE');
      deps.logger.warn({ err: error.message }, 'tail consumer crashed');
      report(error);
      scheduleRestart();
    });
    c.on(c.events.GROUP_JOIN, () => {
      if (consumer !== c || stopped) return;
      failures = 0;
      report(undefined);
    });
    await c.connect();
    await c.subscribe({ topics, fromBeginning: deps.fromBeginning ?? true });
    await c.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const messages = unseen(batch.topic, batch.partition, batch);
        if (messages.length > 0) {
          deps.buffer.ingest(batch.topic, batch.partition, messages);
          let byPartition = positions.get(batch.topic);
          if (byPartition === undefined) {
            byPartition = new Map();
            positions.set(batch.topic, byPartition);
          }
          byPartition.set(batch.partition, Number(messages[messages.length - 1]!.offset) + 1);
        }
        await payload.heartbeat();
      },
    });
    // Go on where the tail was (a crash within run() has already disconnected it: then the next start seeks).
    if (consumer !== c) return;
    for (const topic of topics) {
      for (const [partition, offset] of positions.get(topic) ?? []) {
        try {
          c.seek({ topic, partition, offset: String(offset) });
        } catch {
          return;
        }
      }
    }
  };

  const startOrRetry = async (topics: string[]) => {
    try {
      await startConsumer(topics);
    } catch (err) {
      await stopConsumer();
      const error = toAppError(err, 'KAFKA_UNAVAILABLE');
      deps.logger.warn({ err: error.message }, 'tail: could not start');
      report(error);
      scheduleRestart();
    }
  };

  return {
    follow(topics) {
      const want = [...new Set(topics)].sort();
      return serially(async () => {
        if (stopped || want.join('\n') === current.join('\n')) return;
        cancelRestart();
        await stopConsumer();
        for (const topic of positions.keys()) if (!want.includes(topic)) positions.delete(topic); // gone, or unfollowed
        current = want;
        failures = 0;
        if (want.length === 0) return;
        await startOrRetry(want);
      });
    },
    get topics() {
      return current;
    },
    async stop() {
      stopped = true;
      cancelRestart();
      await chain;
      cancelRestart();
      await stopConsumer();
      deps.buffer.stop();
    },
  };
}
