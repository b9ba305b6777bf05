import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { AppError } from '../../../services/shared/app-error.js';
import type { RabbitDiff } from '../contract/rabbitmq.js';
import type { ManagementClient } from '../stack/rabbitmq-management.js';
import {
  createRabbitmqObserver,
  diffTopology,
  emptyTopologyState,
  toBinding,
  toConsumer,
  toQueue,
  type RawQueue,
} from './rabbitmq-observer.js';

const rawQueue = (over: Partial<RawQueue> = {}): RawQueue => ({
  name: 'audit.auth',
  vhost: '/',
  durable: true,
  state: 'running',
  messages: 3,
  messages_ready: 2,
  messages_unacknowledged: 1,
  consumers: 1,
  arguments: { 'x-dead-letter-exchange': 'lab.dlx' },
  message_stats: {
    publish_details: { rate: 12.345 },
    deliver_get_details: { rate: 4.04 },
    ack_details: { rate: 4 },
    redeliver_details: { rate: 0 },
  },
  ...over,
});

describe('rabbitmq observer: mapping the management API', () => {
  it('reads a queue: depths, consumers, rates rounded to 0.1, its dead-letter exchange', () => {
    expect(toQueue(rawQueue())).toEqual({
      id: '/|audit.auth',
      vhost: '/',
      name: 'audit.auth',
      durable: true,
      autoDelete: false,
      exclusive: false,
      state: 'running',
      ready: 2,
      unacked: 1,
      messages: 3,
      consumers: 1,
      publishRate: 12.3,
      deliverRate: 4,
      ackRate: 4,
      redeliverRate: 0,
      deadLetterExchange: 'lab.dlx',
    });
  });

  it('reads a queue the broker has no statistics for yet as empty, state unknown', () => {
    const q = toQueue({ name: 'fresh', vhost: '/' });
    expect(q).toMatchObject({ ready: 0, unacked: 0, messages: 0, consumers: 0, publishRate: 0, state: 'unknown' });
    expect(q.deadLetterExchange).toBeNull();
  });

  it('tells bindings apart by routing key and names the default exchange by its empty name', () => {
    const a = toBinding({
      source: 'auth.events',
      vhost: '/',
      destination: 'audit.auth',
      destination_type: 'queue',
      routing_key: 'auth.login.*',
      properties_key: 'auth.login.%2A',
    });
    const b = toBinding({
      source: 'auth.events',
      vhost: '/',
      destination: 'audit.auth',
      destination_type: 'queue',
      routing_key: 'auth.login.failed',
    });
    expect(a.routingKey).toBe('auth.login.*');
    expect(a.id).not.toBe(b.id);
    const dflt = toBinding({ source: '', vhost: '/', destination: 'q', destination_type: 'queue', routing_key: 'q' });
    expect(dflt).toMatchObject({ source: '', destination: 'q', routingKey: 'q' });
  });

  it("links a consumer to its queue's id and its channel", () => {
    const c = toConsumer({
      consumer_tag: 'amq.ctag-1',
      ack_required: false,
      prefetch_count: 10,
      queue: { name: 'notification.vacation', vhost: '/' },
      channel_details: { name: 'ch (1)', connection_name: 'conn' },
    });
    expect(c).toEqual({
      id: 'ch (1)|amq.ctag-1',
      queue: '/|notification.vacation',
      tag: 'amq.ctag-1',
      channel: 'ch (1)',
      connection: 'conn',
      ackRequired: false,
      prefetch: 10,
    });
  });
});

describe('rabbitmq observer: diffs', () => {
  it('pushes everything first, nothing when nothing changed, then only the changed item and the removed ids', () => {
    const state = emptyTopologyState();
    const a = toQueue(rawQueue());
    const b = toQueue(rawQueue({ name: 'security.failed-logins', arguments: {} }));
    const first = diffTopology(state, { queues: [a, b], bindings: [] });
    expect(first?.queues.upsert.map((q) => q.name)).toEqual(['audit.auth', 'security.failed-logins']);
    expect(first?.exchanges).toEqual({ upsert: [], removed: [] });

    expect(diffTopology(state, { queues: [a, b], bindings: [] })).toBeUndefined();

    const deeper = toQueue(rawQueue({ messages_ready: 7, messages: 8 }));
    const second = diffTopology(state, { queues: [deeper, b] });
    expect(second?.queues.upsert).toEqual([deeper]);
    expect(second?.queues.removed).toEqual([]);

    const third = diffTopology(state, { queues: [deeper] });
    expect(third?.queues).toEqual({ upsert: [], removed: ['/|security.failed-logins'] });
    // a kind the poll did not read keeps what it had
    expect(diffTopology(state, {})).toBeUndefined();
    expect([...state.queues.keys()]).toEqual(['/|audit.auth']);
  });
});

describe('rabbitmq observer: polling', () => {
  /** a management API whose answers the test sets; `down` makes every call fail */
  function fakeManagement() {
    const api = {
      down: false,
      calls: 0,
      queues: [rawQueue()] as RawQueue[],
    };
    const client: ManagementClient = {
      endpoint: 'http://127.0.0.1:1',
      get<T>(path: string): Promise<T> {
        api.calls += 1;
        if (api.down) return Promise.reject(new AppError('BROKER_UNAVAILABLE', 'connection refused'));
        const route = path.split('?')[0];
        const body: unknown =
          route === '/api/overview'
            ? { node: 'eventscope-1@localhost', management_version: '3.10.8' }
            : route === '/api/queues'
              ? api.queues
              : [];
        return Promise.resolve(body as T);
      },
    };
    return { api, client };
  }

  it('says once that the API went away and once that it answers again, and pushes only what changed', async () => {
    const { api, client } = fakeManagement();
    const diffs: RabbitDiff[] = [];
    const health: (string | undefined)[] = [];
    const observer = createRabbitmqObserver({
      management: client,
      logger: createMemoryLogger('test').logger,
      pollIntervalMs: 60_000,
      onDiff: (d) => diffs.push(d),
      onHealth: (e) => health.push(e?.code),
    });
    await observer.pollNow();
    expect(diffs.map((d) => d.seq)).toEqual([1]);
    expect(observer.snapshot()).toMatchObject({ seq: 1, node: 'eventscope-1@localhost', reachable: true });
    await observer.pollNow();
    expect(diffs).toHaveLength(1);

    api.down = true;
    await observer.pollNow();
    await observer.pollNow();
    expect(health).toEqual([undefined, 'BROKER_UNAVAILABLE']);
    expect(observer.snapshot().reachable).toBe(false);
    expect(observer.snapshot().queues).toHaveLength(1);

    api.down = false;
    api.queues = [rawQueue({ messages_ready: 0, messages_unacknowledged: 0, messages: 0, consumers: 0 })];
    await observer.pollNow();
    await observer.pollNow();
    expect(health).toEqual([undefined, 'BROKER_UNAVAILABLE', undefined]);
    expect(diffs.map((d) => d.seq)).toEqual([1, 2]);
    expect(diffs[1]?.queues.upsert[0]).toMatchObject({ ready: 0, consumers: 0 });
    await observer.stop();
  });
});
