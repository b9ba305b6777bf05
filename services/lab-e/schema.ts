// Lab E's interface, read by the console and by the checks: topics, groups, roles and who may call what, the tables
// the console reads, and the services' fact lines on stdout (one JSON object per line; pino logs go to stderr). One
// module, so that the services and the console cannot drift apart. The events themselves are JSON schemas
// (schemas/<domain>/<event>/<version>.json, see registry.ts).
import { z } from 'zod';
import { parseJsonLine } from '../shared/json-line.js';

export const LAB_E_SERVICES = ['gateway', 'auth', 'tasks', 'accounting', 'analytics'] as const;
export type LabEService = (typeof LAB_E_SERVICES)[number];

export const DEFAULT_PORTS: Readonly<Record<LabEService, number>> = {
  gateway: 8201,
  auth: 8202,
  tasks: 8203,
  accounting: 8204,
  analytics: 8205,
};

/** One database per service (created when missing, migrated at start). */
export const DEFAULT_DATABASES: Readonly<Record<Exclude<LabEService, 'gateway'>, string>> = {
  auth: 'lab_e_auth',
  tasks: 'lab_e_tasks',
  accounting: 'lab_e_accounting',
  analytics: 'lab_e_analytics',
};

/** The lab's topics (before LAB_E_PREFIX). Each has a dead-letter topic `<topic>.dlq`. */
export const TOPICS = {
  accountsStream: 'accounts-stream',
  accounts: 'accounts',
  tasksStream: 'tasks-stream',
  tasksLifecycle: 'tasks-lifecycle',
  transactions: 'transactions',
} as const;
export type TopicKey = keyof typeof TOPICS;
export const TOPIC_PARTITIONS = 3;
export const DLQ_SUFFIX = '.dlq';
export const dlqOf = (topic: string): string => `${topic}${DLQ_SUFFIX}`;

/** Topic names with a prefix (tests and parallel instances use one; the lab's default is none). */
export function topicNames(prefix = ''): Record<TopicKey, string> {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, `${prefix}${v}`])) as Record<TopicKey, string>;
}

/** Consumer groups (before LAB_E_PREFIX). */
export const GROUPS = { tasks: 'lab-e-tasks', accounting: 'lab-e-accounting', analytics: 'lab-e-analytics' } as const;

/** What each service produces and consumes. Record key = the entity's public id (task or account). */
export const PRODUCES: Readonly<Record<LabEService, readonly TopicKey[]>> = {
  gateway: [],
  auth: ['accountsStream', 'accounts'],
  tasks: ['tasksStream', 'tasksLifecycle'],
  accounting: ['transactions'],
  analytics: [],
};
export const CONSUMES: Readonly<Record<LabEService, readonly TopicKey[]>> = {
  gateway: [],
  auth: [],
  tasks: ['accountsStream', 'accounts'],
  accounting: ['accountsStream', 'accounts', 'tasksStream', 'tasksLifecycle'],
  analytics: ['accountsStream', 'accounts', 'tasksStream', 'transactions'],
};

export const ROLES = ['worker', 'manager', 'admin', 'accountant'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Prices (integers, inclusive): drawn once, when accounting first sees a task. */
export const FEE_RANGE = { min: 10, max: 20 } as const;
export const REWARD_RANGE = { min: 20, max: 40 } as const;

/**
 * Who may call what, through the gateway (LABS.md): `anyone` needs no token; `signed-in` any valid token; a role list
 * answers 403 to the other roles; every route but the `anyone` ones answers 401 without a valid token. `complete` is
 * open to any signed-in account at the gateway, and tasks answers 403 unless the caller is the task's assignee.
 */
export interface RouteAccess {
  method: 'GET' | 'POST' | 'PUT';
  /** Fastify path syntax */
  path: string;
  service: Exclude<LabEService, 'gateway'>;
  access: 'anyone' | 'signed-in' | readonly Role[];
}
export const ROUTE_ACCESS: readonly RouteAccess[] = [
  { method: 'POST', path: '/auth/signup', service: 'auth', access: 'anyone' },
  { method: 'POST', path: '/auth/login', service: 'auth', access: 'anyone' },
  { method: 'PUT', path: '/accounts/:public_id/role', service: 'auth', access: ['admin'] },
  { method: 'POST', path: '/tasks', service: 'tasks', access: 'signed-in' },
  { method: 'POST', path: '/tasks/reshuffle', service: 'tasks', access: ['manager', 'admin'] },
  { method: 'POST', path: '/tasks/:public_id/complete', service: 'tasks', access: 'signed-in' },
  { method: 'GET', path: '/tasks/mine', service: 'tasks', access: ['worker'] },
  { method: 'GET', path: '/accounting/me', service: 'accounting', access: ['worker'] },
  { method: 'GET', path: '/accounting/summary', service: 'accounting', access: ['admin', 'accountant'] },
  { method: 'GET', path: '/accounting/ledger', service: 'accounting', access: ['admin', 'accountant'] },
  { method: 'POST', path: '/accounting/close-day', service: 'accounting', access: ['admin', 'accountant'] },
  { method: 'GET', path: '/analytics', service: 'analytics', access: ['admin'] },
];

/** The identity the gateway forwards to the services once it checked the token (the services trust only these). */
export const IDENTITY_HEADERS = { publicId: 'x-account-public-id', role: 'x-account-role' } as const;

/**
 * Tables the console reads (accounting's database), for the Ledger panel and the checks:
 *   ledger(id bigserial, transaction_id uuid UNIQUE, account_public_id uuid, task_public_id uuid NULL,
 *          kind 'fee'|'reward'|'payout', debit int, credit int, balance_after bigint, cycle_id int, event_id uuid NULL,
 *          created_at timestamptz)                                     one row per change: the audit log
 *   balances(account_public_id uuid PK, balance bigint, updated_at)    balance = Σ(credit − debit) of its ledger rows
 *   tasks(public_id uuid PK, title, jira_id, fee int, reward int, priced_by text, priced_at, …)   the price, fixed once
 *   billing_cycles(id serial PK, day date, opened_at, closed_at NULL, management_income int NULL)   one open at a time
 *   payments(payment_id uuid PK, account_public_id, amount, cycle_id, day, created_at)
 *   mail_outbox(id bigserial, account_public_id, to_email NULL, subject, body, created_at, sent_at NULL)
 *   processed_events(event_id uuid PK, event_name, topic, partition, "offset", processed_at)   the inbox
 *   outbox(id bigserial, topic, key, event_name, event_version, event_id, value jsonb, created_at, sent_at NULL,
 *          attempts, last_error, sent_partition, sent_offset)          every service that produces has one
 */
export const ACCOUNTING_TABLES = {
  ledger: 'ledger',
  balances: 'balances',
  tasks: 'tasks',
  cycles: 'billing_cycles',
  payments: 'payments',
  mail: 'mail_outbox',
  inbox: 'processed_events',
  outbox: 'outbox',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Fact lines on stdout

const Ts = z.iso.datetime({ offset: true });
const Base = { ts: Ts, service: z.enum(LAB_E_SERVICES) };
export const EntityKind = z.enum(['task', 'account', 'cycle']);
export const FieldError = z.object({ field: z.string(), message: z.string(), keyword: z.string().optional() });
export type FieldError = z.infer<typeof FieldError>;
const Where = { topic: z.string(), partition: z.number().int().nonnegative(), offset: z.string() };
const EventRef = { event_id: z.string(), event_name: z.string(), event_version: z.number().int() };

/** an event reached the broker (acks all): where it landed */
export const ProducedLine = z.object({
  type: z.literal('produced'),
  ...Base,
  ...Where,
  key: z.string(),
  ...EventRef,
  entity: z.string(),
  entity_kind: EntityKind,
});
/** a producer refused an event that fails its schema: nothing was written, nothing sent */
export const RefusedLine = z.object({
  type: z.literal('refused'),
  ...Base,
  event_name: z.string(),
  event_version: z.number().int(),
  entity: z.string().nullable(),
  errors: z.array(FieldError),
});
/** a consumer processed an event: `applied` (it changed something) or `ignored` (nothing for this service) */
export const ConsumedLine = z.object({
  type: z.literal('consumed'),
  ...Base,
  ...Where,
  ...EventRef,
  entity: z.string(),
  entity_kind: EntityKind,
  outcome: z.enum(['applied', 'ignored']),
});
/** an event seen before (same event_id) was skipped: no change */
export const DuplicateLine = z.object({
  type: z.literal('duplicate'),
  ...Base,
  ...Where,
  ...EventRef,
  entity: z.string(),
  entity_kind: EntityKind,
});
/** a record that failed its schema (or a version this consumer does not handle) went to `<topic>.dlq` */
export const DeadLetteredLine = z.object({
  type: z.literal('dead_lettered'),
  ...Base,
  ...Where,
  dlq_topic: z.string(),
  dlq_partition: z.number().int().nonnegative(),
  dlq_offset: z.string(),
  reason: z.enum(['invalid', 'unsupported']),
  event_id: z.string().nullable(),
  event_name: z.string().nullable(),
  event_version: z.number().int().nullable(),
  entity: z.string().nullable(),
  errors: z.array(FieldError),
});
/** accounting fixed a task's price (`first_event`: the event that made it see the task first) */
export const PriceFixedLine = z.object({
  type: z.literal('price_fixed'),
  ...Base,
  entity: z.string(),
  entity_kind: z.literal('task'),
  fee: z.number().int(),
  reward: z.number().int(),
  first_event: z.string(),
  event_id: z.string(),
});
/** one ledger row applied to an account's balance (entity = the account; task = the task it is about) */
export const LedgerLine = z.object({
  type: z.literal('ledger'),
  ...Base,
  entity: z.string(),
  entity_kind: z.literal('account'),
  transaction_id: z.string(),
  task: z.string().nullable(),
  kind: z.enum(['fee', 'reward', 'payout']),
  debit: z.number().int(),
  credit: z.number().int(),
  balance_after: z.number().int(),
  cycle_id: z.number().int(),
  event_id: z.string().nullable(),
});
/** the day was closed: who was paid, whose negative balance carried over */
export const DayClosedLine = z.object({
  type: z.literal('day_closed'),
  ...Base,
  entity: z.string(),
  entity_kind: z.literal('cycle'),
  cycle_id: z.number().int(),
  day: z.string(),
  next_cycle_id: z.number().int(),
  trigger: z.enum(['request', 'clock']),
  payouts: z.array(z.object({ account: z.string(), amount: z.number().int() })),
  carried_over: z.array(z.object({ account: z.string(), balance: z.number().int() })),
  management_income: z.number().int(),
});
export const LIFECYCLE_STATES = ['starting', 'listening', 'stopping', 'stopped', 'crashed'] as const;
export const LifecycleLine = z.object({
  type: z.literal('lifecycle'),
  ...Base,
  state: z.enum(LIFECYCLE_STATES),
  url: z.string().optional(),
  broken_mode: z.string().nullable().optional(),
  detail: z.string().optional(),
});

export const LabELine = z.discriminatedUnion('type', [
  ProducedLine,
  RefusedLine,
  ConsumedLine,
  DuplicateLine,
  DeadLetteredLine,
  PriceFixedLine,
  LedgerLine,
  DayClosedLine,
  LifecycleLine,
]);
export type LabELine = z.infer<typeof LabELine>;
export type LabELineOf<T extends LabELine['type']> = Extract<LabELine, { type: T }>;

/** Parses one stdout line; anything that is not a Lab E line gives undefined. */
export function parseLabELine(line: string): LabELine | undefined {
  return parseJsonLine(LabELine, line);
}

/** Where fact lines go: stdout, one JSON object per line (tests collect them in memory). */
export type FactOut = (line: LabELine) => void;
export const stdoutFacts: FactOut = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
