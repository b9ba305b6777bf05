import { describe, expect, it } from 'vitest';
import { record } from '../../test/fixtures';
import { createTailStore } from './tail-store';

describe('tail store', () => {
  it('appends batches in time order across partitions and caps the buffer', () => {
    const store = createTailStore(5);
    store.getState().applyBatch({ seq: 1, records: [record(1), record(2), record(3)], dropped: 0 });
    // a record of the other partition that is older than the newest one held
    store
      .getState()
      .applyBatch({ seq: 2, records: [record(4, { timestamp: 1002 }), record(5), record(6)], dropped: 0 });
    const ids = store.getState().records.map((r) => r.idx);
    expect(ids).toEqual([2, 4, 3, 5, 6]);
  });

  it('ignores stale batches, counts dropped records and missed batches', () => {
    const store = createTailStore();
    store.getState().applyBatch({ seq: 1, records: [record(1)], dropped: 0 });
    store.getState().applyBatch({ seq: 1, records: [record(2)], dropped: 0 });
    store.getState().applyBatch({ seq: 3, records: [record(3)], dropped: 7 });
    expect(store.getState().records.map((r) => r.idx)).toEqual([1, 3]);
    expect(store.getState().dropped).toBe(8);
  });

  it('keeps the seq but not the records while paused', () => {
    const store = createTailStore();
    store.getState().setPaused(true);
    store.getState().applyBatch({ seq: 1, records: [record(1)], dropped: 0 });
    expect(store.getState().records).toEqual([]);
    expect(store.getState().seq).toBe(1);
  });
});
