// Lab B's interface, read by the console and by the checks: the RabbitMQ topology (exchanges, queues, bindings), the
// message bodies, the vacation status machine, and the services' JSON event lines on stdout. One module, so that the
// services and the console cannot drift apart.
import { z } from 'zod';
import { parseJsonLine } from '../shared/json-line.js';

// ---------------------------------------------------------------------------------------------------------------
// Topology. Every name may carry a prefix (env LAB_B_PREFIX, '' by default) so that tests can share a broker.

export const EXCHANGES = {
  auth: 'auth.events',
  users: 'users.events',
  vacation: 'vacation.events',
  /** dead letters, fanout → `lab-b.dead` */
  deadLetter: 'lab-b.dlx',
} as const;

export const QUEUES = {
  /** the seed's queue on the default exchange, declared as the seed's pika code declares it: NOT durable */
  userRegistered: 'user_registered',
  auditAuth: 'audit.auth',
  failedLogins: 'security.failed-logins',
  notification: 'notification.vacation',
  vacationUsers: 'vacation.users',
  reportsAuth: 'reports.auth',
  reportsVacation: 'reports.vacation',
  dead: 'lab-b.dead',
} as const;

export const ROUTING_KEYS = {
  userRegistered: 'user_registered',
  loginSucceeded: 'auth.login.succeeded',
  loginFailed: 'auth.login.failed',
  userCreated: 'user.created',
  userUpdated: 'user.updated',
  vacationStatusChanged: 'vacation.request.status_changed',
} as const;

export interface Binding {
  exchange: string;
  queue: string;
  pattern: string;
}

/** Every binding of the lab (unprefixed), as the services declare them. */
export const BINDINGS: readonly Binding[] = [
  { exchange: EXCHANGES.auth, queue: QUEUES.auditAuth, pattern: 'auth.login.*' },
  { exchange: EXCHANGES.auth, queue: QUEUES.failedLogins, pattern: 'auth.login.failed' },
  { exchange: EXCHANGES.auth, queue: QUEUES.reportsAuth, pattern: 'auth.login.*' },
  { exchange: EXCHANGES.vacation, queue: QUEUES.notification, pattern: 'vacation.request.#' },
  { exchange: EXCHANGES.vacation, queue: QUEUES.reportsVacation, pattern: 'vacation.request.#' },
  { exchange: EXCHANGES.users, queue: QUEUES.vacationUsers, pattern: 'user.*' },
  { exchange: EXCHANGES.deadLetter, queue: QUEUES.dead, pattern: '' },
];

/** Headers a dead-lettered message carries (set by services/shared/amqp/consumer.ts). */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-poison-reason',
  code: 'x-poison-code',
  queue: 'x-original-queue',
  exchange: 'x-original-exchange',
  routingKey: 'x-original-routing-key',
  consumer: 'x-consumer',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Message bodies (JSON). Producers set the AMQP message-id to the event id.

/** On the default exchange, routing key `user_registered`: exactly the seed's shape. */
export const UserRegistered = z.object({ user_id: z.string().min(1), email: z.string().min(1) });
export type UserRegistered = z.infer<typeof UserRegistered>;

export const LOGIN_OUTCOMES = ['succeeded', 'failed'] as const;
/** On `auth.events`, routing key `auth.login.<outcome>`. */
export const LoginEvent = z.object({
  event_id: z.string().min(1),
  user_id: z.string().nullable(),
  email: z.string(),
  outcome: z.enum(LOGIN_OUTCOMES),
  at: z.iso.datetime({ offset: true }),
});
export type LoginEvent = z.infer<typeof LoginEvent>;

/** On `users.events`, routing key `user.created` / `user.updated`. */
export const UserChanged = z.object({
  event_id: z.string().min(1),
  user_id: z.string().min(1),
  email: z.string(),
  display_name: z.string().nullable(),
  department: z.string().nullable(),
  version: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
});
export type UserChanged = z.infer<typeof UserChanged>;

export const VACATION_STATUSES = ['submitted', 'approved', 'rejected', 'cancelled'] as const;
export const VacationStatus = z.enum(VACATION_STATUSES);
export type VacationStatus = z.infer<typeof VacationStatus>;

/** The status machine: which status may follow which (`none`: the request does not exist yet). */
export const VACATION_NEXT: Readonly<Record<VacationStatus | 'none', readonly VacationStatus[]>> = {
  none: ['submitted'],
  submitted: ['approved', 'rejected', 'cancelled'],
  approved: ['cancelled'],
  rejected: [],
  cancelled: [],
};

export const VACATION_ACTIONS = { approve: 'approved', reject: 'rejected', cancel: 'cancelled' } as const;
export type VacationAction = keyof typeof VACATION_ACTIONS;

export function canMove(from: VacationStatus | null, to: VacationStatus): boolean {
  return VACATION_NEXT[from ?? 'none'].includes(to);
}

/** On `vacation.events`, routing key `vacation.request.status_changed` (also for the creation: from null). */
export const VacationStatusChanged = z.object({
  event_id: z.string().min(1),
  request_id: z.string().min(1),
  user_id: z.string().min(1),
  from_status: VacationStatus.nullable(),
  to_status: VacationStatus,
  at: z.iso.datetime({ offset: true }),
});
export type VacationStatusChanged = z.infer<typeof VacationStatusChanged>;

// ---------------------------------------------------------------------------------------------------------------
// The event lines: one JSON line per fact on each service's stdout (pino logs go to stderr).

export const LAB_B_SERVICES = ['auth', 'users', 'audit', 'vacation', 'notification', 'reports'] as const;
export type LabBService = (typeof LAB_B_SERVICES)[number];

/** what `entity_id` names: a login event id, a vacation request id, or a user id (registration, profile) */
export const ENTITY_KINDS = ['login', 'vacation', 'user'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

const Base = {
  ts: z.iso.datetime({ offset: true }),
  service: z.enum(LAB_B_SERVICES),
  /** `notification-1`, `audit`, … */
  instance: z.string(),
  /** LAB_BROKEN_MODE, when one is on */
  mode: z.string().optional(),
};
const Route = {
  exchange: z.string(),
  routing_key: z.string(),
  /** the message id / event id; null for a message that had none (a poison message, the seed's own publish) */
  event_id: z.string().nullable(),
  entity: z.enum(ENTITY_KINDS).nullable(),
  entity_id: z.string().nullable(),
};

/** The broker confirmed the message (or, `confirmed: false`, it left unconfirmed: the no-mandatory mode). */
export const PublishedLine = z.object({
  type: z.literal('published'),
  ...Base,
  ...Route,
  confirmed: z.boolean(),
  mandatory: z.boolean(),
  persistent: z.boolean(),
});
/** The broker returned the message: no queue is bound for its routing key. Reported to the caller, never lost. */
export const ReturnedLine = z.object({
  type: z.literal('returned'),
  ...Base,
  ...Route,
  reply_code: z.number().int(),
  reply_text: z.string(),
});
/** A publish failed (no broker within the timeout, a nack, the channel lost before the confirm). */
export const PublishFailedLine = z.object({
  type: z.literal('publish_failed'),
  ...Base,
  ...Route,
  code: z.string(),
  message: z.string(),
});
const Queue = { ...Route, queue: z.string() };
/** A consumer got a message. */
export const DeliveredLine = z.object({
  type: z.literal('delivered'),
  ...Base,
  ...Queue,
  redelivered: z.boolean(),
  delivery_tag: z.number().int(),
});
/** Acked after its work committed; `auto: true` in the auto-ack mode (the broker forgot it when it sent it). */
export const AckedLine = z.object({ type: z.literal('acked'), ...Base, ...Queue, auto: z.boolean() });
/** An event id seen before (its work had committed): skipped and acked. */
export const DuplicateLine = z.object({ type: z.literal('duplicate'), ...Base, ...Queue });
/** A poison message sent to the dead-letter exchange with its reason (`via: reject`: the queue's DLX took it). */
export const DeadLetteredLine = z.object({
  type: z.literal('dead_lettered'),
  ...Base,
  ...Queue,
  reason: z.string(),
  code: z.string(),
  dead_letter_exchange: z.string(),
  via: z.enum(['publish', 'reject']),
});
/** Nacked back to its queue: a failed work (the database away), or a poison message in the requeue-poison mode. */
export const RequeuedLine = z.object({
  type: z.literal('requeued'),
  ...Base,
  ...Queue,
  reason: z.string(),
  code: z.string(),
});
/** The channel a delivery came on closed before its ack: the broker redelivers it. */
export const AckLostLine = z.object({ type: z.literal('ack_lost'), ...Base, ...Queue, reason: z.string() });
/** The notification service sent a notification (one per vacation status change it handled). */
export const NotificationSentLine = z.object({
  type: z.literal('notification_sent'),
  ...Base,
  queue: z.string(),
  event_id: z.string(),
  entity: z.literal('vacation'),
  entity_id: z.string(),
  request_id: z.string(),
  user_id: z.string(),
  from_status: VacationStatus.nullable(),
  to_status: VacationStatus,
  redelivered: z.boolean(),
  text: z.string(),
});
export const LIFECYCLE_STATES = [
  'connecting',
  'connected',
  'consuming',
  'disconnected',
  'reconnecting',
  'listening',
  'stopped',
  'crashed',
] as const;
/** The service's life: connecting … connected, consuming (a queue, again after each reconnection), listening (HTTP). */
export const LifecycleLine = z.object({
  type: z.literal('lifecycle'),
  ...Base,
  state: z.enum(LIFECYCLE_STATES),
  queue: z.string().optional(),
  prefetch: z.number().int().optional(),
  url: z.string().optional(),
  attempt: z.number().int().optional(),
  retry_in_ms: z.number().int().optional(),
  detail: z.string().optional(),
});

export const LabBLine = z.discriminatedUnion('type', [
  PublishedLine,
  ReturnedLine,
  PublishFailedLine,
  DeliveredLine,
  AckedLine,
  DuplicateLine,
  DeadLetteredLine,
  RequeuedLine,
  AckLostLine,
  NotificationSentLine,
  LifecycleLine,
]);
export type LabBLine = z.infer<typeof LabBLine>;
export type LabBLineType = LabBLine['type'];

/** Parses one stdout line; anything that is not a Lab B line (a plain log, a partial line) gives undefined. */
export function parseLabBLine(line: string): LabBLine | undefined {
  return parseJsonLine(LabBLine, line);
}

// ---------------------------------------------------------------------------------------------------------------
// Tables (Postgres, database `lab_b` by default), as the console reads them.

export const TABLES = {
  /** audit_events(id bigserial, event_id text, user_id text NULL, email text, outcome text, at timestamptz,
   *  redelivered boolean, recorded_at timestamptz): one row per login event (the seen-store keeps event_id unique) */
  audit: 'audit_events',
  /** security_failed_logins(id bigserial, event_id text, email text, at timestamptz) */
  failedLogins: 'security_failed_logins',
  /** processed_events(consumer text, event_id text, processed_at, PK (consumer, event_id)): the seen-store */
  seen: 'processed_events',
  users: 'auth_users',
  profiles: 'user_profiles',
  vacations: 'vacation_requests',
  vacationUsers: 'vacation_users',
  reportLogins: 'report_logins',
  reportVacations: 'report_vacations',
} as const;
