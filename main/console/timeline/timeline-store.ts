// The entity store: per entity id (a string: an order number, a UUID) the ordered facts of its life, as the selected
// lab describes them: committed in a table, published to a topic (partition/offset), handled by an instance, and any
// other step a lab names. Flags what a first-time student should notice, from the lab's status graph: a status path out
// of order, a gap in the path, a duplicate, an event that was published but never handled although the handling
// group's lag is 0.
//
// Bounded: keeps the newest `cap` entities (by first sight) and evicts the oldest. Pushes are batched: the ids that
// changed in a window (16–100 ms) go out as summaries with a sequence number. Ingest from Kafka records is the hot path:
// the lab's scanner reads the bytes; an entity is a slot of typed arrays with its first published facts inline, found
// by a numeric id through an open-addressing table; no zod, no object per record or per entity.
import type { EntityTimeline, TimelineFact, TimelineFlag, TimelineSummary } from '../contract/console-api.js';
import type { Fact, RecordScanner, ScannedRecord } from '../labs/types.js';
import { createFlushTimer } from '../events/flush-timer.js';

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

/** What the store needs to know of the lab it follows (from its manifest and module). */
export interface TimelineLab {
  id: string;
  /** status names (at most 30); a status index is its position here */
  statuses: readonly string[];
  /** the status graph; `''` is "no event yet" */
  next: Readonly<Record<string, readonly string[]>>;
  /** fact steps in the order they happen for one status (for sorting a timeline) */
  steps: readonly string[];
  /** topic → the scanner of its records */
  scanners?: Readonly<Record<string, RecordScanner>>;
  /** the step of a fact that handles a published record (matched by partition/offset) */
  handledStep?: string;
}

/** Bit masks of the status graph: DIRECT[a] has bit b when b may follow a, REACHABLE[a] after one or more steps. */
function statusGraph(lab: TimelineLab): { direct: Int32Array; reachable: Int32Array; index: Map<string, number> } {
  if (lab.statuses.length > 30) throw new Error(`lab ${lab.id}: at most 30 statuses`);
  const index = new Map(lab.statuses.map((s, i) => [s, i]));
  const direct = new Int32Array(lab.statuses.length + 1);
  const reachable = new Int32Array(lab.statuses.length + 1);
  ['', ...lab.statuses].forEach((name, a) => {
    const nexts = (from: string) => (lab.next[from] ?? []).map((n) => index.get(n)).filter((i) => i !== undefined);
    for (const b of nexts(name)) direct[a]! |= 1 << b;
    const stack = [name];
    while (stack.length > 0) {
      for (const b of nexts(stack.pop()!)) {
        if ((reachable[a]! & (1 << b)) !== 0) continue;
        reachable[a]! |= 1 << b;
        stack.push(lab.statuses[b]!);
      }
    }
  });
  return { direct, reachable, index };
}

/** published: [status, at, partition, offset] per fact, sorted by offset (an entity's cold part, past PUB_INLINE) */
const PUB = 4;
/** handled: [status index (−1 = none), at, actor index (−1 = none), partition, offset, latency (−1 = unknown)] per fact */
const HAND = 6;
/** published facts kept in the store's typed arrays per entity; an entity with more keeps them all in its cold part */
const PUB_INLINE = 4;
/** `pubCount` of an entity whose published facts moved to its cold part */
const PUB_COLD = 255;

/** What few entities have (facts from lines, more published facts than fit inline, a string id): an object on need. */
interface Cold {
  /** the id, for an id that is not a canonical decimal */
  sid: string | undefined;
  /** every published fact, packed (PUB), once there are more than PUB_INLINE */
  pub: number[] | undefined;
  /** the handled facts, packed (HAND) */
  hand: number[] | undefined;
  /** every fact but the published and handled ones, in arrival order */
  facts: Fact[] | undefined;
}

/**
 * Numeric id → slot, for ids > 0: open addressing over typed arrays (linear probing, at most a quarter full with live
 * entries), no allocation per entry: a Map's insertions were a fifth of the ingest's own time. Ids from a sequence
 * (order numbers) stay near each other: an id's page (its value over 1 024) is scattered over the table by
 * multiplicative hashing, its place within the page is its low bits, so consecutive ids take consecutive cells (a
 * lookup finds its cell in the cache lines the previous ones loaded), and ids with a stride still spread.
 * A deleted entry leaves a tombstone, and the table is rebuilt from its live entries once live entries and tombstones
 * fill three quarters of it, so after at least twice `capacity` deletions. (Deleting by backward shift had to walk the
 * rest of the entry's run, and a page's ids are one run of up to 1 024 cells: evicting the store's oldest entity, the
 * first id of its page, cost about 2 µs.)
 */
export function createSlotTable(capacity: number) {
  let bits = 4;
  while (1 << bits < capacity * 4) bits++;
  const size = 1 << bits;
  const mask = size - 1;
  const pageBits = Math.min(10, bits - 2);
  const pageSize = 1 << pageBits;
  const shift = 32 - (bits - pageBits);
  const EMPTY = 0;
  const TOMBSTONE = -1;
  const keys = new Float64Array(size); // EMPTY, TOMBSTONE or an id
  const slots = new Int32Array(size);
  /** cells that hold an id or a tombstone */
  let used = 0;
  const home = (num: number) => {
    const page = Math.floor(num / pageSize);
    // the page's two 32-bit halves, mixed; the top bits pick the page's place
    const mixed = Math.imul((page | 0) ^ ((page / 4294967296) | 0), 0x9e3779b1) >>> shift;
    return ((mixed << pageBits) | (num - page * pageSize)) & mask;
  };
  const place = (num: number, slot: number) => {
    let i = home(num);
    while (keys[i]! > 0) i = (i + 1) & mask;
    if (keys[i] === EMPTY) used += 1;
    keys[i] = num;
    slots[i] = slot;
  };
  const rebuild = () => {
    let live = 0;
    for (let i = 0; i < size; i++) if (keys[i]! > 0) live += 1;
    const liveKeys = new Float64Array(live);
    const liveSlots = new Int32Array(live);
    for (let i = 0, k = 0; i < size; i++) {
      if (keys[i]! > 0) {
        liveKeys[k] = keys[i]!;
        liveSlots[k++] = slots[i]!;
      }
    }
    keys.fill(EMPTY);
    used = 0;
    for (let k = 0; k < live; k++) place(liveKeys[k]!, liveSlots[k]!);
  };
  return {
    get(num: number): number {
      for (let i = home(num); ; i = (i + 1) & mask) {
        const k = keys[i]!;
        if (k === num) return slots[i]!;
        if (k === EMPTY) return -1;
      }
    },
    /** Adds an id that is not in the table (the store looks it up first, or knows it is new). */
    set(num: number, slot: number): void {
      place(num, slot);
      if (used > size - (size >> 2)) rebuild();
    },
    delete(num: number): void {
      for (let i = home(num); ; i = (i + 1) & mask) {
        const k = keys[i]!;
        if (k === EMPTY) return;
        if (k === num) {
          keys[i] = TOMBSTONE;
          return;
        }
      }
    },
  };
}

export interface TimelineStoreOptions {
  lab: TimelineLab;
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
  readonly lab: string;
  /** whether records of this topic feed the timeline (the lab has a scanner for it) */
  follows(topic: string): boolean;
  /** A record of a followed topic: its value goes through the lab's scanner. False: not an entity event. */
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
  /** A published fact by status name (a lab's line or a test; records take `ingestRecord`). */
  addPublished(entity: string, status: string, at: number, topic: string, partition: number, offset: number): void;
  /** Any other fact: committed (a row), handled (the lab's handled step with a record `where`), a lab's own step. */
  addFact(fact: Fact): void;
  /** An outbox row of a committed fact was sent. */
  markSent(entity: string, table: string, rowId: string, sentAt: number): void;
  /** The handling group's committed offset on a partition and whether its lag there is 0 (drives `missing-step`). */
  setGroupProgress(topic: string, partition: number, committedOffset: number, lagIsZero: boolean): void;
  get(entity: string): EntityTimeline | null;
  flagged(flag?: TimelineFlag, limit?: number): { items: TimelineSummary[]; total: number };
  recent(prefix?: string, limit?: number): TimelineSummary[];
  /** distinct entities first published on a partition of a topic (the "share of keys" histogram) */
  keysFirstPublished(topic: string, partition: number): number;
  readonly size: number;
  readonly cap: number;
  readonly evictedTotal: number;
  flush(): void;
  stop(): void;
}

/** The id as a number when it is a canonical decimal of 1 to 15 digits above 0 (`String(n) === id`), else −1. */
export function numericId(id: string): number {
  const n = id.length;
  if (n === 0 || n > 15 || id.charCodeAt(0) === 0x30) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = id.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Names by a small number each (the index of its first appearance), for typed arrays that refer to them. */
function createInterner(initial: string[]): { names: readonly string[]; of: (name: string) => number } {
  const names = [...initial];
  const index = new Map(names.map((name, i) => [name, i]));
  return {
    names,
    of: (name) => {
      let i = index.get(name);
      if (i === undefined) {
        i = names.length;
        names.push(name);
        index.set(name, i);
      }
      return i;
    },
  };
}

export function createTimelineStore(opts: TimelineStoreOptions): TimelineStore {
  const lab = opts.lab;
  const { direct: DIRECT, reachable: REACHABLE, index: STATUS_INDEX } = statusGraph(lab);
  const STATUSES = lab.statuses;
  const scanners = lab.scanners ?? {};
  const handledStep = lab.handledStep;
  const stepRank = new Map(lab.steps.map((s, i) => [s, i]));
  const cap = Math.max(1, opts.cap ?? 100_000);
  const batchMs = Math.min(100, Math.max(16, opts.batchMs ?? 50));
  const maxBatch = opts.maxBatch ?? 1000;

  /*
   * The entities live in slots of typed arrays (no object per entity: the objects and their arrays were most of the
   * ingest's allocations, all surviving, so every scavenge copied them). The entity first seen n-th takes slot n % cap,
   * which is where the oldest one lives once the store is full: taking the slot evicts it. Lists of entities (pushes,
   * a batch's pending ones, the flagged and the waiting) hold handles, the n itself, valid while `seqAt[n % cap] === n`.
   */
  const seqAt = new Float64Array(cap).fill(-1);
  /** the id as a number when it is a canonical decimal (`String(num) === id`), else −1 */
  const numAt = new Float64Array(cap);
  const firstAt = new Float64Array(cap);
  const lastAt = new Float64Array(cap);
  /** the topic of its published facts (an index into `topicNames`; 0 = none yet) */
  const topicAt = new Int32Array(cap);
  const flagsAt = new Uint8Array(cap);
  /** has a published fact nobody has handled yet (it is in the waiting list) */
  const waitingAt = new Uint8Array(cap);
  /** the flush epoch it was last queued for a push in (saves a Set operation per event) */
  const dirtyEpochAt = new Int32Array(cap);
  /** the ingest batch it was last queued for a recompute in */
  const pendingBatchAt = new Int32Array(cap);
  /** its index in the flagged list, −1 while it has no flag */
  const flaggedAtAt = new Int32Array(cap).fill(-1);
  /** published facts inline (PUB_INLINE per slot, in offset order), or PUB_COLD */
  const pubCount = new Uint8Array(cap);
  const pubStatus = new Int8Array(cap * PUB_INLINE);
  const pubAt = new Float64Array(cap * PUB_INLINE);
  const pubPartition = new Int32Array(cap * PUB_INLINE);
  const pubOffset = new Float64Array(cap * PUB_INLINE);
  const cold: (Cold | undefined)[] = new Array<Cold | undefined>(cap).fill(undefined);
  const coldOf = (s: number): Cold =>
    (cold[s] ??= { sid: undefined, pub: undefined, hand: undefined, facts: undefined });
  let nextSeq = 0;
  let nextSlot = 0;
  const slotOf = (h: number) => h % cap;
  const alive = (h: number) => seqAt[h % cap] === h;

  const topicTable = createInterner(['']);
  const topicNames = topicTable.names;
  const topicOf = topicTable.of;

  /** Numeric ids (order numbers) by number: no string per record or entity. Every other id by string. */
  const byNum = createSlotTable(cap);
  const byStr = new Map<string, number>();
  let count = 0;
  /** the highest numeric id ever seen: a higher one is new without a lookup (ids from a sequence mostly grow) */
  let maxNum = 0;
  /** the slot of an id, or −1 */
  const lookup = (id: string): number => {
    const num = numericId(id);
    return num > 0 ? byNum.get(num) : (byStr.get(id) ?? -1);
  };
  const idOf = (s: number): string => (numAt[s]! > 0 ? String(numAt[s]) : cold[s]!.sid!);

  /** The published facts' count and fields (inline or in the cold part). */
  const pubLength = (s: number): number => (pubCount[s] === PUB_COLD ? cold[s]!.pub!.length / PUB : pubCount[s]!);
  const pubStatusOf = (s: number, i: number): number =>
    pubCount[s] === PUB_COLD ? cold[s]!.pub![i * PUB]! : pubStatus[s * PUB_INLINE + i]!;
  const pubAtOf = (s: number, i: number): number =>
    pubCount[s] === PUB_COLD ? cold[s]!.pub![i * PUB + 1]! : pubAt[s * PUB_INLINE + i]!;
  const pubPartitionOf = (s: number, i: number): number =>
    pubCount[s] === PUB_COLD ? cold[s]!.pub![i * PUB + 2]! : pubPartition[s * PUB_INLINE + i]!;
  const pubOffsetOf = (s: number, i: number): number =>
    pubCount[s] === PUB_COLD ? cold[s]!.pub![i * PUB + 3]! : pubOffset[s * PUB_INLINE + i]!;

  /**
   * The entities with a flag, in the order they got it (a Set's order: one that loses its flags leaves a hole, and
   * goes to the end if it gets one again). Handles with holes (−1), compacted lazily, instead of a Set: no hashing.
   */
  let flaggedList: number[] = [];
  let flaggedCount = 0;
  const unflag = (s: number) => {
    flaggedList[flaggedAtAt[s]!] = -1;
    flaggedAtAt[s] = -1;
    flaggedCount -= 1;
    if (flaggedList.length > flaggedCount * 2 + 4096) {
      const kept: number[] = [];
      for (const h of flaggedList) if (h >= 0) kept.push(h);
      kept.forEach((h, i) => (flaggedAtAt[slotOf(h)] = i));
      flaggedList = kept;
    }
  };
  let batch = 0;
  let inBatch = false;
  const pending: number[] = [];
  /** entities with a published fact not yet handled (candidates for missing-step); compacted lazily */
  let waitingList: number[] = [];
  let waitingCount = 0;
  /** topic → per partition the group's committed offset while its lag there is 0 (−1 while it lags) */
  const settled = new Map<string, number[]>();
  let handledSourceSeen = false;
  /** topic → per partition: entities first published there */
  const firstPublished = new Map<string, number[]>();
  let dirty: number[] = [];
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
    for (const h of changed) {
      if (updated.length >= maxBatch) break;
      if (alive(h)) updated.push(summary(slotOf(h)));
    }
    seq += 1;
    opts.onBatch(seq, updated, evicted, count);
  };
  const timer = createFlushTimer(flush, batchMs);

  /** false once stopped (read per touch: a local, not the timer's getter) */
  let pushing = true;
  const touch = (s: number) => {
    if (dirtyEpochAt[s] === epoch || !pushing) return;
    dirtyEpochAt[s] = epoch;
    if (dirty.length === 0) timer.schedule(); // the epoch's first: nothing is scheduled since the last flush
    // one push carries at most maxBatch summaries: the rest would be dropped at the flush anyway (bounded memory)
    if (dirty.length < maxBatch) dirty.push(seqAt[s]!);
  };

  const evict = (s: number) => {
    const num = numAt[s]!;
    if (num > 0) byNum.delete(num);
    else byStr.delete(cold[s]!.sid!);
    if (flaggedAtAt[s]! >= 0) unflag(s);
    if (waitingAt[s] === 1) waitingCount -= 1;
    cold[s] = undefined;
    evictedSinceFlush += 1;
    evictedTotal += 1;
    // evicted entities leave the waiting list lazily: compact once they are half of it
    if (waitingList.length > waitingCount * 2 + 4096)
      waitingList = waitingList.filter((h) => alive(h) && waitingAt[slotOf(h)] === 1);
  };

  /**
   * The slot of the previous fact's entity: consecutive records often share a key (loms publishes an order's `new` and
   * `awaiting payment` back to back, a replay reads each entity's events together), and this skips the lookup. (A slot
   * is only taken over when an entity is created, which makes the new one the last.)
   */
  let lastSlot = -1;
  /** The slot of numeric id `num` (> 0), or of string id `sid` when num is −1; created when new. */
  const entity = (num: number, sid: string, at: number, topic: number): number => {
    let s = -1;
    const last = lastSlot;
    if (num > 0) {
      if (last >= 0 && numAt[last] === num) s = last;
      else if (num <= maxNum) s = byNum.get(num);
      else maxNum = num;
    } else if (last >= 0 && numAt[last]! < 0 && cold[last]!.sid === sid) s = last;
    else s = byStr.get(sid) ?? -1;
    if (s < 0) {
      s = nextSlot;
      nextSlot = s + 1 === cap ? 0 : s + 1;
      if (seqAt[s]! >= 0) evict(s);
      else count += 1;
      seqAt[s] = nextSeq++;
      numAt[s] = num;
      firstAt[s] = at;
      lastAt[s] = at;
      topicAt[s] = topic;
      flagsAt[s] = 0;
      waitingAt[s] = 0;
      dirtyEpochAt[s] = 0;
      pendingBatchAt[s] = 0;
      flaggedAtAt[s] = -1;
      pubCount[s] = 0;
      if (num > 0) byNum.set(num, s);
      else {
        coldOf(s).sid = sid;
        byStr.set(sid, s);
      }
    } else if (at > lastAt[s]!) lastAt[s] = at;
    else if (at < firstAt[s]!) firstAt[s] = at;
    lastSlot = s;
    return s;
  };

  const handledOffset = (s: number, partition: number, offset: number): boolean => {
    const q = cold[s]?.hand;
    if (q === undefined) return false;
    for (let i = 0; i < q.length; i += HAND) if (q[i + 3] === partition && q[i + 4] === offset) return true;
    return false;
  };

  const recompute = (s: number) => {
    let flags = 0;
    let hasUnhandled = false;
    const n = pubLength(s);
    if (n > 0) {
      let prev = 0; // row 0 of the tables is "no event yet"
      let seenMask = 0;
      for (let i = 0; i < n; i++) {
        const st = pubStatusOf(s, i);
        const bit = 1 << st;
        if ((seenMask & bit) !== 0) {
          flags |= F_DUPLICATE;
          continue;
        }
        seenMask |= bit;
        if ((DIRECT[prev]! & bit) === 0) flags |= (REACHABLE[prev]! & bit) !== 0 ? F_GAP : F_OUT_OF_ORDER;
        prev = st + 1;
      }
      if (handledStep !== undefined) {
        const done = handledSourceSeen ? settled.get(topicNames[topicAt[s]!]!) : undefined;
        for (let i = 0; i < n; i++) {
          const partition = pubPartitionOf(s, i);
          const offset = pubOffsetOf(s, i);
          if (handledOffset(s, partition, offset)) continue;
          hasUnhandled = true;
          const committed = done?.[partition];
          if (committed !== undefined && committed > offset) flags |= F_MISSING;
        }
      }
    }
    const q = cold[s]?.hand;
    if (q !== undefined && q.length > HAND) {
      for (let i = HAND; i < q.length; i += HAND) {
        for (let j = 0; j < i; j += HAND) {
          if ((q[i + 3] === q[j + 3] && q[i + 4] === q[j + 4]) || (q[i]! >= 0 && q[i] === q[j])) flags |= F_DUPLICATE;
        }
      }
    }
    if (flags !== flagsAt[s]) {
      if (flags !== 0 && flaggedAtAt[s]! < 0) {
        flaggedAtAt[s] = flaggedList.length;
        flaggedList.push(seqAt[s]!);
        flaggedCount += 1;
      } else if (flags === 0 && flaggedAtAt[s]! >= 0) unflag(s);
      flagsAt[s] = flags;
    }
    if (hasUnhandled !== (waitingAt[s] === 1)) {
      if (hasUnhandled) {
        waitingList.push(seqAt[s]!);
        waitingCount += 1;
      } else waitingCount -= 1;
      waitingAt[s] = hasUnhandled ? 1 : 0;
    }
  };

  const changed = (s: number) => {
    if (!inBatch) {
      recompute(s);
      touch(s);
    } else if (pendingBatchAt[s] !== batch) {
      pendingBatchAt[s] = batch;
      pending.push(seqAt[s]!);
    }
  };

  const countFirst = (topic: string, partition: number) => {
    let perPartition = firstPublished.get(topic);
    if (perPartition === undefined) firstPublished.set(topic, (perPartition = []));
    perPartition[partition] = (perPartition[partition] ?? 0) + 1;
  };

  /** Moves an entity's inline published facts to its cold part (a fifth one is coming). */
  const pubToCold = (s: number) => {
    const b = s * PUB_INLINE;
    const packed: number[] = [];
    for (let i = 0; i < pubCount[s]!; i++)
      packed.push(pubStatus[b + i]!, pubAt[b + i]!, pubPartition[b + i]!, pubOffset[b + i]!);
    coldOf(s).pub = packed;
    pubCount[s] = PUB_COLD;
  };

  const publish = (
    num: number,
    sid: string,
    st: number,
    at: number,
    topic: string,
    topicIdx: number,
    partition: number,
    offset: number,
  ) => {
    const s = entity(num, sid, at, topicIdx);
    if (topicAt[s] === 0) topicAt[s] = topicIdx;
    const n = pubCount[s]!;
    if (n === 0) {
      const b = s * PUB_INLINE;
      pubStatus[b] = st;
      pubAt[b] = at;
      pubPartition[b] = partition;
      pubOffset[b] = offset;
      pubCount[s] = 1;
      countFirst(topic, partition);
    } else if (n !== PUB_COLD) {
      const b = s * PUB_INLINE;
      for (let i = 0; i < n; i++) if (pubPartition[b + i] === partition && pubOffset[b + i] === offset) return; // a re-read
      if (n === PUB_INLINE) pubToCold(s);
      else {
        // keep offset order: find the place from the end (records of one key nearly always arrive in order)
        let at_ = n;
        for (; at_ > 0 && pubOffset[b + at_ - 1]! > offset; at_--) {
          pubStatus[b + at_] = pubStatus[b + at_ - 1]!;
          pubAt[b + at_] = pubAt[b + at_ - 1]!;
          pubPartition[b + at_] = pubPartition[b + at_ - 1]!;
          pubOffset[b + at_] = pubOffset[b + at_ - 1]!;
        }
        pubStatus[b + at_] = st;
        pubAt[b + at_] = at;
        pubPartition[b + at_] = partition;
        pubOffset[b + at_] = offset;
        pubCount[s] = n + 1;
      }
    }
    if (pubCount[s] === PUB_COLD) {
      const pub = cold[s]!.pub!;
      if (n === PUB_COLD)
        for (let i = 0; i < pub.length; i += PUB) if (pub[i + 2] === partition && pub[i + 3] === offset) return;
      let slot = pub.length;
      while (slot > 0 && pub[slot - PUB + 3]! > offset) slot -= PUB;
      if (slot === pub.length) pub.push(st, at, partition, offset);
      else pub.splice(slot, 0, st, at, partition, offset);
    }
    changed(s);
  };

  const statusesOf = (s: number): string[] => {
    const out: string[] = [];
    const n = pubLength(s);
    const facts = cold[s]?.facts;
    if (n > 0) for (let i = 0; i < n; i++) out.push(STATUSES[pubStatusOf(s, i)]!);
    else if (facts !== undefined)
      for (const f of facts) if (f.status !== null && !out.includes(f.status)) out.push(f.status);
    return out;
  };

  const actorTable = createInterner([]);
  const actorNames = actorTable.names;
  const internActor = (name: string | null): number => (name === null ? -1 : actorTable.of(name));
  /** the handled fact at index i of an entity's packed list */
  const handledFact = (s: number, q: number[], i: number): TimelineFact => ({
    step: handledStep ?? 'handled',
    status: q[i]! < 0 ? null : STATUSES[q[i]!]!,
    at: q[i + 1]!,
    actor: q[i + 2]! < 0 ? null : actorNames[q[i + 2]!]!,
    where: { kind: 'record', topic: topicNames[topicAt[s]!]!, partition: q[i + 3]!, offset: String(q[i + 4]) },
    latencyMs: q[i + 5]! < 0 ? null : q[i + 5]!,
  });

  const summary = (s: number): TimelineSummary => {
    const statuses = statusesOf(s);
    const c = cold[s];
    const q = c?.hand;
    const partition = pubLength(s) > 0 ? pubPartitionOf(s, 0) : (q?.[3] ?? null);
    const actors: string[] = [];
    let lastHandled: string | null = null;
    if (q !== undefined) {
      for (let i = 0; i < q.length; i += HAND) {
        const actor = q[i + 2]! < 0 ? null : actorNames[q[i + 2]!]!;
        if (actor !== null && !actors.includes(actor)) actors.push(actor);
      }
      if (q.length > 0 && q[q.length - HAND]! >= 0) lastHandled = STATUSES[q[q.length - HAND]!]!;
    }
    if (c?.facts !== undefined)
      for (const f of c.facts) if (f.actor !== null && !actors.includes(f.actor)) actors.push(f.actor);
    const flags: TimelineFlag[] = [];
    for (const [bit, name] of FLAG_BITS) if ((flagsAt[s]! & bit) !== 0) flags.push(name);
    return {
      lab: lab.id,
      entity: idOf(s),
      statuses,
      lastStatus: statuses.at(-1) ?? lastHandled,
      firstAt: firstAt[s]!,
      lastAt: lastAt[s]!,
      partition,
      actors,
      flags,
    };
  };

  const flagReasons = (s: number): { flag: TimelineFlag; reason: string }[] => {
    const out: { flag: TimelineFlag; reason: string }[] = [];
    const path = statusesOf(s).join(' → ');
    const flags = flagsAt[s]!;
    if (flags & F_OUT_OF_ORDER)
      out.push({
        flag: 'out-of-order',
        reason: `In offset order the statuses read ${path}, which is not a valid path of the status graph.`,
      });
    if (flags & F_GAP)
      out.push({
        flag: 'gap',
        reason: `In offset order the statuses read ${path}: a status in between was never published.`,
      });
    if (flags & F_DUPLICATE)
      out.push({
        flag: 'duplicate',
        reason:
          'The same status was published or handled more than once (at-least-once delivery: a consumer must be idempotent).',
      });
    if (flags & F_MISSING)
      out.push({
        flag: 'missing-step',
        reason:
          'An event was published, the handling group has committed past its offset (lag 0), but no instance reported handling it.',
      });
    return out;
  };

  /** the live slots, newest last seen first, at most `limit` */
  const newest = (keep: (s: number) => boolean, limit: number): TimelineSummary[] => {
    const hits: number[] = [];
    for (let s = 0; s < cap; s++) if (seqAt[s]! >= 0 && keep(s)) hits.push(s);
    hits.sort((a, b) => lastAt[b]! - lastAt[a]!);
    return hits.slice(0, limit).map(summary);
  };

  let lastTopic = '';
  let lastTopicIdx = 0;
  let lastScanner: RecordScanner | undefined;
  const scanned: Required<ScannedRecord> = { entity: '', num: -1, status: -1 };

  const store: TimelineStore = {
    lab: lab.id,
    follows: (topic) => scanners[topic] !== undefined,
    ingestRecord(topic, partition, offset, value, timestamp) {
      if (value === null) return false;
      if (topic !== lastTopic) {
        lastTopic = topic;
        lastScanner = scanners[topic];
        lastTopicIdx = topicOf(topic);
      }
      const scan = lastScanner;
      if (scan === undefined) return false;
      scanned.num = -1;
      if (!scan(typeof value === 'string' ? Buffer.from(value) : value, scanned)) return false;
      if (scanned.status < 0 || scanned.status >= STATUSES.length) return false;
      const num = scanned.num;
      if (num > 0) publish(num, '', scanned.status, timestamp, topic, lastTopicIdx, partition, offset);
      else {
        // a string id that is a canonical decimal is keyed by number too (one entity per id, whoever reports it)
        const asNum = numericId(scanned.entity);
        const sid = asNum > 0 ? '' : scanned.entity;
        publish(asNum, sid, scanned.status, timestamp, topic, lastTopicIdx, partition, offset);
      }
      return true;
    },
    beginBatch() {
      inBatch = true;
      batch += 1;
    },
    endBatch() {
      inBatch = false;
      for (const h of pending) {
        if (!alive(h)) continue; // evicted within the batch: the eviction already took it out of the flagged and waiting sets
        const s = slotOf(h);
        recompute(s);
        touch(s);
      }
      pending.length = 0;
    },
    addPublished(id, status, at, topic, partition, offset) {
      const st = STATUS_INDEX.get(status);
      if (st === undefined) return;
      const num = numericId(id);
      publish(num, num > 0 ? '' : id, st, at, topic, topicOf(topic), partition, offset);
    },
    addFact(fact) {
      const num = numericId(fact.entity);
      const s = entity(num, num > 0 ? '' : fact.entity, fact.at, 0);
      const w = fact.where;
      if (fact.step === handledStep && w?.kind === 'record') {
        handledSourceSeen = true;
        const st = fact.status === null ? -1 : (STATUS_INDEX.get(fact.status) ?? -1);
        const actor = internActor(fact.actor);
        const latency = fact.latencyMs ?? -1;
        const c = coldOf(s);
        if (c.hand === undefined) c.hand = [st, fact.at, actor, w.partition, Number(w.offset), latency];
        else c.hand.push(st, fact.at, actor, w.partition, Number(w.offset), latency);
        if (topicAt[s] === 0) topicAt[s] = topicOf(w.topic);
        changed(s);
        return;
      }
      const c = coldOf(s);
      if (w?.kind === 'row' && c.facts !== undefined) {
        // one fact per row: a row seen again only updates its sent time
        for (const f of c.facts) {
          if (f.where?.kind === 'row' && f.where.table === w.table && f.where.id === w.id && f.step === fact.step) {
            if (w.sentAt !== undefined && f.where.sentAt !== w.sentAt) {
              f.where = { ...f.where, sentAt: w.sentAt };
              touch(s);
            }
            return;
          }
        }
      }
      (c.facts ??= []).push(fact);
      if (w?.kind === 'row')
        touch(s); // a committed row changes no flag
      else changed(s);
    },
    markSent(id, table, rowId, sentAt) {
      const s = lookup(id);
      const facts = s < 0 ? undefined : cold[s]?.facts;
      if (facts === undefined) return;
      for (const f of facts) {
        if (f.where?.kind !== 'row' || f.where.table !== table || f.where.id !== rowId) continue;
        if (f.where.sentAt === sentAt) return;
        f.where = { ...f.where, sentAt };
        touch(s);
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
      if (!handledSourceSeen) return;
      const still: number[] = [];
      for (const h of waitingList) {
        if (!alive(h)) continue;
        const s = slotOf(h);
        if (waitingAt[s] !== 1) continue;
        const before = flagsAt[s];
        recompute(s);
        if (flagsAt[s] !== before) touch(s);
        if (waitingAt[s] === 1) still.push(h);
      }
      waitingList = still;
    },
    get(id) {
      const s = lookup(id);
      if (s < 0) return null;
      // Statuses in the order they happened (published offset order, else arrival order), then per status the steps in
      // the lab's order, then time.
      const seqOf: string[] = [];
      const note = (st: string | null) => {
        if (st !== null && !seqOf.includes(st)) seqOf.push(st);
      };
      const n = pubLength(s);
      const hand = cold[s]?.hand ?? [];
      const facts = cold[s]?.facts ?? [];
      const topic = topicNames[topicAt[s]!]!;
      for (let i = 0; i < n; i++) note(STATUSES[pubStatusOf(s, i)]!);
      for (const f of facts) note(f.status);
      for (let i = 0; i < hand.length; i += HAND) note(hand[i]! < 0 ? null : STATUSES[hand[i]!]!);
      const steps: { rank: number; fact: TimelineFact }[] = [];
      const rank = (st: string | null, step: string, at: number) =>
        (st === null ? seqOf.length : seqOf.indexOf(st)) * 1e15 + (stepRank.get(step) ?? lab.steps.length) * 1e14 + at;
      for (let i = 0; i < n; i++) {
        const status = STATUSES[pubStatusOf(s, i)]!;
        const at = pubAtOf(s, i);
        steps.push({
          rank: rank(status, 'published', at),
          fact: {
            step: 'published',
            status,
            at,
            actor: null,
            where: { kind: 'record', topic, partition: pubPartitionOf(s, i), offset: String(pubOffsetOf(s, i)) },
            latencyMs: null,
          },
        });
      }
      for (const f of facts) {
        const { entity: _entity, ...fact } = f;
        steps.push({ rank: rank(f.status, f.step, f.at), fact });
      }
      for (let i = 0; i < hand.length; i += HAND) {
        const fact = handledFact(s, hand, i);
        steps.push({ rank: rank(fact.status, fact.step, fact.at), fact });
      }
      steps.sort((a, b) => a.rank - b.rank);
      return { ...summary(s), steps: steps.map((x) => x.fact), flagReasons: flagReasons(s) };
    },
    flagged(flag, limit = 200) {
      const bit = flag === undefined ? -1 : (FLAG_BITS.find(([, n]) => n === flag)?.[0] ?? 0);
      const hits: number[] = [];
      for (const h of flaggedList) if (h >= 0 && (flagsAt[slotOf(h)]! & bit) !== 0) hits.push(slotOf(h));
      hits.sort((a, b) => lastAt[b]! - lastAt[a]!);
      return { items: hits.slice(0, limit).map(summary), total: hits.length };
    },
    recent(prefix, limit = 100) {
      if (prefix === undefined || prefix === '') return newest(() => true, limit);
      return newest((s) => idOf(s).startsWith(prefix), limit);
    },
    keysFirstPublished: (topic, partition) => firstPublished.get(topic)?.[partition] ?? 0,
    get size() {
      return count;
    },
    cap,
    get evictedTotal() {
      return evictedTotal;
    },
    flush: () => timer.flushNow(),
    stop: () => {
      pushing = false;
      timer.stop();
    },
  };
  return store;
}
