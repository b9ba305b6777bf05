// Builders of contract objects for the tests, and lab manifests as data: a Lab D-like one (the renderer cannot import
// main/console/labs, so it is written out here) and a small second lab to switch to.
import type {
  CheckInfo,
  CheckResult,
  ConsoleInfo,
  GroupState,
  LabManifest,
  PartitionState,
  ServiceInstance,
  TailRecord,
  TimelineSummary,
} from '../../main/console/contract/console-api';

export const LAB_D: LabManifest = {
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
  topics: [{ name: 'loms.order-events', partitions: 2, replication: 1, key: 'order id' }],
  exchanges: [],
  groups: ['notifier'],
  entity: {
    noun: 'order',
    idPattern: '^[1-9]\\d{0,18}$',
    idExample: '1042',
    statuses: ['new', 'awaiting payment', 'failed', 'paid', 'cancelled'],
    next: {
      '': ['new'],
      new: ['awaiting payment', 'failed'],
      'awaiting payment': ['paid', 'cancelled'],
      failed: [],
      paid: [],
      cancelled: [],
    },
    tones: { new: 'info', 'awaiting payment': 'warn', failed: 'bad', paid: 'ok', cancelled: 'bad' },
    steps: [
      { id: 'committed', label: 'committed in Postgres (outbox row)' },
      { id: 'published', label: 'published to Kafka' },
      { id: 'processed', label: 'processed by a notifier' },
    ],
  },
  views: ['stack', 'topics', 'groups', 'outbox', 'timeline'],
  hint: ['Start local stack', 'Start all services', 'Create orders'],
  checks: [],
  faults: [
    { id: 'relay-pause', label: 'Pause the relay', description: 'loms keeps committing orders; outbox rows pile up.' },
    { id: 'relay-resume', label: 'Resume the relay', description: 'The backlog drains in order per key.' },
    {
      id: 'duplicate-event',
      label: 'Duplicate an event',
      description: 'Re-sends the newest order event (or the one at partition/offset): the notifiers see it twice.',
      args: { partition: 'partition of the record to copy', offset: 'offset of the record to copy' },
    },
  ],
  brokenModes: [
    {
      id: 'relay-gives-up',
      label: 'Relay gives up',
      bug: 'the relay marks a row sent when the send failed',
      services: ['loms'],
      breaks: [],
    },
  ],
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

/** A second lab, unlike Lab D: RabbitMQ and MongoDB, another noun, no topics, no load, fewer views. */
export const LAB_X: LabManifest = {
  id: 'lab-x',
  title: 'Lab X · Talks',
  summary: 'presentations, a queue, a projector',
  seed: '999',
  components: ['rabbitmq', 'mongodb'],
  services: [
    { kind: 'api', instances: ['api'], role: 'accepts talks', port: 9000 },
    { kind: 'projector', instances: ['projector-a', 'projector-b'], role: 'writes the read model', after: ['api'] },
  ],
  topics: [],
  exchanges: [{ name: 'talks', type: 'topic', queues: ['talks.projector'] }],
  groups: [],
  entity: {
    noun: 'presentation',
    idPattern: '^[a-z]{3}-\\d+$',
    idExample: 'tlk-7',
    statuses: ['draft', 'accepted', 'rejected'],
    next: { '': ['draft'], draft: ['accepted', 'rejected'], accepted: [], rejected: [] },
    tones: { draft: 'info', accepted: 'ok', rejected: 'bad' },
    steps: [
      { id: 'sent', label: 'sent to the exchange' },
      { id: 'projected', label: 'projected into MongoDB' },
    ],
  },
  views: ['stack', 'timeline'],
  hint: ['Start local stack', 'Start all services'],
  checks: [],
  faults: [],
  brokenModes: [],
  load: null,
};

export const info = (over: Partial<ConsoleInfo> = {}): ConsoleInfo => ({
  mode: 'web',
  version: 'test',
  provider: 'local',
  pollIntervalMs: 1000,
  observerGroupId: 'eventscope-observer',
  topics: ['loms.order-events'],
  timelineCap: 100_000,
  labs: [LAB_D, LAB_X],
  lab: 'lab-d',
  ...over,
});

export const summary = (entity: string, over: Partial<TimelineSummary> = {}): TimelineSummary => ({
  lab: 'lab-d',
  entity,
  statuses: ['new', 'awaiting payment'],
  lastStatus: 'awaiting payment',
  firstAt: 1000,
  lastAt: 1000,
  partition: 0,
  actors: ['notifier-1'],
  flags: [],
  ...over,
});

export const partition = (topic: string, p: number, over: Partial<PartitionState> = {}): PartitionState => ({
  id: `${topic}/${p}`,
  topic,
  partition: p,
  leader: 1,
  replicas: [1],
  isr: [1],
  logStartOffset: '0',
  logEndOffset: '10',
  msgsPerSec: 0,
  keysSeen: 5,
  ...over,
});

export const record = (idx: number, over: Partial<TailRecord> = {}): TailRecord => ({
  idx,
  topic: 'loms.order-events',
  partition: idx % 2,
  offset: String(idx),
  key: String(100 + idx),
  value: '{}',
  timestamp: 1000 + idx,
  ...over,
});

export const notifierGroup = (owners: Record<string, number[]>): GroupState => {
  const members: GroupState['members'] = Object.entries(owners).map(([name, parts]) => {
    const assignment: Record<string, number[]> = {};
    if (parts.length > 0) assignment['loms.order-events'] = parts;
    return {
      memberId: `notifier-${name}-${name}0000`,
      clientId: `notifier-${name}`,
      clientHost: '/127.0.0.1',
      assignment,
    };
  });
  const ownerOf = (p: number) => members.find((m) => m.assignment['loms.order-events']?.includes(p))?.memberId ?? null;
  return {
    groupId: 'notifier',
    state: 'Stable',
    protocol: 'sticky',
    members,
    partitions: [0, 1].map((p) => ({
      topic: 'loms.order-events',
      partition: p,
      committedOffset: '10',
      logEndOffset: '12',
      lag: 2,
      lagSeconds: 0.5,
      ownerMemberId: ownerOf(p),
    })),
    totalLag: 4,
  };
};

export const instance = (name: ServiceInstance['instance'], over: Partial<ServiceInstance> = {}): ServiceInstance => ({
  instance: name,
  lab: 'lab-d',
  kind: name === 'loms' ? 'loms' : 'notifier',
  state: 'running',
  pid: 1234,
  startedAt: 1000,
  exitedAt: null,
  exitCode: null,
  exitSignal: null,
  brokenMode: null,
  assignment: name === 'loms' ? null : {},
  generationId: 1,
  eventsProcessed: 0,
  errors: 0,
  port: name === 'loms' ? 8084 : null,
  ...over,
});

/** Lab D-like checks (a few of its invariants): passive and active ones, two of the additional task. */
export const LAB_D_CHECKS: LabManifest['checks'] = [
  {
    id: 'topic-shape',
    title: 'Topic shape',
    invariant: 'loms.order-events has 2 partitions, replication 1.',
    active: false,
  },
  {
    id: 'per-order-ordering',
    title: 'Per-order ordering',
    invariant: 'All records of one order are on one partition and their statuses, in offset order, are a valid path.',
    active: false,
  },
  {
    id: 'resume',
    title: 'Resume after a stop',
    invariant: 'Stop all notifiers, create orders, start them: every event is processed and the lag is back to 0.',
    active: true,
    additional: true,
  },
  {
    id: 'outage-at-least-once',
    title: 'At least once through a Kafka outage',
    invariant: 'Stop Kafka, create and pay orders, start Kafka: every (order, status) reaches the topic, in order.',
    active: true,
    additional: true,
  },
];

export const LAB_D_BROKEN_MODES: LabManifest['brokenModes'] = [
  {
    id: 'relay-gives-up',
    label: 'Relay gives up',
    bug: 'A send that fails marks its outbox rows `done` and the relay moves on, so an outage loses events.',
    services: ['loms'],
    breaks: ['outage-at-least-once', 'per-order-ordering'],
  },
  {
    id: 'commit-before-process',
    label: 'Commit before process',
    bug: 'The notifier commits a batch as soon as it receives it and processes it afterwards: a kill loses it.',
    services: ['notifier'],
    breaks: ['resume'],
  },
];

/** Lab D with its checks and broken modes, and the Checks view in its menu. */
export const LAB_D_WITH_CHECKS: LabManifest = {
  ...LAB_D,
  views: [...LAB_D.views, 'checks'],
  checks: LAB_D_CHECKS,
  brokenModes: LAB_D_BROKEN_MODES,
};

export const checkResult = (check: string, over: Partial<CheckResult> = {}): CheckResult => ({
  lab: 'lab-d',
  check,
  runId: 'run-1',
  status: 'PASS',
  summary: `${check}: all good`,
  counts: { checked: 10 },
  evidence: [],
  startedAt: 1000,
  finishedAt: 2500,
  ...over,
});

/** The checks:list entry of one of LAB_D_CHECKS. */
export const checkInfo = (id: string, over: Partial<CheckInfo> = {}): CheckInfo => {
  const c = LAB_D_CHECKS.find((x) => x.id === id);
  return {
    id,
    title: c?.title ?? id,
    invariant: c?.invariant ?? '',
    active: c?.active ?? false,
    additional: c?.additional ?? false,
    running: false,
    last: null,
    ...over,
  };
};
