// Mirrors the lab's outboxes: each one's current backlog and a bounded series of samples for the chart (the last 10
// minutes), keyed by the outbox's name. A lab may have several (Lab C: orders and payments, each in its own database);
// `state`, `seq` and `samples` at the top are the first one's (the one a diff without a name is for).
import { create } from 'zustand';
import type { OutboxInfo, OutboxState } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const SAMPLE_WINDOW_MS = 10 * 60_000;
export const SAMPLE_CAP = 1200;

/** the name of the outbox of a console that names none (one outbox, older pushes) */
export const FIRST_OUTBOX = '';

export interface OutboxEntry {
  name: string;
  table: string;
  state: OutboxState | null;
  seq: number | null;
  samples: OutboxState[];
}

export interface OutboxSnapshot {
  seq: number;
  state: OutboxState | null;
  outboxes?: OutboxInfo[];
}

export interface OutboxDiff {
  seq: number;
  changes: Partial<OutboxState> & { at: number };
  outbox?: string;
}

export interface OutboxStoreState {
  /** the first outbox's */
  state: OutboxState | null;
  seq: number | null;
  samples: OutboxState[];
  needsResync: boolean;
  /** the outboxes' names in the lab's order */
  names: string[];
  byName: Record<string, OutboxEntry>;
  applySnapshot: (snapshot: OutboxSnapshot) => void;
  applyDiff: (diff: OutboxDiff) => void;
  /** samples of the named outbox (the first without a name) */
  applyHistory: (samples: OutboxState[], name?: string) => void;
  /** another lab: no outboxes known */
  reset: () => void;
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

const emptyEntry = (name: string, table: string): OutboxEntry => ({ name, table, state: null, seq: null, samples: [] });

/** the top-level fields: the first outbox's */
function firstOf(names: string[], byName: Record<string, OutboxEntry>) {
  const first = names[0] === undefined ? undefined : byName[names[0]];
  return { state: first?.state ?? null, seq: first?.seq ?? null, samples: first?.samples ?? [] };
}

/** an entry's snapshot: a stale one (older seq, not a restarted observer's 0) leaves it as it is */
function snapshotEntry(prev: OutboxEntry | undefined, info: OutboxInfo): OutboxEntry {
  const entry = prev ?? emptyEntry(info.name, info.table);
  if (entry.seq !== null && info.seq < entry.seq && info.seq !== 0)
    return { ...entry, name: info.name, table: info.table };
  return {
    name: info.name,
    table: info.table,
    state: info.state,
    seq: info.seq,
    samples: info.state === null ? entry.samples : addSample(entry.samples, info.state),
  };
}

const INITIAL = { state: null, seq: null, samples: [], needsResync: false, names: [], byName: {} };

export const createOutboxStore = () =>
  create<OutboxStoreState>()((set) => ({
    ...INITIAL,
    applySnapshot: ({ seq, state, outboxes }) =>
      set((s) => {
        // a console that names no outbox: one, under FIRST_OUTBOX
        const infos: OutboxInfo[] = outboxes ?? [{ name: FIRST_OUTBOX, table: '', seq, state }];
        const names = infos.map((o) => o.name);
        // the outboxes the snapshot names, and only those (the lab may have changed)
        const byName: Record<string, OutboxEntry> = {};
        // what came unnamed before (a diff or the history without a name) is the first outbox's
        infos.forEach((info, i) => {
          byName[info.name] = snapshotEntry(
            s.byName[info.name] ?? (i === 0 ? s.byName[FIRST_OUTBOX] : undefined),
            info,
          );
        });
        return { names, byName, needsResync: false, ...firstOf(names, byName) };
      }),
    applyDiff: ({ seq, changes, outbox }) =>
      set((s) => {
        const name = outbox ?? s.names[0] ?? FIRST_OUTBOX;
        const known = s.byName[name];
        const entry = known ?? emptyEntry(name, '');
        const verdict = judgeSeq(entry.seq, seq);
        if (verdict === 'stale') return {};
        const state: OutboxState = { ...(entry.state ?? EMPTY), ...changes };
        const byName = { ...s.byName, [name]: { ...entry, state, seq, samples: addSample(entry.samples, state) } };
        const names = known === undefined ? [...s.names, name] : s.names;
        // an outbox the store did not know yet: its table comes with the next snapshot
        const needsResync = s.needsResync || verdict === 'gap' || (known === undefined && outbox !== undefined);
        return { names, byName, needsResync, ...firstOf(names, byName) };
      }),
    applyHistory: (history, name) =>
      set((s) => {
        const key = name ?? s.names[0] ?? FIRST_OUTBOX;
        const known = s.byName[key];
        const entry = known ?? emptyEntry(key, '');
        const merged = new Map<number, OutboxState>();
        for (const x of history) merged.set(x.at, x);
        for (const x of entry.samples) merged.set(x.at, x);
        const sorted = [...merged.values()].sort((a, b) => a.at - b.at);
        const newest = sorted[sorted.length - 1];
        const cutoff = (newest?.at ?? 0) - SAMPLE_WINDOW_MS;
        const samples = sorted.filter((x) => x.at >= cutoff).slice(-SAMPLE_CAP);
        const byName = { ...s.byName, [key]: { ...entry, samples } };
        const names = known === undefined ? [...s.names, key] : s.names;
        return { names, byName, ...firstOf(names, byName) };
      }),
    reset: () => set(INITIAL),
  }));

/** the rows pending in every outbox of the lab (null while none has a state) */
export function selectPending(s: Pick<OutboxStoreState, 'names' | 'byName' | 'state'>): number | null {
  if (s.names.length <= 1) return s.state?.pending ?? null;
  let total: number | null = null;
  for (const n of s.names) {
    const state = s.byName[n]?.state;
    if (state != null) total = (total ?? 0) + state.pending;
  }
  return total;
}

export const useOutboxStore = createOutboxStore();
