// Lab E's broken modes (LABS.md): each reproduces a classic student bug in one of our services, chosen by env
// LAB_BROKEN_MODE when the service starts, and names the invariants (LABS.md Lab E, 1–8) it must make fail. Pure data
// for the console's manifest; the bug itself is a branch in the service that owns it (grep the id).
import { AppError } from '../shared/app-error.js';
import type { LabEService } from './schema.js';

export interface BrokenMode {
  id: string;
  label: string;
  /** the bug, in one sentence */
  bug: string;
  /** the services whose code has the branch; other services run correctly in this mode */
  services: readonly LabEService[];
  /** LABS.md Lab E invariants it breaks */
  invariants: readonly number[];
}

export const BROKEN_MODES = [
  {
    id: 'reroll-price',
    label: 'Price drawn again on every assignment',
    bug: 'Accounting draws a new fee and reward each time a task is assigned instead of fixing them once, as a sampled student implementation does.',
    services: ['accounting'],
    invariants: [2],
  },
  {
    id: 'fee-once',
    label: 'Fee charged only on the first assignment',
    bug: 'Accounting charges the fee when a task is first assigned and never again on a reshuffle.',
    services: ['accounting'],
    invariants: [3],
  },
  {
    id: 'skip-validation',
    label: 'Producer sends without validating',
    bug: 'Tasks sends its events without checking them against the registry, and its TaskAssigned names the assignee `assignee_id` instead of `assignee_public_id`: a malformed event reaches the topic.',
    services: ['tasks'],
    invariants: [1],
  },
  {
    id: 'not-idempotent',
    label: 'Consumer not idempotent',
    bug: 'Accounting applies every event it receives without remembering event ids, so a replayed event charges or pays again.',
    services: ['accounting'],
    invariants: [5],
  },
  {
    id: 'any-assignee',
    label: 'Tasks assigned to anyone',
    bug: 'Tasks picks the assignee among all accounts, managers and admins included.',
    services: ['tasks'],
    invariants: [8],
  },
  {
    id: 'no-carry-over',
    label: 'Negative balances reset at day close',
    bug: 'Closing the day sets negative balances to 0 without a ledger row, so the debt disappears and the ledger no longer equals the balance.',
    services: ['accounting'],
    invariants: [4],
  },
  {
    id: 'v1-only',
    label: 'Accounting understands TaskCreated v1 only',
    bug: 'Accounting handles TaskCreated v1 only and dead-letters every v2 event as unsupported.',
    services: ['accounting'],
    invariants: [6],
  },
  {
    id: 'open-gateway',
    label: 'Gateway skips the role check',
    bug: 'The gateway checks that a token is valid but not the role, so any signed-in account may call any route.',
    services: ['gateway'],
    invariants: [7],
  },
] as const satisfies readonly BrokenMode[];

export type BrokenModeId = (typeof BROKEN_MODES)[number]['id'];
export const BROKEN_MODE_IDS: readonly BrokenModeId[] = BROKEN_MODES.map((m) => m.id);

export function isBrokenModeId(id: string): id is BrokenModeId {
  return (BROKEN_MODE_IDS as readonly string[]).includes(id);
}

/** The mode LAB_BROKEN_MODE names (undefined when unset); an unknown one is a CONFIG_ERROR listing the known ones. */
export function parseBrokenMode(value: string | undefined): BrokenModeId | undefined {
  if (value === undefined || value === '') return undefined;
  if (isBrokenModeId(value)) return value;
  throw new AppError(
    'CONFIG_ERROR',
    `LAB_BROKEN_MODE: unknown broken mode ${JSON.stringify(value)} (known: ${BROKEN_MODE_IDS.join(', ')})`,
    { variables: ['LAB_BROKEN_MODE'], known: BROKEN_MODE_IDS },
  );
}

/** Whether `service` runs the buggy branch of `mode`. */
export function breaks(mode: BrokenModeId | undefined, id: BrokenModeId, service: LabEService): boolean {
  return mode === id && (BROKEN_MODES.find((m) => m.id === id)?.services as readonly string[]).includes(service);
}
