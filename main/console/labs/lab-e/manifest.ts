// Lab E as data: the popug task tracker and accounting (seed 004): five services behind a gateway, one database each,
// versioned JSON-schema events on Kafka. The entity the timeline follows is a task.
//
// Statuses are the task's published business events on tasks-lifecycle, one each: `created` (TaskAdded), `assigned`
// (the first TaskAssigned, reason `created`), `completed` (TaskCompleted). A reshuffle's TaskAssigned is not a second
// `assigned` (the entity store flags a status published twice as a duplicate, which a replay is and a reshuffle is
// not): it is a `reassigned` step of the `assigned` row, from tasks' line, with the fee accounting charged for it.
import { BROKEN_MODES } from '../../../../services/lab-e/broken-modes.js';
import {
  DEFAULT_PORTS,
  GROUPS,
  TOPIC_PARTITIONS,
  TOPICS,
  dlqOf,
  type LabEService,
  type TopicKey,
} from '../../../../services/lab-e/schema.js';
import type { LabManifest, ManifestService } from '../../contract/manifest.js';
import { LAB_E_CHECK_LIST, LAB_E_FAULT_INFO, checkIdsOf } from './checks/catalog.js';

/** the task's statuses, in their order (a status index is its position here) */
export const TASK_STATUSES = ['created', 'assigned', 'completed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** the timeline's steps of a task (manifest order: the column order within one status) */
export const STEPS = {
  published: 'published',
  streamed: 'streamed',
  reassigned: 'reassigned',
  handled: 'handled',
  consumed: 'consumed',
  priced: 'priced',
  fee: 'fee',
  reward: 'reward',
  deadLettered: 'dead-lettered',
  refused: 'refused',
} as const;

const KEYS: Readonly<Record<TopicKey, string>> = {
  accountsStream: 'account public id',
  accounts: 'account public id',
  tasksStream: 'task public id',
  tasksLifecycle: 'task public id',
  transactions: 'account public id (a cycle id for BillingCycleClosed)',
};

const ROLES: Readonly<Record<LabEService, string>> = {
  gateway: 'the one door: checks the JWT (401 without one, 403 for a role not allowed) and passes the call on',
  auth: 'signup, login (JWT), role changes; AccountCreated/AccountUpdated (CUD) and AccountRoleChanged',
  tasks:
    'the tracker: a random worker per task, reshuffle, complete; TaskCreated v1/v2 (CUD) and TaskAdded/TaskAssigned/TaskCompleted',
  accounting:
    'prices a task once, charges a fee per assignment and pays the reward, ledger and balances, closes the day',
  analytics: "the read side: today's management income, negative balances, the most expensive task",
};

/** gateway last; the consumers of auth's accounts before auth (they read from the beginning anyway) */
const AFTER: Readonly<Record<LabEService, readonly LabEService[]>> = {
  tasks: [],
  accounting: [],
  analytics: [],
  auth: ['tasks', 'accounting', 'analytics'],
  gateway: ['auth', 'tasks', 'accounting', 'analytics'],
};
const ORDER: readonly LabEService[] = ['tasks', 'accounting', 'analytics', 'auth', 'gateway'];

export interface ManifestNames {
  prefix: string;
  ports: Readonly<Record<LabEService, number>>;
}

export function labEManifest({ prefix, ports }: ManifestNames = { prefix: '', ports: DEFAULT_PORTS }): LabManifest {
  const services: ManifestService[] = ORDER.map((kind) => ({
    kind,
    instances: [kind],
    role: ROLES[kind],
    ...(AFTER[kind].length > 0 ? { after: [...AFTER[kind]] } : {}),
    port: ports[kind],
  }));
  const topicKeys = Object.keys(TOPICS) as TopicKey[];
  return {
    id: 'lab-e',
    title: 'Lab E · popug',
    summary: 'tasks, accounting, versioned JSON-schema events',
    seed: '004',
    components: ['kafka', 'postgres'],
    services,
    topics: [
      ...topicKeys.map((k) => ({
        name: `${prefix}${TOPICS[k]}`,
        partitions: TOPIC_PARTITIONS,
        replication: 1,
        key: KEYS[k],
      })),
      ...topicKeys.map((k) => ({
        name: dlqOf(`${prefix}${TOPICS[k]}`),
        partitions: 1,
        replication: 1,
        key: 'the source record key (invalid events, with their errors)',
      })),
    ],
    exchanges: [],
    groups: Object.values(GROUPS).map((g) => `${prefix}${g}`),
    entity: {
      noun: 'task',
      idPattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      idExample: '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a',
      statuses: [...TASK_STATUSES],
      next: { '': ['created'], created: ['assigned'], assigned: ['assigned', 'completed'], completed: [] },
      tones: { created: 'info', assigned: 'warn', completed: 'ok' },
      steps: [
        { id: STEPS.published, label: 'published to tasks-lifecycle' },
        { id: STEPS.streamed, label: 'CUD event on tasks-stream (TaskCreated v1/v2, TaskUpdated)' },
        { id: STEPS.reassigned, label: 'reassigned by a reshuffle (TaskAssigned)' },
        { id: STEPS.handled, label: 'handled by accounting' },
        { id: STEPS.consumed, label: 'consumed (a CUD event, a reshuffle, analytics)' },
        { id: STEPS.priced, label: 'price fixed by accounting (once)' },
        { id: STEPS.fee, label: 'fee charged to the assignee' },
        { id: STEPS.reward, label: 'reward paid to the assignee' },
        { id: STEPS.deadLettered, label: 'dead-lettered (fails its schema)' },
        { id: STEPS.refused, label: 'refused by its producer (fails its schema, not sent)' },
      ],
    },
    views: ['stack', 'topics', 'groups', 'timeline', 'checks'],
    hint: [
      'Start local stack',
      'Start all services',
      'Run load: workers and a manager sign up, tasks are created, reshuffled and completed',
      'Open a task on the Timeline: created → assigned (fee) → reassigned (fee) → completed (reward)',
    ],
    checks: LAB_E_CHECK_LIST,
    faults: [
      {
        id: 'duplicate-event',
        label: 'Replay an event',
        description:
          'Re-sends the newest event of a topic (or the one at partition/offset) with its event_id: consumers must log a duplicate and change no balance.',
        args: {
          topic: `a lab topic (${TOPICS.tasksLifecycle} by default)`,
          partition: 'partition of the record to copy',
          offset: 'offset of the record to copy',
        },
      },
      {
        id: 'poison-event',
        label: 'Poison record',
        description:
          'Sends a value that is not JSON: every consumer of the topic dead-letters it to <topic>.dlq and goes on.',
        args: { topic: `a lab topic (${TOPICS.tasksLifecycle} by default)`, key: 'record key', value: 'record value' },
      },
      ...LAB_E_FAULT_INFO.map((f) => ({ ...f, args: { ...f.args } })),
      {
        id: 'invalid-event',
        label: 'Publish an event that fails its schema',
        description:
          "Sends a TaskAssigned whose assignee is `assignee_id` instead of `assignee_public_id` (what skip-validation's producer sends): accounting dead-letters it with the schema's errors. It carries the fault header, so check 1 counts it apart.",
        args: { task: "the task's public id (the newest task seen by default)" },
      },
    ],
    brokenModes: BROKEN_MODES.map((m) => ({
      id: m.id,
      label: m.label,
      bug: m.bug,
      services: [...m.services],
      // the checks it must make fail, by LABS.md's invariant numbers (services/lab-e/broken-modes.ts)
      breaks: checkIdsOf(m.invariants),
    })),
    load: {
      unit: 'tasks',
      mix: [
        { id: 'complete', label: 'created, then completed by its assignee', weight: 6 },
        { id: 'reshuffle', label: 'created, open tasks reshuffled, then completed', weight: 1 },
        { id: 'create', label: 'created and left open', weight: 1 },
      ],
      maxRate: 50,
      defaultRate: 5,
    },
  };
}
