// A synthetic console for the renderer bench: answers the snapshot requests and pushes batches the way main does
// (every 50 ms, with seq numbers). It measures the renderer, not the brokers. Its lab is the Lab D-like manifest of the
// test fixtures: instances, topic, group and status paths all come from there.
import type {
  ConsoleClient,
  ConsoleRequests,
  EventName,
  GroupState,
  PartitionState,
  PayloadOf,
  ServiceInstance,
  SystemEdge,
  SystemGraph,
  SystemNode,
  TailRecord,
  TimelineSummary,
} from '../../main/console/contract/console-api';
import { LAB_D as LAB } from '../test/fixtures';

const TOPIC = LAB.topics[0]?.name ?? 'events';
const PARTITIONS = LAB.topics[0]?.partitions ?? 2;
const GROUP = LAB.groups[0] ?? 'group';
const NO_ASSIGNMENT: Record<string, number[]> = {};
/** the services that serve a port (the producer side) and the group members (the rest) */
const PRODUCERS = LAB.services.filter((s) => s.port !== undefined);
const MEMBERS = LAB.services.filter((s) => s.port === undefined).flatMap((s) => s.instances);
const PRODUCER = PRODUCERS[0]?.kind ?? 'producer';

/** Every path through the lab's status graph from "no event yet" (each prefix too: an entity may stop anywhere). */
function statusPaths(next: Record<string, string[]>): string[][] {
  const out: string[][] = [];
  const walk = (path: string[]) => {
    const from = path.length === 0 ? '' : (path[path.length - 1] as string);
    for (const to of next[from] ?? []) {
      if (path.includes(to)) continue;
      const longer = [...path, to];
      out.push(longer);
      walk(longer);
    }
  };
  walk([]);
  return out;
}
const PATHS = statusPaths(LAB.entity.next);

/** which member owns partition p (the first PARTITIONS members own one each, the others are idle) */
const ownerOf = (p: number) => MEMBERS[p % Math.max(1, Math.min(PARTITIONS, MEMBERS.length))] ?? 'member';

export function summaryOf(id: number, at: number): TimelineSummary {
  const statuses = PATHS[id % PATHS.length] ?? [];
  const partition = id % PARTITIONS;
  return {
    lab: LAB.id,
    entity: String(id),
    statuses,
    lastStatus: statuses[statuses.length - 1] ?? null,
    firstAt: at - 40,
    lastAt: at,
    partition,
    actors: [ownerOf(partition)],
    flags: id % 997 === 0 ? ['duplicate'] : [],
  };
}

function instance(name: ServiceInstance['instance']): ServiceInstance {
  const service = LAB.services.find((s) => s.instances.includes(name));
  const member = MEMBERS.indexOf(name);
  return {
    instance: name,
    lab: LAB.id,
    kind: service?.kind ?? name,
    state: 'running',
    pid: 100,
    startedAt: Date.now(),
    exitedAt: null,
    exitCode: null,
    exitSignal: null,
    brokenMode: null,
    assignment: member < 0 ? null : member < PARTITIONS ? { [TOPIC]: [member] } : {},
    generationId: 3,
    eventsProcessed: 0,
    errors: 0,
    port: service?.port ?? null,
  };
}

export interface Feed {
  client: ConsoleClient;
  /** pushes `eventsPerSec` events (one tail record + one timeline update each), batched every `batchMs` */
  start(eventsPerSec: number, batchMs?: number): void;
  stop(): void;
  readonly delivered: number;
  /** ids 1..n exist already (the preload) */
  nextId: number;
}

/** A big cluster around the lab (the scale bench): topics × partitions of no lab and groups without members. */
export interface ClusterSize {
  topics: number;
  partitions: number;
  groups: number;
}

function otherPartitions(size: ClusterSize, tick: number): PartitionState[] {
  const out: PartitionState[] = [];
  for (let t = 0; t < size.topics; t++) {
    const topic = `scale-t${String(t).padStart(4, '0')}`;
    for (let p = 0; p < size.partitions; p++)
      out.push({
        id: `${topic}/${p}`,
        topic,
        partition: p,
        leader: 1 + ((t + p) % 3),
        replicas: [1, 2, 3],
        // one topic in 50 has an under-replicated partition
        isr: t % 50 === 0 && p === 0 ? [1, 2] : [1, 2, 3],
        logStartOffset: '0',
        logEndOffset: String(1000 + t + tick),
        msgsPerSec: t % 10 === 0 ? 5 : 0,
        keysSeen: 0,
      });
  }
  return out;
}

function otherGroups(size: ClusterSize, tick: number): GroupState[] {
  return Array.from({ length: size.groups }, (_, g) => {
    const topic = `scale-t${String(g % size.topics).padStart(4, '0')}`;
    const partitions = Array.from({ length: size.partitions }, (_, p) => ({
      topic,
      partition: p,
      committedOffset: String(990 + (g % size.topics)),
      logEndOffset: String(1000 + (g % size.topics) + tick),
      lag: 10 + tick,
      lagSeconds: null,
      ownerMemberId: null,
    }));
    return {
      groupId: `scale-g${String(g).padStart(3, '0')}`,
      state: 'Empty',
      protocol: '',
      members: [],
      partitions,
      totalLag: partitions.reduce((n, x) => n + x.lag, 0),
    };
  });
}

/**
 * A System view graph of `n` nodes (the lab's instances, topics, groups, tables and queues in fifths), each edge's rate
 * and each node's backlog moving with `tick`, as main's system:graph would answer at every poll.
 */
export function systemGraphOf(n: number, tick: number): SystemGraph {
  const kinds = ['instance', 'topic', 'group', 'table', 'queue'] as const;
  const per = Math.max(1, Math.floor(n / kinds.length));
  const nodes: SystemNode[] = [];
  for (const kind of kinds)
    for (let i = 0; i < per; i++)
      nodes.push({
        id: `${kind}:${kind}-${i}`,
        kind,
        name: `${kind}-${i}`,
        sub: kind === 'topic' ? '3 partitions' : null,
        component: kind === 'instance' ? null : kind === 'table' ? 'postgres' : kind === 'queue' ? 'rabbitmq' : 'kafka',
        service: kind === 'instance' ? 'service' : null,
        tone: (i + tick) % 17 === 0 ? 'warn' : 'ok',
        figures: [{ label: 'rate', value: `${(tick * 7 + i) % 500}/s` }],
        marks: [],
        declared: true,
        backlog: kind === 'group' || kind === 'queue' ? (tick * 3 + i) % 40 : null,
        view: kind === 'topic' ? 'topics' : kind === 'group' ? 'groups' : null,
      });
  const edges: SystemEdge[] = [];
  for (let i = 0; i < per; i++) {
    const pairs: [string, string, SystemEdge['kind']][] = [
      [`instance:instance-${i}`, `table:table-${i}`, 'writes'],
      [`instance:instance-${i}`, `topic:topic-${i}`, 'writes'],
      [`topic:topic-${i}`, `group:group-${i}`, 'reads'],
      [`group:group-${i}`, `instance:instance-${(i + 1) % per}`, 'member'],
      [`instance:instance-${i}`, `queue:queue-${i}`, 'writes'],
    ];
    for (const [source, target, kind] of pairs)
      edges.push({
        id: `${source}->${target}`,
        source,
        target,
        kind,
        label: null,
        ratePerSec: (tick * 11 + i * 7) % 900,
        link: null,
        tone: 'ok',
        declared: true,
      });
  }
  return { lab: LAB.id, at: Date.now(), nodes, edges };
}

export function createSyntheticFeed(preloaded: number, cluster?: ClusterSize, systemNodes = 0): Feed {
  const listeners = new Map<string, Set<(p: never) => void>>();
  const emit = <E extends EventName>(name: E, payload: PayloadOf<E>) => {
    for (const l of listeners.get(name) ?? []) l(payload as never);
  };
  const seq: Record<string, number> = {};
  const next = (name: string) => (seq[name] = (seq[name] ?? 0) + 1);
  const offsets = Array.from({ length: PARTITIONS }, () => 0);
  const partitionIds = offsets.map((_, p) => p);
  let idx = 0;
  let delivered = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let slow: ReturnType<typeof setInterval> | undefined;

  const partitions = (): PartitionState[] =>
    partitionIds.map((p) => ({
      id: `${TOPIC}/${p}`,
      topic: TOPIC,
      partition: p,
      leader: 1,
      replicas: [1],
      isr: [1],
      logStartOffset: '0',
      logEndOffset: String(offsets[p]),
      msgsPerSec: 500,
      keysSeen: Math.floor(feed.nextId / 2),
    }));
  const group = (): GroupState => ({
    groupId: GROUP,
    state: 'Stable',
    protocol: 'sticky',
    members: MEMBERS.map((name, i) => ({
      memberId: `${GROUP}-${name}-0000`,
      clientId: `${GROUP}-${name}`,
      clientHost: '/127.0.0.1',
      assignment: i < PARTITIONS ? { [TOPIC]: [i] } : NO_ASSIGNMENT,
    })),
    partitions: partitionIds.map((p) => ({
      topic: TOPIC,
      partition: p,
      committedOffset: String(Math.max(0, (offsets[p] ?? 0) - 3)),
      logEndOffset: String(offsets[p]),
      lag: 3,
      lagSeconds: 0.006,
      ownerMemberId: `${GROUP}-${ownerOf(p)}-0000`,
    })),
    totalLag: 3 * PARTITIONS,
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

  let graphTick = 0;
  const handlers: Partial<Record<string, (req: unknown) => unknown>> = {
    'console:info': () => ({
      mode: 'web',
      version: 'bench',
      provider: 'local',
      pollIntervalMs: 1000,
      observerGroupId: 'obs',
      topics: [TOPIC],
      timelineCap: 100_000,
      labs: [LAB],
      lab: LAB.id,
    }),
    'stack:status': () => ({
      provider: 'local',
      health: LAB.components.map((name) => ({
        name,
        state: 'healthy',
        endpoint: '127.0.0.1',
        detail: 'synthetic',
      })),
    }),
    'services:list': () => ({ instances: LAB.services.flatMap((s) => s.instances).map(instance) }),
    'faults:list': () => ({ faults: LAB.faults }),
    'services:logs': () => ({ lines: [] }),
    'load:status': () => ({ progress: null }),
    'outbox:history': () => ({ samples: [] }),
    'outbox:snapshot': () => ({ seq: seq['outbox:diff'] ?? 0, state: outbox() }),
    'kafka:snapshot': () => ({
      seq: seq['kafka:snapshot-diff'] ?? 0,
      partitions: [...partitions(), ...(cluster === undefined ? [] : otherPartitions(cluster, 0))],
    }),
    'groups:snapshot': () => ({
      seq: seq['groups:diff'] ?? 0,
      groups: [group(), ...(cluster === undefined ? [] : otherGroups(cluster, 0))],
    }),
    'groups:rebalances': () => ({ rebalances: [] }),
    'groups:lag-history': (req) => ({
      groupId: (req as { groupId: string }).groupId,
      windowMs: 1_800_000,
      times: [],
      partitions: [],
      rebalances: [],
    }),
    'timeline:recent': () => ({ items: [], size: preloaded, cap: 100_000 }),
    'timeline:flagged': () => ({ items: [], total: 0 }),
    'system:graph': () => systemGraphOf(systemNodes > 0 ? systemNodes : 10, (graphTick += 1)),
    'timeline:get': (req) => ({
      timeline: { ...summaryOf(Number((req as { entity: string }).entity), Date.now()), steps: [], flagReasons: [] },
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
          // half of the events move existing entities on, half create new ones (which evicts the oldest)
          const id = i % 2 === 0 ? 1 + Math.floor(Math.random() * (feed.nextId - 1)) : feed.nextId++;
          const p = id % PARTITIONS;
          offsets[p] = (offsets[p] ?? 0) + 1;
          records.push({
            idx: idx++,
            topic: TOPIC,
            partition: p,
            offset: String(offsets[p]),
            key: String(id),
            value: JSON.stringify({
              id,
              status: LAB.entity.statuses[0],
              moment: new Date(now).toISOString(),
              source: PRODUCER,
            }),
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
          lines: records.slice(0, 10).map((r) => ({
            instance: ownerOf(r.partition),
            stream: 'stdout',
            at: now,
            text: r.value ?? '',
            kind: 'event',
          })),
        });
      }, batchMs);
      let ticks = 0;
      slow = setInterval(() => {
        ticks += 1;
        // the lab's partitions and group every second; a big cluster's others at every 10th (the observer's full poll)
        const full = cluster !== undefined && ticks % 10 === 0;
        emit('kafka:snapshot-diff', {
          seq: next('kafka:snapshot-diff'),
          upsert: full ? [...partitions(), ...otherPartitions(cluster, ticks)] : partitions(),
          removed: [],
        });
        emit('groups:diff', {
          seq: next('groups:diff'),
          upsert: full ? [group(), ...otherGroups(cluster, ticks)] : [group()],
          removed: [],
          rebalances: [],
        });
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
