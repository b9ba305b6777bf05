// Lab E's checks as data (the manifest's `checks`): one per invariant of LABS.md (Lab E, 1–8), by number, with a stable
// id. Active checks drive the lab through its gateway (a crew of their own signs up once per console, tasks are created,
// reshuffled and completed) or put records of their own on its topics, marked with the fault header.
import { TOPICS } from '../../../../../services/lab-e/schema.js';
import type { LabManifest } from '../../../contract/manifest.js';

type ManifestCheck = LabManifest['checks'][number];

/** invariant number (LABS.md, Lab E) → the check */
export const LAB_E_CHECKS: Readonly<Record<number, ManifestCheck>> = {
  1: {
    id: 'schema-valid',
    title: '1 · Events match their schemas',
    invariant:
      'Every event on every lab topic validates against its schema and version (the registry in services/lab-e/schemas). Creates, reshuffles and completes a task first, so that every producer has written.',
    active: true,
  },
  2: {
    id: 'price-fixed',
    title: '2 · Price fixed once',
    invariant:
      'A task’s price is fixed once and in range (fee 10–20, reward 20–40), whatever the number of reshuffles: every fee of a task is the same amount. Creates tasks and reshuffles them three times.',
    active: true,
  },
  3: {
    id: 'fee-per-assignment',
    title: '3 · One fee per assignment',
    invariant:
      'Fees charged to a task = its assignments (TaskAssigned events) × its fee. Creates tasks and reshuffles them twice.',
    active: true,
  },
  4: {
    id: 'ledger-balance',
    title: '4 · Ledger equals balance; the day close',
    invariant:
      'Every account’s balance equals the sum of its ledger rows; closing the day pays out every positive balance (balance 0, a payout row) and carries every negative one over. Closes the day.',
    active: true,
  },
  5: {
    id: 'duplicates-and-order',
    title: '5 · Duplicates ignored, out of order settles',
    invariant:
      'A replayed event changes no balance (no new transaction); a TaskAssigned that reaches accounting before its TaskCreated is priced and charged once and the TaskCreated is accepted after it.',
    active: true,
  },
  6: {
    id: 'task-created-versions',
    title: '6 · TaskCreated v1 and v2',
    invariant:
      'TaskCreated v1 (the jira id in the title) and v2 (jira_id apart) are both accepted by their consumers: neither is dead-lettered. Puts one of each on tasks-stream.',
    active: true,
  },
  7: {
    id: 'gateway-access',
    title: '7 · Gateway 401 / 403',
    invariant:
      'The gateway answers 401 without a valid token and 403 for a role a route does not allow (LABS.md’s table), lets the allowed roles through, and a worker’s task list holds only its own tasks.',
    active: true,
  },
  8: {
    id: 'assignee-workers',
    title: '8 · Only workers are assigned',
    invariant:
      'No task is ever assigned to a manager or admin: every TaskAssigned names an account whose role (from the accounts topics) was worker. Creates tasks first.',
    active: true,
  },
};

export const LAB_E_CHECK_LIST: ManifestCheck[] = Object.keys(LAB_E_CHECKS)
  .map(Number)
  .sort((a, b) => a - b)
  .map((n) => LAB_E_CHECKS[n]!);

/** The check ids of LABS.md's invariant numbers. */
export function checkIdsOf(invariants: readonly number[]): string[] {
  return invariants.map((n) => {
    const c = LAB_E_CHECKS[n];
    if (c === undefined) throw new Error(`Lab E has no invariant ${n}`);
    return c.id;
  });
}

/** the manifest's words for the faults of checks/faults.ts */
export const LAB_E_FAULT_INFO = [
  {
    id: 'replay-topic',
    label: "Replay a topic's events as duplicates",
    description:
      'Re-sends the newest events of a topic (50 by default) with their event_ids: every consumer must log them as duplicates and change no balance.',
    args: {
      topic: `a lab topic (${TOPICS.tasksLifecycle} by default)`,
      count: 'how many of its newest events (1–1000)',
    },
  },
  {
    id: 'assigned-before-created',
    label: 'Deliver TaskAssigned before TaskCreated to accounting',
    description:
      'Sends a new task’s TaskAssigned, waits until accounting handled it, then its TaskCreated: accounting must price it once, charge one fee and accept the late TaskCreated.',
    args: { assignee: 'the assignee’s account public id (the newest worker by default)' },
  },
] as const;
