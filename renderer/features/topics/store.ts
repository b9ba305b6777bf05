// Mirrors Kafka's topics: per partition offsets, rate and keys seen (upserted by id `${topic}/${partition}`).
import { create } from 'zustand';
import type { PartitionState } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export interface TopicsState {
  byId: Record<string, PartitionState>;
  /**
   * byId grouped by topic, sorted (groupByTopic), kept up to date per diff: a diff rebuilds only the topics it touched
   * and every other TopicView stays the same object, so a cluster's thousand untouched topics render nothing again.
   */
  topics: TopicView[];
  /** the number of partitions in byId (the sidebar shows it: counting the keys of 10 000 at every render cost frames) */
  partitionCount: number;
  seq: number | null;
  /** set when a diff arrived after a gap: the binder re-fetches kafka:snapshot */
  needsResync: boolean;
  applySnapshot: (snapshot: { seq: number; partitions: PartitionState[] }) => void;
  applyDiff: (diff: { seq: number; upsert: PartitionState[]; removed: string[] }) => void;
}

export const createTopicsStore = () =>
  create<TopicsState>()((set) => ({
    byId: {},
    topics: [],
    partitionCount: 0,
    seq: null,
    needsResync: false,
    applySnapshot: ({ seq, partitions }) =>
      set((s) => {
        // a diff newer than this snapshot was already applied: keep the newer entities, take the rest
        if (s.seq !== null && seq < s.seq && seq !== 0) return { needsResync: false };
        const byId: Record<string, PartitionState> = {};
        for (const p of partitions) byId[p.id] = p;
        return { byId, topics: groupByTopic(byId), partitionCount: Object.keys(byId).length, seq, needsResync: false };
      }),
    applyDiff: ({ seq, upsert, removed }) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, seq);
        if (verdict === 'stale') return {};
        const byId = { ...s.byId };
        let partitionCount = s.partitionCount;
        for (const p of upsert) {
          if (byId[p.id] === undefined) partitionCount += 1;
          byId[p.id] = p;
        }
        const gone = removed.filter((id) => byId[id] !== undefined);
        for (const id of gone) delete byId[id];
        partitionCount -= gone.length;
        return {
          byId,
          topics: regroup(s.topics, upsert, gone),
          partitionCount,
          seq,
          needsResync: s.needsResync || verdict === 'gap',
        };
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

const viewOf = (topic: string, partitions: PartitionState[]): TopicView => {
  partitions.sort((a, b) => a.partition - b.partition);
  return { topic, partitions, totalKeys: partitions.reduce((n, p) => n + p.keysSeen, 0) };
};

/**
 * `current` with a diff applied: only the topics it names get a new view (a topic without partitions left goes);
 * every other view is the same object. Partition ids are `<topic>/<partition>` (a topic name has no slash).
 */
export function regroup(
  current: TopicView[],
  upsert: readonly PartitionState[],
  removed: readonly string[],
): TopicView[] {
  if (upsert.length === 0 && removed.length === 0) return current;
  const changes = new Map<string, Map<string, PartitionState | null>>();
  const changesOf = (topic: string) => {
    let m = changes.get(topic);
    if (m === undefined) changes.set(topic, (m = new Map<string, PartitionState | null>()));
    return m;
  };
  for (const p of upsert) changesOf(p.topic).set(p.id, p);
  for (const id of removed) changesOf(id.slice(0, id.lastIndexOf('/'))).set(id, null);
  const out: TopicView[] = [];
  for (const v of current) {
    const ch = changes.get(v.topic);
    if (ch === undefined) {
      out.push(v);
      continue;
    }
    changes.delete(v.topic);
    const parts: PartitionState[] = [];
    for (const p of v.partitions) if (!ch.has(p.id)) parts.push(p);
    for (const p of ch.values()) if (p !== null) parts.push(p);
    if (parts.length > 0) out.push(viewOf(v.topic, parts));
  }
  let added = false;
  for (const [topic, ch] of changes) {
    const parts = [...ch.values()].filter((p): p is PartitionState => p !== null);
    if (parts.length === 0) continue;
    out.push(viewOf(topic, parts));
    added = true;
  }
  return added ? out.sort((a, b) => a.topic.localeCompare(b.topic)) : out;
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
    .map(([topic, partitions]) => viewOf(topic, partitions));
}
