// Mirrors the consumer groups: members with their partitions, lag per partition, and the rebalance history.
import { create } from 'zustand';
import type { GroupState, Rebalance } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const REBALANCE_CAP = 200;

export interface GroupsState {
  byId: Record<string, GroupState>;
  seq: number | null;
  needsResync: boolean;
  /** newest first, bounded */
  rebalances: Rebalance[];
  applySnapshot: (snapshot: { seq: number; groups: GroupState[] }) => void;
  applyDiff: (diff: { seq: number; upsert: GroupState[]; removed: string[]; rebalances: Rebalance[] }) => void;
  applyRebalanceHistory: (rebalances: Rebalance[]) => void;
}

/** one rebalance of one group; the console pushes a row again once its generation becomes known */
const rebalanceKey = (r: Rebalance) => `${r.groupId}|${r.at}`;

/** Adds the new rebalances and takes a known generation for one already there; `current` itself when nothing changed. */
function mergeRebalances(current: Rebalance[], added: Rebalance[], cap: number): Rebalance[] {
  const byKey = new Map(current.map((r) => [rebalanceKey(r), r]));
  let changed = false;
  for (const r of added) {
    const had = byKey.get(rebalanceKey(r));
    if (had === undefined || (r.generationId !== null && r.generationId !== had.generationId)) {
      byKey.set(rebalanceKey(r), r);
      changed = true;
    }
  }
  return changed ? [...byKey.values()].sort((a, b) => b.at - a.at).slice(0, cap) : current;
}

export const createGroupsStore = (cap = REBALANCE_CAP) =>
  create<GroupsState>()((set) => ({
    byId: {},
    seq: null,
    needsResync: false,
    rebalances: [],
    applySnapshot: ({ seq, groups }) =>
      set((s) => {
        if (s.seq !== null && seq < s.seq && seq !== 0) return { needsResync: false };
        const byId: Record<string, GroupState> = {};
        for (const g of groups) byId[g.groupId] = g;
        return { byId, seq, needsResync: false };
      }),
    applyDiff: ({ seq, upsert, removed, rebalances }) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, seq);
        if (verdict === 'stale') return {};
        const byId = { ...s.byId };
        for (const g of upsert) byId[g.groupId] = g;
        for (const id of removed) delete byId[id];
        return {
          byId,
          seq,
          needsResync: s.needsResync || verdict === 'gap',
          rebalances: mergeRebalances(s.rebalances, rebalances, cap),
        };
      }),
    applyRebalanceHistory: (rebalances) => set((s) => ({ rebalances: mergeRebalances(s.rebalances, rebalances, cap) })),
  }));

export const useGroupsStore = createGroupsStore();

export interface MatrixRow {
  memberId: string;
  clientId: string;
  partitions: Set<string>;
  idle: boolean;
}

/** Members × partitions: which member owns which partition (`topic/partition`), and who is idle. */
export function assignmentMatrix(group: GroupState): {
  columns: { topic: string; partition: number; key: string }[];
  rows: MatrixRow[];
} {
  const columns = new Map<string, { topic: string; partition: number; key: string }>();
  for (const p of group.partitions)
    columns.set(`${p.topic}/${p.partition}`, {
      topic: p.topic,
      partition: p.partition,
      key: `${p.topic}/${p.partition}`,
    });
  const rows = group.members.map((m) => {
    const partitions = new Set<string>();
    for (const [topic, parts] of Object.entries(m.assignment)) {
      for (const partition of parts) {
        const key = `${topic}/${partition}`;
        partitions.add(key);
        if (!columns.has(key)) columns.set(key, { topic, partition, key });
      }
    }
    return { memberId: m.memberId, clientId: m.clientId, partitions, idle: partitions.size === 0 };
  });
  const cols = [...columns.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { columns: cols, rows };
}
