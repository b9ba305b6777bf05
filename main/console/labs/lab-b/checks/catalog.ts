// Lab B's checks as data (the manifest's `checks`): one per invariant of LABS.md (Lab B), by number, with a stable id.
import type { LabManifest } from '../../../contract/manifest.js';

type ManifestCheck = LabManifest['checks'][number];

/** invariant number (LABS.md, Lab B) → the check */
export const LAB_B_CHECKS: Readonly<Record<number, ManifestCheck>> = {
  1: {
    id: 'routing',
    title: '1 · Fan-out and work queue',
    invariant:
      'A failed login reaches both audit.auth and security.failed-logins (fan-out; a succeeded one only audit.auth), and each vacation status change is handled by exactly one of the notification instances sharing notification.vacation (work queue).',
    active: true,
  },
  2: {
    id: 'audit-matches-logins',
    title: '2 · One audit row per login',
    invariant:
      'audit_events holds exactly one row per login event, with its outcome: none missing, and a redelivered copy (the same event id) adds no second row.',
    active: true,
  },
  3: {
    id: 'durability',
    title: '3 · Durable queues survive a broker restart',
    invariant:
      'The lab’s work queues are durable and its messages persistent, so what sits in them survives a broker restart. user_registered, declared as the seed declares it, is not durable: listed with what it lost, as a finding that does not fail the check.',
    active: true,
  },
  4: {
    id: 'redelivery',
    title: '4 · Redelivery after a consumer dies',
    invariant:
      'Kill a notification instance holding unacked messages → they are redelivered (redelivered set) to the other instance and each is notified once.',
    active: true,
  },
  5: {
    id: 'unroutable',
    title: '5 · Unroutable messages are returned',
    invariant:
      'A login event published while no queue is bound for its routing key is returned to auth (mandatory) and reported, never silently dropped.',
    active: true,
  },
  6: {
    id: 'poison',
    title: '6 · Poison messages are dead-lettered',
    invariant:
      'A message its consumers cannot decode ends in lab-b.dead with its reason, and they go on with the next message.',
    active: true,
  },
};

export const LAB_B_CHECK_LIST: ManifestCheck[] = Object.keys(LAB_B_CHECKS)
  .map(Number)
  .sort((a, b) => a - b)
  .map((n) => LAB_B_CHECKS[n]!);

/** The check ids of LABS.md's invariant numbers. */
export function checkIdsOf(invariants: readonly number[]): string[] {
  return invariants.map((n) => {
    const c = LAB_B_CHECKS[n];
    if (c === undefined) throw new Error(`Lab B has no invariant ${n}`);
    return c.id;
  });
}
