import { describe, expect, it } from 'vitest';
import type { Rebalance } from '../../../main/console/contract/console-api';
import { notifierGroup } from '../../test/fixtures';
import { assignmentMatrix, createGroupsStore } from './store';

const rebalance = (at: number): Rebalance => ({
  groupId: 'notifier',
  generationId: at,
  at,
  membersBefore: [],
  membersAfter: [],
  moves: [{ topic: 'loms.order-events', partition: 0, from: 'notifier-notifier-1', to: 'notifier-notifier-3' }],
});

describe('groups store', () => {
  it('upserts groups by id from diffs, removes the gone ones, and keeps rebalances newest first without duplicates', () => {
    const store = createGroupsStore(3);
    store.getState().applySnapshot({ seq: 3, groups: [notifierGroup({ '1': [0], '2': [1], '3': [] })] });
    store.getState().applyDiff({
      seq: 4,
      upsert: [{ ...notifierGroup({ '2': [1], '3': [0] }), groupId: 'notifier' }],
      removed: [],
      rebalances: [rebalance(10)],
    });
    store.getState().applyDiff({
      seq: 5,
      upsert: [],
      removed: [],
      rebalances: [rebalance(10), rebalance(20), rebalance(30), rebalance(40)],
    });
    expect(store.getState().byId.notifier?.members).toHaveLength(2);
    expect(store.getState().rebalances.map((r) => r.at)).toEqual([40, 30, 20]);
    store.getState().applyDiff({ seq: 6, upsert: [], removed: ['notifier'], rebalances: [] });
    expect(store.getState().byId).toEqual({});
  });

  it("fills in a rebalance's generation when the console pushes the same rebalance again, without adding a row", () => {
    const store = createGroupsStore();
    store.getState().applyDiff({
      seq: 1,
      upsert: [],
      removed: [],
      rebalances: [rebalance(10), { ...rebalance(20), generationId: null }],
    });
    store
      .getState()
      .applyDiff({ seq: 2, upsert: [], removed: [], rebalances: [{ ...rebalance(20), generationId: 7 }] });
    expect(store.getState().rebalances.map((r) => [r.at, r.generationId])).toEqual([
      [20, 7],
      [10, 10],
    ]);
    // a known generation is never taken back by an older push of the row
    store
      .getState()
      .applyDiff({ seq: 3, upsert: [], removed: [], rebalances: [{ ...rebalance(20), generationId: null }] });
    expect(store.getState().rebalances.map((r) => [r.at, r.generationId])).toEqual([
      [20, 7],
      [10, 10],
    ]);
  });

  it('ignores a snapshot older than the diffs already applied', () => {
    const store = createGroupsStore();
    store.getState().applyDiff({ seq: 8, upsert: [notifierGroup({ '1': [0, 1] })], removed: [], rebalances: [] });
    store.getState().applySnapshot({ seq: 5, groups: [] });
    expect(Object.keys(store.getState().byId)).toEqual(['notifier']);
  });

  it('builds the members × partitions matrix: who owns what, who is idle', () => {
    const { columns, rows } = assignmentMatrix(notifierGroup({ '1': [0], '2': [1], '3': [] }));
    expect(columns.map((c) => c.partition)).toEqual([0, 1]);
    expect(rows.map((r) => [r.clientId, [...r.partitions], r.idle])).toEqual([
      ['notifier-1', ['loms.order-events/0'], false],
      ['notifier-2', ['loms.order-events/1'], false],
      ['notifier-3', [], true],
    ]);
  });
});
