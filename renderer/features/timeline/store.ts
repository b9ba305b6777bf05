// Mirrors the console's timeline store as entity summaries of the selected lab (the details of one entity are fetched
// on demand with timeline:get). Up to `cap` entities are kept, least recently updated evicted first. Lab-scoped: reset
// when another lab is selected, and a summary of another lab is ignored.
//
// 100 000 entities: copying a Record of that size on every batch would be a long task, so the collection is a Map
// mutated in place (insertion order = update order, which makes eviction O(1)) and `version` changes on every applied
// batch. Selectors read `byId.get(id)` (a new object when that entity changed) or depend on `version`.
import { create } from 'zustand';
import type { TimelineSummary } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const TIMELINE_CAP = 100_000;
/** how many of the most recently updated entities the recent list can show */
export const RECENT_KEEP = 2000;

export interface TimelineState {
  /** the lab the summaries belong to (null: any, before the first console:info) */
  lab: string | null;
  /** entity id → summary; iteration order: least recently updated first */
  byId: Map<string, TimelineSummary>;
  /** ids of the entities that carry at least one flag */
  flagged: Set<string>;
  /** ids in update order, newest last, with repeats; compacted to the newest RECENT_KEEP distinct ids (the list view) */
  recent: string[];
  version: number;
  seq: number | null;
  needsResync: boolean;
  /** entities the console evicted from its own store (its cap) */
  evictedByConsole: number;
  /** the console's store size as of the last batch */
  consoleSize: number;
  cap: number;
  applyBatch: (batch: { seq: number; updated: TimelineSummary[]; evicted: number; size: number }) => void;
  /** summaries fetched with timeline:recent / timeline:flagged (no seq: they only add or refresh) */
  applySummaries: (items: TimelineSummary[]) => void;
  /** forgets every summary; `lab` is the lab whose summaries are taken from now on */
  reset: (lab: string | null) => void;
}

export const createTimelineStore = (cap = TIMELINE_CAP) =>
  create<TimelineState>()((set) => {
    const upsert = (s: TimelineState, items: TimelineSummary[]) => {
      for (const item of items) {
        if (s.lab !== null && item.lab !== s.lab) continue;
        const prev = s.byId.get(item.entity);
        // a fetched summary older than the one held does not replace it
        if (prev !== undefined && prev.lastAt > item.lastAt) continue;
        s.byId.delete(item.entity);
        s.byId.set(item.entity, item);
        if (item.flags.length > 0) s.flagged.add(item.entity);
        else s.flagged.delete(item.entity);
        s.recent.push(item.entity);
      }
      if (s.recent.length > RECENT_KEEP * 2) s.recent = compactRecent(s.recent, RECENT_KEEP);
      while (s.byId.size > s.cap) {
        const oldest = s.byId.keys().next().value as string;
        s.byId.delete(oldest);
        s.flagged.delete(oldest);
      }
    };
    return {
      lab: null,
      byId: new Map(),
      flagged: new Set(),
      recent: [],
      version: 0,
      seq: null,
      needsResync: false,
      evictedByConsole: 0,
      consoleSize: 0,
      cap,
      applyBatch: ({ seq, updated, evicted, size }) =>
        set((s) => {
          const verdict = judgeSeq(s.seq, seq);
          if (verdict === 'stale') return {};
          upsert(s, updated);
          return {
            recent: s.recent,
            version: s.version + 1,
            seq,
            needsResync: s.needsResync || (verdict === 'gap' && s.seq !== null),
            evictedByConsole: s.evictedByConsole + evicted,
            consoleSize: size,
          };
        }),
      applySummaries: (items) =>
        set((s) => {
          if (items.length === 0) return {};
          upsert(s, items);
          return { recent: s.recent, version: s.version + 1, needsResync: false };
        }),
      reset: (lab) =>
        set((s) => ({
          lab,
          byId: new Map(),
          flagged: new Set(),
          recent: [],
          version: s.version + 1,
          seq: null,
          needsResync: false,
          evictedByConsole: 0,
          consoleSize: 0,
        })),
    };
  });

export const useTimelineStore = createTimelineStore();

/** The newest `keep` distinct ids of `recent`, oldest first. */
function compactRecent(recent: string[], keep: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = recent.length - 1; i >= 0 && out.length < keep; i -= 1) {
    const id = recent[i] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out.reverse();
}

/**
 * The most recently updated summaries, newest first, at most `limit` (≤ RECENT_KEEP). Reads the small `recent` index,
 * never the whole collection: cheap enough to run on every batch with 100 000 entities in the store.
 */
export function newestFirst(s: Pick<TimelineState, 'byId' | 'recent'>, limit = RECENT_KEEP): TimelineSummary[] {
  const seen = new Set<string>();
  const out: TimelineSummary[] = [];
  for (let i = s.recent.length - 1; i >= 0 && out.length < limit; i -= 1) {
    const id = s.recent[i] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const item = s.byId.get(id);
    if (item !== undefined) out.push(item);
  }
  return out;
}

export function flaggedNewestFirst(s: Pick<TimelineState, 'byId' | 'flagged'>): TimelineSummary[] {
  const out: TimelineSummary[] = [];
  for (const id of s.flagged) {
    const item = s.byId.get(id);
    if (item !== undefined) out.push(item);
  }
  return out.sort((a, b) => b.lastAt - a.lastAt);
}
