// Lab D's own console requests, merged into the one contract (main/console/labs/contracts.ts). zod only.
import { RelayStatus } from '../../../../services/lab-d/schema.js';
import { Empty, def } from '../../contract/define.js';

export { RelayStatus };

export const LAB_D_REQUESTS = {
  /** The loms outbox relay's own status (paused, pending, sent_total, last_error). */
  'lab-d:relay-status': def(Empty, RelayStatus),
  /** Fault: pause the loms outbox relay (rows stay pending). */
  'lab-d:relay-pause': def(Empty, RelayStatus),
  /** Resume the relay. */
  'lab-d:relay-resume': def(Empty, RelayStatus),
} as const;

export const LAB_D_EVENTS = {} as const;
