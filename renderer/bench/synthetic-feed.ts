// A synthetic console for the renderer bench: answers the snapshot requests and pushes batches the way main does
// (every 50 ms, with seq numbers). It measures the renderer, not the brokers.
import type {
  ConsoleClient,
  ConsoleRequests,
  EventName,
  GroupState,
  PartitionState,
  PayloadOf,
  ServiceInstance,
  TailRecord,
  TimelineSummary,
} from '../../main/console/contract/console-api';

type OrderStatus = TimelineSummary['statuses'][number];

const TOPIC = 'loms.order-events';
const NO_ASSIGNMENT: Record<string, number[]> = {};
const PATHS: OrderStatus[][] = [
  ['new'],
  ['new', 'awaiting payment'],
  ['new', 'awaiting payment', 'paid'],
  ['new', 'awaiting payment', 'cancelled'],
  ['new', 'failed'],
];

export function summaryOf(id: number, at: number): TimelineSummary {
  const statuses = PATHS[id % PATHS.length] as OrderStatus[];
  return {
    orderId: String(id),
    statuses,
    lastStatus: statuses[statuses.length - 1] ?? null,
    firstAt: at - 40,
    lastAt: at,
    partition: id % 2,
    instances: [id % 2 === 0 ? 'notifier-1' : 'notifier-2'],
    flags: id % 997 === 0 ? ['duplicate'] : [],
  };
}

function instance(name: ServiceInstance['instance']): ServiceInstance {
  return {
    instance: name,
    kind: name === 'loms' ? 'loms' : 'notifier',
    state: 'running',
    pid: 100,
    startedAt: Date.now(),
    exitedAt: null,
    exitCode: null,
    exitSignal: null,
    assignment:
      name === 'notifier-1'
        ? { [TOPIC]: [0] }
        : name === 'notifier-2'
          ? { [TOPIC]: [1] }
          : name === 'notifier-3'
            ? {}
            : null,
    generationId: 3,
    eventsProcessed: 0,
    errors: 0,
    port: name === 'loms' ? 8084 : null,
  };
}

export interface Feed {
  client: ConsoleClient;
  /** pushes `eventsPerSec` order events (one tail record + one timeline update each), batched every `batchMs` */
  start(eventsPerSec: number, batchMs?: number): void;
  stop(): void;
  readonly delivered: number;
  /** ids 1..n exist already (the preload) */
  nextId: number;
}

export function createSyntheticFeed(preloaded: number): Feed {
  const listeners = new Map<string, Set<(p: never) => void>>();
  const emit = <E extends EventName>(name: E, payload: PayloadOf<E>) => {
    for (const l of listeners.get(name) ?? []) l(payload as never);
  };
  const seq: Record<string, number> = {};
  const next = (name: string) => (seq[name] = (seq[name] ?? 0) + 1);
  const offsets = [0, 0];
  let idx = 0;
  let delivered = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let slow: ReturnType<typeof setInterval> | undefined;

  const partitions = (): PartitionState[] =>
    [0, 1].map((p) => ({
      id: `${TOPIC}/${p}`,
      topic: TOPIC,
      partition: p,
      leader: 1,
      logStartOffset: '0',
      logEndOffset: String(offsets[p]),
      msgsPerSec: 500,
      keysSeen: Math.floor(feed.nextId / 2),
    }));
  const group = (): GroupState => ({
    groupId: 'notifier',
    state: 'Stable',
    protocol: 'sticky',
    members: ['1', '2', '3'].map((n) => ({
      memberId: `notifier-notifier-${n}-0000`,
      clientId: `notifier-notifier-${n}`,
      clientHost: '/127.0.0.1',
      assignment: n === '3' ? NO_ASSIGNMENT : { [TOPIC]: [Number(n) - 1] },
    })),
    partitions: [0, 1].map((p) => ({
      topic: TOPIC,
      partition: p,
      committedOffset: String(Math.max(0, (offsets[p] ?? 0) - 3)),
      logEndOffset: String(offsets[p]),
      lag: 3,
      lagSeconds: 0.006,
      ownerMemberId: `notifier-notifier-${p + 1}-0000`,
    })),
    totalLag: 6,
  });
  const outbox = () => ({
    reachable: true,
    pending: 5,
    oldestPendingAgeMs: 20,
    sentPerSec: 1000,
    sentTotal: delivered,
    at: Date.now(),
    detail: '',
  });

  const handlers: Partial<Record<string, (req: unknown) => unknown>> = {
    'console:info': () => ({
      mode: 'web',
      version: 'bench',
      provider: 'local',
      pollIntervalMs: 1000,
      observerGroupId: 'obs',
      topics: [TOPIC],
      timelineCap: 100_000,
    }),
    'stack:status': () => ({
      provider: 'local',
      health: (['kafka', 'postgres', 'rabbitmq', 'mongodb', 'redis'] as const).map((name) => ({
        name,
        state: 'healthy',
        endpoint: '127.0.0.1',
        detail: 'synthetic',
      })),
    }),
    'services:list': () => ({ instances: (['loms', 'notifier-1', 'notifier-2', 'notifier-3'] as const).map(instance) }),
    'services:logs': () => ({ lines: [] }),
    'load:status': () => ({ progress: null }),
    'outbox:history': () => ({ samples: [] }),
    'outbox:snapshot': () => ({ seq: seq['outbox:diff'] ?? 0, state: outbox() }),
    'kafka:snapshot': () => ({ seq: seq['kafka:snapshot-diff'] ?? 0, partitions: partitions() }),
    'groups:snapshot': () => ({ seq: seq['groups:diff'] ?? 0, groups: [group()] }),
    'groups:rebalances': () => ({ rebalances: [] }),
    'timeline:recent': () => ({ items: [], size: preloaded, cap: 100_000 }),
    'timeline:flagged': () => ({ items: [], total: 0 }),
    'relay:status': () => ({ paused: false, pending: 5, sent_total: delivered, last_error: null }),
    'timeline:get': (req) => ({
      timeline: { ...summaryOf(Number((req as { orderId: string }).orderId), Date.now()), steps: [], flagReasons: [] },
    }),
  };

  const request = new Proxy({} as ConsoleRequests, {
    get: (_t, name) => (req: unknown) => {
      const h = handlers[String(name)];
      return h === undefined
        ? Promise.reject(Object.assign(new Error(`bench: ${String(name)}`), { code: 'NOT_FOUND' }))
        : Promise.resolve(h(req));
    },
  });

  const feed: Feed = {
    client: {
      request,
      subscribe(name, listener) {
        let set = listeners.get(name);
        if (set === undefined) listeners.set(name, (set = new Set()));
        const l = listener as (p: never) => void;
        set.add(l);
        return () => set.delete(l);
      },
    },
    nextId: preloaded + 1,
    get delivered() {
      return delivered;
    },
    start(eventsPerSec, batchMs = 50) {
      const startedAt = Date.now();
      const base = delivered;
      timer = setInterval(() => {
        const now = Date.now();
        // as many events as are due by now (a late timer catches up, like main's batcher would)
        const perBatch = Math.max(0, Math.round(((now - startedAt) * eventsPerSec) / 1000) - (delivered - base));
        if (perBatch === 0) return;
        const records: TailRecord[] = [];
        const updated: TimelineSummary[] = [];
        for (let i = 0; i < perBatch; i += 1) {
          // half of the events move existing orders on, half create new ones (which evicts the oldest)
          const id = i % 2 === 0 ? 1 + Math.floor(Math.random() * (feed.nextId - 1)) : feed.nextId++;
          const p = id % 2;
          offsets[p] = (offsets[p] ?? 0) + 1;
          records.push({
            idx: idx++,
            topic: TOPIC,
            partition: p,
            offset: String(offsets[p]),
            key: String(id),
            value: `{"order_id":${id},"status":"new","moment":"${new Date(now).toISOString()}","source":"loms"}`,
            timestamp: now,
          });
          updated.push(summaryOf(id, now));
        }
        delivered += perBatch;
        emit('tail:batch', { seq: next('tail:batch'), records, dropped: 0 });
        emit('timeline:batch', {
          seq: next('timeline:batch'),
          updated,
          evicted: 0,
          size: Math.min(100_000, feed.nextId),
        });
        emit('services:log', {
          seq: next('services:log'),
          lines: records
            .slice(0, 10)
            .map((r) => ({
              instance: r.partition === 0 ? 'notifier-1' : 'notifier-2',
              stream: 'stdout',
              at: now,
              text: r.value ?? '',
              kind: 'event',
            })),
        });
      }, batchMs);
      slow = setInterval(() => {
        emit('kafka:snapshot-diff', { seq: next('kafka:snapshot-diff'), upsert: partitions(), removed: [] });
        emit('groups:diff', { seq: next('groups:diff'), upsert: [group()], removed: [], rebalances: [] });
        emit('outbox:diff', { seq: next('outbox:diff'), changes: outbox() });
      }, 1000);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (slow !== undefined) clearInterval(slow);
    },
  };
  return feed;
}
