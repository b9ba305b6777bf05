import { describe, expect, it } from 'vitest';
import { partition } from '../../test/fixtures';
import { createTopicsStore, groupByTopic } from './store';

describe('topics store', () => {
  it('keeps the view of every topic a diff does not touch the same object', () => {
    const store = createTopicsStore();
    store.getState().applySnapshot({
      seq: 1,
      partitions: [partition('a', 0), partition('a', 1), partition('b', 0), partition('c', 0)],
    });
    const before = store.getState().topics;
    expect(before.map((v) => v.topic)).toEqual(['a', 'b', 'c']);
    store.getState().applyDiff({ seq: 2, upsert: [partition('b', 0, { logEndOffset: '9' })], removed: [] });
    const after = store.getState().topics;
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]!.partitions[0]!.logEndOffset).toBe('9');
  });

  it('adds a new topic in order, drops a topic whose partitions are all removed, and agrees with groupByTopic', () => {
    const store = createTopicsStore();
    store.getState().applySnapshot({ seq: 1, partitions: [partition('b', 0), partition('d', 0), partition('d', 1)] });
    store.getState().applyDiff({
      seq: 2,
      upsert: [partition('a', 1), partition('a', 0), partition('c', 0)],
      removed: ['b/0', 'd/1', 'nope/0'],
    });
    const { topics, byId } = store.getState();
    expect(topics.map((v) => [v.topic, v.partitions.map((p) => p.partition)])).toEqual([
      ['a', [0, 1]],
      ['c', [0]],
      ['d', [0]],
    ]);
    expect(topics).toEqual(groupByTopic(byId));
  });
});

describe('partitionCount', () => {
  it('counts the partitions through snapshots, upserts of new and known ones, and removals', () => {
    const store = createTopicsStore();
    store.getState().applySnapshot({ seq: 1, partitions: [partition('a', 0), partition('a', 1)] });
    expect(store.getState().partitionCount).toBe(2);
    store.getState().applyDiff({ seq: 2, upsert: [partition('a', 1), partition('b', 0)], removed: ['a/0', 'x/9'] });
    expect(store.getState().partitionCount).toBe(2);
    expect(store.getState().partitionCount).toBe(Object.keys(store.getState().byId).length);
  });
});
