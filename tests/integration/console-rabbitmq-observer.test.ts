// The RabbitMQ observer against a real node with the management plugin (Eventscope's own node, started here by a local
// provider on test ports so that restarting it disturbs no other test): it sees a queue declared here with its depth,
// unacked messages, consumers and binding routing key, the connection by its client name and the channel's prefetch;
// a console running a RabbitMQ-only lab on that provider pushes it as `rabbitmq:diff` and answers `rabbitmq:snapshot`;
// `stack:restart-component` restarts the node (the durable queue keeps its 3 persistent messages), and the console says
// once that the observer failed and once that it recovered.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import type { RabbitDiff, RabbitSnapshot } from '../../main/console/contract/console-api.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import type { AnyEvent } from '../../main/console/events/event-hub.js';
import type { LabModule } from '../../main/console/labs/types.js';
import { createRabbitmqObserver, type RabbitmqObserver } from '../../main/console/observe/rabbitmq-observer.js';
import { findListenerPid, isAlive } from '../../main/console/stack/local/process.js';
import { LocalStackProvider, SHARED_RABBITMQ_PORT } from '../../main/console/stack/local/provider.js';
import { createManagementClient } from '../../main/console/stack/rabbitmq-management.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { REPO_ROOT } from './lab-d/harness.js';
import { uniqueName } from './support/index.js';
import { callerOf } from './support/test-provider.js';

const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-rabbitmq-observer-'));
// the node runs as the `rabbitmq` user: it must be able to enter the folder (mkdtemp makes it 0700)
chmodSync(dir, 0o755);
const provider = new LocalStackProvider({
  owner: 'tests',
  dir,
  stateDir: dir,
  ports: { rabbitmq: 29681, rabbitmqManagement: 29682, rabbitmqDist: 29683 },
  rabbitmqNode: 'own',
});
const { url, managementUrl = '' } = provider.endpoints().rabbitmq;
const nodeName = provider.rabbitmqNodeName;
const exchange = uniqueName('obs-events');
const queue = uniqueName('obs-work');
const routingKey = 'obs.item.created';

/** A lab that uses RabbitMQ only: the console must watch it with no Kafka and no Postgres. */
const rabbitOnlyLab: LabModule = {
  manifest: {
    id: 'lab-rabbit-fixture',
    title: 'RabbitMQ fixture',
    summary: 'one exchange, one queue',
    seed: 'none',
    components: ['rabbitmq'],
    services: [],
    topics: [],
    exchanges: [{ name: exchange, type: 'topic', queues: [queue] }],
    groups: [],
    entity: { noun: 'item', idPattern: '^.+$', idExample: 'item-1', statuses: [], next: {}, tones: {}, steps: [] },
    views: ['stack', 'queues'],
    hint: [],
    checks: [],
    faults: [],
    brokenModes: [],
    load: null,
  },
  env: () => ({}),
};

let conn: ChannelModel | undefined;
let observer: RabbitmqObserver | undefined;
let console_: Console | undefined;

beforeAll(async () => {
  await provider.startComponent('rabbitmq');
  conn = await amqp.connect(url, { clientProperties: { connection_name: 'observer-test-client' } });
  conn.on('error', () => undefined); // the node restarts in the second test
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  await ch.assertQueue(queue, { durable: true });
  await ch.bindQueue(queue, exchange, routingKey);
  for (const n of [1, 2, 3]) ch.publish(exchange, routingKey, Buffer.from(`item-${n}`), { persistent: true });
  await ch.waitForConfirms();
  await ch.close();
});

afterAll(async () => {
  await observer?.stop();
  await console_?.stop();
  await conn?.close().catch(() => undefined);
  // a node of this test only: no need to wait for a graceful halt
  const pid = provider.startedPids().rabbitmq;
  if (pid !== undefined) {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: 'the test node to exit' });
  }
  await provider.down({ only: ['rabbitmq'] });
  rmSync(dir, { recursive: true, force: true });
});

const queueIn = (s: RabbitSnapshot) => s.queues.find((q) => q.name === queue);

describe('rabbitmq observer', () => {
  it('sees the queue with its depth, unacked messages and consumer, its binding, the connection and the channel', async () => {
    const diffs: RabbitDiff[] = [];
    observer = createRabbitmqObserver({
      management: createManagementClient(managementUrl),
      logger: createMemoryLogger('observer').logger,
      pollIntervalMs: 300,
      onDiff: (d) => diffs.push(d),
    });
    observer.start();
    const ready = await waitFor(() => (queueIn(observer!.snapshot())?.ready === 3 ? observer!.snapshot() : false), {
      timeoutMs: 20_000,
      what: 'the queue with 3 ready messages',
    });
    expect(ready.node).toBe(nodeName);
    expect(ready.exchanges.find((e) => e.name === exchange)).toMatchObject({ type: 'topic', durable: true });
    expect(ready.bindings.filter((b) => b.destination === queue).map((b) => [b.source, b.routingKey])).toEqual(
      expect.arrayContaining([
        [exchange, routingKey],
        ['', queue], // the default exchange binds every queue by its name
      ]),
    );
    expect(queueIn(ready)).toMatchObject({ durable: true, consumers: 0, unacked: 0 });
    expect(diffs.some((d) => d.queues.upsert.some((q) => q.name === queue))).toBe(true);

    // A consumer with prefetch 2 that does not ack: 2 unacked, 1 ready, one consumer on one channel.
    const ch = await conn!.createChannel();
    await ch.prefetch(2);
    const { consumerTag } = await ch.consume(queue, () => undefined, { noAck: false });
    const consumed = await waitFor(
      () => {
        const s = observer!.snapshot();
        const q = queueIn(s);
        return q?.consumers === 1 && q.unacked === 2 && q.ready === 1 ? s : false;
      },
      { timeoutMs: 20_000, what: 'one consumer holding 2 unacked messages' },
    );
    const consumer = consumed.consumers.find((c) => c.tag === consumerTag);
    expect(consumer).toMatchObject({ queue: `/|${queue}`, ackRequired: true, prefetch: 2 });
    const connection = consumed.connections.find((c) => c.clientName === 'observer-test-client');
    expect(connection).toMatchObject({ user: 'guest', state: 'running' });
    expect(connection?.channels).toBeGreaterThanOrEqual(1);
    expect(consumed.channels.find((c) => c.id === consumer?.channel)).toMatchObject({
      connection: connection?.id,
      prefetch: 2,
      consumers: 1,
    });
    // closing the channel without acks: the 2 messages are ready again and the consumer is gone
    await ch.close();
    await waitFor(
      () => {
        const q = queueIn(observer!.snapshot());
        return q?.consumers === 0 && q.ready === 3 && q.unacked === 0;
      },
      { timeoutMs: 20_000, what: 'the unacked messages back in the queue' },
    );
    expect(observer.snapshot().consumers.some((c) => c.tag === consumerTag)).toBe(false);
    await observer.stop();
    observer = undefined;
  });

  it('runs in the console for a RabbitMQ-only lab; after stack:restart-component it says once that it recovered', async () => {
    console_ = createConsole({
      config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
      provider,
      logger: createMemoryLogger('console').logger,
      mode: 'web',
      version: 'test',
      labs: [rabbitOnlyLab],
    });
    const events: AnyEvent[] = [];
    console_.subscribe((e) => events.push(e));
    await console_.start();
    const call = callerOf(() => console_!);

    const snap = await waitFor(
      async () => {
        const s = await call('rabbitmq:snapshot');
        return queueIn(s)?.ready === 3 ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the console to observe the queue' },
    );
    expect(snap).toMatchObject({ node: nodeName, reachable: true, endpoint: 'http://127.0.0.1:29682' });
    const pushed = events.flatMap((e) => (e.name === 'rabbitmq:diff' ? [e.payload] : []));
    expect(pushed.some((d) => d.queues.upsert.some((q) => q.name === queue && q.ready === 3))).toBe(true);

    const observerEvents = (name: 'console:error' | 'console:recovered') =>
      events.filter((e) => e.name === name && e.payload.source === 'rabbitmq-observer');
    expect(observerEvents('console:error')).toEqual([]);

    const before = provider.startedPids().rabbitmq;
    const sharedBefore = findListenerPid(SHARED_RABBITMQ_PORT);
    await call('stack:restart-component', { component: 'rabbitmq' });
    const restarted = provider.startedPids().rabbitmq;
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(before);
    expect(isAlive(before ?? 0)).toBe(false);
    expect(findListenerPid(SHARED_RABBITMQ_PORT)).toBe(sharedBefore);
    await waitFor(() => observerEvents('console:error').length > 0, {
      timeoutMs: 20_000,
      what: 'the console to have reported the management API gone',
    });
    await waitFor(() => observerEvents('console:recovered').length > 0, {
      timeoutMs: 30_000,
      what: 'the console to report the observer recovered',
    });
    const after = await waitFor(
      async () => {
        const s = await call('rabbitmq:snapshot');
        return s.reachable && queueIn(s)?.ready === 3 ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the durable queue with its 3 persistent messages seen again' },
    );
    expect(after.node).toBe(nodeName);
    // said once each, however many polls failed while the node was down
    expect(observerEvents('console:error')).toHaveLength(1);
    expect(observerEvents('console:recovered')).toHaveLength(1);
  });
});
