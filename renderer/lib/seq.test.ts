import { describe, expect, it } from 'vitest';
import { judgeSeq } from './seq';

describe('judgeSeq', () => {
  it('applies the next push, ignores old ones, and reports gaps', () => {
    expect(judgeSeq(4, 5)).toBe('apply');
    expect(judgeSeq(4, 4)).toBe('stale');
    expect(judgeSeq(4, 2)).toBe('stale');
    expect(judgeSeq(4, 7)).toBe('gap');
    expect(judgeSeq(null, 9)).toBe('gap');
  });
  it('treats seq 1 after a larger seq as a restarted stream (a gap, so the snapshot is fetched again)', () => {
    expect(judgeSeq(40, 1)).toBe('gap');
  });
});
