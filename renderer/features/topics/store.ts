// Mirrors Kafka's topics: per partition offsets, rate and keys seen (upserted by id `${topic}/${partition}`).
import { create } from 'zustand';
import type { PartitionState } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export interface TopicsState {
  byId: Record<string, PartitionState>;
  seq: number | null;
  /** set when a diff arrived after a gap: the binder re-fetches kafka:snapshot */
  needsResync: boolean;
  applySnapshot: (snapshot: { seq: number; partitions: PartitionState[] }) => void;
  applyDiff: (diff: { seq: number; upsert: PartitionState[]; removed: string[] }) => void;
}

export const createTopicsStore = () =>
  create<TopicsState>()((set) => ({
    byId: {},
    seq: null,
    needsResync: false,
    applySnapshot: ({ seq, partitions }) =>
      set((s) => {
        // a diff newer than this snapshot was already applied: keep the newer entities, take the rest
        if (s.seq !== null && seq < s.seq && seq !== 0) return { needsResync: false };
        const byId: Record<string, PartitionState> = {};
        for (const p of partitions) byId[p.id] = p;
        return { byId, seq, needsResync: false };
      }),
    applyDiff: ({ seq, upsert, removed }) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, seq);
        if (verdict === 'stale') return {};
        const byId = { ...s.byId };
        for (const p of upsert) byId[p.id] = p;
        for (const id of removed) delete byId[id];
        return { byId, seq, needsResync: s.needsResync || verdict === 'gap' };
      }),
  }));

export const useTopicsStore = createTopicsStore();

export interface TopicView {
  topic: string;
  partitions: PartitionState[];
  totalKeys: number;
}

/** A partition's replication at a glance: no leader (offline), fewer in-sync replicas than replicas, or fine. */
export type Replication = 'ok' | 'under-replicated' | 'offline';

export function replicationOf(p: Pick<PartitionState, 'leader' | 'replicas' | 'isr'>): Replication {
  if (p.leader === null) return 'offline';
  return p.isr.length < p.replicas.length ? 'under-replicated' : 'ok';
}

/** Partitions grouped by topic, sorted by topic then partition. */
export function groupByTopic(byId: Record<string, PartitionState>): TopicView[] {
  const topics = new Map<string, PartitionState[]>();
  for (const p of Object.values(byId)) {
    let list = topics.get(p.topic);
    if (list === undefined) topics.set(p.topic, (list = []));
    list.push(p);
  }
  return [...topics.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([topic, partitions]) => {
      partitions.sort((a, b) => a.partition - b.partition);
      return { topic, partitions, totalKeys: partitions.reduce((n, p) => n + p.keysSeen, 0) };
    });
}
