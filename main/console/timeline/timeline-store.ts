// The entity store: per entity id (a string: an order number, a UUID) the ordered facts of its life, as the selected
// lab describes them: committed in a table, published to a topic (partition/offset), handled by an instance, and any
// other step a lab names. Flags what a first-time student should notice, from the lab's status graph: a status path out
// of order, a gap in the path, a duplicate, an event that was published but never handled although the handling
// group's lag is 0.
//
// Bounded: keeps the newest `cap` entities (by first sight) and evicts the oldest. Pushes are batched: the ids that
// changed in a window (16–100 ms) go out as summaries with a sequence number. Ingest from Kafka records is the hot path:
// the lab's scanner reads the bytes, published facts are packed in number arrays, no zod, no object per record.
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

/** published: [status, at, partition, offset] per fact, sorted by offset */
const PUB = 4;
/** handled: [status index (−1 = none), at, actor index (−1 = none), partition, offset, latency (−1 = unknown)] per fact */
const HAND = 6;

interface Entity {
  /** the id as a number when it is a canonical decimal (`String(num) === id`), else −1 */
  num: number;
  /** the id as a string: always for other ids, made on first need for numeric ones (`idOf`) */
  sid: string | undefined;
  /** the topic of its published facts */
  topic: string;
  firstAt: number;
  lastAt: number;
  pub: number[] | undefined;
  /** the handled facts, packed (most entities have some: an object per fact would double the store's memory) */
  hand: number[] | undefined;
  /** every fact but the published and handled ones, in arrival order */
  facts: Fact[] | undefined;
  flags: number;
  /** has a published fact nobody has handled yet (it is in the waiting list) */
  waiting: boolean;
  /** the flush epoch it was last queued for a push in (saves a Set operation per event) */
  dirtyEpoch: number;
  /** the ingest batch it was last queued for a recompute in */
  pendingBatch: number;
  /** its index in the flagged list, −1 while it has no flag */
  flaggedAt: number;
  evicted: boolean;
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

const idOf = (e: Entity): string => (e.sid ??= String(e.num));

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
  /**
   * Numeric ids (order numbers) by number: no string per record or entity, a cheap hash. Every other id by string.
   * An id is in exactly one of the two (`numericId` decides).
   */
  const byNum = new Map<number, Entity>();
  const byStr = new Map<string, Entity>();
  let count = 0;
  /** the highest numeric id ever seen: a higher one is new without asking the Map (ids from a sequence mostly grow) */
  let maxNum = 0;
  const lookup = (id: string): Entity | undefined => {
    const num = numericId(id);
    return num > 0 ? byNum.get(num) : byStr.get(id);
  };
  /**
   * Entities in the order they were first seen (the eviction queue). Deleting the first key of a Map over and over
   * makes V8 skip ever more tombstones on `keys()`; a queue with a head index keeps eviction O(1).
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
  let batch = 0;
  let inBatch = false;
  const pending: Entity[] = [];
  /** entities with a published fact not yet handled (candidates for missing-step); compacted lazily */
  let waitingList: Entity[] = [];
  let waitingCount = 0;
  /** topic → per partition the group's committed offset while its lag there is 0 (−1 while it lags) */
  const settled = new Map<string, number[]>();
  let handledSourceSeen = false;
  /** topic → per partition: entities first published there */
  const firstPublished = new Map<string, number[]>();
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
    opts.onBatch(seq, updated, evicted, count);
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

  /**
   * The entity of the previous fact: consecutive records often share a key (loms publishes an order's `new` and
   * `awaiting payment` back to back, a replay reads each entity's events together), and this skips the Map lookup.
   */
  let lastEntity: Entity | undefined;
  /** The entity of numeric id `num` (> 0), or of string id `sid` when num is −1; created when new. */
  const entity = (num: number, sid: string, at: number, topic: string): Entity => {
    let e: Entity | undefined;
    const last = lastEntity;
    if (num > 0) {
      if (last !== undefined && last.num === num && !last.evicted) e = last;
      else if (num <= maxNum) e = byNum.get(num);
      else maxNum = num;
    } else e = last !== undefined && last.sid === sid && last.num < 0 && !last.evicted ? last : byStr.get(sid);
    if (e === undefined) {
      e = {
        num,
        sid: num > 0 ? undefined : sid,
        topic,
        firstAt: at,
        lastAt: at,
        pub: undefined,
        hand: undefined,
        facts: undefined,
        flags: 0,
        waiting: false,
        dirtyEpoch: 0,
        pendingBatch: 0,
        flaggedAt: -1,
        evicted: false,
      };
      if (num > 0) byNum.set(num, e);
      else byStr.set(sid, e);
      count += 1;
      order.push(e);
      if (count > cap) evictOldest();
    } else if (at > e.lastAt) e.lastAt = at;
    else if (at < e.firstAt) e.firstAt = at;
    lastEntity = e;
    return e;
  };

  const evictOldest = () => {
    while (count > cap && head < order.length) {
      const e = order[head]!;
      order[head] = undefined as unknown as Entity; // let it go
      head += 1;
      if (e.evicted) continue;
      e.evicted = true;
      if (e.num > 0) byNum.delete(e.num);
      else byStr.delete(e.sid!);
      count -= 1;
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

  const handledOffset = (e: Entity, partition: number, offset: number): boolean => {
    const q = e.hand;
    if (q === undefined) return false;
    for (let i = 0; i < q.length; i += HAND) if (q[i + 3] === partition && q[i + 4] === offset) return true;
    return false;
  };

  const recompute = (e: Entity) => {
    let flags = 0;
    let hasUnhandled = false;
    const pub = e.pub;
    if (pub !== undefined) {
      let prev = 0; // row 0 of the tables is "no event yet"
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
      if (handledStep !== undefined) {
        const done = handledSourceSeen ? settled.get(e.topic) : undefined;
        for (let i = 0; i < pub.length; i += PUB) {
          const partition = pub[i + 2]!;
          const offset = pub[i + 3]!;
          if (handledOffset(e, partition, offset)) continue;
          hasUnhandled = true;
          const committed = done?.[partition];
          if (committed !== undefined && committed > offset) flags |= F_MISSING;
        }
      }
    }
    const q = e.hand;
    if (q !== undefined && q.length > HAND) {
      for (let i = HAND; i < q.length; i += HAND) {
        for (let j = 0; j < i; j += HAND) {
          if ((q[i + 3] === q[j + 3] && q[i + 4] === q[j + 4]) || (q[i]! >= 0 && q[i] === q[j])) flags |= F_DUPLICATE;
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
    if (hasUnhandled !== e.waiting) {
      if (hasUnhandled) {
        waitingList.push(e);
        waitingCount += 1;
      } else waitingCount -= 1;
      e.waiting = hasUnhandled;
    }
  };

  const changed = (e: Entity) => {
    if (!inBatch) {
      recompute(e);
      touch(e);
    } else if (e.pendingBatch !== batch) {
      e.pendingBatch = batch;
      pending.push(e);
    }
  };

  const countFirst = (topic: string, partition: number) => {
    let perPartition = firstPublished.get(topic);
    if (perPartition === undefined) firstPublished.set(topic, (perPartition = []));
    perPartition[partition] = (perPartition[partition] ?? 0) + 1;
  };

  const publish = (
    num: number,
    sid: string,
    st: number,
    at: number,
    topic: string,
    partition: number,
    offset: number,
  ) => {
    const e = entity(num, sid, at, topic);
    if (e.topic === '') e.topic = topic;
    const pub = e.pub;
    if (pub === undefined) {
      e.pub = [st, at, partition, offset];
      countFirst(topic, partition);
    } else {
      for (let i = 0; i < pub.length; i += PUB) if (pub[i + 2] === partition && pub[i + 3] === offset) return; // a re-read
      // keep offset order: find the slot from the end (records of one key nearly always arrive in order)
      let slot = pub.length;
      while (slot > 0 && pub[slot - PUB + 3]! > offset) slot -= PUB;
      if (slot === pub.length) pub.push(st, at, partition, offset);
      else pub.splice(slot, 0, st, at, partition, offset);
    }
    changed(e);
  };

  const statusesOf = (e: Entity): string[] => {
    const out: string[] = [];
    if (e.pub !== undefined) for (let i = 0; i < e.pub.length; i += PUB) out.push(STATUSES[e.pub[i]!]!);
    else if (e.facts !== undefined)
      for (const f of e.facts) if (f.status !== null && !out.includes(f.status)) out.push(f.status);
    return out;
  };

  const actorNames: string[] = [];
  const actorIndex = new Map<string, number>();
  const internActor = (name: string | null): number => {
    if (name === null) return -1;
    let i = actorIndex.get(name);
    if (i === undefined) {
      i = actorNames.length;
      actorNames.push(name);
      actorIndex.set(name, i);
    }
    return i;
  };
  /** the handled fact at index i of an entity's packed list */
  const handledFact = (e: Entity, q: number[], i: number): TimelineFact => ({
    step: handledStep ?? 'handled',
    status: q[i]! < 0 ? null : STATUSES[q[i]!]!,
    at: q[i + 1]!,
    actor: q[i + 2]! < 0 ? null : actorNames[q[i + 2]!]!,
    where: { kind: 'record', topic: e.topic, partition: q[i + 3]!, offset: String(q[i + 4]) },
    latencyMs: q[i + 5]! < 0 ? null : q[i + 5]!,
  });

  const summary = (e: Entity): TimelineSummary => {
    const statuses = statusesOf(e);
    let partition: number | null = e.pub?.[2] ?? e.hand?.[3] ?? null;
    if (partition === undefined) partition = null;
    const actors: string[] = [];
    let lastHandled: string | null = null;
    const q = e.hand;
    if (q !== undefined) {
      for (let i = 0; i < q.length; i += HAND) {
        const actor = q[i + 2]! < 0 ? null : actorNames[q[i + 2]!]!;
        if (actor !== null && !actors.includes(actor)) actors.push(actor);
      }
      if (q.length > 0 && q[q.length - HAND]! >= 0) lastHandled = STATUSES[q[q.length - HAND]!]!;
    }
    if (e.facts !== undefined)
      for (const f of e.facts) if (f.actor !== null && !actors.includes(f.actor)) actors.push(f.actor);
    const flags: TimelineFlag[] = [];
    for (const [bit, name] of FLAG_BITS) if ((e.flags & bit) !== 0) flags.push(name);
    return {
      lab: lab.id,
      entity: idOf(e),
      statuses,
      lastStatus: statuses.at(-1) ?? lastHandled,
      firstAt: e.firstAt,
      lastAt: e.lastAt,
      partition,
      actors,
      flags,
    };
  };

  const flagReasons = (e: Entity): { flag: TimelineFlag; reason: string }[] => {
    const out: { flag: TimelineFlag; reason: string }[] = [];
    const path = statusesOf(e).join(' → ');
    if (e.flags & F_OUT_OF_ORDER)
      out.push({
        flag: 'out-of-order',
        reason: `In offset order the statuses read ${path}, which is not a valid path of the status graph.`,
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
          'The same status was published or handled more than once (at-least-once delivery: a consumer must be idempotent).',
      });
    if (e.flags & F_MISSING)
      out.push({
        flag: 'missing-step',
        reason:
          'An event was published, the handling group has committed past its offset (lag 0), but no instance reported handling it.',
      });
    return out;
  };

  let lastTopic = '';
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
      }
      const scan = lastScanner;
      if (scan === undefined) return false;
      scanned.num = -1;
      if (!scan(typeof value === 'string' ? Buffer.from(value) : value, scanned)) return false;
      if (scanned.status < 0 || scanned.status >= STATUSES.length) return false;
      const num = scanned.num;
      if (num > 0) publish(num, '', scanned.status, timestamp, topic, partition, offset);
      else {
        // a string id that is a canonical decimal is keyed by number too (one entity per id, whoever reports it)
        const asNum = numericId(scanned.entity);
        publish(asNum, asNum > 0 ? '' : scanned.entity, scanned.status, timestamp, topic, partition, offset);
      }
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
    addPublished(id, status, at, topic, partition, offset) {
      const st = STATUS_INDEX.get(status);
      if (st === undefined) return;
      const num = numericId(id);
      publish(num, num > 0 ? '' : id, st, at, topic, partition, offset);
    },
    addFact(fact) {
      const num = numericId(fact.entity);
      const e = entity(num, num > 0 ? '' : fact.entity, fact.at, '');
      const w = fact.where;
      if (fact.step === handledStep && w?.kind === 'record') {
        handledSourceSeen = true;
        const st = fact.status === null ? -1 : (STATUS_INDEX.get(fact.status) ?? -1);
        const actor = internActor(fact.actor);
        const latency = fact.latencyMs ?? -1;
        if (e.hand === undefined) e.hand = [st, fact.at, actor, w.partition, Number(w.offset), latency];
        else e.hand.push(st, fact.at, actor, w.partition, Number(w.offset), latency);
        if (e.topic === '') e.topic = w.topic;
        changed(e);
        return;
      }
      if (w?.kind === 'row' && e.facts !== undefined) {
        // one fact per row: a row seen again only updates its sent time
        for (const f of e.facts) {
          if (f.where?.kind === 'row' && f.where.table === w.table && f.where.id === w.id && f.step === fact.step) {
            if (w.sentAt !== undefined && f.where.sentAt !== w.sentAt) {
              f.where = { ...f.where, sentAt: w.sentAt };
              touch(e);
            }
            return;
          }
        }
      }
      (e.facts ??= []).push(fact);
      if (w?.kind === 'row')
        touch(e); // a committed row changes no flag
      else changed(e);
    },
    markSent(id, table, rowId, sentAt) {
      const e = lookup(id);
      if (e?.facts === undefined) return;
      for (const f of e.facts) {
        if (f.where?.kind !== 'row' || f.where.table !== table || f.where.id !== rowId) continue;
        if (f.where.sentAt === sentAt) return;
        f.where = { ...f.where, sentAt };
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
      if (!handledSourceSeen) return;
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
    get(id) {
      const e = lookup(id);
      if (e === undefined) return null;
      // Statuses in the order they happened (published offset order, else arrival order), then per status the steps in
      // the lab's order, then time.
      const seqOf: string[] = [];
      const note = (st: string | null) => {
        if (st !== null && !seqOf.includes(st)) seqOf.push(st);
      };
      const pub = e.pub ?? [];
      const hand = e.hand ?? [];
      for (let i = 0; i < pub.length; i += PUB) note(STATUSES[pub[i]!]!);
      for (const f of e.facts ?? []) note(f.status);
      for (let i = 0; i < hand.length; i += HAND) note(hand[i]! < 0 ? null : STATUSES[hand[i]!]!);
      const steps: { rank: number; fact: TimelineFact }[] = [];
      const rank = (st: string | null, step: string, at: number) =>
        (st === null ? seqOf.length : seqOf.indexOf(st)) * 1e15 + (stepRank.get(step) ?? lab.steps.length) * 1e14 + at;
      for (let i = 0; i < pub.length; i += PUB) {
        const status = STATUSES[pub[i]!]!;
        steps.push({
          rank: rank(status, 'published', pub[i + 1]!),
          fact: {
            step: 'published',
            status,
            at: pub[i + 1]!,
            actor: null,
            where: { kind: 'record', topic: e.topic, partition: pub[i + 2]!, offset: String(pub[i + 3]) },
            latencyMs: null,
          },
        });
      }
      for (const f of e.facts ?? []) {
        const { entity: _entity, ...fact } = f;
        steps.push({ rank: rank(f.status, f.step, f.at), fact });
      }
      for (let i = 0; i < hand.length; i += HAND) {
        const fact = handledFact(e, hand, i);
        steps.push({ rank: rank(fact.status, fact.step, fact.at), fact });
      }
      steps.sort((a, b) => a.rank - b.rank);
      return { ...summary(e), steps: steps.map((x) => x.fact), flagReasons: flagReasons(e) };
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
      for (const map of [byNum, byStr])
        for (const e of map.values())
          if (prefix === undefined || prefix === '' || idOf(e).startsWith(prefix)) hits.push(e);
      hits.sort((a, b) => b.lastAt - a.lastAt);
      return hits.slice(0, limit).map(summary);
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
    stop: () => timer.stop(),
  };
  return store;
}
