import { describe, expect, it } from 'vitest';
import { placementOf, rebalanceGeneration } from './kafka-observer.js';

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
