// Mirrors the outbox: the current backlog and a bounded series of samples for the chart (the last 10 minutes).
import { create } from 'zustand';
import type { OutboxState } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const SAMPLE_WINDOW_MS = 10 * 60_000;
export const SAMPLE_CAP = 1200;

export interface OutboxStoreState {
  state: OutboxState | null;
  seq: number | null;
  needsResync: boolean;
  samples: OutboxState[];
  applySnapshot: (snapshot: { seq: number; state: OutboxState | null }) => void;
  applyDiff: (diff: { seq: number; changes: Partial<OutboxState> & { at: number } }) => void;
  applyHistory: (samples: OutboxState[]) => void;
}

function addSample(samples: OutboxState[], sample: OutboxState): OutboxState[] {
  const last = samples[samples.length - 1];
  if (last !== undefined && sample.at <= last.at) return samples;
  const cutoff = sample.at - SAMPLE_WINDOW_MS;
  let start = 0;
  while (start < samples.length && (samples[start] as OutboxState).at < cutoff) start += 1;
  const next = samples.slice(Math.max(start, samples.length + 1 - SAMPLE_CAP));
  next.push(sample);
  return next;
}

const EMPTY: OutboxState = {
  reachable: false,
  pending: 0,
  oldestPendingAgeMs: null,
  sentPerSec: 0,
  sentTotal: 0,
  at: 0,
  detail: '',
};

export const createOutboxStore = () =>
  create<OutboxStoreState>()((set) => ({
    state: null,
    seq: null,
    needsResync: false,
    samples: [],
    applySnapshot: ({ seq, state }) =>
      set((s) => {
        if (s.seq !== null && seq < s.seq && seq !== 0) return { needsResync: false };
        return { state, seq, needsResync: false, samples: state === null ? s.samples : addSample(s.samples, state) };
      }),
    applyDiff: ({ seq, changes }) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, seq);
        if (verdict === 'stale') return {};
        const state: OutboxState = { ...(s.state ?? EMPTY), ...changes };
        return { state, seq, needsResync: s.needsResync || verdict === 'gap', samples: addSample(s.samples, state) };
      }),
    applyHistory: (history) =>
      set((s) => {
        const merged = new Map<number, OutboxState>();
        for (const x of history) merged.set(x.at, x);
        for (const x of s.samples) merged.set(x.at, x);
        const sorted = [...merged.values()].sort((a, b) => a.at - b.at);
        const newest = sorted[sorted.length - 1];
        const cutoff = (newest?.at ?? 0) - SAMPLE_WINDOW_MS;
        return { samples: sorted.filter((x) => x.at >= cutoff).slice(-SAMPLE_CAP) };
      }),
  }));

export const useOutboxStore = createOutboxStore();
