// The live tail of the topics: a bounded buffer of the newest records, merged across partitions in time order.
// Older records are fetched on demand (topics:tail-page) by the view, never kept here.
import { create } from 'zustand';
import type { TailRecord } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const TAIL_CAP = 5000;

export interface TailState {
  /** oldest first, ordered by (timestamp, idx) */
  records: TailRecord[];
  seq: number | null;
  /** records the console could not push (its per-push bound) or we missed (a seq gap) */
  dropped: number;
  paused: boolean;
  applyBatch: (batch: { seq: number; records: TailRecord[]; dropped: number }) => void;
  setPaused: (paused: boolean) => void;
  clear: () => void;
}

const byTime = (a: TailRecord, b: TailRecord) => a.timestamp - b.timestamp || a.idx - b.idx;

export const createTailStore = (cap = TAIL_CAP) =>
  create<TailState>()((set) => ({
    records: [],
    seq: null,
    dropped: 0,
    paused: false,
    applyBatch: ({ seq, records, dropped }) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, seq);
        if (verdict === 'stale') return {};
        const missed = dropped + (verdict === 'gap' && s.seq !== null ? 1 : 0);
        if (s.paused) return { seq, dropped: s.dropped + missed };
        let merged = s.records.concat(records);
        const last = s.records[s.records.length - 1];
        const first = records[0];
        // records of two partitions may arrive slightly out of time order: sort only when that happened
        const outOfOrder =
          (last !== undefined && first !== undefined && byTime(first, last) < 0) ||
          records.some((r, i) => i > 0 && byTime(r, records[i - 1] as TailRecord) < 0);
        if (outOfOrder) merged = merged.sort(byTime);
        if (merged.length > cap) merged = merged.slice(merged.length - cap);
        return { records: merged, seq, dropped: s.dropped + missed };
      }),
    setPaused: (paused) => set({ paused }),
    clear: () => set({ records: [], dropped: 0 }),
  }));

export const useTailStore = createTailStore();
