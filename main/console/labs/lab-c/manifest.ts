// Lab C as data: orders and payments with outbox + inbox and an exactly-once payment (seed 002): orders ×3 and payments
// ×3 replicas behind one gateway, one database per service, Kafka between them, Redis pub/sub for the live stream. The
// entity the timeline follows is an order; its statuses come from the services' lines (an order's events are on two
// topics, orders-events and payments-events, so no one topic orders them).
import { LAB_C_BROKEN_MODES } from '../../../../services/lab-c/broken-modes.js';
import {
  ORDER_STATUSES,
  ORDERS_GROUP,
  ORDERS_TOPIC,
  PAYMENTS_GROUP,
  PAYMENTS_TOPIC,
  TOPIC_PARTITIONS,
} from '../../../../services/lab-c/schema.js';
import type { LabManifest } from '../../contract/manifest.js';
import { LAB_C_CHECK_LIST, checkIdsOf } from './checks.js';

/** the timeline's steps of an order (manifest order: the column order within one status) */
export const STEPS = {
  committed: 'committed',
  received: 'received',
  waiting: 'waiting',
  duplicate: 'duplicate',
  paused: 'paused',
  payment: 'payment',
  applied: 'applied',
  status: 'status',
  pushed: 'pushed',
} as const;

export const INSTANCES = {
  orders: ['orders-1', 'orders-2', 'orders-3'],
  payments: ['payments-1', 'payments-2', 'payments-3'],
  gateway: ['gateway'],
} as const;

export interface ManifestNames {
  prefix: string;
  gatewayPort: number;
}

export function labCManifest({ prefix, gatewayPort }: ManifestNames = { prefix: '', gatewayPort: 8090 }): LabManifest {
  return {
    id: 'lab-c',
    title: 'Lab C · orders & payments',
    summary: 'outbox + inbox, exactly-once payment, live status over SSE',
    seed: '002',
    components: ['kafka', 'postgres', 'redis'],
    services: [
      {
        kind: 'payments',
        instances: [...INSTANCES.payments],
        role: 'accounts and top-ups; pays each order.created once (inbox, locked debit, payment row, outbox, one transaction)',
      },
      {
        kind: 'orders',
        instances: [...INSTANCES.orders],
        role: 'orders with an outbox to orders-events; applies payment events once (inbox); SSE fan-out over Redis',
        after: ['payments'],
      },
      {
        kind: 'gateway',
        instances: [...INSTANCES.gateway],
        role: 'one entry point: /orders-api and /payments-api spread over the replicas, CORS, the event stream',
        after: ['orders', 'payments'],
        port: gatewayPort,
      },
    ],
    topics: [
      { name: `${prefix}${ORDERS_TOPIC}`, partitions: TOPIC_PARTITIONS, replication: 1, key: 'order id' },
      { name: `${prefix}${PAYMENTS_TOPIC}`, partitions: TOPIC_PARTITIONS, replication: 1, key: 'order id' },
    ],
    exchanges: [],
    groups: [`${prefix}${PAYMENTS_GROUP}`, `${prefix}${ORDERS_GROUP}`],
    entity: {
      noun: 'order',
      idPattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      idExample: '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a',
      statuses: [...ORDER_STATUSES],
      next: {
        '': ['created'],
        created: ['payment_pending', 'paid', 'payment_failed', 'cancelled'],
        payment_pending: ['paid', 'payment_failed', 'cancelled'],
        paid: ['completed'],
        payment_failed: [],
        completed: [],
        cancelled: [],
      },
      tones: {
        created: 'info',
        payment_pending: 'warn',
        paid: 'ok',
        payment_failed: 'bad',
        completed: 'ok',
        cancelled: 'bad',
      },
      steps: [
        { id: STEPS.committed, label: 'committed by orders (order row + outbox row, one transaction)' },
        { id: STEPS.received, label: 'received by the payments inbox (order.created at partition/offset)' },
        { id: STEPS.waiting, label: 'waiting in the payments inbox for funds' },
        { id: STEPS.duplicate, label: 'a duplicate rejected by an inbox' },
        { id: STEPS.paused, label: 'paused mid-transaction (the kill window)' },
        { id: STEPS.payment, label: 'payment committed (debit, payment row, outbox row, inbox mark)' },
        { id: STEPS.applied, label: 'applied by the orders inbox (payment event at partition/offset)' },
        { id: STEPS.status, label: 'order status published to Redis' },
        { id: STEPS.pushed, label: "pushed to the user's SSE stream" },
      ],
    },
    views: ['stack', 'topics', 'groups', 'outbox', 'timeline', 'checks'],
    hint: [
      'Start local stack',
      'Start all services',
      'Create an account, top it up and create orders through the gateway (http://127.0.0.1:8090)',
      'Open an order on the Timeline: committed → received → payment → applied → paid → pushed',
    ],
    checks: LAB_C_CHECK_LIST,
    faults: [
      {
        id: 'duplicate-event',
        label: 'Duplicate an order.created',
        description:
          'Re-sends the newest order.created (or the one at partition/offset) with its event_id: the payments inbox must reject it and no second debit happens.',
        args: {
          topic: `a lab topic (${ORDERS_TOPIC} by default)`,
          partition: 'partition of the record to copy',
          offset: 'offset of the record to copy',
        },
      },
      {
        id: 'poison-event',
        label: 'Poison record',
        description: "Sends a value that is not JSON: the topic's consumers log it, count it and skip it.",
        args: { topic: `a lab topic (${ORDERS_TOPIC} by default)`, key: 'record key', value: 'record value' },
      },
      {
        id: 'reset-payments-group',
        label: 'Reset the payments group to the earliest offset',
        description:
          "Stops payments' replicas (Kafka resets only an empty group), sets the group's offsets on orders-events to the earliest and starts them again: every order.created comes again and the inbox must reject each.",
      },
      {
        id: 'kill-payments',
        label: 'Kill a payments replica mid-transaction',
        description:
          'Restarts payments with the test hook that waits inside the payment transaction, creates an order of a funded user, kills (SIGKILL) the replica holding it there and restarts the replicas without the pause: the order is redelivered and must be paid and debited once.',
        args: { pauseMs: 'how long payments waits in the transaction (5000)' },
      },
      {
        id: 'race-payments',
        label: 'Race the payments replicas on one order',
        description:
          "Holds an order in one replica's payment transaction (the test hook), re-sends its order.created to every partition so the other replicas race on it, and tops the account up meanwhile: one payment, one debit, every top-up kept.",
        args: { pauseMs: 'how long payments waits in the transaction (2000)' },
      },
      {
        id: 'db-link-cut',
        label: "Cut a service's database link",
        description:
          "Cuts the link of a service's replicas to its database (the console's link proxy): orders accepted meanwhile must end once it is restored.",
        args: { service: 'orders or payments (payments)' },
      },
      {
        id: 'db-link-restore',
        label: "Restore a service's database link",
        description: "Restores the service's link to its database.",
        args: { service: 'orders or payments (payments)' },
      },
    ],
    brokenModes: LAB_C_BROKEN_MODES.map((m) => ({
      id: m.id,
      label: m.label,
      bug: m.bug,
      services: [...m.services],
      // the checks it must make fail, by LABS.md's invariants (services/lab-c/broken-modes.ts); invariant 5 fails
      // through a bad setup (EVENTSCOPE_LAB_C_SSE_UNSUBSCRIBED), not a mode
      breaks: checkIdsOf(m.invariants),
    })),
    load: {
      unit: 'orders',
      mix: [
        { id: 'funded', label: 'a funded user orders (paid)', weight: 8 },
        { id: 'under-funded', label: 'an under-funded user orders (payment_failed after the funds window)', weight: 2 },
      ],
      maxRate: 100,
      defaultRate: 5,
    },
  };
}
