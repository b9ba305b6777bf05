// Lab C's own console requests, merged into the one contract (main/console/labs/contracts.ts). zod only: compiled into
// the DOM build with the contract (the module answers them in panels.ts).
//
//   lab-c:inbox   per consumer (payments reading orders-events, orders reading payments-events): its inbox rows by
//                 status (received, processed, pending = received or waiting, failed), the duplicates it rejected
//                 (its lines), its newest rows, and its outbox's backlog
//   lab-c:money   payments' accounts: per account balance, top-ups, completed payments and whether it adds up, the
//                 totals and the conservation sum (balances − (top-ups − completed payments), 0 when conserved)
import { z } from 'zod';
import { Empty, def } from '../../contract/define.js';

export const InboxRow = z.object({
  eventId: z.string(),
  eventType: z.string(),
  orderId: z.string().nullable(),
  status: z.string(),
  attempts: z.number().int(),
  /** where the record was */
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  lastError: z.string().nullable(),
  receivedAt: z.number(),
});

export const InboxConsumer = z.object({
  /** the service whose inbox it is */
  service: z.enum(['payments', 'orders']),
  table: z.string(),
  group: z.string(),
  topic: z.string(),
  /** false: its database does not exist yet (the service never started) */
  reachable: z.boolean(),
  received: z.number().int(),
  processed: z.number().int(),
  /** received or waiting (payments: an order waiting for funds) */
  pending: z.number().int(),
  waiting: z.number().int(),
  failed: z.number().int(),
  /** deliveries it rejected as duplicates (its `consumed … duplicate` lines since the console started) */
  duplicatesRejected: z.number().int(),
  /** redeliveries the inbox counted (attempts beyond the first) */
  redeliveries: z.number().int(),
  newest: z.array(InboxRow),
  /** its outbox: rows not sent yet and the oldest one's age */
  outbox: z.object({ table: z.string(), pending: z.number().int(), oldestPendingMs: z.number().nullable() }),
});
export type InboxConsumer = z.infer<typeof InboxConsumer>;
export const InboxView = z.object({ consumers: z.array(InboxConsumer) });
export type InboxView = z.infer<typeof InboxView>;

export const MoneyAccount = z.object({
  userId: z.string(),
  balance: z.number(),
  topups: z.number(),
  paid: z.number(),
  payments: z.number().int(),
  failed: z.number().int(),
  /** the ledger's sum (top-ups − debits) */
  ledger: z.number(),
  /** balance = top-ups − completed payments = ledger */
  ok: z.boolean(),
  updatedAt: z.number(),
});
export const MoneyView = z.object({
  reachable: z.boolean(),
  accounts: z.number().int(),
  balances: z.number(),
  topups: z.number(),
  paid: z.number(),
  completedPayments: z.number().int(),
  failedPayments: z.number().int(),
  /** balances − (top-ups − completed payments): 0 when money is conserved */
  conservation: z.number(),
  unbalanced: z.number().int(),
  /** the accounts that do not add up first, then the newest (at most 50) */
  list: z.array(MoneyAccount),
});
export type MoneyView = z.infer<typeof MoneyView>;

export const LAB_C_REQUESTS = {
  /** Per consumer: its inbox by status, the duplicates it rejected, its newest rows, its outbox's backlog. */
  'lab-c:inbox': def(Empty, InboxView),
  /** Payments' accounts, balances, top-ups, payments and the conservation sum. */
  'lab-c:money': def(Empty, MoneyView),
} as const;

export const LAB_C_EVENTS = {} as const;
