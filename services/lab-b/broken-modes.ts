// Lab B's broken modes as data (LABS.md, Lab B): each reproduces a classic student bug in our own services, chosen by
// env LAB_BROKEN_MODE when an instance starts, and names the invariants (LABS.md numbering) it must make FAIL. The bug
// itself is a branch where it lives: the consumer's ack mode, dedupe and poison policy and the publisher's confirms
// and mandatory flag (services/shared/amqp/), the queues' durability (topology.ts); nothing is a copy of a service.
import { AppError } from '../shared/app-error.js';
import type { LabBService } from './schema.js';

export interface BrokenMode {
  id: string;
  label: string;
  /** the bug in one sentence */
  bug: string;
  /** the services the mode changes (others run as usual under it) */
  services: readonly LabBService[];
  /** invariant numbers of LABS.md Lab B it must make FAIL */
  breaks: readonly number[];
}

const CONSUMERS: readonly LabBService[] = ['users', 'audit', 'vacation', 'notification', 'reports'];
const PUBLISHERS: readonly LabBService[] = ['auth', 'users', 'vacation'];

export const BROKEN_MODES = [
  {
    id: 'auto-ack',
    label: 'Auto-ack (as in the seed)',
    bug: 'Consumers subscribe with auto_ack=True, as the seed code does: the broker forgets a message the moment it sends it, so a consumer killed with messages in hand loses them.',
    services: CONSUMERS,
    breaks: [4],
  },
  {
    id: 'non-durable',
    label: 'Non-durable queues and messages',
    bug: 'Queues are declared non-durable and messages published transient: a broker restart loses the queues and everything in them.',
    services: [...new Set([...PUBLISHERS, ...CONSUMERS])],
    breaks: [3],
  },
  {
    id: 'no-mandatory',
    label: 'No confirms, no mandatory',
    bug: 'Publishers send without publisher confirms and without the mandatory flag: a message no queue is bound for is dropped by the broker and nobody hears of it.',
    services: PUBLISHERS,
    breaks: [5],
  },
  {
    id: 'no-dedupe',
    label: 'No dedupe by event id',
    bug: 'Consumers do not remember which event ids they handled: a redelivered message is handled again (a second audit row, a second notification).',
    services: CONSUMERS,
    // LABS.md: 2 after a redelivery (a second copy of a login event gives a second audit row). Not 4: a consumer
    // killed before its work committed leaves nothing to dedupe, so a redelivery after a kill is handled once anyway
    breaks: [2],
  },
  {
    id: 'requeue-poison',
    label: 'Poison messages requeued',
    bug: 'A message the consumer cannot decode is nacked with requeue=true: it comes back, fails again and loops forever instead of going to lab-b.dead.',
    services: CONSUMERS,
    breaks: [6],
  },
] as const satisfies readonly BrokenMode[];

export type BrokenModeId = (typeof BROKEN_MODES)[number]['id'];
export const BROKEN_MODE_IDS: readonly BrokenModeId[] = BROKEN_MODES.map((m) => m.id);

/** What the services look at: each flag is true when the mode is on AND it applies to this service. */
export interface BrokenFlags {
  mode: BrokenModeId | undefined;
  autoAck: boolean;
  nonDurable: boolean;
  noMandatory: boolean;
  noDedupe: boolean;
  requeuePoison: boolean;
}

/** Reads LAB_BROKEN_MODE ('' or absent: none); an unknown mode is a CONFIG_ERROR listing the known ones. */
export function parseBrokenMode(value: string | undefined): BrokenModeId | undefined {
  if (value === undefined || value.trim() === '' || value === 'none') return undefined;
  const mode = BROKEN_MODES.find((m) => m.id === value.trim());
  if (mode === undefined)
    throw new AppError(
      'CONFIG_ERROR',
      `LAB_BROKEN_MODE: unknown mode "${value}" (known: ${BROKEN_MODE_IDS.join(', ')})`,
      { variables: ['LAB_BROKEN_MODE'], known: [...BROKEN_MODE_IDS] },
    );
  return mode.id;
}

export function brokenFlags(mode: BrokenModeId | undefined, service: LabBService): BrokenFlags {
  const on = (id: BrokenModeId): boolean =>
    mode === id && (BROKEN_MODES.find((m) => m.id === id)?.services as readonly string[]).includes(service);
  return {
    mode,
    autoAck: on('auto-ack'),
    nonDurable: on('non-durable'),
    noMandatory: on('no-mandatory'),
    noDedupe: on('no-dedupe'),
    requeuePoison: on('requeue-poison'),
  };
}
