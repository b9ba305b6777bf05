import { afterEach, describe, expect, it } from 'vitest';
import { createChecksStore } from '../features/checks/store';
import { createConsoleStore } from '../features/console/store';
import { createGroupsStore } from '../features/groups/store';
import { createLabsStore } from '../features/labs/store';
import { createLoadStore } from '../features/load/store';
import { createOutboxStore } from '../features/outbox/store';
import { createQueuesStore } from '../features/queues/store';
import { createServicesStore } from '../features/service-instances/store';
import { createStackStore } from '../features/stack/store';
import { createTailStore } from '../features/topics/tail-store';
import { createTimelineStore } from '../features/timeline/store';
import { createTopicsStore } from '../features/topics/store';
import { createFakeClient } from '../test/fake-client';
import { labRSnapshot, queue } from '../test/rabbit-fixtures';
import { LAB_X, checkInfo, checkResult, info, instance, partition, summary } from '../test/fixtures';
import { bindConsole, type Binding } from './bind-console';
import type { Stores } from './stores';

const makeStores = (): Stores => ({
  console: createConsoleStore(),
  labs: createLabsStore(),
  stack: createStackStore(),
  services: createServicesStore(),
  load: createLoadStore(),
  topics: createTopicsStore(),
  tail: createTailStore(),
  groups: createGroupsStore(),
  outbox: createOutboxStore(),
  queues: createQueuesStore(),
  timeline: createTimelineStore(),
  checks: createChecksStore(),
});

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('bindConsole', () => {
  let binding: Binding | undefined;
  afterEach(() => binding?.stop());

  it('fetches the snapshots at start and applies pushes to the stores', async () => {
    const client = createFakeClient({
      'kafka:snapshot': () => ({ seq: 2, partitions: [partition('loms.order-events', 0)] }),
      'timeline:recent': () => ({ items: [summary('7')], size: 1, cap: 100_000 }),
      'console:info': () => info(),
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    // a push before console:info answered: the first info names the lab and keeps it
    client.emit('timeline:batch', { seq: 1, updated: [summary('6')], evicted: 0, size: 1 });
    await flush();
    expect(stores.timeline.getState().lab).toBe('lab-d');
    expect(Object.keys(stores.topics.getState().byId)).toEqual(['loms.order-events/0']);
    client.emit('kafka:snapshot-diff', { seq: 3, upsert: [partition('loms.order-events', 1)], removed: [] });
    client.emit('timeline:batch', { seq: 2, updated: [summary('8')], evicted: 0, size: 2 });
    expect(Object.keys(stores.topics.getState().byId).sort()).toEqual(['loms.order-events/0', 'loms.order-events/1']);
    expect([...stores.timeline.getState().byId.keys()]).toEqual(['6', '7', '8']);
  });

  it('names the labs as soon as console:info answers, while stack:status is still probing', async () => {
    const client = createFakeClient({
      'console:info': () => info(),
      'stack:status': () => new Promise(() => undefined), // still probing when the test ends
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    expect(stores.labs.getState().lab).toBe('lab-d');
    expect(stores.labs.getState().labs.map((l) => l.id)).toEqual(['lab-d', LAB_X.id]);
  });

  it('mirrors RabbitMQ: the snapshot at start, diffs after, the snapshot again after a gap', async () => {
    let snapshots = 0;
    const client = createFakeClient({
      'rabbitmq:snapshot': () => {
        snapshots += 1;
        return labRSnapshot({ seq: snapshots === 1 ? 4 : 9 });
      },
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    expect(stores.queues.getState().queues['/|jobs.work']?.unacked).toBe(4);
    const none = { upsert: [], removed: [] };
    const diff = { at: 1, exchanges: none, bindings: none, connections: none, channels: none, consumers: none };
    client.emit('rabbitmq:diff', {
      ...diff,
      seq: 5,
      queues: { upsert: [queue('jobs.work', { unacked: 0 })], removed: [] },
    });
    expect(stores.queues.getState().queues['/|jobs.work']?.unacked).toBe(0);
    expect(snapshots).toBe(1);
    client.emit('rabbitmq:diff', { ...diff, seq: 8, queues: none });
    await flush();
    expect(snapshots).toBe(2);
    expect(stores.queues.getState()).toMatchObject({ seq: 9, needsResync: false });
  });

  it('re-fetches the snapshot when a diff shows a gap in seq', async () => {
    let snapshots = 0;
    const client = createFakeClient({
      'kafka:snapshot': () => {
        snapshots += 1;
        return { seq: snapshots === 1 ? 1 : 9, partitions: [partition('t', 0, { logEndOffset: String(snapshots) })] };
      },
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    client.emit('kafka:snapshot-diff', { seq: 2, upsert: [], removed: [] });
    expect(snapshots).toBe(1);
    client.emit('kafka:snapshot-diff', { seq: 6, upsert: [], removed: [] });
    await flush();
    expect(snapshots).toBe(2);
    expect(stores.topics.getState()).toMatchObject({ seq: 9, needsResync: false });
    expect(stores.topics.getState().byId['t/0']?.logEndOffset).toBe('2');
  });

  it('on labs:selected empties the lab-scoped stores, fetches again, and swaps the lab wiring', async () => {
    let lab = 'lab-d';
    const client = createFakeClient({
      'console:info': () => info({ lab }),
      'services:list': () => ({
        instances: lab === 'lab-d' ? [instance('loms')] : [instance('api', { lab: 'lab-x', kind: 'api' })],
      }),
      'timeline:recent': () => ({
        items: lab === 'lab-d' ? [summary('7')] : [summary('tlk-1', { lab: 'lab-x' })],
        size: 1,
        cap: 100_000,
      }),
    });
    const wiring: string[] = [];
    const stores = makeStores();
    binding = bindConsole(client, stores, {
      labs: {
        'lab-d': { bind: () => (wiring.push('start lab-d'), () => wiring.push('stop lab-d')) },
        'lab-x': { bind: () => (wiring.push('start lab-x'), () => wiring.push('stop lab-x')) },
      },
    });
    await flush();
    expect(stores.labs.getState().lab).toBe('lab-d');
    expect(Object.keys(stores.services.getState().byName)).toEqual(['loms']);
    expect([...stores.timeline.getState().byId.keys()]).toEqual(['7']);
    expect(wiring).toEqual(['start lab-d']);

    lab = LAB_X.id;
    client.emit('labs:selected', { lab });
    // at once: nothing of Lab D is left
    expect(stores.services.getState().byName).toEqual({});
    expect(stores.timeline.getState().byId.size).toBe(0);
    expect(wiring).toEqual(['start lab-d', 'stop lab-d', 'start lab-x']);
    // a late push of the lab selected before is not taken
    client.emit('timeline:batch', { seq: 1, updated: [summary('8')], evicted: 0, size: 1 });
    expect(stores.timeline.getState().byId.size).toBe(0);
    await flush();
    expect(Object.keys(stores.services.getState().byName)).toEqual(['api']);
    expect([...stores.timeline.getState().byId.keys()]).toEqual(['tlk-1']);
    expect(client.calls.filter((c) => c.name === 'console:info')).toHaveLength(2);
  });

  it('mirrors the checks: the list at start, progress and results as pushed, and nothing of a lab selected before', async () => {
    let lab = 'lab-d';
    const client = createFakeClient({
      'console:info': () => info({ lab }),
      'checks:list': () => ({
        checks:
          lab === 'lab-d' ? [checkInfo('topic-shape', { last: checkResult('topic-shape', { runId: 'r0' }) })] : [],
      }),
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    expect(stores.checks.getState().byId['topic-shape']?.last?.runId).toBe('r0');
    client.emit('checks:progress', { runId: 'r1', check: 'topic-shape', message: 'started', fraction: 0 });
    expect(stores.checks.getState().progress['topic-shape']?.message).toBe('started');
    client.emit('checks:done', { result: checkResult('topic-shape', { runId: 'r1', status: 'FAIL' }) });
    expect(stores.checks.getState().byId['topic-shape']?.last?.status).toBe('FAIL');
    await flush();
    // the run was known from its pushes only: the list said when it was over
    expect(client.calls.filter((c) => c.name === 'checks:list')).toHaveLength(2);
    lab = LAB_X.id;
    client.emit('labs:selected', { lab });
    expect(stores.checks.getState()).toMatchObject({ lab: LAB_X.id, byId: {}, run: null });
    client.emit('checks:done', { result: checkResult('topic-shape', { runId: 'r2' }) });
    expect(stores.checks.getState().byId).toEqual({});
  });

  it('stops listening when stopped', async () => {
    const client = createFakeClient();
    const stores = makeStores();
    const b = bindConsole(client, stores);
    await flush();
    b.stop();
    client.emit('load:progress', {
      progress: {
        lab: 'lab-d',
        runId: 'r',
        running: true,
        rate: 1,
        target: 1,
        startedAt: 0,
        elapsedMs: 0,
        created: 0,
        outcomes: {},
        errors: 0,
        lastError: null,
        endReason: null,
      },
    });
    expect(stores.load.getState().progress).toBeNull();
  });

  it('mirrors every outbox: the snapshot and the history of each at start, named diffs into their own outbox', async () => {
    const at = 1000;
    const outbox = (pending: number, t = at) => ({
      reachable: true,
      pending,
      oldestPendingAgeMs: null,
      sentPerSec: 0,
      sentTotal: 0,
      at: t,
      detail: '',
    });
    const client = createFakeClient({
      'outbox:snapshot': () => ({
        seq: 2,
        state: outbox(1),
        outboxes: [
          { name: 'orders', table: 'orders_outbox', seq: 2, state: outbox(1) },
          { name: 'payments', table: 'payments_outbox', seq: 3, state: outbox(5) },
        ],
      }),
      'outbox:history': (req) => ({
        samples: (req as { name?: string }).name === 'payments' ? [outbox(4, 500)] : [outbox(0, 400)],
      }),
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    await flush();
    const s = stores.outbox.getState();
    expect(s.names).toEqual(['orders', 'payments']);
    expect(s.byName.orders?.samples.map((x) => x.at)).toEqual([400, 1000]);
    expect(s.byName.payments?.samples.map((x) => x.at)).toEqual([500, 1000]);
    expect(client.calls.filter((c) => c.name === 'outbox:history').map((c) => c.req)).toEqual([
      {},
      { name: 'payments' },
    ]);
    client.emit('outbox:diff', { seq: 4, changes: { at: 2000, pending: 0 }, outbox: 'payments' });
    expect(stores.outbox.getState().byName.payments?.state?.pending).toBe(0);
    expect(stores.outbox.getState().byName.orders?.state?.pending).toBe(1);
    expect(stores.outbox.getState().needsResync).toBe(false);
  });
});
