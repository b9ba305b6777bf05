import { describe, expect, it } from 'vitest';
import {
  mapLimited,
  offsetsAdminCount,
  offsetsAdminOf,
  placementOf,
  rebalanceGeneration,
  unconsumedFrom,
} from './kafka-observer.js';

describe('rebalanceGeneration', () => {
  it('shows the reported generation when it is new for this rebalance', () => {
    expect(rebalanceGeneration(5, 5)).toEqual({ generationId: 5, nextFloor: 6 });
    expect(rebalanceGeneration(8, 5)).toEqual({ generationId: 8, nextFloor: 9 });
  });

  it("says unknown, not the previous rebalance's generation, while the notifiers' joined lines are still on their way", () => {
    // settled in 4 (floor 5); the group rebalanced into 5 but the newest reported generation is still 4
    const first = rebalanceGeneration(4, 5);
    expect(first).toEqual({ generationId: null, nextFloor: 6 });
    // the 5 arrives late; the next rebalance (6) is seen before its own lines: 5 must not be shown for it
    expect(rebalanceGeneration(5, first.nextFloor)).toEqual({ generationId: null, nextFloor: 7 });
    expect(rebalanceGeneration(6, first.nextFloor)).toEqual({ generationId: 6, nextFloor: 7 });
  });

  it('says unknown when no notifier reported a generation', () => {
    expect(rebalanceGeneration(null, 1)).toEqual({ generationId: null, nextFloor: 2 });
  });
});

describe('placementOf', () => {
  it('gives the leader, the replicas and the ISR, sorted', () => {
    expect(placementOf({ partitionErrorCode: 0, leader: 2, replicas: [3, 1, 2], isr: [2, 3] })).toEqual({
      leader: 2,
      replicas: [1, 2, 3],
      isr: [2, 3],
    });
  });

  it('says no leader (offline) for -1 or LEADER_NOT_AVAILABLE', () => {
    expect(placementOf({ partitionErrorCode: 0, leader: -1, replicas: [1], isr: [] }).leader).toBeNull();
    expect(placementOf({ partitionErrorCode: 5, leader: 1, replicas: [1, 2], isr: [1] }).leader).toBeNull();
  });
});

describe('mapLimited', () => {
  it('runs at most `limit` at once and keeps the order of the items', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('gives an empty list for no items', async () => {
    expect(await mapLimited([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});

describe('offsets admin clients', () => {
  it('takes one client per 125 topics, at most 8', () => {
    expect(offsetsAdminCount(0)).toBe(1);
    expect(offsetsAdminCount(125)).toBe(1);
    expect(offsetsAdminCount(126)).toBe(2);
    expect(offsetsAdminCount(1000)).toBe(8);
    expect(offsetsAdminCount(10_000)).toBe(8);
  });

  it('gives a topic always the same client, and spreads the topics evenly', () => {
    const topics = Array.from({ length: 1000 }, (_, i) => `scale-t${String(i).padStart(4, '0')}`);
    expect(topics.map((t) => offsetsAdminOf(t, 8))).toEqual(topics.map((t) => offsetsAdminOf(t, 8)));
    const per = new Array<number>(8).fill(0);
    for (const t of topics) per[offsetsAdminOf(t, 8)]! += 1;
    expect(Math.min(...per)).toBeGreaterThan(90);
    expect(Math.max(...per)).toBeLessThan(160);
    expect(offsetsAdminOf('orders', 1)).toBe(0);
  });
});

describe('unconsumedFrom', () => {
  it("is the committed offset, or the log's first when nothing was committed or the records there are gone", () => {
    expect(unconsumedFrom('7', { logStartOffset: '3' })).toBe(7n);
    expect(unconsumedFrom('-1', { logStartOffset: '3' })).toBe(3n);
    expect(unconsumedFrom('1', { logStartOffset: '3' })).toBe(3n);
  });
});
