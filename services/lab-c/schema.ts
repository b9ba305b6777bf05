// Lab C's names and shapes (../shared/LABS.md, Lab C): topics, groups, the Redis channel, the event envelope, the HTTP
// bodies (Order in camelCase, Account in snake_case, exactly as the seed's client reads them) and the services' stdout
// lines (one JSON object per line: the console parses them).
import { z } from 'zod';
import { parseJsonLine } from '../shared/json-line.js';

export const ORDERS_TOPIC = 'orders-events';
export const PAYMENTS_TOPIC = 'payments-events';
export const TOPIC_PARTITIONS = 3;
export const PAYMENTS_GROUP = 'payments-service-group';
export const ORDERS_GROUP = 'orders-service-group';
export const SSE_CHANNEL = 'sse-updates';

export const DEFAULT_PORTS = { gateway: 8090, orders: [8091, 8092, 8093], payments: [8094, 8095, 8096] } as const;
export const DEFAULT_DATABASES = { orders: 'lab_c_orders', payments: 'lab_c_payments' } as const;

/** The topic and group names with a prefix (tests, several lab instances on one broker); '' by default. */
export function namesOf(prefix = ''): {
  ordersTopic: string;
  paymentsTopic: string;
  ordersGroup: string;
  paymentsGroup: string;
} {
  return {
    ordersTopic: `${prefix}${ORDERS_TOPIC}`,
    paymentsTopic: `${prefix}${PAYMENTS_TOPIC}`,
    ordersGroup: `${prefix}${ORDERS_GROUP}`,
    paymentsGroup: `${prefix}${PAYMENTS_GROUP}`,
  };
}

export const ORDER_STATUSES = [
  'created',
  'payment_pending',
  'paid',
  'payment_failed',
  'completed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const FINAL_STATUSES: readonly OrderStatus[] = ['paid', 'payment_failed', 'completed', 'cancelled'];

/** An order as the HTTP API and the SSE stream give it (camelCase, as the seed's client reads it). */
export interface Order {
  id: string;
  userID: string;
  amount: number;
  currency: string;
  status: OrderStatus;
  paymentID: string | null;
  errorReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An account as the payments API gives it (snake_case; `balance` a number). */
export interface Account {
  id: string;
  user_id: string;
  balance: number;
  created_at: string;
  updated_at: string;
}

export const EVENT_TYPES = ['order.created', 'payment.completed', 'payment.failed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The envelope of every Lab C event: `timestamp` in Unix seconds, `event_id` a UUIDv7. */
export const Envelope = z.object({
  event_type: z.string().min(1),
  event_id: z.uuid(),
  data: z.record(z.string(), z.unknown()),
  timestamp: z.number(),
});
export type Envelope = z.infer<typeof Envelope>;

export const OrderCreatedData = z.object({
  order_id: z.uuid(),
  user_id: z.uuid(),
  amount: z.number().positive(),
  currency: z.string().min(1),
});
export type OrderCreatedData = z.infer<typeof OrderCreatedData>;

export const PaymentCompletedData = z.object({
  payment_id: z.uuid(),
  order_id: z.uuid(),
  user_id: z.uuid(),
  amount: z.number(),
});
export const PaymentFailedData = z.object({
  order_id: z.uuid(),
  user_id: z.uuid(),
  amount: z.number(),
  reason: z.string(),
});

/** What one orders replica publishes on the Redis channel: the user and the whole order. */
export const SseUpdate = z.object({ user_id: z.string(), event: z.literal('order-update'), order: z.unknown() });

// --- the services' stdout lines (the console's parseLine reads these)

export const LAB_C_SERVICES = ['orders', 'payments', 'gateway'] as const;
export type LabCService = (typeof LAB_C_SERVICES)[number];

const base = { ts: z.string(), service: z.enum(LAB_C_SERVICES), instance: z.string() };
const where = { topic: z.string(), partition: z.number(), offset: z.string() };

export const LabCLine = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('lifecycle'),
    ...base,
    state: z.enum(['starting', 'listening', 'joined', 'stopping', 'stopped', 'crashed']),
    broken_mode: z.string().nullable(),
    detail: z.string().optional(),
    /** `joined`: the group, this member's partitions by topic and the generation */
    group_id: z.string().optional(),
    assignment: z.record(z.string(), z.array(z.number())).optional(),
    generation_id: z.number().optional(),
  }),
  /** orders: an order and its outbox row committed */
  z.object({
    type: z.literal('order_committed'),
    ...base,
    order_id: z.string(),
    user_id: z.string(),
    amount: z.number(),
    event_id: z.string(),
  }),
  /** a consumer's verdict on one record (`waiting`: payments keeps it in the inbox until funds arrive or time runs out) */
  z.object({
    type: z.literal('consumed'),
    ...base,
    ...where,
    event_id: z.string(),
    event_type: z.string(),
    order_id: z.string().nullable(),
    outcome: z.enum(['applied', 'duplicate', 'waiting', 'ignored', 'error']),
    detail: z.string().optional(),
  }),
  /** payments: a payment row committed with its outbox row */
  z.object({
    type: z.literal('payment_committed'),
    ...base,
    order_id: z.string(),
    payment_id: z.string(),
    user_id: z.string(),
    amount: z.number(),
    status: z.enum(['completed', 'failed']),
    reason: z.string().nullable(),
    balance_after: z.number().nullable(),
  }),
  /** orders: the order reached a status (and the update went to Redis) */
  z.object({ type: z.literal('order_status'), ...base, order_id: z.string(), status: z.enum(ORDER_STATUSES) }),
  /** orders: an update written to this replica's SSE connections of that user */
  z.object({
    type: z.literal('sse_pushed'),
    ...base,
    order_id: z.string(),
    user_id: z.string(),
    status: z.enum(ORDER_STATUSES),
    connections: z.number(),
  }),
  /** a record that is not a Lab C event: logged, counted, skipped (its offset committed) */
  z.object({
    type: z.literal('poison'),
    ...base,
    ...where,
    code: z.literal('POISON_MESSAGE'),
    message: z.string(),
    errors_total: z.number(),
  }),
  /** the test hook: the service waits here (a kill now is a kill mid-transaction) */
  z.object({ type: z.literal('paused'), ...base, at: z.string(), order_id: z.string(), ms: z.number() }),
]);
export type LabCLine = z.infer<typeof LabCLine>;
export type LabCLineOf<T extends LabCLine['type']> = Extract<LabCLine, { type: T }>;
export type LineOut = (line: LabCLine) => void;
/** A line without the fields its writer adds (ts, service, instance). */
export type LabCLineBody = LabCLine extends infer L
  ? L extends LabCLine
    ? Omit<L, 'ts' | 'service' | 'instance'>
    : never
  : never;

export const stdoutLine: LineOut = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** One stdout line of a Lab C service, or undefined for anything else (a plain log, a partial line). */
export const parseLabCLine = (line: string): LabCLine | undefined => parseJsonLine(LabCLine, line);
