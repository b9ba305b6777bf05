// Lab D's broken modes: named variants of loms and the notifier that reproduce a classic student bug (LABS.md, Lab D,
// "Broken modes"). Chosen when an instance starts, by env LAB_BROKEN_MODE; pure data here, so that the console's lab
// module can list them (manifest `brokenModes`) and the services can refuse a mode that does not exist or does not apply.
// Each mode is a flag the real code path branches on where the bug lives, not a copy of the service.
import { AppError } from '../shared/app-error.js';

export type LabDService = 'loms' | 'notifier';

export interface BrokenMode {
  id: string;
  label: string;
  /** the bug, in one sentence */
  bug: string;
  /** the services it changes */
  services: readonly LabDService[];
  /** the Lab D invariants (LABS.md numbering, 1–11) it must make FAIL; the console maps them to its check ids */
  invariants: readonly number[];
}

export const LAB_D_BROKEN_MODES = [
  {
    id: 'relay-gives-up',
    label: 'Relay gives up',
    bug: 'A send that fails marks its outbox rows `error` (done, last_error "gave up: …") and the relay moves on, so an outage loses events.',
    services: ['loms'],
    invariants: [7, 3],
  },
  {
    id: 'random-partitioner',
    label: 'Random partitioner',
    bug: 'Records go to a random partition, ignoring the key, so the events of one order are spread over partitions and lose their order.',
    services: ['loms'],
    invariants: [3],
  },
  {
    id: 'send-before-commit',
    label: 'Send before commit',
    bug: 'loms produces each event straight from the handler, before and regardless of the commit (no outbox), so a change that never committed still has its record.',
    services: ['loms'],
    invariants: [8],
  },
  {
    id: 'commit-before-process',
    label: 'Commit before process',
    bug: 'The notifier commits the offsets of a batch as soon as it receives it and processes the records afterwards, slowly (300 ms each), so a kill in between loses them.',
    services: ['notifier'],
    invariants: [5, 6],
  },
  {
    id: 'no-graceful-shutdown',
    label: 'No graceful shutdown',
    bug: 'On SIGTERM the notifier exits without committing or leaving the group (the takeover waits a session timeout); loms marks the batch in flight sent and exits without waiting for the broker.',
    services: ['notifier', 'loms'],
    invariants: [9, 11],
  },
  {
    id: 'crash-on-poison',
    label: 'Crash on poison',
    bug: 'The notifier throws on a record it cannot parse and restarts its consumer on it, forever, never reaching the records behind it.',
    services: ['notifier'],
    invariants: [10],
  },
] as const satisfies readonly BrokenMode[];

export type LabDBrokenModeId = (typeof LAB_D_BROKEN_MODES)[number]['id'];

/** The env variable a service reads its broken mode from (unset or empty: the correct service). */
export const BROKEN_MODE_ENV = 'LAB_BROKEN_MODE';

/** The modes that apply to `service`. */
export function brokenModesOf(service: LabDService): BrokenMode[] {
  return LAB_D_BROKEN_MODES.filter((m) => (m.services as readonly LabDService[]).includes(service));
}

/**
 * The mode `value` names for `service`, undefined for none (unset or empty). An unknown mode, or one that does not apply
 * to the service, is a CONFIG_ERROR listing the ones that do (the service entry exits 2 with it).
 */
export function parseBrokenMode(service: LabDService, value: string | undefined): LabDBrokenModeId | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const id = value.trim();
  const mode = brokenModesOf(service).find((m) => m.id === id);
  if (mode) return mode.id as LabDBrokenModeId;
  const known = brokenModesOf(service)
    .map((m) => m.id)
    .join(', ');
  const elsewhere = LAB_D_BROKEN_MODES.find((m) => m.id === id);
  const why = elsewhere ? `applies to ${elsewhere.services.join(', ')}, not to ${service}` : 'unknown';
  throw new AppError('CONFIG_ERROR', `${BROKEN_MODE_ENV}=${id}: ${why}; the modes of ${service}: ${known}`, {
    variables: [BROKEN_MODE_ENV],
    known: brokenModesOf(service).map((m) => m.id),
  });
}
