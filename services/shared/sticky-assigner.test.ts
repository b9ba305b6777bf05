import { describe, expect, it } from 'vitest';
import { assignSticky } from './sticky-assigner.js';

const T = 'loms.order-events';

describe('sticky assigner', () => {
  it('gives 2 partitions to 2 of 3 fresh members', () => {
    const a = assignSticky(
      [
        { memberId: 'a', owned: {} },
        { memberId: 'b', owned: {} },
        { memberId: 'c', owned: {} },
      ],
      { [T]: [0, 1] },
    );
    expect(a).toEqual({ a: { [T]: [0] }, b: { [T]: [1] }, c: {} });
  });

  it("moves only the dead member's partition, to the idle member", () => {
    const a = assignSticky(
      [
        { memberId: 'a', owned: { [T]: [0] } },
        { memberId: 'c', owned: {} },
      ],
      { [T]: [0, 1] },
    );
    expect(a).toEqual({ a: { [T]: [0] }, c: { [T]: [1] } });
    const b = assignSticky(
      [
        { memberId: 'b', owned: { [T]: [1] } },
        { memberId: 'c', owned: {} },
      ],
      { [T]: [0, 1] },
    );
    expect(b).toEqual({ b: { [T]: [1] }, c: { [T]: [0] } });
  });

  it("splits a lone owner's partitions when a member joins, and never assigns a partition twice", () => {
    expect(
      assignSticky(
        [
          { memberId: 'a', owned: { [T]: [0, 1] } },
          { memberId: 'b', owned: {} },
        ],
        { [T]: [0, 1] },
      ),
    ).toEqual({
      a: { [T]: [0] },
      b: { [T]: [1] },
    });
    // two members claim the same partition (stale userData): one keeps it, the other gets the free one
    expect(
      assignSticky(
        [
          { memberId: 'a', owned: { [T]: [0] } },
          { memberId: 'b', owned: { [T]: [0] } },
        ],
        { [T]: [0, 1] },
      ),
    ).toEqual({
      a: { [T]: [0] },
      b: { [T]: [1] },
    });
    // a partition that no longer exists is dropped
    expect(assignSticky([{ memberId: 'a', owned: { [T]: [5] } }], { [T]: [0, 1] })).toEqual({ a: { [T]: [0, 1] } });
  });
});
