// Per order id the ordered facts of its life: committed (outbox row), published (Kafka partition/offset), processed
// (notifier instance). Flags what a first-time student should notice: a status path out of order, a gap in the path,
// duplicate processing, an event that was published but never processed although the group's lag is 0.
//
// Bounded: keeps the newest `cap` entities (by first sight) and evicts the oldest. Pushes are batched: the ids that
// changed in a window (16–100 ms) go out as summaries with a sequence number. Ingest is the hot path: no zod, no
// allocation beyond the facts themselves.
import { NEXT_STATUSES, ORDER_STATUSES, type OrderStatus } from '../../../services/lab-d/schema.js';
import type { OrderTimeline, TimelineFlag, TimelineStep, TimelineSummary } from '../contract/console-api.js';
import { createFlushTimer } from '../events/flush-timer.js';

const STATUS_INDEX: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s, i) => [s, i]));

const F_OUT_OF_ORDER = 1;
const F_DUPLICATE = 2;
const F_MISSING = 4;
const F_GAP = 8;
const FLAG_BITS: readonly [number, TimelineFlag][] = [
  [F_OUT_OF_ORDER, 'out-of-order'],
  [F_DUPLICATE, 'duplicate'],
  [F_MISSING, 'missing-step'],
  [F_GAP, 'gap'],
];

/**
 * REACHABLE[a] has bit b set when status b can follow a after one or more steps; DIRECT[a] when after exactly one
 * (row 0 is "no event yet", row a + 1 is status a). Bit masks in an Int32Array: one load and an `&` per check.
 */
const REACHABLE = new Int32Array(ORDER_STATUSES.length + 1);
const DIRECT = new Int32Array(ORDER_STATUSES.length + 1);
(['none', ...ORDER_STATUSES] as const).forEach((name, a) => {
  for (const next of NEXT_STATUSES[name]) DIRECT[a]! |= 1 << STATUS_INDEX[next]!;
  const stack: (OrderStatus | 'none')[] = [name];
  while (stack.length > 0) {
    for (const next of NEXT_STATUSES[stack.pop()!]) {
      const bit = 1 << STATUS_INDEX[next]!;
      if ((REACHABLE[a]! & bit) !== 0) continue;
      REACHABLE[a]! |= bit;
      stack.push(next);
    }
  }
});

// Facts are stored in packed number arrays (V8 keeps doubles unboxed in them): a few objects per entity instead of one
// per fact, which keeps both the live heap and the garbage of evictions small.
/** published: [status, at, partition, offset] per fact, sorted by offset */
const PUB = 4;
/** processed: [status, at, instance index, partition, offset, latency (−1 = unknown)] per fact */
const PROC = 6;
/** committed: [status, at, outbox id, sent at (−1 = pending)] per fact */
const COM = 4;

interface Entity {
  /** the order id (its decimal string is made only where one is shown) */
  num: number;
  /** the topic of its published facts */
  topic: string;
  firstAt: number;
  lastAt: number;
  pub: number[] | undefined;
  proc: number[] | undefined;
  com: number[] | undefined;
  flags: number;
  /** has a published fact no notifier has processed yet (it is in the waiting list) */
  waiting: boolean;
  /** the flush epoch it was last queued for a push in (saves a Set operation per event) */
  dirtyEpoch: number;
  /** the ingest batch it was last queued for a recompute in */
  pendingBatch: number;
  /** its index in the flagged list, −1 while it has no flag */
  flaggedAt: number;
  evicted: boolean;
}

/** status indexes by the first byte of their name (one each today: the five names start with different letters) */
const STATUSES_BY_FIRST_BYTE: (number[] | undefined)[] = [];
ORDER_STATUSES.forEach((name, i) => (STATUSES_BY_FIRST_BYTE[name.charCodeAt(0)] ??= []).push(i));
const STATUS_BYTES = ORDER_STATUSES.map((name) => Buffer.from(name));

/** The status whose name is the string value starting at `from` (after its opening quote), or −1. */
function statusAt(buf: Buffer, from: number, last: number): number {
  const candidates = STATUSES_BY_FIRST_BYTE[buf[from]!];
  if (candidates === undefined) return -1;
  for (const st of candidates) {
    const name = STATUS_BYTES[st]!;
    const end = from + name.length;
    // exactly the name: its bytes, then the closing quote (or the object's end, as the quote search used to allow)
    if (end <= last && (end === last || buf[end] === 0x22) && bytesAt(buf, from, name)) return st;
  }
  return -1;
}
/** `order_id"` at `i` (the bytes after a key's opening quote), compared byte by byte with constants */
const isOrderIdKey = (b: Buffer, i: number) =>
  b[i] === 0x6f &&
  b[i + 1] === 0x72 &&
  b[i + 2] === 0x64 &&
  b[i + 3] === 0x65 &&
  b[i + 4] === 0x72 &&
  b[i + 5] === 0x5f &&
  b[i + 6] === 0x69 &&
  b[i + 7] === 0x64 &&
  b[i + 8] === 0x22;
const ORDER_ID_KEY_LENGTH = 9;
/** `status"` at `i` */
const isStatusKey = (b: Buffer, i: number) =>
  b[i] === 0x73 &&
  b[i + 1] === 0x74 &&
  b[i + 2] === 0x61 &&
  b[i + 3] === 0x74 &&
  b[i + 4] === 0x75 &&
  b[i + 5] === 0x73 &&
  b[i + 6] === 0x22;
const STATUS_KEY_LENGTH = 7;
const scanned = { orderId: 0, status: 0 };

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function bytesAt(buf: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > buf.length) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

/** Index after the colon (and spaces) that follows a key ending at `i`, or −1. */
function afterColon(buf: Buffer, i: number): number {
  while (isSpace(buf[i])) i++;
  if (buf[i] !== 0x3a) return -1;
  i++;
  while (isSpace(buf[i])) i++;
  return i;
}

/**
 * Reads `order_id` (a number) and `status` (one of the five) from a Lab D event's JSON bytes in one pass over the top
 * level's tokens, without building strings (several times cheaper than JSON.parse). String values are skipped whole,
 * so a key name inside a value never matches. A value that is not a JSON object (does not start with `{` and end with
 * `}`) is refused, as is one whose fields do not have those shapes: poison records stay out of the timeline. The scan
 * stops as soon as both fields are read (only the first of each counts, so the rest can not change the answer). The
 * returned object is reused.
 */
export function scanOrderEvent(buf: Buffer): { orderId: number; status: number } | undefined {
  const n = buf.length;
  let first = 0;
  while (first < n && isSpace(buf[first])) first++;
  let last = n - 1;
  while (last > first && isSpace(buf[last])) last--;
  if (buf[first] !== 0x7b || buf[last] !== 0x7d) return undefined;
  let orderId = -1;
  let status = -1;
  let depth = 0;
  for (let i = first; i < last; i++) {
    const c = buf[i]!;
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    if (c !== 0x22) continue;
    if (depth === 1 && orderId < 0 && isOrderIdKey(buf, i + 1)) {
      let j = afterColon(buf, i + 1 + ORDER_ID_KEY_LENGTH);
      if (j < 0 || buf[j] === 0x30) return undefined;
      let v = 0;
      const from = j;
      for (let d = buf[j]!; d >= 0x30 && d <= 0x39; d = buf[++j]!) v = v * 10 + (d - 0x30);
      if (j === from || j - from > 15) return undefined;
      orderId = v;
      if (status >= 0) break; // both read: nothing later can change the answer
      i = j - 1;
      continue;
    }
    if (depth === 1 && status < 0 && isStatusKey(buf, i + 1)) {
      const j = afterColon(buf, i + 1 + STATUS_KEY_LENGTH);
      if (j < 0 || buf[j] !== 0x22) return undefined;
      const st = statusAt(buf, j + 1, last);
      if (st < 0) return undefined;
      status = st;
      if (orderId >= 0) break;
      i = j + 1 + STATUS_BYTES[st]!.length;
      continue;
    }
    // any other string (a key or a value): skip it whole, escapes included
    let k = i + 1;
    while (k < last && buf[k] !== 0x22) k += buf[k] === 0x5c ? 2 : 1;
    i = k;
  }
  if (orderId <= 0 || status < 0) return undefined;
  scanned.orderId = orderId;
  scanned.status = status;
  return scanned;
}

export interface TimelineStoreOptions {
  /** newest entities kept (default 100 000) */
  cap?: number;
  /** push window, clamped to 16–100 ms (default 50) */
  batchMs?: number;
  /** summaries per push at most (default 1000); the rest is counted, the client fetches on demand */
  maxBatch?: number;
  /** receives the batched pushes; omitted = no pushes are built */
  onBatch?: (seq: number, updated: TimelineSummary[], evicted: number, size: number) => void;
  /** cheap check whether anyone listens (skip building summaries otherwise) */
  wantBatches?: () => boolean;
}

export interface TimelineStore {
  /** A Kafka record of the order topic: bytes take the fast scanner, a string is parsed as JSON. False: not an order event. */
  ingestRecord(
    topic: string,
    partition: number,
    offset: number,
    value: Buffer | string | null,
    timestamp: number,
  ): boolean;
  /**
   * Opens an ingest batch (one Kafka fetch batch): until `endBatch`, the records given to `ingestRecord` only add their
   * facts, and each entity they touched is checked and queued for a push once, at `endBatch`. Call both in the same
   * synchronous run (nothing reads the store in between); the outcome is the same as without a batch.
   */
  beginBatch(): void;
  endBatch(): void;
  addPublished(
    orderId: string,
    status: OrderStatus,
    at: number,
    topic: string,
    partition: number,
    offset: number,
  ): void;
  addProcessed(
    orderId: string,
    status: OrderStatus,
    at: number,
    instance: string,
    partition: number,
    offset: number,
    latencyMs: number | null,
  ): void;
  addCommitted(orderId: string, status: OrderStatus, at: number, outboxId: string, sentAt: number | null): void;
  markSent(orderId: string, outboxId: string, sentAt: number): void;
  /** The notifier group's committed offset on a partition and whether its lag there is 0 (drives `missing-step`). */
  setGroupProgress(topic: string, partition: number, committedOffset: number, lagIsZero: boolean): void;
  get(orderId: string): OrderTimeline | null;
  flagged(flag?: TimelineFlag, limit?: number): { items: TimelineSummary[]; total: number };
  recent(prefix?: string, limit?: number): TimelineSummary[];
  /** distinct order ids first published on a partition of the order topic (the "share of keys" histogram) */
  keysFirstPublished(partition: number): number;
  readonly size: number;
  readonly cap: number;
  readonly evictedTotal: number;
  flush(): void;
  stop(): void;
}

/** Order ids are decimal int64 strings; the store keys them by number (exact up to 2^53). */
function idNumber(orderId: string): number | undefined {
  const n = Number(orderId);
  return Number.isSafeInteger(n) && n > 0 && String(n) === orderId ? n : undefined;
}

export function createTimelineStore(opts: TimelineStoreOptions = {}): TimelineStore {
  const cap = Math.max(1, opts.cap ?? 100_000);
  const batchMs = Math.min(100, Math.max(16, opts.batchMs ?? 50));
  const maxBatch = opts.maxBatch ?? 1000;
  /** by order id as a number (cheap to hash, no string per record); the id string is made once per entity */
  const entities = new Map<number, Entity>();
  /**
   * Ids in the order they were first seen (the eviction queue). Deleting the first key of a Map over and over makes
   * V8 skip ever more tombstones on `keys()`; a queue with a head index keeps eviction O(1).
   */
  let order: Entity[] = [];
  let head = 0;
  /**
   * The entities with a flag, in the order they got it (a Set's order: one that loses its flags leaves a hole, and
   * goes to the end if it gets one again). An array with holes, compacted lazily, instead of a Set: no hashing.
   */
  let flaggedList: (Entity | null)[] = [];
  let flaggedCount = 0;
  const unflag = (e: Entity) => {
    flaggedList[e.flaggedAt] = null;
    e.flaggedAt = -1;
    flaggedCount -= 1;
    if (flaggedList.length > flaggedCount * 2 + 4096) {
      const kept: Entity[] = [];
      for (const f of flaggedList) if (f !== null) kept.push(f);
      kept.forEach((f, i) => (f.flaggedAt = i));
      flaggedList = kept;
    }
  };
  /** ingest batch: while one is open, facts only queue their entity, and `endBatch` recomputes each once */
  let batch = 0;
  let inBatch = false;
  const pending: Entity[] = [];
  /** entities with a published fact not yet processed (candidates for missing-step); compacted lazily */
  let waitingList: Entity[] = [];
  let waitingCount = 0;
  /** topic → per partition the group's committed offset while its lag there is 0 (−1 while it lags) */
  const settled = new Map<string, number[]>();
  let processedSourceSeen = false;
  const firstPublished: number[] = [];
  /** entities changed since the last push (deduplicated by dirtyEpoch) */
  let dirty: Entity[] = [];
  let epoch = 1;
  let evictedSinceFlush = 0;
  let evictedTotal = 0;
  let seq = 0;

  const flush = () => {
    if (dirty.length === 0 && evictedSinceFlush === 0) return;
    const changed = dirty;
    dirty = [];
    epoch += 1;
    const evicted = evictedSinceFlush;
    evictedSinceFlush = 0;
    if (opts.onBatch === undefined || (opts.wantBatches !== undefined && !opts.wantBatches())) return;
    const updated: TimelineSummary[] = [];
    for (const e of changed) {
      if (updated.length >= maxBatch) break;
      if (!e.evicted) updated.push(summary(e));
    }
    seq += 1;
    opts.onBatch(seq, updated, evicted, entities.size);
  };
  const timer = createFlushTimer(flush, batchMs);

  const touch = (e: Entity) => {
    if (e.dirtyEpoch === epoch || timer.stopped) return;
    timer.schedule();
    // one push carries at most maxBatch summaries: the rest would be dropped at the flush anyway (bounded memory)
    if (dirty.length >= maxBatch) return;
    e.dirtyEpoch = epoch;
    dirty.push(e);
  };

  const instanceNames: string[] = [];
  const instanceIndex = new Map<string, number>();
  const internInstance = (name: string): number => {
    let i = instanceIndex.get(name);
    if (i === undefined) {
      i = instanceNames.length;
      instanceNames.push(name);
      instanceIndex.set(name, i);
    }
    return i;
  };

  /**
   * The entity of the previous fact: consecutive records often share a key (loms publishes an order's `new` and
   * `awaiting payment` back to back, a replay reads each order's events together), and this skips the Map lookup.
   */
  let lastEntity: Entity | undefined;
  /** the highest order id ever seen: a higher one is new without asking the Map (ids from a sequence mostly grow) */
  let maxNum = 0;
  const entity = (num: number, at: number, topic: string): Entity => {
    let e =
      lastEntity !== undefined && lastEntity.num === num && !lastEntity.evicted
        ? lastEntity
        : num > maxNum
          ? undefined
          : entities.get(num);
    if (e === undefined) {
      if (num > maxNum) maxNum = num;
      e = {
        num,
        topic,
        firstAt: at,
        lastAt: at,
        pub: undefined,
        proc: undefined,
        com: undefined,
        flags: 0,
        waiting: false,
        dirtyEpoch: 0,
        pendingBatch: 0,
        flaggedAt: -1,
        evicted: false,
      };
      entities.set(num, e);
      order.push(e);
      if (entities.size > cap) evictOldest();
    } else if (at > e.lastAt) e.lastAt = at;
    else if (at < e.firstAt) e.firstAt = at;
    lastEntity = e;
    return e;
  };

  const evictOldest = () => {
    while (entities.size > cap && head < order.length) {
      const e = order[head]!;
      order[head] = undefined as unknown as Entity; // let it go
      head += 1;
      if (e.evicted) continue;
      e.evicted = true;
      entities.delete(e.num);
      if (e.flaggedAt >= 0) unflag(e);
      if (e.waiting) waitingCount -= 1;
      evictedSinceFlush += 1;
      evictedTotal += 1;
    }
    // evicted entities leave the waiting list lazily: compact once they are a third of it
    if (waitingList.length > waitingCount * 1.5 + 4096)
      waitingList = waitingList.filter((w) => w.waiting && !w.evicted);
    if (head > 65_536 && head * 2 > order.length) {
      order = order.slice(head);
      head = 0;
    }
  };

  const processedOffset = (e: Entity, partition: number, offset: number): boolean => {
    const q = e.proc;
    if (q === undefined) return false;
    for (let i = 0; i < q.length; i += PROC) if (q[i + 3] === partition && q[i + 4] === offset) return true;
    return false;
  };

  const recompute = (e: Entity) => {
    let flags = 0;
    let hasUnprocessed = false;
    const pub = e.pub;
    if (pub !== undefined) {
      let prev = 0; // row 0 of the tables is "none"
      let seenMask = 0;
      for (let i = 0; i < pub.length; i += PUB) {
        const st = pub[i]!;
        const bit = 1 << st;
        if ((seenMask & bit) !== 0) {
          flags |= F_DUPLICATE;
          continue;
        }
        seenMask |= bit;
        if ((DIRECT[prev]! & bit) === 0) flags |= (REACHABLE[prev]! & bit) !== 0 ? F_GAP : F_OUT_OF_ORDER;
        prev = st + 1;
      }
      const done = processedSourceSeen ? settled.get(e.topic) : undefined;
      for (let i = 0; i < pub.length; i += PUB) {
        const partition = pub[i + 2]!;
        const offset = pub[i + 3]!;
        if (processedOffset(e, partition, offset)) continue;
        hasUnprocessed = true;
        const committed = done?.[partition];
        if (committed !== undefined && committed > offset) flags |= F_MISSING;
      }
    }
    const q = e.proc;
    if (q !== undefined && q.length > PROC) {
      for (let i = PROC; i < q.length; i += PROC) {
        for (let j = 0; j < i; j += PROC) {
          if ((q[i + 3] === q[j + 3] && q[i + 4] === q[j + 4]) || q[i] === q[j]) flags |= F_DUPLICATE;
        }
      }
    }
    if (flags !== e.flags) {
      if (flags !== 0 && e.flaggedAt < 0) {
        e.flaggedAt = flaggedList.length;
        flaggedList.push(e);
        flaggedCount += 1;
      } else if (flags === 0 && e.flaggedAt >= 0) unflag(e);
      e.flags = flags;
    }
    if (hasUnprocessed !== e.waiting) {
      if (hasUnprocessed) {
        waitingList.push(e);
        waitingCount += 1;
      } else waitingCount -= 1;
      e.waiting = hasUnprocessed;
    }
  };

  const addPublished = (
    orderId: number,
    status: OrderStatus | number,
    at: number,
    topic: string,
    partition: number,
    offset: number,
  ) => {
    const st = typeof status === 'number' ? status : STATUS_INDEX[status];
    if (st === undefined) return;
    const e = entity(orderId, at, topic);
    if (e.topic === '') e.topic = topic;
    const pub = e.pub;
    if (pub === undefined) {
      e.pub = [st, at, partition, offset];
      firstPublished[partition] = (firstPublished[partition] ?? 0) + 1;
    } else {
      for (let i = 0; i < pub.length; i += PUB) if (pub[i + 2] === partition && pub[i + 3] === offset) return; // a re-read
      // keep offset order: find the slot from the end (records of one key nearly always arrive in order)
      let at_ = pub.length;
      while (at_ > 0 && pub[at_ - PUB + 3]! > offset) at_ -= PUB;
      if (at_ === pub.length) pub.push(st, at, partition, offset);
      else pub.splice(at_, 0, st, at, partition, offset);
    }
    if (!inBatch) {
      recompute(e);
      touch(e);
    } else if (e.pendingBatch !== batch) {
      e.pendingBatch = batch;
      pending.push(e);
    }
  };

  const statusesOf = (e: Entity): OrderStatus[] => {
    const out: OrderStatus[] = [];
    if (e.pub !== undefined) for (let i = 0; i < e.pub.length; i += PUB) out.push(ORDER_STATUSES[e.pub[i]!]!);
    else if (e.com !== undefined) for (let i = 0; i < e.com.length; i += COM) out.push(ORDER_STATUSES[e.com[i]!]!);
    return out;
  };

  const summary = (e: Entity): TimelineSummary => {
    const statuses = statusesOf(e);
    let partition: number | null = e.pub?.[2] ?? e.proc?.[3] ?? null;
    if (partition === undefined) partition = null;
    const instances: string[] = [];
    const q = e.proc;
    if (q !== undefined) {
      for (let i = 0; i < q.length; i += PROC) {
        const name = instanceNames[q[i + 2]!]!;
        if (!instances.includes(name)) instances.push(name);
      }
    }
    const flags: TimelineFlag[] = [];
    for (const [bit, name] of FLAG_BITS) if ((e.flags & bit) !== 0) flags.push(name);
    const lastProcessed = q !== undefined && q.length > 0 ? ORDER_STATUSES[q[q.length - PROC]!]! : null;
    return {
      orderId: String(e.num),
      statuses,
      lastStatus: statuses.at(-1) ?? lastProcessed,
      firstAt: e.firstAt,
      lastAt: e.lastAt,
      partition,
      instances,
      flags,
    };
  };

  const flagReasons = (e: Entity): { flag: TimelineFlag; reason: string }[] => {
    const out: { flag: TimelineFlag; reason: string }[] = [];
    const path = statusesOf(e).join(' → ');
    if (e.flags & F_OUT_OF_ORDER)
      out.push({
        flag: 'out-of-order',
        reason: `In offset order the statuses read ${path}, which is not a valid path of the order's status machine.`,
      });
    if (e.flags & F_GAP)
      out.push({
        flag: 'gap',
        reason: `In offset order the statuses read ${path}: a status in between was never published.`,
      });
    if (e.flags & F_DUPLICATE)
      out.push({
        flag: 'duplicate',
        reason:
          'The same status was published or processed more than once (at-least-once delivery: a consumer must be idempotent).',
      });
    if (e.flags & F_MISSING)
      out.push({
        flag: 'missing-step',
        reason:
          'An event was published, the notifier group has committed past its offset (lag 0), but no notifier logged processing it.',
      });
    return out;
  };

  const store: TimelineStore = {
    ingestRecord(topic, partition, offset, value, timestamp) {
      if (value === null) return false;
      if (typeof value !== 'string') {
        // The hot path: read order_id and status straight from the bytes (no JSON.parse, no garbage).
        const fact = scanOrderEvent(value);
        if (fact === undefined) return false;
        addPublished(fact.orderId, fact.status, timestamp, topic, partition, offset);
        return true;
      }
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        return false;
      }
      if (typeof json !== 'object' || json === null) return false;
      const v = json as { order_id?: unknown; status?: unknown };
      if (typeof v.order_id !== 'number' || typeof v.status !== 'string') return false;
      const st = STATUS_INDEX[v.status];
      if (st === undefined) return false;
      addPublished(v.order_id, st, timestamp, topic, partition, offset);
      return true;
    },
    beginBatch() {
      inBatch = true;
      batch += 1;
    },
    endBatch() {
      inBatch = false;
      for (const e of pending) {
        if (e.evicted) continue; // evicted within the batch: the eviction already took it out of the flagged and waiting sets
        recompute(e);
        touch(e);
      }
      pending.length = 0;
    },
    addPublished(orderId, status, at, topic, partition, offset) {
      const num = idNumber(orderId);
      if (num !== undefined) addPublished(num, status, at, topic, partition, offset);
    },
    addProcessed(orderId, status, at, instance, partition, offset, latencyMs) {
      const st = STATUS_INDEX[status];
      const num = idNumber(orderId);
      if (st === undefined || num === undefined) return;
      processedSourceSeen = true;
      const e = entity(num, at, '');
      const fact = [st, at, internInstance(instance), partition, offset, latencyMs ?? -1];
      if (e.proc === undefined) e.proc = fact;
      else e.proc.push(...fact);
      recompute(e);
      touch(e);
    },
    addCommitted(orderId, status, at, outboxId, sentAt) {
      const st = STATUS_INDEX[status];
      const num = idNumber(orderId);
      if (st === undefined || num === undefined) return;
      const id = Number(outboxId);
      const e = entity(num, at, '');
      if (e.com === undefined) e.com = [st, at, id, sentAt ?? -1];
      else {
        for (let i = 0; i < e.com.length; i += COM) if (e.com[i + 2] === id) return;
        e.com.push(st, at, id, sentAt ?? -1);
      }
      touch(e);
    },
    markSent(orderId, outboxId, sentAt) {
      const num = idNumber(orderId);
      const e = num === undefined ? undefined : entities.get(num);
      const com = e?.com;
      if (e === undefined || com === undefined) return;
      const id = Number(outboxId);
      for (let i = 0; i < com.length; i += COM) {
        if (com[i + 2] !== id) continue;
        if (com[i + 3] === sentAt) return;
        com[i + 3] = sentAt;
        touch(e);
        return;
      }
    },
    setGroupProgress(topic, partition, committedOffset, lagIsZero) {
      let perPartition = settled.get(topic);
      if (perPartition === undefined) {
        perPartition = [];
        settled.set(topic, perPartition);
      }
      if (!lagIsZero) {
        perPartition[partition] = -1; // not settled while it lags
        return;
      }
      if (perPartition[partition] === committedOffset) return;
      perPartition[partition] = committedOffset;
      if (!processedSourceSeen) return;
      const still: Entity[] = [];
      for (const e of waitingList) {
        if (e.evicted || !e.waiting) continue;
        const before = e.flags;
        recompute(e);
        if (e.flags !== before) touch(e);
        if (e.waiting) still.push(e);
      }
      waitingList = still;
    },
    get(orderId) {
      const num = idNumber(orderId);
      const e = num === undefined ? undefined : entities.get(num);
      if (e === undefined) return null;
      // Statuses in the order they happened (published offset order, else commit order), then per status:
      // committed → published → processed.
      const seq: number[] = [];
      const note = (st: number) => {
        if (!seq.includes(st)) seq.push(st);
      };
      const pub = e.pub ?? [];
      const com = e.com ?? [];
      const proc = e.proc ?? [];
      for (let i = 0; i < pub.length; i += PUB) note(pub[i]!);
      for (let i = 0; i < com.length; i += COM) note(com[i]!);
      for (let i = 0; i < proc.length; i += PROC) note(proc[i]!);
      const steps: { rank: number; step: TimelineStep }[] = [];
      const rank = (st: number, kind: number, at: number) => seq.indexOf(st) * 1e15 + kind * 1e14 + at;
      for (let i = 0; i < com.length; i += COM) {
        const sent = com[i + 3]!;
        steps.push({
          rank: rank(com[i]!, 0, com[i + 1]!),
          step: {
            kind: 'committed',
            status: ORDER_STATUSES[com[i]!]!,
            at: com[i + 1]!,
            outboxId: String(com[i + 2]),
            sentAt: sent < 0 ? null : sent,
          },
        });
      }
      for (let i = 0; i < pub.length; i += PUB) {
        steps.push({
          rank: rank(pub[i]!, 1, pub[i + 1]!),
          step: {
            kind: 'published',
            status: ORDER_STATUSES[pub[i]!]!,
            at: pub[i + 1]!,
            topic: e.topic,
            partition: pub[i + 2]!,
            offset: String(pub[i + 3]),
          },
        });
      }
      for (let i = 0; i < proc.length; i += PROC) {
        const lat = proc[i + 5]!;
        steps.push({
          rank: rank(proc[i]!, 2, proc[i + 1]!),
          step: {
            kind: 'processed',
            status: ORDER_STATUSES[proc[i]!]!,
            at: proc[i + 1]!,
            instance: instanceNames[proc[i + 2]!]!,
            partition: proc[i + 3]!,
            offset: String(proc[i + 4]),
            latencyMs: lat < 0 ? null : lat,
          },
        });
      }
      steps.sort((a, b) => a.rank - b.rank);
      return { ...summary(e), steps: steps.map((x) => x.step), flagReasons: flagReasons(e) };
    },
    flagged(flag, limit = 200) {
      const bit = flag === undefined ? -1 : (FLAG_BITS.find(([, n]) => n === flag)?.[0] ?? 0);
      const hits: Entity[] = [];
      for (const e of flaggedList) if (e !== null && (e.flags & bit) !== 0) hits.push(e);
      hits.sort((a, b) => b.lastAt - a.lastAt);
      return { items: hits.slice(0, limit).map(summary), total: hits.length };
    },
    recent(prefix, limit = 100) {
      const hits: Entity[] = [];
      for (const e of entities.values())
        if (prefix === undefined || prefix === '' || String(e.num).startsWith(prefix)) hits.push(e);
      hits.sort((a, b) => b.lastAt - a.lastAt);
      return hits.slice(0, limit).map(summary);
    },
    keysFirstPublished: (partition) => firstPublished[partition] ?? 0,
    get size() {
      return entities.size;
    },
    cap,
    get evictedTotal() {
      return evictedTotal;
    },
    flush: () => timer.flushNow(),
    stop: () => timer.stop(),
  };
  return store;
}
