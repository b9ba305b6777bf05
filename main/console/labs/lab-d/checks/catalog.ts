// Lab D's checks as data (the manifest's `checks`): one per invariant of LABS.md, by number, with a stable id.
import type { LabManifest } from '../../../contract/manifest.js';

type ManifestCheck = LabManifest['checks'][number];

/** invariant number (LABS.md, Lab D) → the check */
export const LAB_D_CHECKS: Readonly<Record<number, ManifestCheck>> = {
  1: {
    id: 'topic-shape',
    title: '1 · Topic shape',
    invariant: 'The order events topic has 2 partitions and replication factor 1.',
    active: false,
  },
  2: {
    id: 'sequences',
    title: '2 · Status sequences',
    invariant:
      'Each order’s records are those of its operations: create → new, awaiting payment; failed create → new, failed; pay → paid; cancel → cancelled.',
    active: false,
  },
  3: {
    id: 'per-order-ordering',
    title: '3 · Per-order ordering',
    invariant:
      'All records of one key are on one partition, and its statuses in offset order form a valid path of the status graph.',
    active: false,
  },
  4: {
    id: 'even-spread',
    title: '4 · Even spread',
    invariant:
      'Over at least 200 orders each partition holds 35–65 % of them (keyed by order id). Creates the missing orders through loms when there are fewer.',
    active: true,
  },
  5: {
    id: 'two-of-three-active',
    title: '5 · 2 of 3 notifiers active',
    invariant:
      'The group has 3 members, exactly 2 own a partition and the idle one logs nothing; kill an active one → the idle one takes its partition and the union of the logs misses no event.',
    active: true,
  },
  6: {
    id: 'resume',
    title: '6 · Resume',
    invariant:
      'Stop all notifiers, create orders, start them → every event is processed (none committed before it was processed) and the lag is back to 0.',
    active: true,
    additional: true,
  },
  7: {
    id: 'outage-at-least-once',
    title: '7 · At least once through a broker outage',
    invariant:
      'Stop Kafka, create and pay orders (HTTP still 200), start Kafka → every (order, status) reaches the topic and the order per key holds; duplicates are counted, not hidden.',
    active: true,
    additional: true,
  },
  8: {
    id: 'no-event-without-commit',
    title: '8 · No event without a commit',
    invariant:
      'With loms’ link to Postgres down (before a request, and at its commit) the request answers 5xx and no record appears for a change that did not commit.',
    active: true,
  },
  9: {
    id: 'graceful-shutdown',
    title: '9 · Graceful shutdown',
    invariant:
      'SIGTERM on an active notifier → it leaves the group cleanly and another member owns its partition well under the session timeout.',
    active: true,
  },
  10: {
    id: 'processing-errors',
    title: '10 · Processing errors',
    invariant:
      'A record a notifier cannot process (not JSON, unknown status) is logged and skipped: the group’s committed offset moves past it and later records are processed.',
    active: true,
  },
  11: {
    id: 'producer-shutdown',
    title: '11 · Producer shutdown',
    invariant:
      'SIGTERM on loms with rows still pending → it stops, the rows are sent or left pending, and every committed change reaches the topic after a restart.',
    active: true,
  },
};

export const LAB_D_CHECK_LIST: ManifestCheck[] = Object.keys(LAB_D_CHECKS)
  .map(Number)
  .sort((a, b) => a - b)
  .map((n) => LAB_D_CHECKS[n]!);

/** The check ids of LABS.md's invariant numbers. */
export function checkIdsOf(invariants: readonly number[]): string[] {
  return invariants.map((n) => {
    const c = LAB_D_CHECKS[n];
    if (c === undefined) throw new Error(`Lab D has no invariant ${n}`);
    return c.id;
  });
}
