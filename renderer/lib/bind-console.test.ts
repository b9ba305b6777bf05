import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleStore } from '../features/console/store';
import { createGroupsStore } from '../features/groups/store';
import { createLoadStore } from '../features/load/store';
import { createOutboxStore } from '../features/outbox/store';
import { createServicesStore } from '../features/service-instances/store';
import { createStackStore } from '../features/stack/store';
import { createTailStore } from '../features/topics/tail-store';
import { createTimelineStore } from '../features/timeline/store';
import { createTopicsStore } from '../features/topics/store';
import { createFakeClient } from '../test/fake-client';
import { partition, summary } from '../test/fixtures';
import { bindConsole, type Binding } from './bind-console';
import type { Stores } from './stores';

const makeStores = (): Stores => ({
  console: createConsoleStore(),
  stack: createStackStore(),
  services: createServicesStore(),
  load: createLoadStore(),
  topics: createTopicsStore(),
  tail: createTailStore(),
  groups: createGroupsStore(),
  outbox: createOutboxStore(),
  timeline: createTimelineStore(),
});

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('bindConsole', () => {
  let binding: Binding | undefined;
  afterEach(() => binding?.stop());

  it('fetches the snapshots at start and applies pushes to the stores', async () => {
    const client = createFakeClient({
      'kafka:snapshot': () => ({ seq: 2, partitions: [partition('loms.order-events', 0)] }),
      'timeline:recent': () => ({ items: [summary('7')], size: 1, cap: 100_000 }),
    });
    const stores = makeStores();
    binding = bindConsole(client, stores);
    await flush();
    expect(Object.keys(stores.topics.getState().byId)).toEqual(['loms.order-events/0']);
    client.emit('kafka:snapshot-diff', { seq: 3, upsert: [partition('loms.order-events', 1)], removed: [] });
    client.emit('timeline:batch', { seq: 1, updated: [summary('8')], evicted: 0, size: 2 });
    expect(Object.keys(stores.topics.getState().byId).sort()).toEqual(['loms.order-events/0', 'loms.order-events/1']);
    expect([...stores.timeline.getState().byId.keys()]).toEqual(['7', '8']);
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

  it('stops listening when stopped', async () => {
    const client = createFakeClient();
    const stores = makeStores();
    const b = bindConsole(client, stores);
    await flush();
    b.stop();
    client.emit('load:progress', {
      progress: {
        runId: 'r',
        running: true,
        rate: 1,
        target: 1,
        startedAt: 0,
        elapsedMs: 0,
        created: 0,
        paid: 0,
        cancelled: 0,
        failed: 0,
        errors: 0,
        lastError: null,
        endReason: null,
      },
    });
    expect(stores.load.getState().progress).toBeNull();
  });
});
