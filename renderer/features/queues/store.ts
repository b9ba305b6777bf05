// Mirrors RabbitMQ as the console's observer sees it (management API): exchanges, queues with their depths and rates,
// bindings, connections, channels and consumers, keyed by id. Filled by rabbitmq:snapshot and kept by rabbitmq:diff
// (upserts and removals per kind, one setState per push); a seq gap asks for the snapshot again. Also remembers the
// last redelivery seen on each queue (a rate lasts one broker sample; the lesson lasts longer) and the most consumers
// each queue had at once (a work queue whose consumer died is still one).
import { create } from 'zustand';
import type {
  RabbitDiff,
  RabbitKind,
  RabbitSnapshot,
  RabbitTopology,
} from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

type ById<K extends RabbitKind> = Record<string, RabbitTopology[K][number]>;

export interface Redelivery {
  /** when the queue last showed a redeliver rate above 0 */
  at: number;
  /** the highest rate seen */
  peak: number;
}

export interface QueuesState {
  /** null before the first snapshot: the console does not observe a RabbitMQ yet */
  node: string | null;
  endpoint: string | null;
  reachable: boolean;
  seq: number | null;
  needsResync: boolean;
  /** when the last push or snapshot came */
  at: number | null;
  exchanges: ById<'exchanges'>;
  queues: ById<'queues'>;
  bindings: ById<'bindings'>;
  connections: ById<'connections'>;
  channels: ById<'channels'>;
  consumers: ById<'consumers'>;
  /** queue id → the last redelivery seen */
  redeliveries: Record<string, Redelivery>;
  /** queue id → the most consumers it had at once (a work queue stays one after a consumer died) */
  maxConsumers: Record<string, number>;
  applySnapshot: (snapshot: RabbitSnapshot, at?: number) => void;
  applyDiff: (diff: RabbitDiff) => void;
}

const KINDS = ['exchanges', 'queues', 'bindings', 'connections', 'channels', 'consumers'] as const;

const byId = <T extends { id: string }>(items: readonly T[]): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const i of items) out[i.id] = i;
  return out;
};

function noteConsumers(
  current: Record<string, number>,
  queues: readonly RabbitTopology['queues'][number][],
): Record<string, number> {
  let next = current;
  for (const q of queues) {
    if (q.consumers <= (current[q.id] ?? 0)) continue;
    if (next === current) next = { ...current };
    next[q.id] = q.consumers;
  }
  return next;
}

function noteRedeliveries(
  current: Record<string, Redelivery>,
  queues: readonly RabbitTopology['queues'][number][],
  at: number,
): Record<string, Redelivery> {
  let next = current;
  for (const q of queues) {
    if (q.redeliverRate <= 0) continue;
    if (next === current) next = { ...current };
    next[q.id] = { at, peak: Math.max(q.redeliverRate, current[q.id]?.peak ?? 0) };
  }
  return next;
}

export const createQueuesStore = () =>
  create<QueuesState>()((set) => ({
    node: null,
    endpoint: null,
    reachable: false,
    seq: null,
    needsResync: false,
    at: null,
    exchanges: {},
    queues: {},
    bindings: {},
    connections: {},
    channels: {},
    consumers: {},
    redeliveries: {},
    maxConsumers: {},
    applySnapshot: (snap, at = Date.now()) =>
      set((s) => {
        // an older snapshot than the pushes applied since (seq 0: the observer started again)
        if (s.seq !== null && snap.seq < s.seq && snap.seq !== 0) return { needsResync: false };
        return {
          node: snap.node,
          endpoint: snap.endpoint,
          reachable: snap.reachable,
          seq: snap.seq,
          needsResync: false,
          at,
          exchanges: byId(snap.exchanges),
          queues: byId(snap.queues),
          bindings: byId(snap.bindings),
          connections: byId(snap.connections),
          channels: byId(snap.channels),
          consumers: byId(snap.consumers),
          redeliveries: noteRedeliveries(s.redeliveries, snap.queues, at),
          maxConsumers: noteConsumers(s.maxConsumers, snap.queues),
        };
      }),
    applyDiff: (diff) =>
      set((s) => {
        const verdict = judgeSeq(s.seq, diff.seq);
        if (verdict === 'stale') return {};
        const next: Partial<QueuesState> = {
          seq: diff.seq,
          at: diff.at,
          // a diff comes only from a poll that answered
          reachable: true,
          // a gap, or the snapshot came before the observer knew its node: fetch it again
          needsResync: s.needsResync || verdict === 'gap' || s.node === null,
        };
        for (const kind of KINDS) {
          const { upsert, removed } = diff[kind];
          if (upsert.length === 0 && removed.length === 0) continue;
          const map: Record<string, { id: string }> = { ...s[kind] };
          for (const item of upsert) map[item.id] = item;
          for (const id of removed) delete map[id];
          (next as Record<string, unknown>)[kind] = map;
        }
        if (diff.queues.upsert.length > 0) {
          next.redeliveries = noteRedeliveries(s.redeliveries, diff.queues.upsert, diff.at);
          next.maxConsumers = noteConsumers(s.maxConsumers, diff.queues.upsert);
        }
        return next;
      }),
  }));

export const useQueuesStore = createQueuesStore();
