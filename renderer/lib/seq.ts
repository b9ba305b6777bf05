// Sequence numbers of batched pushes (contract: every diff/batch push carries `seq`, growing by one per push).
// The stores apply a push only when it is newer than what they hold and ask for a resync when they see a gap.

export type SeqVerdict =
  /** the next push: apply */
  | 'apply'
  /** already included (older or equal to the last applied): ignore */
  | 'stale'
  /** pushes were missed (or the console restarted its observer): apply, then re-fetch the snapshot */
  | 'gap';

/**
 * `last` is the seq the store holds (null before any snapshot or push).
 * A push with seq 1 after a larger seq means the console restarted the producer of that stream: treated as a gap.
 */
export function judgeSeq(last: number | null, seq: number): SeqVerdict {
  if (last === null) return 'gap';
  if (seq === last + 1) return 'apply';
  if (seq <= last) return seq === 1 && last > 1 ? 'gap' : 'stale';
  return 'gap';
}
