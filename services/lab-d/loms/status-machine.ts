// The order status machine (pure). The transitions themselves live in the Lab D schema (NEXT_STATUSES), so that the
// console's checks and the service agree on what a valid path is.
import { NEXT_STATUSES, type OrderStatus } from '../schema.js';

export type StatusOrNone = OrderStatus | 'none';

export function canTransition(from: StatusOrNone, to: OrderStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return NEXT_STATUSES[status].length === 0;
}

export interface PathCheck {
  valid: boolean;
  /** index of the first status that may not follow its predecessor */
  badIndex?: number;
  reason?: string;
}

/**
 * Whether a sequence of statuses (in offset order, for one order) is a valid path from "no event yet".
 * `allowDuplicates` skips a status already seen earlier in the path (a redelivery under at-least-once: a retried batch
 * may repeat `new, awaiting payment` after both were written once).
 */
export function checkPath(statuses: readonly OrderStatus[], { allowDuplicates = false } = {}): PathCheck {
  let current: StatusOrNone = 'none';
  const seen = new Set<OrderStatus>();
  for (let i = 0; i < statuses.length; i++) {
    const next = statuses[i] as OrderStatus;
    if (allowDuplicates && seen.has(next)) continue;
    seen.add(next);
    if (!canTransition(current, next)) {
      return { valid: false, badIndex: i, reason: `"${next}" may not follow "${current}"` };
    }
    current = next;
  }
  return { valid: true };
}
