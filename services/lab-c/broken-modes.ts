// Lab C's broken modes: named variants of orders and payments that reproduce the holes found in the seed's code
// (LABS.md, Lab C, "Broken modes"). Chosen when an instance starts, by env LAB_BROKEN_MODE; pure data here, so that the
// console's lab module can list them and the services can refuse a mode that does not exist or does not apply. Each mode
// is a flag the real code path branches on where the bug lives (services/lab-c/payments.ts).
import { AppError } from '../shared/app-error.js';

export type LabCBrokenService = 'orders' | 'payments';

export interface BrokenMode {
  id: string;
  label: string;
  /** the bug, in one sentence */
  bug: string;
  services: readonly LabCBrokenService[];
  /** the Lab C invariants it must make FAIL (LABS.md numbering: 1–5, `2d` = invariant 2 case d) */
  invariants: readonly string[];
}

export const LAB_C_BROKEN_MODES = [
  {
    id: 'inbox-mark-outside-tx',
    label: 'Inbox mark outside the transaction',
    bug: 'payments marks the inbox row processed in a second statement after the commit (and saves the payment "idempotently", ON CONFLICT DO NOTHING); a crash in between redelivers the event and debits the account again.',
    services: ['payments'],
    invariants: ['2d', '3'],
  },
  {
    id: 'no-claim-lock',
    label: 'No claim lock',
    bug: 'payments checks the inbox with a plain SELECT (no insert-first, no row lock) and payments has no unique order_id, so replicas racing on one order.created both debit and both pay.',
    services: ['payments'],
    invariants: ['2c'],
  },
  {
    id: 'commit-on-error',
    label: 'Commit on error',
    bug: 'payments catches a failed inbox insert (the database away), logs it and commits the offset anyway: the event is never processed and its order never ends.',
    services: ['payments'],
    invariants: ['1', '4'],
  },
  {
    id: 'lost-update-balance',
    label: 'Lost update on the balance',
    bug: 'payments reads the balance, computes the new one in code and writes it back whole, without a row lock, so a top-up or debit running at the same time is overwritten.',
    services: ['payments'],
    invariants: ['3'],
  },
] as const satisfies readonly BrokenMode[];

export type LabCBrokenModeId = (typeof LAB_C_BROKEN_MODES)[number]['id'];

/** The env variable a service reads its broken mode from (unset or empty: the correct service). */
export const BROKEN_MODE_ENV = 'LAB_BROKEN_MODE';

export function brokenModesOf(service: LabCBrokenService): BrokenMode[] {
  return LAB_C_BROKEN_MODES.filter((m) => (m.services as readonly LabCBrokenService[]).includes(service));
}

/**
 * The mode `value` names for `service`, undefined for none (unset or empty). An unknown mode, or one that does not apply
 * to the service, is a CONFIG_ERROR listing the ones that do (the service entry exits 2 with it).
 */
export function parseBrokenMode(service: LabCBrokenService, value: string | undefined): LabCBrokenModeId | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const id = value.trim();
  const mode = brokenModesOf(service).find((m) => m.id === id);
  if (mode) return mode.id as LabCBrokenModeId;
  const known = brokenModesOf(service).map((m) => m.id);
  const elsewhere = LAB_C_BROKEN_MODES.find((m) => m.id === id);
  const why = elsewhere ? `applies to ${elsewhere.services.join(', ')}, not to ${service}` : 'unknown';
  throw new AppError(
    'CONFIG_ERROR',
    `${BROKEN_MODE_ENV}=${id}: ${why}; the modes of ${service}: ${known.length > 0 ? known.join(', ') : 'none'}`,
    { variables: [BROKEN_MODE_ENV], known },
  );
}
