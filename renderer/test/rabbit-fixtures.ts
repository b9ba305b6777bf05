// RabbitMQ as the observer reports it, for the Queues tests: a small lab with a fan-out exchange (two queues get each
// failed login), a work queue shared by two instances, the default exchange feeding one queue, and a dead-letter
// exchange. Ids as the observer makes them (`<vhost>|<name>`, `<channel>|<tag>`).
import type {
  LabManifest,
  RabbitBinding,
  RabbitChannel,
  RabbitConnection,
  RabbitConsumer,
  RabbitExchange,
  RabbitQueue,
  RabbitSnapshot,
} from '../../main/console/contract/console-api';
import { LAB_X } from './fixtures';

export const LAB_R: LabManifest = {
  ...LAB_X,
  id: 'lab-r',
  title: 'Lab R · Rabbit',
  components: ['rabbitmq', 'postgres'],
  services: [
    { kind: 'audit', instances: ['audit'], role: 'audit rows' },
    { kind: 'worker', instances: ['worker-1', 'worker-2'], role: 'share the work queue' },
  ],
  exchanges: [
    { name: '', type: 'default', queues: ['signup'] },
    { name: 'auth.events', type: 'topic', queues: ['audit.auth', 'security.failed'] },
    { name: 'jobs', type: 'topic', queues: ['jobs.work'] },
    { name: 'dlx', type: 'fanout', queues: ['dead'] },
  ],
  views: ['stack', 'queues', 'timeline'],
};

export const exchange = (name: string, over: Partial<RabbitExchange> = {}): RabbitExchange => ({
  id: `/|${name}`,
  vhost: '/',
  name,
  type: name === '' ? 'direct' : 'topic',
  durable: true,
  autoDelete: false,
  internal: false,
  publishInRate: 0,
  publishOutRate: 0,
  ...over,
});

export const queue = (name: string, over: Partial<RabbitQueue> = {}): RabbitQueue => ({
  id: `/|${name}`,
  vhost: '/',
  name,
  durable: true,
  autoDelete: false,
  exclusive: false,
  state: 'running',
  ready: 0,
  unacked: 0,
  messages: (over.ready ?? 0) + (over.unacked ?? 0),
  consumers: 1,
  publishRate: 0,
  deliverRate: 0,
  ackRate: 0,
  redeliverRate: 0,
  deadLetterExchange: 'dlx',
  ...over,
});

export const binding = (source: string, destination: string, routingKey: string): RabbitBinding => ({
  id: `/|${source}|queue|${destination}|${routingKey}`,
  vhost: '/',
  source,
  destination,
  destinationType: 'queue',
  routingKey,
});

export const connection = (name: string, clientName: string | null): RabbitConnection => ({
  id: name,
  vhost: '/',
  user: 'guest',
  clientName,
  peer: '127.0.0.1:40000',
  channels: 1,
  state: 'running',
});

export const channel = (conn: string, unacked: number): RabbitChannel => ({
  id: `${conn} (1)`,
  connection: conn,
  number: 1,
  consumers: 1,
  unacked,
  prefetch: 10,
  confirm: false,
  state: 'running',
});

export const consumer = (conn: string, queueName: string, ackRequired = true): RabbitConsumer => ({
  id: `${conn} (1)|ctag-${queueName}`,
  queue: `/|${queueName}`,
  tag: `ctag-${queueName}`,
  channel: `${conn} (1)`,
  connection: conn,
  ackRequired,
  prefetch: 10,
});

/** The lab's broker with worker-1 holding 3 unacked messages of jobs.work and worker-2 one. */
export function labRSnapshot(over: Partial<RabbitSnapshot> = {}): RabbitSnapshot {
  return {
    seq: 4,
    node: 'rabbit@test',
    endpoint: 'http://127.0.0.1:15673',
    reachable: true,
    exchanges: [
      exchange(''),
      exchange('auth.events', { publishInRate: 2 }),
      exchange('jobs', { publishInRate: 5 }),
      exchange('dlx', { type: 'fanout' }),
      exchange('amq.topic'),
    ],
    queues: [
      queue('signup', { deadLetterExchange: null, durable: false, consumers: 0, ready: 2 }),
      queue('audit.auth', { publishRate: 2 }),
      queue('security.failed', { publishRate: 1 }),
      queue('jobs.work', { consumers: 2, unacked: 4, ready: 7, publishRate: 5, deliverRate: 5 }),
      queue('dead', { deadLetterExchange: null, consumers: 0 }),
      queue('other-run.queue', { deadLetterExchange: null, consumers: 0 }),
    ],
    bindings: [
      binding('', 'signup', 'signup'),
      binding('', 'audit.auth', 'audit.auth'),
      binding('', 'security.failed', 'security.failed'),
      binding('', 'jobs.work', 'jobs.work'),
      binding('', 'dead', 'dead'),
      binding('', 'other-run.queue', 'other-run.queue'),
      binding('auth.events', 'audit.auth', 'auth.login.*'),
      binding('auth.events', 'security.failed', 'auth.login.failed'),
      binding('jobs', 'jobs.work', 'job.#'),
      binding('dlx', 'dead', ''),
    ],
    connections: [
      connection('c-audit', 'lab-r/audit'),
      connection('c-w1', 'lab-r/worker-1'),
      connection('c-w2', 'lab-r/worker-2'),
    ],
    channels: [channel('c-audit', 0), channel('c-w1', 3), channel('c-w2', 1)],
    consumers: [
      consumer('c-audit', 'audit.auth'),
      consumer('c-audit', 'security.failed'),
      consumer('c-w1', 'jobs.work'),
      consumer('c-w2', 'jobs.work'),
    ],
    ...over,
  };
}
