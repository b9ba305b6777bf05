// Builders of contract objects for the tests.
import type {
  GroupState,
  PartitionState,
  ServiceInstance,
  TailRecord,
  TimelineSummary,
} from '../../main/console/contract/console-api';

export const summary = (orderId: string, over: Partial<TimelineSummary> = {}): TimelineSummary => ({
  orderId,
  statuses: ['new', 'awaiting payment'],
  lastStatus: 'awaiting payment',
  firstAt: 1000,
  lastAt: 1000,
  partition: 0,
  instances: ['notifier-1'],
  flags: [],
  ...over,
});

export const partition = (topic: string, p: number, over: Partial<PartitionState> = {}): PartitionState => ({
  id: `${topic}/${p}`,
  topic,
  partition: p,
  leader: 1,
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
  kind: name === 'loms' ? 'loms' : 'notifier',
  state: 'running',
  pid: 1234,
  startedAt: 1000,
  exitedAt: null,
  exitCode: null,
  exitSignal: null,
  assignment: name === 'loms' ? null : {},
  generationId: 1,
  eventsProcessed: 0,
  errors: 0,
  port: name === 'loms' ? 8084 : null,
  ...over,
});
