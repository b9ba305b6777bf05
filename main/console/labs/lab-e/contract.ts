// Lab E's own console requests, merged into the one contract (main/console/labs/contracts.ts). zod only: compiled into
// the DOM build with the contract (the module answers them in panels.ts).
//
//   lab-e:schemas        the registry: domains, events, versions (each version's `data` schema), and check-compat's
//                        verdict on every consecutive pair
//   lab-e:schema-diff    check-compat's verdict on any two versions of one event
//   lab-e:schema-stats   per topic what the services' lines say: produced (validated by its producer), refused (failed
//                        it: not sent), consumed, duplicates, dead-lettered, and the newest failures with their errors
//   lab-e:ledger         accounting's state: per worker the balance and its audit log, the day's management income,
//                        the closed days with their payouts and mails
//   lab-e:close-day      closes the day through the gateway, as an accountant: payouts, carried-over, mails
import { z } from 'zod';
import { Empty, def } from '../../contract/define.js';

const Json = z.record(z.string(), z.unknown());

export const SchemaVersion = z.object({
  version: z.number().int(),
  /** below services/lab-e/schemas/ */
  file: z.string(),
  title: z.string(),
  description: z.string(),
  /** the version's `data` schema (the envelope is the same for every version) */
  data: Json,
});
export const SchemaEvent = z.object({
  domain: z.string(),
  event: z.string(),
  /** the topic its producer writes to (with the console's prefix) */
  topic: z.string(),
  versions: z.array(SchemaVersion),
});
export const SchemaChange = z.object({
  path: z.string(),
  kind: z.string(),
  breaking: z.boolean(),
  message: z.string(),
});
export const CompatResult = z.object({
  event: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  compatible: z.boolean(),
  changes: z.array(SchemaChange),
});
export type CompatResult = z.infer<typeof CompatResult>;
export const SchemaRegistryView = z.object({ events: z.array(SchemaEvent), compat: z.array(CompatResult) });
export type SchemaRegistryView = z.infer<typeof SchemaRegistryView>;

export const SchemaDiffRequest = z.object({
  event: z.string().min(1).max(100),
  from: z.number().int().min(1),
  to: z.number().int().min(1),
});

const FieldError = z.object({ field: z.string(), message: z.string(), keyword: z.string().optional() });
const RecordRef = z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() });

export const SchemaFailure = z.object({
  at: z.number(),
  /** the service whose line it is (a producer that refused it, a consumer that dead-lettered it) */
  service: z.string(),
  kind: z.enum(['refused', 'dead-lettered']),
  /** dead-lettered: invalid (fails its schema) or unsupported (a version this consumer does not handle) */
  reason: z.string().nullable(),
  eventName: z.string().nullable(),
  eventVersion: z.number().int().nullable(),
  entity: z.string().nullable(),
  errors: z.array(FieldError),
  /** where the record was (dead-lettered) */
  record: RecordRef.nullable(),
  /** where it went (dead-lettered) */
  dlq: RecordRef.nullable(),
});
export type SchemaFailure = z.infer<typeof SchemaFailure>;
export const TopicSchemaStats = z.object({
  topic: z.string(),
  dlqTopic: z.string(),
  /** events the producer validated and sent */
  produced: z.number().int(),
  /** events a producer refused (failed their schema, never sent) */
  refused: z.number().int(),
  /** per consumer service: events that passed validation and were handled */
  consumed: z.record(z.string(), z.number().int()),
  duplicates: z.number().int(),
  /** per consumer service: records sent to `<topic>.dlq` */
  deadLettered: z.record(z.string(), z.number().int()),
  /** by event name and version (`TaskCreated v2`): produced */
  byEvent: z.record(z.string(), z.number().int()),
  /** the newest first (at most 20) */
  failures: z.array(SchemaFailure),
});
export type TopicSchemaStats = z.infer<typeof TopicSchemaStats>;
export const SchemaStats = z.object({
  /** since when the console has counted (its start) */
  since: z.number(),
  topics: z.array(TopicSchemaStats),
});
export type SchemaStats = z.infer<typeof SchemaStats>;

export const LedgerRow = z.object({
  transactionId: z.string(),
  at: z.string(),
  kind: z.enum(['fee', 'reward', 'payout']),
  task: z.string().nullable(),
  taskTitle: z.string().nullable(),
  debit: z.number().int(),
  credit: z.number().int(),
  balanceAfter: z.number().int(),
  cycleId: z.number().int(),
});
export type LedgerRow = z.infer<typeof LedgerRow>;
export const LedgerWorker = z.object({
  publicId: z.string(),
  email: z.string().nullable(),
  fullName: z.string().nullable(),
  role: z.string().nullable(),
  balance: z.number().int(),
  /** Σ credit − debit over every ledger row: equals the balance (invariant 4) */
  ledgerSum: z.number().int(),
  rows: z.number().int(),
  /** the newest first (at most 30) */
  ledger: z.array(LedgerRow),
});
export type LedgerWorker = z.infer<typeof LedgerWorker>;
export const Mail = z.object({
  to: z.string().nullable(),
  account: z.string(),
  subject: z.string(),
  body: z.string(),
  at: z.string(),
});
export const Payout = z.object({ account: z.string(), email: z.string().nullable(), amount: z.number().int() });
export const ClosedDay = z.object({
  cycleId: z.number().int(),
  day: z.string(),
  closedAt: z.string(),
  managementIncome: z.number().int(),
  payouts: z.array(Payout),
});
export const Ledger = z.object({
  /** the open billing cycle (the day) */
  cycle: z.object({ id: z.number().int(), day: z.string() }).nullable(),
  /** of the open cycle: fees charged − rewards paid */
  income: z.object({ fees: z.number().int(), rewards: z.number().int(), managementIncome: z.number().int() }),
  workers: z.array(LedgerWorker),
  /** the newest first (at most 10) */
  closed: z.array(ClosedDay),
  /** the newest first (at most 20) */
  mails: z.array(Mail),
});
export type Ledger = z.infer<typeof Ledger>;
export const CloseDayResult = z.object({
  cycleId: z.number().int(),
  day: z.string(),
  nextCycleId: z.number().int(),
  managementIncome: z.number().int(),
  payouts: z.array(Payout),
  carriedOver: z.array(z.object({ account: z.string(), email: z.string().nullable(), balance: z.number().int() })),
  /** the mails this close wrote to mail_outbox */
  mails: z.array(Mail),
});
export type CloseDayResult = z.infer<typeof CloseDayResult>;

export const LAB_E_REQUESTS = {
  /** The schema registry: domains, events, versions and check-compat's verdict per consecutive pair. */
  'lab-e:schemas': def(Empty, SchemaRegistryView),
  /** check-compat on two versions of one event (from → to). */
  'lab-e:schema-diff': def(SchemaDiffRequest, CompatResult),
  /** Per topic: produced, refused, consumed, dead-lettered (the services' lines), with the failures' errors. */
  'lab-e:schema-stats': def(Empty, SchemaStats),
  /** Accounting's ledger: per worker balance and audit log, the day's management income, closed days, mails. */
  'lab-e:ledger': def(Empty, Ledger),
  /** Close the day (POST /accounting/close-day through the gateway, as the console's accountant). */
  'lab-e:close-day': def(Empty, CloseDayResult),
} as const;

export const LAB_E_EVENTS = {} as const;
