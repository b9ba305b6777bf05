// Lag per group and partition over the last 30 minutes, fed by the Kafka observer's onGroupProgress (one sample per
// poll of the group). Per group one ring of sample times (Float64Array) and, per partition, two rings of numbers (lag in
// records, lag in seconds; NaN: no value) aligned with it: no object per sample. A ring starts small and doubles up to
// `capacity`; samples older than `windowMs` are dropped as new ones come, so a group polled every 10 s (a big cluster's
// cold groups) holds a tenth of a hot one's. Groups not seen for a window are forgotten.
import type { GroupPartitionLag, LagHistoryResponse, Rebalance } from '../contract/console-api.js';

export interface LagHistoryOptions {
  /** how far back it keeps (default 30 minutes) */
  windowMs?: number;
  /** the most samples per group (default: the window at `pollIntervalMs`, at most 7 200) */
  capacity?: number;
  pollIntervalMs?: number;
}

export interface LagSeries {
  topic: string;
  partition: number;
  /** one per time; null: the partition had no sample then */
  lag: (number | null)[];
  lagSeconds: (number | null)[];
}

export interface LagHistorySlice {
  /** sample times (epoch ms), oldest first */
  times: number[];
  partitions: LagSeries[];
}

export interface LagHistory {
  record(groupId: string, lags: readonly GroupPartitionLag[], at: number): void;
  /** the samples at or after sinceMs (default: the whole window), oldest first */
  slice(groupId: string, sinceMs?: number): LagHistorySlice;
  groups(): string[];
  readonly windowMs: number;
}

const INITIAL = 64;

/** A ring of numbers that grows by doubling up to `max`. */
export class NumberRing {
  private data: Float64Array;
  private head = 0;
  private count = 0;
  constructor(
    private readonly max: number,
    initial = INITIAL,
  ) {
    this.data = new Float64Array(Math.max(1, Math.min(initial, max)));
  }
  get length(): number {
    return this.count;
  }
  get capacity(): number {
    return this.data.length;
  }
  /** the i-th oldest value */
  at(i: number): number {
    return this.data[(this.head + i) % this.data.length]!;
  }
  push(value: number): void {
    if (this.count === this.data.length && this.data.length < this.max) this.grow();
    if (this.count < this.data.length) {
      this.data[(this.head + this.count) % this.data.length] = value;
      this.count += 1;
    } else {
      this.data[this.head] = value;
      this.head = (this.head + 1) % this.data.length;
    }
  }
  /** drops the n oldest values */
  drop(n: number): void {
    const k = Math.min(n, this.count);
    this.head = (this.head + k) % this.data.length;
    this.count -= k;
  }
  toArray(from = 0): number[] {
    const out: number[] = [];
    for (let i = from; i < this.count; i++) out.push(this.at(i));
    return out;
  }
  private grow(): void {
    const next = new Float64Array(Math.min(this.max, this.data.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.at(i);
    this.data = next;
    this.head = 0;
  }
}

interface GroupRings {
  times: NumberRing;
  partitions: Map<string, { topic: string; partition: number; lag: NumberRing; secs: NumberRing; lastAt: number }>;
}

export function createLagHistory(options: LagHistoryOptions = {}): LagHistory {
  const windowMs = options.windowMs ?? 30 * 60_000;
  const capacity =
    options.capacity ?? Math.min(7200, Math.ceil(windowMs / Math.max(250, options.pollIntervalMs ?? 1000)) + 1);
  const groups = new Map<string, GroupRings>();
  const lastSeen = new Map<string, number>();

  const trim = (g: GroupRings, at: number) => {
    let old = 0;
    while (old < g.times.length && g.times.at(old) < at - windowMs) old += 1;
    if (old === 0) return;
    g.times.drop(old);
    for (const p of g.partitions.values()) {
      p.lag.drop(old);
      p.secs.drop(old);
    }
  };

  return {
    windowMs,
    record(groupId, lags, at) {
      let g = groups.get(groupId);
      if (g === undefined) {
        g = { times: new NumberRing(capacity), partitions: new Map() };
        groups.set(groupId, g);
      }
      lastSeen.set(groupId, at);
      trim(g, at);
      const before = g.times.length;
      g.times.push(at);
      const seen = new Set<string>();
      for (const l of lags) {
        const key = `${l.topic}/${l.partition}`;
        seen.add(key);
        let p = g.partitions.get(key);
        if (p === undefined) {
          // a partition that appears later: no values for the samples before it
          const [lag, secs] = [new NumberRing(capacity), new NumberRing(capacity)];
          p = { topic: l.topic, partition: l.partition, lag, secs, lastAt: at };
          for (let i = 0; i < before; i++) {
            p.lag.push(NaN);
            p.secs.push(NaN);
          }
          g.partitions.set(key, p);
        }
        p.lastAt = at;
        p.lag.push(l.lag);
        p.secs.push(l.lagSeconds ?? (l.lag === 0 ? 0 : NaN));
      }
      for (const [key, p] of g.partitions) {
        if (seen.has(key)) continue;
        p.lag.push(NaN);
        p.secs.push(NaN);
      }
      // forget the groups (and partitions) with no sample left in the window
      for (const [id, seenAt] of lastSeen)
        if (seenAt < at - windowMs) {
          lastSeen.delete(id);
          groups.delete(id);
        }
      for (const [key, p] of g.partitions) if (p.lastAt < at - windowMs) g.partitions.delete(key);
    },
    slice(groupId, sinceMs) {
      const g = groups.get(groupId);
      if (g === undefined) return { times: [], partitions: [] };
      let from = 0;
      if (sinceMs !== undefined) while (from < g.times.length && g.times.at(from) < sinceMs) from += 1;
      const nullable = (v: number) => (Number.isNaN(v) ? null : v);
      return {
        times: g.times.toArray(from),
        partitions: [...g.partitions.values()]
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
          .map((p) => ({
            topic: p.topic,
            partition: p.partition,
            lag: p.lag.toArray(from).map(nullable),
            lagSeconds: p.secs.toArray(from).map(nullable),
          })),
      };
    },
    groups: () => [...groups.keys()],
  };
}

/** The groups:lag-history answer: the group's samples since sinceMs and its rebalances in the same span, oldest first. */
export function lagHistoryOf(
  history: LagHistory,
  rebalances: readonly Rebalance[],
  groupId: string,
  sinceMs: number | undefined,
  now: number,
): LagHistoryResponse {
  const since = Math.max(sinceMs ?? 0, now - history.windowMs);
  const slice = history.slice(groupId, since);
  return {
    groupId,
    windowMs: history.windowMs,
    ...slice,
    rebalances: rebalances
      .filter((r) => r.groupId === groupId && r.at >= since)
      .sort((a, b) => a.at - b.at)
      .map((r) => ({ at: r.at, generationId: r.generationId, moves: r.moves.length })),
  };
}
