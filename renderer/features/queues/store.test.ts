import { describe, expect, it } from 'vitest';
import type { RabbitDiff } from '../../../main/console/contract/console-api';
import { labRSnapshot, queue } from '../../test/rabbit-fixtures';
import { createQueuesStore } from './store';

const empty = { upsert: [], removed: [] };
const diff = (seq: number, over: Partial<RabbitDiff> = {}): RabbitDiff => ({
  seq,
  at: 5000 + seq,
  exchanges: empty,
  queues: empty,
  bindings: empty,
  connections: empty,
  channels: empty,
  consumers: empty,
  ...over,
});

describe('queues store', () => {
  it('takes the snapshot by id, then applies diffs (upserts and removals per kind) in seq order', () => {
    const store = createQueuesStore();
    store.getState().applySnapshot(labRSnapshot(), 1000);
    let s = store.getState();
    expect(s.node).toBe('rabbit@test');
    expect(s.queues['/|jobs.work']?.unacked).toBe(4);
    expect(Object.keys(s.consumers)).toHaveLength(4);

    const before = s.exchanges;
    store.getState().applyDiff(
      diff(5, {
        queues: { upsert: [queue('jobs.work', { unacked: 0, ready: 11, consumers: 1 })], removed: ['/|dead'] },
        consumers: { upsert: [], removed: ['c-w1 (1)|ctag-jobs.work'] },
      }),
    );
    s = store.getState();
    expect(s.seq).toBe(5);
    expect(s.at).toBe(5005);
    expect(s.queues['/|jobs.work']?.ready).toBe(11);
    expect(s.queues['/|dead']).toBeUndefined();
    expect(Object.keys(s.consumers)).toHaveLength(3);
    // a kind the diff does not touch keeps its object (selectors do not fire)
    expect(s.exchanges).toBe(before);
    expect(s.needsResync).toBe(false);

    // an old push is ignored
    store.getState().applyDiff(diff(5, { queues: { upsert: [queue('jobs.work', { ready: 1 })], removed: [] } }));
    expect(store.getState().queues['/|jobs.work']?.ready).toBe(11);
  });

  it('asks for the snapshot again after a gap, and before any snapshot', () => {
    const store = createQueuesStore();
    store.getState().applyDiff(diff(1));
    expect(store.getState().needsResync).toBe(true);
    store.getState().applySnapshot(labRSnapshot({ seq: 1 }));
    expect(store.getState().needsResync).toBe(false);
    store.getState().applyDiff(diff(3));
    expect(store.getState().needsResync).toBe(true);
  });

  it('asks for the snapshot again while it does not know the node (the snapshot came before the observer)', () => {
    const store = createQueuesStore();
    store.getState().applySnapshot(labRSnapshot({ seq: 0, node: null }));
    store.getState().applyDiff(diff(1));
    expect(store.getState().needsResync).toBe(true);
  });

  it('remembers the last redelivery of a queue after its rate went back to 0', () => {
    const store = createQueuesStore();
    store.getState().applySnapshot(labRSnapshot(), 1000);
    store
      .getState()
      .applyDiff(diff(5, { queues: { upsert: [queue('jobs.work', { redeliverRate: 2.5 })], removed: [] } }));
    store
      .getState()
      .applyDiff(diff(6, { queues: { upsert: [queue('jobs.work', { redeliverRate: 0.5 })], removed: [] } }));
    store
      .getState()
      .applyDiff(diff(7, { queues: { upsert: [queue('jobs.work', { redeliverRate: 0 })], removed: [] } }));
    expect(store.getState().redeliveries['/|jobs.work']).toEqual({ at: 5006, peak: 2.5 });
    expect(store.getState().redeliveries['/|audit.auth']).toBeUndefined();
  });

  it('remembers the most consumers a queue had at once', () => {
    const store = createQueuesStore();
    store.getState().applySnapshot(labRSnapshot());
    store.getState().applyDiff(diff(5, { queues: { upsert: [queue('jobs.work', { consumers: 1 })], removed: [] } }));
    expect(store.getState().maxConsumers['/|jobs.work']).toBe(2);
    store.getState().applyDiff(diff(6, { queues: { upsert: [queue('jobs.work', { consumers: 3 })], removed: [] } }));
    expect(store.getState().maxConsumers['/|jobs.work']).toBe(3);
  });

  it('marks the API reachable again when a diff comes after a snapshot that said it was not', () => {
    const store = createQueuesStore();
    store.getState().applySnapshot(labRSnapshot({ reachable: false }));
    expect(store.getState().reachable).toBe(false);
    store.getState().applyDiff(diff(5));
    expect(store.getState().reachable).toBe(true);
  });
});
