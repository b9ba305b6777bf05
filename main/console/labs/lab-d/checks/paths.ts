// The order status graph as the checks judge it: which statuses an order may have (in any order: invariant 2) and
// whether the statuses of one key in offset order walk the graph (invariant 3). Duplicates are counted, not failures.
import { NEXT_STATUSES, type OrderStatus } from '../../../../../services/lab-d/schema.js';

const RANK: Record<string, number> = { new: 0, 'awaiting payment': 1, failed: 1, paid: 2, cancelled: 2 };

/** What is wrong with the set of statuses of one order (invariant 2), or undefined. */
export function sequenceProblem(statuses: ReadonlySet<string>): string | undefined {
  const has = (s: string) => statuses.has(s);
  const list = [...statuses].sort((a, b) => (RANK[a] ?? 9) - (RANK[b] ?? 9)).join(', ');
  if (!has('new')) return `no \`new\` (statuses: ${list})`;
  if (has('failed') && has('awaiting payment')) return `both \`failed\` and \`awaiting payment\` (statuses: ${list})`;
  if (has('paid') && has('cancelled')) return `both \`paid\` and \`cancelled\` (statuses: ${list})`;
  for (const end of ['paid', 'cancelled'])
    if (has(end) && !has('awaiting payment')) return `\`${end}\` without \`awaiting payment\` (statuses: ${list})`;
  if (has('failed') && (has('paid') || has('cancelled'))) return `\`failed\` and then settled (statuses: ${list})`;
  return undefined;
}

export interface PathStep {
  /** index in the list given */
  index: number;
  kind: 'duplicate' | 'out-of-order' | 'invalid';
  detail: string;
}

/** Walks the statuses of one key in offset order: each must follow the one before it (repeats are duplicates). */
export function walkPath(statuses: readonly (string | null)[]): PathStep[] {
  const steps: PathStep[] = [];
  let prev: OrderStatus | 'none' = 'none';
  const seen = new Set<string>();
  statuses.forEach((s, index) => {
    if (s === null) return;
    if (seen.has(s)) {
      steps.push({ index, kind: 'duplicate', detail: `\`${s}\` again` });
      return;
    }
    seen.add(s);
    const allowed = NEXT_STATUSES[prev] as readonly string[];
    if (allowed.includes(s)) {
      prev = s as OrderStatus;
      return;
    }
    const before = prev === 'none' ? 'the first record' : `\`${prev}\``;
    if ((RANK[s] ?? 0) < (RANK[prev] ?? -1)) {
      steps.push({ index, kind: 'out-of-order', detail: `\`${s}\` after ${before} (out of order)` });
      return;
    }
    const missing = prev === 'none' ? ['new'] : s === 'paid' || s === 'cancelled' ? ['awaiting payment'] : [];
    const why = missing.length > 0 ? `: \`${missing.join('`, `')}\` missing before it` : ': not a next status';
    steps.push({ index, kind: 'invalid', detail: `\`${s}\` ${prev === 'none' ? 'as' : 'after'} ${before}${why}` });
    prev = s as OrderStatus;
  });
  return steps;
}
