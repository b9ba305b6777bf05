// Lab D's interface, read by the console and by the checks: the Kafka event, the notifier's JSON log lines, and the
// outbox table. One module, so that the services and the console cannot drift apart.
import { z } from 'zod';
import { parseJsonLine } from '../shared/json-line.js';

export const ORDER_EVENTS_TOPIC = 'loms.order-events';
export const ORDER_EVENTS_PARTITIONS = 2;
export const NOTIFIER_GROUP_ID = 'notifier';

export const ORDER_STATUSES = ['new', 'awaiting payment', 'failed', 'paid', 'cancelled'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The status machine: which status may follow which. `null` is "no event yet". */
export const NEXT_STATUSES: Record<OrderStatus | 'none', readonly OrderStatus[]> = {
  none: ['new'],
  new: ['awaiting payment', 'failed'],
  'awaiting payment': ['paid', 'cancelled'],
  failed: [],
  paid: [],
  cancelled: [],
};

/** The Kafka record value on `loms.order-events` (JSON). Key = order id as a decimal string. */
export const OrderEvent = z.object({
  order_id: z.number().int().positive(),
  status: OrderStatus,
  /** RFC 3339 */
  moment: z.iso.datetime({ offset: true }),
  user_id: z.string().optional(),
  event_id: z.string().optional(),
  source: z.string().optional(),
});
export type OrderEvent = z.infer<typeof OrderEvent>;

/**
 * One JSON line per record on the notifier's stdout. `type` tells the kinds apart:
 * - `event`: an event was processed (then its offset is committed)
 * - `error`: a record could not be processed (poison: bad JSON, unknown status); it is counted and skipped
 * - `lifecycle`: the member's life (NOTIFIER_LIFECYCLE_STATES)
 */
export const NotifierEventLine = z.object({
  type: z.literal('event'),
  ts: z.iso.datetime({ offset: true }),
  instance: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  key: z.string().nullable(),
  order_id: z.number().int(),
  status: OrderStatus,
  moment: z.string(),
  event_id: z.string().optional(),
  /** from `moment` (the DB commit) to this line */
  latency_ms: z.number(),
});
export const NotifierErrorLine = z.object({
  type: z.literal('error'),
  ts: z.iso.datetime({ offset: true }),
  instance: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  key: z.string().nullable(),
  code: z.enum(['POISON_MESSAGE', 'INTERNAL']),
  message: z.string(),
  /** poison records counted so far by this instance */
  errors_total: z.number().int(),
});
/**
 * - `starting`: connecting (again, after `reconnecting`), or waiting for the topic to exist
 * - `joined`: joined the group, with its assignment and, once the coordinator confirmed it, the generation
 * - `disconnected`: lost the broker (or could not reach it at all); owns no partition until it is back
 * - `reconnecting`: the next attempt to reach the broker, `attempt` n in `retry_in_ms`; the member never gives up
 *   because the broker is away, and resumes from the committed offsets (`joined` again) once it answers
 * - `stopping`, `stopped`: a graceful stop (SIGTERM/SIGINT)
 * - `crashed`: a failure that is not the broker being away (bad configuration, a bug); the process ends
 */
export const NOTIFIER_LIFECYCLE_STATES = [
  'starting',
  'joined',
  'disconnected',
  'reconnecting',
  'stopping',
  'stopped',
  'crashed',
] as const;
export type NotifierLifecycleState = (typeof NOTIFIER_LIFECYCLE_STATES)[number];
export const NotifierLifecycleLine = z.object({
  type: z.literal('lifecycle'),
  ts: z.iso.datetime({ offset: true }),
  instance: z.string(),
  state: z.enum(NOTIFIER_LIFECYCLE_STATES),
  group_id: z.string(),
  /** `joined`: the group generation of this join (absent when the join was superseded before it was confirmed) */
  generation_id: z.number().int().optional(),
  member_id: z.string().optional(),
  /** partitions assigned to this instance after a join, e.g. {"loms.order-events":[0]} */
  assignment: z.record(z.string(), z.array(z.number().int())).optional(),
  /** `reconnecting`: 1 for the first attempt after the broker was lost */
  attempt: z.number().int().positive().optional(),
  /** `reconnecting`: the wait before that attempt */
  retry_in_ms: z.number().int().nonnegative().optional(),
  detail: z.string().optional(),
});
export const NotifierLine = z.discriminatedUnion('type', [NotifierEventLine, NotifierErrorLine, NotifierLifecycleLine]);
export type NotifierLine = z.infer<typeof NotifierLine>;
export type NotifierEventLine = z.infer<typeof NotifierEventLine>;

/** Parses one stdout line; anything that is not a notifier line (a plain log, a partial line) gives undefined. */
export function parseNotifierLine(line: string): NotifierLine | undefined {
  return parseJsonLine(NotifierLine, line);
}

/**
 * The outbox table (Postgres), as the console reads it. Pending = `sent_at IS NULL`.
 *   outbox(id bigserial PK, aggregate_id bigint, topic text, key text, payload jsonb, created_at timestamptz,
 *          sent_at timestamptz NULL, attempts int, last_error text NULL)
 */
export const OUTBOX_TABLE = 'outbox';
export const OutboxRow = z.object({
  id: z.string(),
  aggregate_id: z.string(),
  topic: z.string(),
  key: z.string(),
  payload: OrderEvent,
  created_at: z.date(),
  sent_at: z.date().nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;

/** The loms admin API (HTTP, same port as the order API) that the console uses for the relay fault. */
export const RELAY_ADMIN_PATHS = {
  status: '/admin/relay',
  pause: '/admin/relay/pause',
  resume: '/admin/relay/resume',
} as const;
export const RelayStatus = z.object({
  paused: z.boolean(),
  pending: z.number().int(),
  sent_total: z.number().int(),
  last_error: z.string().nullable(),
});
export type RelayStatus = z.infer<typeof RelayStatus>;
