import { describe, expect, it } from 'vitest';
import type { GroupPartitionLag, Rebalance } from '../contract/console-api.js';
import { NumberRing, createLagHistory, lagHistoryOf } from './lag-history.js';

const lagOf = (partition: number, lag: number, lagSeconds: number | null = null): GroupPartitionLag => ({
  topic: 't',
  partition,
  committedOffset: '0',
  logEndOffset: String(lag),
  lag,
  lagSeconds,
  ownerMemberId: null,
});

describe('NumberRing', () => {
  it('grows by doubling up to its maximum, then overwrites the oldest', () => {
    const r = new NumberRing(5, 2);
    for (let i = 1; i <= 4; i++) r.push(i);
    expect(r.capacity).toBe(4);
    expect(r.toArray()).toEqual([1, 2, 3, 4]);
    r.push(5);
    r.push(6);
    r.push(7);
    expect(r.capacity).toBe(5);
    expect(r.toArray()).toEqual([3, 4, 5, 6, 7]);
    r.drop(2);
    expect(r.toArray()).toEqual([5, 6, 7]);
    expect(r.toArray(1)).toEqual([6, 7]);
  });
});

describe('lag history', () => {
  it('keeps one sample per poll per partition, aligned, with null where a partition had none', () => {
    const h = createLagHistory({ windowMs: 10_000, capacity: 100 });
    h.record('g', [lagOf(0, 5, 2.5)], 1000);
    h.record('g', [lagOf(0, 7, 3), lagOf(1, 0)], 2000);
    h.record('g', [lagOf(1, 4)], 3000);
    const s = h.slice('g');
    expect(s.times).toEqual([1000, 2000, 3000]);
    expect(s.partitions).toEqual([
      { topic: 't', partition: 0, lag: [5, 7, null], lagSeconds: [2.5, 3, null] },
      { topic: 't', partition: 1, lag: [null, 0, 4], lagSeconds: [null, 0, null] },
    ]);
    expect(h.slice('g', 2000).times).toEqual([2000, 3000]);
    expect(h.slice('other')).toEqual({ times: [], partitions: [] });
  });

  it('drops samples older than the window and is bounded by its capacity', () => {
    const h = createLagHistory({ windowMs: 5_000, capacity: 3 });
    for (let t = 0; t <= 4000; t += 1000) h.record('g', [lagOf(0, t / 1000)], t);
    expect(h.slice('g').times).toEqual([2000, 3000, 4000]);
    expect(h.slice('g').partitions[0]!.lag).toEqual([2, 3, 4]);
    const w = createLagHistory({ windowMs: 5_000, capacity: 100 });
    for (let t = 0; t <= 10_000; t += 1000) w.record('g', [lagOf(0, 1)], t);
    expect(w.slice('g').times).toEqual([5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  it('forgets a group and a partition with no sample in the window', () => {
    const h = createLagHistory({ windowMs: 5_000, capacity: 100 });
    h.record('old', [lagOf(0, 1)], 0);
    h.record('g', [lagOf(0, 1), lagOf(1, 1)], 0);
    for (let t = 1000; t <= 7000; t += 1000) h.record('g', [lagOf(1, 2)], t);
    expect(h.groups()).toEqual(['g']);
    expect(h.slice('g').partitions.map((p) => p.partition)).toEqual([1]);
  });

  it('answers with the rebalances of the group in the span, oldest first', () => {
    const h = createLagHistory({ windowMs: 60_000, capacity: 100 });
    h.record('g', [lagOf(0, 1)], 100_000);
    const r = (groupId: string, at: number): Rebalance => ({
      groupId,
      generationId: 3,
      at,
      membersBefore: ['a'],
      membersAfter: ['a', 'b'],
      moves: [{ topic: 't', partition: 0, from: 'a', to: 'b' }],
    });
    const out = lagHistoryOf(
      h,
      [r('g', 99_000), r('h', 99_500), r('g', 98_000), r('g', 10_000)],
      'g',
      undefined,
      100_500,
    );
    expect(out.rebalances).toEqual([
      { at: 98_000, generationId: 3, moves: 1 },
      { at: 99_000, generationId: 3, moves: 1 },
    ]);
    expect(out).toMatchObject({ groupId: 'g', windowMs: 60_000, times: [100_000] });
  });
});
