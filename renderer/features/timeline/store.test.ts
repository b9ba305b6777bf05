import { describe, expect, it } from 'vitest';
import { summary } from '../../test/fixtures';
import { createTimelineStore, flaggedNewestFirst, newestFirst } from './store';

describe('timeline store', () => {
  it('applies batches in seq order and ignores a stale batch', () => {
    const store = createTimelineStore();
    store.getState().applyBatch({ seq: 1, updated: [summary('1'), summary('2')], evicted: 0, size: 2 });
    store.getState().applyBatch({
      seq: 2,
      updated: [summary('1', { statuses: ['new', 'awaiting payment', 'paid'], lastStatus: 'paid', lastAt: 2000 })],
      evicted: 0,
      size: 2,
    });
    const v = store.getState().version;
    store.getState().applyBatch({ seq: 2, updated: [summary('3')], evicted: 0, size: 3 });
    expect(store.getState().version).toBe(v);
    expect(store.getState().byId.has('3')).toBe(false);
    expect(store.getState().byId.get('1')?.lastStatus).toBe('paid');
    // most recently updated last in the Map: order 1 was updated after order 2
    expect(newestFirst(store.getState()).map((s) => s.entity)).toEqual(['1', '2']);
    expect(store.getState().needsResync).toBe(false);
  });

  it('asks for a resync on a gap but still applies the batch', () => {
    const store = createTimelineStore();
    store.getState().applyBatch({ seq: 1, updated: [summary('1')], evicted: 0, size: 1 });
    store.getState().applyBatch({ seq: 5, updated: [summary('2')], evicted: 0, size: 2 });
    expect(store.getState().needsResync).toBe(true);
    expect(store.getState().byId.size).toBe(2);
  });

  it('keeps at most `cap` orders and evicts the least recently updated', () => {
    const store = createTimelineStore(3);
    store.getState().applyBatch({ seq: 1, updated: ['1', '2', '3'].map((id) => summary(id)), evicted: 0, size: 3 });
    store.getState().applyBatch({ seq: 2, updated: [summary('1', { lastAt: 5000 })], evicted: 0, size: 3 });
    store.getState().applyBatch({ seq: 3, updated: [summary('4'), summary('5')], evicted: 0, size: 5 });
    expect([...store.getState().byId.keys()]).toEqual(['1', '4', '5']);
  });

  it('tracks flagged orders, and forgets the flag when it clears or the order is evicted', () => {
    const store = createTimelineStore(2);
    store.getState().applyBatch({
      seq: 1,
      updated: [summary('1', { flags: ['duplicate'] }), summary('2', { flags: ['gap'], lastAt: 3000 })],
      evicted: 0,
      size: 2,
    });
    expect(flaggedNewestFirst(store.getState()).map((s) => s.entity)).toEqual(['2', '1']);
    store.getState().applyBatch({ seq: 2, updated: [summary('2', { flags: [], lastAt: 4000 })], evicted: 0, size: 2 });
    store.getState().applyBatch({ seq: 3, updated: [summary('3'), summary('4')], evicted: 0, size: 4 });
    expect(store.getState().flagged.size).toBe(0);
  });

  it('lists the most recently updated orders from a small index, without repeats or evicted orders', () => {
    const store = createTimelineStore(5);
    for (let b = 1; b <= 3000; b += 1)
      store.getState().applyBatch({ seq: b, updated: [summary(String(b % 7))], evicted: 0, size: 5 });
    const ids = newestFirst(store.getState()).map((s) => s.entity);
    // 3000 % 7 = 4 was updated last; only 5 of the 7 ids are still in the store
    expect(ids).toEqual(['4', '3', '2', '1', '0']);
    expect(store.getState().recent.length).toBeLessThanOrEqual(4001);
  });

  it('a fetched summary older than the one held does not replace it', () => {
    const store = createTimelineStore();
    store
      .getState()
      .applyBatch({ seq: 1, updated: [summary('1', { lastAt: 9000, lastStatus: 'paid' })], evicted: 0, size: 1 });
    store.getState().applySummaries([summary('1', { lastAt: 1000 })]);
    expect(store.getState().byId.get('1')?.lastStatus).toBe('paid');
  });

  it('takes only the summaries of its lab, and starts empty for another lab', () => {
    const store = createTimelineStore();
    store.getState().reset('lab-d');
    store
      .getState()
      .applyBatch({ seq: 1, updated: [summary('1'), summary('2', { lab: 'lab-x' })], evicted: 0, size: 2 });
    expect([...store.getState().byId.keys()]).toEqual(['1']);
    store.getState().reset('lab-x');
    expect(store.getState().byId.size).toBe(0);
    expect(store.getState().seq).toBeNull();
    store.getState().applySummaries([summary('1'), summary('tlk-1', { lab: 'lab-x' })]);
    expect([...store.getState().byId.keys()]).toEqual(['tlk-1']);
  });

  it('absorbs 100 000 orders in batches without copying the collection per batch', () => {
    const store = createTimelineStore(100_000);
    const t0 = performance.now();
    for (let b = 0; b < 1100; b += 1) {
      const updated = Array.from({ length: 100 }, (_, i) => summary(String(b * 100 + i)));
      store.getState().applyBatch({ seq: b + 1, updated, evicted: 0, size: (b + 1) * 100 });
    }
    const ms = performance.now() - t0;
    expect(store.getState().byId.size).toBe(100_000);
    expect(store.getState().byId.has('0')).toBe(false);
    expect(ms).toBeLessThan(2000);
  });
});
