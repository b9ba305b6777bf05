// Lab A's broken modes (LABS.md, Lab A, "Broken modes"): named variants of the presentations API and the projector that
// reproduce a classic student bug. Chosen when an instance starts, by env LAB_BROKEN_MODE; pure data here, so that the
// console's lab module can list them (manifest `brokenModes`) and the services can refuse a mode that does not exist or
// does not apply. Each mode is a flag the real code path branches on where the bug lives (grep the id).
import { AppError } from '../shared/app-error.js';

export type LabAService = 'presentations-api' | 'projector';

export interface BrokenMode {
  id: string;
  label: string;
  /** the bug, in one sentence */
  bug: string;
  /** the services it changes */
  services: readonly LabAService[];
  /** the Lab A invariants (LABS.md numbering, 1–5) it must make FAIL */
  invariants: readonly number[];
}

export const LAB_A_BROKEN_MODES = [
  {
    id: 'projector-not-idempotent',
    label: 'Projector not idempotent',
    bug: 'The projector inserts a new document for every event it receives, by arrival and without looking at versions, so a duplicate or a replay adds documents and an older event wins over a newer one.',
    services: ['projector'],
    invariants: [3],
  },
  {
    id: 'write-through-before-ack',
    label: 'Write-through before ack',
    bug: 'The API writes the presentation to Redis before Kafka acknowledged the event, so a command answered 503 is in Redis and never in MongoDB.',
    services: ['presentations-api'],
    invariants: [4],
  },
  {
    id: 'null-key',
    label: 'Events without a key',
    bug: "The API produces events without a key (as the course's example does), so one presentation's events are spread over partitions and lose their order.",
    services: ['presentations-api'],
    invariants: [2],
  },
  {
    id: 'slow-projector',
    label: 'Slow projector',
    bug: 'The projector pauses for a long time (6 s) before each batch, so a change becomes readable in MongoDB long after its 202.',
    services: ['projector'],
    invariants: [1],
  },
] as const satisfies readonly BrokenMode[];

export type LabABrokenModeId = (typeof LAB_A_BROKEN_MODES)[number]['id'];

/** The env variable a service reads its broken mode from (unset or empty: the correct service). */
export const BROKEN_MODE_ENV = 'LAB_BROKEN_MODE';

/** The modes that apply to `service`. */
export function brokenModesOf(service: LabAService): BrokenMode[] {
  return LAB_A_BROKEN_MODES.filter((m) => (m.services as readonly LabAService[]).includes(service));
}

/**
 * The mode `value` names for `service`, undefined for none (unset or empty). An unknown mode, or one that does not apply
 * to the service, is a CONFIG_ERROR listing the ones that do (the service entry exits 2 with it).
 */
export function parseBrokenMode(service: LabAService, value: string | undefined): LabABrokenModeId | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const id = value.trim();
  const mode = brokenModesOf(service).find((m) => m.id === id);
  if (mode) return mode.id as LabABrokenModeId;
  const known = brokenModesOf(service).map((m) => m.id);
  const elsewhere = LAB_A_BROKEN_MODES.find((m) => m.id === id);
  const why = elsewhere ? `applies to ${elsewhere.services.join(', ')}, not to ${service}` : 'unknown';
  throw new AppError('CONFIG_ERROR', `${BROKEN_MODE_ENV}=${id}: ${why}; the modes of ${service}: ${known.join(', ')}`, {
    variables: [BROKEN_MODE_ENV],
    known,
  });
}
