// Lab E in the console: the registered module (main/console/labs/lab-e) on topics, groups, databases and ports of its
// own. The console runs the five services as child processes, its load signs a crew up and creates, reshuffles and
// completes tasks through the gateway, and each task's timeline reads created → assigned (fee) → reassigned (fee) →
// completed (reward) from the tasks-lifecycle records and the services' lines, with no flag. Then its panels' requests:
// the registry and check-compat (lab-e:schemas, lab-e:schema-diff), per topic counts with the dead letter the
// invalid-event fault made (lab-e:schema-stats), accounting's ledger and the day close (lab-e:ledger, lab-e:close-day).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createLabE } from '../../main/console/labs/lab-e/index.js';
import { endpoints, uniqueName } from './support/index.js';
import { callerOf, freePort, sharedStackProvider } from './support/test-provider.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';

const prefix = `${uniqueName('labe-console')}.`;
const dbPrefix = uniqueName('es_labe_console', '_').slice(0, 40);
const SERVICES = ['gateway', 'auth', 'tasks', 'accounting', 'analytics'] as const;
let console_: Console;
let admin: Admin;

const call = callerOf(() => console_);

/** an instance said it listens (its `lifecycle` line) */
async function listening(instance: string): Promise<void> {
  await waitFor(
    async () => {
      const { lines } = await call('services:logs', { instance });
      const state = (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
      if (state === 'exited' || state === 'stopped')
        throw new Error(`${instance} ${state}: ${lines.map((l) => l.text).join('\n')}`);
      return lines.some((l) => l.kind === 'lifecycle' && l.text.includes('"listening"')) || undefined;
    },
    { timeoutMs: 45_000, intervalMs: 100, what: `${instance} listening` },
  );
}

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  const ports = await Promise.all(SERVICES.map(() => freePort()));
  const env: NodeJS.ProcessEnv = {
    EVENTSCOPE_LAB_E_PREFIX: prefix,
    EVENTSCOPE_LAB_E_DATABASE_PREFIX: dbPrefix,
  };
  SERVICES.forEach((s, i) => (env[`EVENTSCOPE_LAB_E_${s.toUpperCase()}_PORT`] = String(ports[i])));
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider(['kafka', 'postgres']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [createLabE(env)],
  });
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  const pgAdmin = new pg.Client({ connectionString: endpoints().postgres.url });
  pgAdmin.on('error', () => undefined);
  await pgAdmin.connect().then(
    async () => {
      for (const s of ['auth', 'tasks', 'accounting', 'analytics'])
        await pgAdmin.query(`DROP DATABASE IF EXISTS "${dbPrefix}_${s}" WITH (FORCE)`).catch(() => undefined);
      await pgAdmin.end();
    },
    () => undefined,
  );
  if (admin !== undefined) {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
});

describe('Lab E in the console', () => {
  it('is selected with its five instances, faults and load', async () => {
    const info = await call('labs:select', { lab: 'lab-e' });
    expect(info.lab).toBe('lab-e');
    const { instances } = await call('services:list');
    expect(instances.map((i) => `${i.kind}/${i.instance}`).sort()).toEqual(
      ['accounting/accounting', 'analytics/analytics', 'auth/auth', 'gateway/gateway', 'tasks/tasks'].sort(),
    );
    expect((await call('faults:list')).faults.map((f) => f.id)).toEqual(
      expect.arrayContaining(['duplicate-event', 'poison-event', 'invalid-event']),
    );
  });

  it('runs the services; its load makes tasks whose timelines read created → assigned → completed', async () => {
    // consumers of auth's accounts first, then auth, then the gateway (the manifest's `after`)
    for (const wave of [['tasks', 'accounting', 'analytics'], ['auth'], ['gateway']]) {
      await Promise.all(wave.map((instance) => call('services:start', { instance })));
      await Promise.all(wave.map(listening));
    }
    const started = await call('load:start', { lab: 'lab-e', rate: 2, count: 3, mix: { reshuffle: 1 } });
    const progress = await waitFor(
      async () => {
        const p = (await call('load:status')).progress;
        return p !== null && !p.running ? p : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 200, what: 'the load run to end' },
    );
    expect(progress.runId).toBe(started.runId);
    expect(progress.lastError).toBeNull();
    expect(progress.outcomes).toEqual({ reshuffle: 3 });

    const tasks = await waitFor(
      async () => {
        const items = (await call('timeline:recent', { limit: 50 })).items.filter(
          (i) => i.statuses.join() === 'created,assigned,completed',
        );
        if (items.length < 3) return undefined;
        const timelines = await Promise.all(
          items.map(async (i) => (await call('timeline:get', { lab: 'lab-e', entity: i.entity })).timeline!),
        );
        // settled: every assignment charged and the reward paid
        const settled = timelines.every((t) => {
          const n = (step: string) => t.steps.filter((s) => s.step === step).length;
          return n('fee') === n('reassigned') + 1 && n('reward') === 1 && n('handled') === 3;
        });
        return settled ? timelines : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'three tasks created, assigned, completed, with their fees' },
    );
    for (const t of tasks) {
      expect(t.flags).toEqual([]);
      const facts = t.steps.map((s) => `${s.status}:${s.step}:${s.actor ?? '-'}`);
      expect(facts).toEqual(
        expect.arrayContaining([
          'created:published:-',
          'created:streamed:tasks',
          'created:handled:accounting',
          'created:consumed:analytics',
          'assigned:published:-',
          'assigned:reassigned:tasks',
          'assigned:handled:accounting',
          'completed:published:-',
          'completed:handled:accounting',
        ]),
      );
      expect(t.steps.find((s) => s.step === 'priced')?.actor).toMatch(/^accounting: fee \d+, reward \d+$/);
      const fees = t.steps.filter((s) => s.step === 'fee');
      expect(fees.every((f) => f.status === 'assigned' && /^accounting: fee \d+$/.test(f.actor ?? ''))).toBe(true);
      // the price is fixed once: every fee of a task is the same amount
      expect(new Set(fees.map((f) => f.actor)).size).toBe(1);
      expect(t.steps.find((s) => s.step === 'reward')).toMatchObject({ status: 'completed' });
      expect(t.steps.find((s) => s.step === 'published' && s.status === 'created')?.where).toMatchObject({
        kind: 'record',
        topic: `${prefix}tasks-lifecycle`,
      });
    }
    // their Kafka clients reach the broker through their own link proxies (KAFKA_LINKS), so a Kafka link fault applies
    const { links } = await call('links:list');
    for (const instance of ['tasks', 'accounting', 'analytics', 'auth'])
      expect(links.find((l) => l.id === `${instance}/kafka`)).toMatchObject({ state: 'up', inUse: true });
    expect(links.find((l) => l.id === 'accounting/kafka')?.bytesUp).toBeGreaterThan(0);
  });

  it('replays an event as a duplicate: the timeline flags it, accounting skips it', async () => {
    const result = (await call('faults:run', { fault: 'duplicate-event', args: { topic: 'tasks-lifecycle' } })).result;
    expect(result).toMatch(new RegExp(`^replayed an event on ${prefix.replace('.', '\\.')}tasks-lifecycle`));
    const flagged = await waitFor(
      async () => {
        const { items } = await call('timeline:flagged', { flag: 'duplicate' });
        return items[0];
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'a task flagged duplicate' },
    );
    const t = await waitFor(
      async () => {
        const tl = (await call('timeline:get', { lab: 'lab-e', entity: flagged.entity })).timeline!;
        return tl.steps.some((s) => s.actor === 'accounting (duplicate)') ? tl : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "accounting's duplicate line on the timeline" },
    );
    expect(t.flags).toEqual(['duplicate']);
  });

  it('publishes an event that fails its schema: accounting dead-letters it, the task shows it', async () => {
    const task = (await call('timeline:recent', { limit: 1 })).items[0]!.entity;
    const result = (await call('faults:run', { fault: 'invalid-event', args: { task } })).result;
    expect(result).toContain(`for task ${task}`);
    const dead = await waitFor(
      async () =>
        (await call('timeline:get', { lab: 'lab-e', entity: task })).timeline!.steps.find(
          (s) => s.step === 'dead-lettered',
        ),
      { timeoutMs: 20_000, intervalMs: 200, what: 'the invalid TaskAssigned dead-lettered on the timeline' },
    );
    expect(dead).toMatchObject({
      status: 'assigned',
      actor: 'accounting',
      where: { kind: 'record', topic: `${prefix}tasks-lifecycle.dlq` },
    });
  });

  it("answers the Schemas panel: the registry, check-compat's verdict, per topic counts with the dead letter", async () => {
    const registry = await call('lab-e:schemas', {});
    const created = registry.events.find((e) => e.event === 'TaskCreated');
    expect(created).toMatchObject({ domain: 'tasks', topic: `${prefix}tasks-stream` });
    expect(created?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(registry.compat).toContainEqual(expect.objectContaining({ event: 'TaskCreated', compatible: false }));
    const diff = await call('lab-e:schema-diff', { event: 'TaskCreated', from: 1, to: 2 });
    expect(diff.changes).toContainEqual(expect.objectContaining({ path: 'data.jira_id', breaking: false }));
    expect(diff.changes).toContainEqual(expect.objectContaining({ path: 'data.title', breaking: true }));
    await expect(call('lab-e:schema-diff', { event: 'TaskCreated', from: 1, to: 7 })).rejects.toThrow(
      /NOT_FOUND TaskCreated has versions 1, 2, not 7/,
    );

    const stats = await waitFor(
      async () => {
        const s = await call('lab-e:schema-stats', {});
        const life = s.topics.find((t) => t.topic === `${prefix}tasks-lifecycle`);
        return life !== undefined && (life.deadLettered.accounting ?? 0) >= 1 ? s : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: "accounting's dead letter counted" },
    );
    const byTopic = new Map(stats.topics.map((t) => [t.topic.slice(prefix.length), t]));
    // three tasks created, reshuffled and completed: TaskAdded, TaskAssigned (≥ 2 each), TaskCompleted
    expect(byTopic.get('tasks-lifecycle')?.produced).toBeGreaterThanOrEqual(12);
    expect(byTopic.get('tasks-lifecycle')?.consumed.accounting).toBeGreaterThanOrEqual(12);
    expect(byTopic.get('tasks-stream')?.byEvent['TaskCreated v2']).toBeGreaterThanOrEqual(3);
    expect(Object.keys(byTopic.get('accounts-stream')?.consumed ?? {}).sort()).toEqual([
      'accounting',
      'analytics',
      'tasks',
    ]);
    const dead = byTopic.get('tasks-lifecycle')?.failures.find((f) => f.kind === 'dead-lettered');
    expect(dead).toMatchObject({
      service: 'accounting',
      reason: 'invalid',
      eventName: 'TaskAssigned',
      dlq: { topic: `${prefix}tasks-lifecycle.dlq` },
    });
    expect(dead?.errors.map((e) => e.field)).toContain('data.assignee_public_id');
  });

  it('answers the Ledger panel and closes the day: payouts with their mails, balances paid out', async () => {
    const ledger = await waitFor(
      async () => {
        const l = await call('lab-e:ledger', {});
        return l.workers.some((w) => w.rows > 0) && l.income.fees > 0 ? l : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'ledger rows' },
    );
    expect(ledger.cycle).not.toBeNull();
    expect(ledger.income.managementIncome).toBe(ledger.income.fees - ledger.income.rewards);
    for (const w of ledger.workers) expect(w.ledgerSum, w.publicId).toBe(w.balance);
    const active = ledger.workers.find((w) => w.rows > 0)!;
    expect(['fee', 'reward']).toContain(active.ledger[0]?.kind);
    expect(active.ledger[0]?.balanceAfter).toBe(active.balance);

    const positive = ledger.workers.filter((w) => w.balance > 0);
    const closed = await call('lab-e:close-day', {});
    expect(closed.cycleId).toBe(ledger.cycle!.id);
    expect(closed.nextCycleId).toBeGreaterThan(closed.cycleId);
    expect(closed.payouts.map((p) => p.account).sort()).toEqual(positive.map((w) => w.publicId).sort());
    expect(closed.mails).toHaveLength(closed.payouts.length);
    for (const p of closed.payouts)
      expect(closed.mails.find((m) => m.account === p.account)?.body).toContain(`You earned ${p.amount}`);
    const after = await call('lab-e:ledger', {});
    expect(after.cycle?.id).toBe(closed.nextCycleId);
    expect(after.closed[0]?.cycleId).toBe(closed.cycleId);
    expect(after.closed[0]?.payouts.map((p) => p.amount).sort()).toEqual(closed.payouts.map((p) => p.amount).sort());
    expect(after.workers.filter((w) => w.balance > 0)).toEqual([]);
  });

  it('stops every instance', async () => {
    await Promise.all(SERVICES.map((instance) => call('services:stop', { instance })));
    const { instances } = await call('services:list');
    expect(instances.every((i) => i.state !== 'running' && i.state !== 'starting')).toBe(true);
  });
});
