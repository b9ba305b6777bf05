// Lab D as data: LOMS with a transactional outbox and three notifiers in one consumer group (seed 003).
import {
  NEXT_STATUSES,
  NOTIFIER_GROUP_ID,
  ORDER_EVENTS_PARTITIONS,
  ORDER_EVENTS_TOPIC,
  ORDER_STATUSES,
  OUTBOX_TABLE,
} from '../../../../services/lab-d/schema.js';
import { LAB_D_BROKEN_MODES } from '../../../../services/lab-d/broken-modes.js';
import type { LabManifest } from '../../contract/manifest.js';
import { LAB_D_CHECK_LIST, checkIdsOf } from './checks/catalog.js';

export const LAB_D_MANIFEST: LabManifest = {
  id: 'lab-d',
  title: 'Lab D · LOMS',
  summary: 'orders, outbox, notifiers',
  seed: '003',
  components: ['kafka', 'postgres'],
  services: [
    {
      kind: 'loms',
      instances: ['loms'],
      role: 'the order service: HTTP API, Postgres, transactional outbox relayed to Kafka',
      port: 8084,
    },
    {
      kind: 'notifier',
      instances: ['notifier-1', 'notifier-2', 'notifier-3'],
      role: 'one consumer group: each member logs the events of the partitions it owns',
      after: ['loms'],
    },
  ],
  topics: [{ name: ORDER_EVENTS_TOPIC, partitions: ORDER_EVENTS_PARTITIONS, replication: 1, key: 'order id' }],
  exchanges: [],
  groups: [NOTIFIER_GROUP_ID],
  // the System view and the architecture export draw these; the group's members are what Kafka reports
  flows: [
    { from: 'service:loms', to: `table:${OUTBOX_TABLE}`, label: 'commit, one transaction' },
    { from: 'service:loms', to: `topic:${ORDER_EVENTS_TOPIC}`, label: 'outbox relay' },
    { from: `topic:${ORDER_EVENTS_TOPIC}`, to: `group:${NOTIFIER_GROUP_ID}` },
    { from: `group:${NOTIFIER_GROUP_ID}`, to: 'service:notifier' },
  ],
  entity: {
    noun: 'order',
    idPattern: '^[1-9]\\d{0,18}$',
    idExample: '1042',
    statuses: [...ORDER_STATUSES],
    next: Object.fromEntries(Object.entries(NEXT_STATUSES).map(([from, to]) => [from === 'none' ? '' : from, [...to]])),
    tones: { new: 'info', 'awaiting payment': 'warn', failed: 'bad', paid: 'ok', cancelled: 'bad' },
    steps: [
      { id: 'committed', label: 'committed in Postgres (outbox row)' },
      { id: 'published', label: 'published to Kafka' },
      { id: 'processed', label: 'processed by a notifier' },
    ],
  },
  views: ['stack', 'topics', 'groups', 'outbox', 'timeline', 'checks'],
  hint: ['Start local stack', 'Start all services', 'Create orders'],
  checks: LAB_D_CHECK_LIST,
  faults: [
    { id: 'relay-pause', label: 'Pause the relay', description: 'loms keeps committing orders; outbox rows pile up.' },
    { id: 'relay-resume', label: 'Resume the relay', description: 'The backlog drains in order per key.' },
    {
      id: 'duplicate-event',
      label: 'Duplicate an event',
      description: 'Re-sends the newest order event (or the one at partition/offset): the notifiers see it twice.',
      args: { partition: 'partition of the record to copy', offset: 'offset of the record to copy' },
    },
    {
      id: 'poison-event',
      label: 'Poison record',
      description: 'Sends a value that is not JSON: a notifier logs it as an error and moves on.',
      args: { key: 'record key', value: 'record value' },
    },
  ],
  // each mode names the checks it must make fail by LABS.md's invariant numbers (services/lab-d/broken-modes.ts)
  brokenModes: LAB_D_BROKEN_MODES.map((m) => ({
    id: m.id,
    label: m.label,
    bug: m.bug,
    services: [...m.services],
    breaks: checkIdsOf(m.invariants),
  })),
  load: {
    unit: 'orders',
    mix: [
      { id: 'pay', label: 'paid', weight: 5 },
      { id: 'cancel', label: 'cancelled', weight: 2 },
      { id: 'failed', label: 'failed (no stock)', weight: 1 },
      { id: 'none', label: 'left awaiting payment', weight: 2 },
    ],
    maxRate: 1000,
    defaultRate: 20,
  },
};
