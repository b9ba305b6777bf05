// Lab A in the console: the registered module (main/console/labs/lab-a) on a topic, group, MongoDB database, Redis
// prefix and port of its own. The console runs the projector and the presentations API as child processes; a
// presentation created, updated and deleted through the API reads accepted → published (partition, offset) → projected
// (version) → cached (Redis) on its timeline, per change; a poison record is an error line of the projector.
import type { Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createLabA } from '../../main/console/labs/lab-a/index.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';
import { endpoints, uniqueName } from './support/index.js';
import { callerOf, freePort, sharedStackProvider } from './support/test-provider.js';

const prefix = `${uniqueName('laba-console')}.`;
const db = uniqueName('es_laba_console', '_').slice(0, 50);
let console_: Console;
let admin: Admin;
let apiUrl: string;

const call = callerOf(() => console_);

async function state(instance: string): Promise<string | undefined> {
  return (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
}

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider(['kafka', 'mongodb', 'redis']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [
      createLabA({
        EVENTSCOPE_LAB_A_PREFIX: prefix,
        EVENTSCOPE_LAB_A_MONGODB_DB: db,
        EVENTSCOPE_LAB_A_REDIS_PREFIX: prefix,
        EVENTSCOPE_LAB_A_API_PORT: String(port),
      }),
    ],
  });
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  const mongo = new MongoClient(endpoints().mongodb.url, { serverSelectionTimeoutMS: 5000 });
  await mongo
    .connect()
    .then(() => mongo.db(db).dropDatabase())
    .catch(() => undefined);
  await mongo.close().catch(() => undefined);
  if (admin !== undefined) {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
});

describe('Lab A in the console', () => {
  it('is selected with its instances and faults', async () => {
    expect((await call('labs:select', { lab: 'lab-a' })).lab).toBe('lab-a');
    const { instances } = await call('services:list');
    expect(instances.map((i) => `${i.kind}/${i.instance}`).sort()).toEqual([
      'presentations-api/presentations-api',
      'projector/projector-1',
      'projector/projector-2',
    ]);
    expect((await call('faults:list')).faults.map((f) => f.id)).toEqual([
      'duplicate-event',
      'poison-event',
      'stop-kafka-node',
      'start-kafka-node',
      'link-cut',
      'link-delay',
      'link-throttle',
      'link-restore',
    ]);
  });

  it("runs the services; a presentation's changes read accepted → published → projected → cached", async () => {
    await call('services:start', { instance: 'presentations-api' });
    await waitFor(async () => (await state('presentations-api')) === 'running' || undefined, {
      timeoutMs: 30_000,
      what: 'the API to answer on its port',
    });
    // the API created the topic; the projector joins its group on it
    await call('services:start', { instance: 'projector-1' });
    await waitFor(
      async () => {
        const { lines } = await call('services:logs', { instance: 'projector-1' });
        if ((await state('projector-1')) === 'exited') throw new Error(lines.map((l) => l.text).join('\n'));
        return lines.some((l) => l.kind === 'lifecycle' && l.text.includes('"joined"')) || undefined;
      },
      { timeoutMs: 30_000, what: 'projector-1 to join its group' },
    );

    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      expect(res.status, `${method} ${path}`).toBe(202);
      return (await res.json()) as { id: string; version: number };
    };
    const { id } = await send('POST', '/presentations', {
      title: 'CQRS in the console',
      speaker: 'Ada',
      conference: 'HighLoad',
      duration_min: 40,
    });
    await send('PUT', `/presentations/${id}`, { duration_min: 45, expected_version: 1 });
    await send('DELETE', `/presentations/${id}`);

    const timeline = await waitFor(
      async () => {
        const t = (await call('timeline:get', { lab: 'lab-a', entity: id })).timeline;
        return t !== null && t.steps.filter((s) => s.step === 'projected').length === 3 ? t : undefined;
      },
      { timeoutMs: 20_000, what: 'three changes projected on the timeline' },
    );
    expect(timeline.flags).toEqual([]);
    const facts = timeline.steps.map((s) => `${s.status ?? '-'}:${s.step}`);
    for (const status of ['created', 'updated', 'deleted'])
      expect(facts).toEqual(
        expect.arrayContaining([`${status}:accepted`, `${status}:published`, `${status}:projected`]),
      );
    expect(timeline.steps.filter((s) => s.step === 'cached')).toHaveLength(3);
    const published = timeline.steps.filter((s) => s.step === 'published');
    expect(published.map((s) => s.actor)).toEqual(['version 1', 'version 2', 'version 3']);
    expect(published.every((s) => s.where?.kind === 'record' && s.where.topic === `${prefix}presentation.events`)).toBe(
      true,
    );
    expect(new Set(published.map((s) => s.where?.kind === 'record' && s.where.partition)).size).toBe(1);
    const projected = timeline.steps.filter((s) => s.step === 'projected');
    expect(projected.map((s) => s.where?.kind === 'doc' && s.where.version)).toEqual([1, 2, 3]);
    expect(projected.every((s) => s.actor === 'projector-1' && (s.latencyMs ?? -1) >= 0)).toBe(true);
  });

  it("runs its check of invariant 2 through the console: PASS on the correct API's records", async () => {
    const { runId } = await call('checks:run', { checks: ['per-entity-order'] });
    const result = await waitFor(
      async () => {
        const r = (await call('checks:result', { check: 'per-entity-order' })).result;
        return r?.runId === runId ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the per-entity-order result' },
    );
    expect(result).toMatchObject({ status: 'PASS', counts: { presentations: 1, events: 3, 'out of order': 0 } });
  });

  it('sends a poison record: the projector logs it as an error and goes on', async () => {
    const result = (await call('faults:run', { fault: 'poison-event', args: {} })).result;
    expect(result).toContain(`${prefix}presentation.events`);
    await waitFor(
      async () => {
        const { lines } = await call('services:logs', { instance: 'projector-1' });
        return lines.some((l) => l.kind === 'error' && l.text.includes('POISON_MESSAGE')) || undefined;
      },
      { timeoutMs: 15_000, what: "the projector's poison line" },
    );
    expect(await state('projector-1')).toBe('running');
  });

  it('stops every instance', async () => {
    await Promise.all(['presentations-api', 'projector-1'].map((instance) => call('services:stop', { instance })));
    const { instances } = await call('services:list');
    expect(instances.every((i) => i.state !== 'running' && i.state !== 'starting')).toBe(true);
  });
});
