import { describe, expect, it } from 'vitest';
import type {
  GroupState,
  LabManifest,
  PartitionState,
  RabbitTopology,
  ServiceInstance,
} from '../contract/console-api.js';
import { defaultLabs } from '../labs/registry.js';
import { buildSystemGraph, instanceOfClient, type SystemInput } from './system-graph.js';

const manifestOf = (id: string): LabManifest => {
  const m = defaultLabs({}).find((l) => l.manifest.id === id)?.manifest;
  if (m === undefined) throw new Error(`no ${id}`);
  return m;
};
const LAB_D = manifestOf('lab-d');
const LAB_B = manifestOf('lab-b');

const instance = (name: string, kind: string, patch: Partial<ServiceInstance> = {}): ServiceInstance => ({
  instance: name,
  lab: 'lab-d',
  kind,
  state: 'running',
  pid: 1,
  startedAt: 1,
  exitedAt: null,
  exitCode: null,
  exitSignal: null,
  brokenMode: null,
  assignment: null,
  generationId: null,
  eventsProcessed: 0,
  errors: 0,
  port: null,
  ...patch,
});
const partition = (topic: string, p: number, rate: number): PartitionState => ({
  id: `${topic}/${p}`,
  topic,
  partition: p,
  leader: 1,
  replicas: [1],
  isr: [1],
  logStartOffset: '0',
  logEndOffset: '100',
  msgsPerSec: rate,
  keysSeen: 3,
});
const group = (groupId: string, members: GroupState['members'], lag: number[]): GroupState => ({
  groupId,
  state: 'Stable',
  protocol: 'RoundRobinAssigner',
  members,
  partitions: lag.map((l, p) => ({
    topic: 'loms.order-events',
    partition: p,
    committedOffset: `${100 - l}`,
    logEndOffset: '100',
    lag: l,
    lagSeconds: null,
    ownerMemberId: null,
  })),
  totalLag: lag.reduce((a, b) => a + b, 0),
});

const labD = (patch: Partial<SystemInput> = {}): SystemInput => ({
  manifest: LAB_D,
  instances: [
    instance('loms', 'loms'),
    instance('notifier-1', 'notifier'),
    instance('notifier-2', 'notifier'),
    instance('notifier-3', 'notifier'),
  ],
  partitions: [partition('loms.order-events', 0, 12), partition('loms.order-events', 1, 8)],
  groups: [
    group(
      'notifier',
      [
        {
          memberId: 'm1',
          clientId: 'notifier-notifier-1',
          clientHost: '/127.0.0.1',
          assignment: { 'loms.order-events': [0] },
        },
        {
          memberId: 'm2',
          clientId: 'notifier-notifier-2',
          clientHost: '/127.0.0.1',
          assignment: { 'loms.order-events': [1] },
        },
        { memberId: 'm3', clientId: 'notifier-notifier-3', clientHost: '/127.0.0.1', assignment: {} },
      ],
      [4, 0],
    ),
  ],
  rabbit: null,
  outboxes: [
    {
      table: 'outbox',
      state: {
        reachable: true,
        pending: 7,
        oldestPendingAgeMs: 1200,
        sentPerSec: 20,
        sentTotal: 500,
        at: 1,
        detail: '',
      },
    },
  ],
  readModels: null,
  links: [],
  at: 1000,
  ...patch,
});

const node = (g: ReturnType<typeof buildSystemGraph>, id: string) => {
  const n = g.nodes.find((x) => x.id === id);
  if (n === undefined) throw new Error(`no node ${id} in ${g.nodes.map((x) => x.id).join(', ')}`);
  return n;
};
const edge = (g: ReturnType<typeof buildSystemGraph>, source: string, target: string) => {
  const e = g.edges.find((x) => x.source === source && x.target === target);
  if (e === undefined) throw new Error(`no edge ${source} → ${target}`);
  return e;
};

describe('the system graph', () => {
  it('draws a lab from its manifest and the observers: instances, topic, group with its members, outbox table', () => {
    const g = buildSystemGraph(labD());
    expect(g.nodes.map((n) => n.id).sort()).toEqual([
      'group:notifier',
      'instance:loms',
      'instance:notifier-1',
      'instance:notifier-2',
      'instance:notifier-3',
      'table:outbox',
      'topic:loms.order-events',
    ]);
    // the live rate on each edge, the backlog or lag on each node
    expect(edge(g, 'instance:loms', 'topic:loms.order-events').ratePerSec).toBe(20);
    expect(edge(g, 'topic:loms.order-events', 'group:notifier')).toMatchObject({ ratePerSec: 20, label: 'lag 4' });
    expect(edge(g, 'group:notifier', 'instance:notifier-1')).toMatchObject({ ratePerSec: 12, label: 'p0' });
    expect(edge(g, 'group:notifier', 'instance:notifier-2')).toMatchObject({ ratePerSec: 8, label: 'p1' });
    expect(edge(g, 'group:notifier', 'instance:notifier-3')).toMatchObject({ ratePerSec: 0, label: 'idle' });
    expect(node(g, 'group:notifier')).toMatchObject({ backlog: 4, tone: 'warn', declared: true, view: 'groups' });
    expect(node(g, 'table:outbox')).toMatchObject({ backlog: 7, component: 'postgres', view: 'outbox' });
    expect(node(g, 'topic:loms.order-events')).toMatchObject({ sub: '2 partitions', component: 'kafka' });
    expect(edge(g, 'instance:loms', 'table:outbox').label).toBe('commit, one transaction');
    // nothing of the graph points at a node that is not there
    const ids = new Set(g.nodes.map((n) => n.id));
    expect(g.edges.every((e) => ids.has(e.source) && ids.has(e.target))).toBe(true);
  });

  it('marks a killed instance, and its edges carry nothing', () => {
    const input = labD();
    const g = buildSystemGraph({
      ...input,
      instances: input.instances.map((i) =>
        i.instance === 'notifier-2'
          ? { ...i, state: 'exited', exitSignal: 'SIGKILL', exitCode: null, pid: null }
          : i.instance === 'notifier-1'
            ? { ...i, brokenMode: 'commit-before-process' }
            : i,
      ),
    });
    expect(node(g, 'instance:notifier-2')).toMatchObject({ tone: 'bad', marks: ['killed'] });
    expect(node(g, 'instance:notifier-2').sub).toContain('killed');
    expect(edge(g, 'group:notifier', 'instance:notifier-2').ratePerSec).toBe(0);
    expect(node(g, 'instance:notifier-1')).toMatchObject({ tone: 'warn', marks: ['broken: commit-before-process'] });
  });

  it("shows an unexpected consumer group and a student's own client as they are", () => {
    const input = labD();
    const g = buildSystemGraph({
      ...input,
      groups: [
        ...input.groups,
        group(
          'my-own-consumer',
          [
            {
              memberId: 'x',
              clientId: 'student-app',
              clientHost: '/10.0.0.7',
              assignment: { 'loms.order-events': [0, 1] },
            },
          ],
          [30, 2],
        ),
        // a group on another topic is not the lab's business
        { ...group('elsewhere', [], []), partitions: [] },
      ],
    });
    expect(node(g, 'group:my-own-consumer')).toMatchObject({ declared: false, marks: ['unexpected'], backlog: 32 });
    expect(node(g, 'client:student-app')).toMatchObject({ declared: false, marks: ['unexpected'], tone: 'warn' });
    expect(edge(g, 'group:my-own-consumer', 'client:student-app')).toMatchObject({ ratePerSec: 20, label: 'p0 p1' });
    expect(g.nodes.some((n) => n.id === 'group:elsewhere')).toBe(false);
  });

  it('marks a cut or delayed link on the edge between the instance and that component', () => {
    const g = buildSystemGraph(
      labD({
        links: [
          { instance: 'loms', component: 'postgres', state: 'cut', delayMs: 0 },
          { instance: 'loms', component: 'kafka', state: 'up', delayMs: 250 },
          { instance: 'notifier-1', component: 'kafka', state: 'up', delayMs: 0 },
        ],
      }),
    );
    expect(edge(g, 'instance:loms', 'table:outbox')).toMatchObject({
      tone: 'bad',
      link: { id: 'loms/postgres', state: 'cut', delayMs: 0 },
    });
    expect(edge(g, 'instance:loms', 'topic:loms.order-events')).toMatchObject({
      tone: 'warn',
      link: { id: 'loms/kafka', state: 'up', delayMs: 250 },
    });
    expect(edge(g, 'group:notifier', 'instance:notifier-1').link).toMatchObject({ state: 'up', delayMs: 0 });
    expect(edge(g, 'group:notifier', 'instance:notifier-2').link).toBeNull();
  });

  it('draws the declared shape before the stack runs (no observer has answered)', () => {
    const g = buildSystemGraph(labD({ instances: [], partitions: [], groups: [], outboxes: [] }));
    expect(node(g, 'instance:notifier-3')).toMatchObject({ tone: 'idle', marks: ['stopped'] });
    expect(edge(g, 'group:notifier', 'instance:notifier-3').declared).toBe(true);
    expect(node(g, 'topic:loms.order-events').marks).toEqual([]);
  });

  it('draws RabbitMQ from the observer: exchanges, bindings with routing keys, queues with depths, consumers', () => {
    const rabbit: RabbitTopology = {
      exchanges: [
        {
          id: '/|auth.events',
          vhost: '/',
          name: 'auth.events',
          type: 'fanout',
          durable: true,
          autoDelete: false,
          internal: false,
          publishInRate: 5,
          publishOutRate: 10,
        },
        {
          id: '/|',
          vhost: '/',
          name: '',
          type: 'direct',
          durable: true,
          autoDelete: false,
          internal: false,
          publishInRate: 0,
          publishOutRate: 0,
        },
      ],
      queues: [
        {
          id: '/|audit.auth',
          vhost: '/',
          name: 'audit.auth',
          durable: true,
          autoDelete: false,
          exclusive: false,
          state: 'running',
          ready: 3,
          unacked: 1,
          messages: 4,
          consumers: 1,
          publishRate: 5,
          deliverRate: 4,
          ackRate: 4,
          redeliverRate: 0,
          deadLetterExchange: null,
        },
        {
          id: '/|someone-else',
          vhost: '/',
          name: 'someone-else',
          durable: true,
          autoDelete: false,
          exclusive: false,
          state: 'running',
          ready: 0,
          unacked: 0,
          messages: 0,
          consumers: 0,
          publishRate: 0,
          deliverRate: 0,
          ackRate: 0,
          redeliverRate: 0,
          deadLetterExchange: null,
        },
      ],
      bindings: [
        {
          id: 'b1',
          vhost: '/',
          source: 'auth.events',
          destination: 'audit.auth',
          destinationType: 'queue',
          routingKey: '',
        },
      ],
      connections: [
        {
          id: 'c1',
          vhost: '/',
          user: 'guest',
          clientName: 'audit',
          peer: '127.0.0.1:5000',
          channels: 1,
          state: 'running',
        },
      ],
      channels: [],
      consumers: [
        {
          id: 'ch|t',
          queue: '/|audit.auth',
          tag: 't',
          channel: 'ch',
          connection: 'c1',
          ackRequired: true,
          prefetch: 10,
        },
      ],
    };
    const g = buildSystemGraph({
      manifest: LAB_B,
      instances: [instance('audit', 'audit', { lab: 'lab-b' })],
      partitions: [],
      groups: [],
      rabbit,
      outboxes: [],
      readModels: null,
      links: [{ instance: 'audit', component: 'rabbitmq', state: 'cut', delayMs: 0 }],
      at: 1,
    });
    expect(node(g, 'queue:audit.auth')).toMatchObject({ backlog: 4, declared: true, view: 'queues' });
    expect(edge(g, 'exchange:auth.events', 'queue:audit.auth').ratePerSec).toBe(5);
    expect(edge(g, 'queue:audit.auth', 'instance:audit')).toMatchObject({
      ratePerSec: 4,
      label: 'prefetch 10',
      tone: 'bad',
    });
    expect(g.nodes.some((n) => n.name === 'someone-else' || n.name === '')).toBe(false);
  });

  it('finds the instance a client id names', () => {
    const names = ['notifier-1', 'notifier-10', 'loms'];
    expect(instanceOfClient('notifier-notifier-10', names)).toBe('notifier-10');
    expect(instanceOfClient('loms', names)).toBe('loms');
    expect(instanceOfClient('loms-direct', names)).toBe('loms');
    expect(instanceOfClient('student-app', names)).toBeNull();
  });
});
