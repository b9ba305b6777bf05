// Labs plug in: a minimal second lab (tests/fixtures/lab-fixture: one producer, one worker, one topic, its manifest)
// registered beside the real ones. The console lists it, selects it, runs its instances, observes its topic and group,
// and shows its entities' timelines, with no change to the core.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { defaultLabs } from '../../main/console/labs/registry.js';
import { createFixtureLab } from '../fixtures/lab-fixture/module.js';
import { endpoints, uniqueName } from './support/index.js';
import { callerOf, sharedStackProvider } from './support/test-provider.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';

const topic = uniqueName('fixture-items');
const group = uniqueName('fixture-workers');
let console_: Console;
let admin: Admin;

const call = callerOf(() => console_);

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider(['kafka']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [...defaultLabs({}), createFixtureLab({ topic, group, count: 5 })],
  });
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('a lab registered as a module', () => {
  it('is listed and can be selected; its manifest drives the instances', async () => {
    const before = await call('console:info');
    expect(before.labs.map((l) => l.id)).toContain('lab-fixture');
    expect(before.lab).not.toBe('lab-fixture');
    const info = await call('labs:select', { lab: 'lab-fixture' });
    expect(info.lab).toBe('lab-fixture');
    const { instances } = await call('services:list');
    expect(instances.map((i) => `${i.lab}/${i.kind}/${i.instance}`)).toEqual([
      'lab-fixture/producer/producer',
      'lab-fixture/worker/worker-1',
    ]);
    // a lab without faults of its own has the link faults every lab has
    expect((await call('faults:list')).faults.map((f) => f.id)).toEqual([
      'link-cut',
      'link-delay',
      'link-throttle',
      'link-restore',
    ]);
  });

  it('runs its services, observes its topic and group, and shows each item made → done and handled', async () => {
    await call('services:start', { instance: 'producer' });
    const parts = await waitFor(
      async () => {
        const p = (await call('kafka:snapshot')).partitions.filter((x) => x.topic === topic);
        return p.length === 2 && p.reduce((n, x) => n + Number(x.logEndOffset), 0) === 10 ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'the fixture topic with 10 records' },
    );
    expect(parts.map((p) => p.partition).sort()).toEqual([0, 1]);
    // the worker, like a student's consumer, expects its topic to exist (the producer makes it): start it after
    await call('services:start', { instance: 'worker-1' });
    const items = await waitFor(
      async () => {
        const r = await call('timeline:recent', { limit: 50 });
        const done = r.items.filter((i) => i.statuses.join() === 'made,done' && i.actors.includes('worker-1'));
        return done.length === 5 ? done : undefined;
      },
      { timeoutMs: 60_000, what: '5 items published and handled' },
    ).catch(async (err: unknown) => {
      const logs = (await call('services:logs', { instance: 'worker-1', lines: 30 })).lines.map((l) => l.text);
      throw new Error(`${(err as Error).message}\nworker-1's last lines:\n${logs.join('\n')}`);
    });
    const t = (await call('timeline:get', { lab: 'lab-fixture', entity: items[0]!.entity })).timeline!;
    expect(t.steps.map((s) => `${s.status}:${s.step}`)).toEqual([
      'made:published',
      'made:handled',
      'done:published',
      'done:handled',
    ]);
    expect(t.flags).toEqual([]);
    const g = await waitFor(
      async () => (await call('groups:snapshot')).groups.find((x) => x.groupId === group && x.totalLag === 0),
      { timeoutMs: 60_000, what: 'the worker group at lag 0' },
    );
    expect(g.members).toHaveLength(1);
    // Lab D's own requests belong to Lab D: refused while the fixture lab is selected
    const relay = await console_.dispatch('lab-d:relay-status', {});
    expect(relay).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
