// Lab B as data: RabbitMQ auth/audit and vacation notifications (seed 001). The names come from the services' interface
// (services/lab-b/schema.ts) and broken modes (services/lab-b/broken-modes.ts); index.ts applies the settings (the
// prefix of every exchange and queue, the ports).
import { BROKEN_MODES } from '../../../../services/lab-b/broken-modes.js';
import { DEFAULT_PORTS } from '../../../../services/lab-b/config.js';
import { BINDINGS, EXCHANGES, QUEUES, VACATION_NEXT, VACATION_STATUSES } from '../../../../services/lab-b/schema.js';
import type { LabManifest } from '../../contract/manifest.js';
import { LAB_B_CHECK_LIST, checkIdsOf } from './checks/catalog.js';
import { LAB_B_FAULT_INFO } from './faults.js';

/** The AMQP default exchange's name (direct, every queue bound by its own name; not declared, never prefixed). */
export const DEFAULT_EXCHANGE = '';

const queuesOf = (exchange: string) => BINDINGS.filter((b) => b.exchange === exchange).map((b) => b.queue);

/** Every exchange of the lab, unprefixed, with the queues bound to it. */
export const LAB_B_EXCHANGES: LabManifest['exchanges'] = [
  { name: DEFAULT_EXCHANGE, type: 'default', queues: [QUEUES.userRegistered] },
  { name: EXCHANGES.auth, type: 'topic', queues: queuesOf(EXCHANGES.auth) },
  { name: EXCHANGES.users, type: 'topic', queues: queuesOf(EXCHANGES.users) },
  { name: EXCHANGES.vacation, type: 'topic', queues: queuesOf(EXCHANGES.vacation) },
  { name: EXCHANGES.deadLetter, type: 'fanout', queues: queuesOf(EXCHANGES.deadLetter) },
];

/**
 * The kinds of fact of one vacation request's status change, in the order they happen: the vacation service publishes
 * it (confirmed, or returned / failed), each bound queue's consumer gets it, the notification instance sends the
 * notification and acks; a poison message is dead-lettered.
 */
export const LAB_B_STEPS = [
  { id: 'published', label: 'published to vacation.events (confirmed by the broker)' },
  { id: 'returned', label: 'returned by the broker: no queue bound for its routing key' },
  { id: 'publish_failed', label: 'publish failed (no broker in time, a nack)' },
  { id: 'delivered', label: 'delivered from a queue to a consumer' },
  { id: 'duplicate', label: 'seen before: skipped (dedupe by event id)' },
  { id: 'notification_sent', label: 'notification sent' },
  { id: 'acked', label: 'acked after the work' },
  { id: 'requeued', label: 'nacked back to its queue' },
  { id: 'ack_lost', label: 'channel closed before the ack: the broker redelivers it' },
  { id: 'dead_lettered', label: 'dead-lettered to lab-b.dlx' },
];

export const LAB_B_MANIFEST: LabManifest = {
  id: 'lab-b',
  title: 'Lab B · RabbitMQ',
  summary: 'auth and audit, vacation requests, notifications over RabbitMQ',
  seed: '001',
  components: ['rabbitmq', 'postgres'],
  services: [
    {
      kind: 'audit',
      instances: ['audit'],
      role: 'one audit row per login event (audit.auth) and the failed logins (security.failed-logins): fan-out',
    },
    {
      kind: 'users',
      instances: ['users'],
      role: 'profiles from user_registered (the seed queue, default exchange); PUT /users/{id} → users.events',
      port: DEFAULT_PORTS.users,
    },
    {
      kind: 'notification',
      instances: ['notification-1', 'notification-2'],
      role: 'share the work queue notification.vacation: each vacation status change notified by exactly one',
    },
    {
      kind: 'reports',
      instances: ['reports'],
      role: 'logins per day and vacation requests by status, from copies of auth.events and vacation.events',
      port: DEFAULT_PORTS.reports,
    },
    {
      kind: 'auth',
      instances: ['auth'],
      role: 'register (user_registered on the default exchange) and login (auth.login.* to auth.events)',
      after: ['audit', 'users', 'notification', 'reports'],
      port: DEFAULT_PORTS.auth,
    },
    {
      kind: 'vacation',
      instances: ['vacation'],
      role: 'vacation requests and their status machine → vacation.events; its copy of the users from users.events',
      after: ['audit', 'users', 'notification', 'reports'],
      port: DEFAULT_PORTS.vacation,
    },
  ],
  topics: [],
  exchanges: LAB_B_EXCHANGES,
  groups: [],
  entity: {
    noun: 'vacation request',
    idPattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    idExample: '0197a3c2-5b1e-7c4d-8e2f-1a2b3c4d5e6f',
    statuses: [...VACATION_STATUSES],
    next: Object.fromEntries(Object.entries(VACATION_NEXT).map(([from, to]) => [from === 'none' ? '' : from, [...to]])),
    tones: { submitted: 'warn', approved: 'ok', rejected: 'bad', cancelled: 'bad' },
    steps: LAB_B_STEPS,
  },
  views: ['stack', 'queues', 'timeline', 'checks'],
  hint: ['Start local stack', 'Start all services', 'Run load: logins and vacation requests'],
  checks: LAB_B_CHECK_LIST,
  // faults.ts: restart the broker, stop a consumer, publish an unroutable and a poison message (the kill of a consumer
  // holding unacked messages is the Stack view's Kill)
  faults: LAB_B_FAULT_INFO.map((f) => ({ ...f, ...(f.args ? { args: { ...f.args } } : {}) })),
  brokenModes: BROKEN_MODES.map((m) => ({
    id: m.id,
    label: m.label,
    bug: m.bug,
    services: [...m.services],
    breaks: checkIdsOf(m.breaks),
  })),
  load: {
    unit: 'vacation requests and logins',
    mix: [
      { id: 'approve', label: 'filed, approved', weight: 4 },
      { id: 'reject', label: 'filed, rejected', weight: 2 },
      { id: 'cancel', label: 'filed, cancelled', weight: 1 },
      { id: 'approve-cancel', label: 'filed, approved, then cancelled', weight: 1 },
      { id: 'login-failed', label: 'a login with a wrong password', weight: 2 },
    ],
    maxRate: 200,
    defaultRate: 5,
  },
};
