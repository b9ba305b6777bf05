import { describe, expect, it } from 'vitest';
import { LabManifest } from '../../contract/manifest.js';
import { createTimelineStore } from '../../timeline/timeline-store.js';
import { timelineLabOf } from '../timeline-lab.js';
import type { LabContext } from '../types.js';
import { createLabE } from './index.js';
import { scanLifecycleRecord } from './scan.js';

const TASK = '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a';
const WORKER = '0198f3a2-0000-7000-8000-000000000001';
const PREFIX = 't.';
const LIFE = `${PREFIX}tasks-lifecycle`;
const STREAM = `${PREFIX}tasks-stream`;

const envelope = (name: string, data: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify({
      event_id: crypto.randomUUID(),
      event_version: 1,
      event_name: name,
      event_time: new Date().toISOString(),
      producer: 'tasks',
      data,
    }),
  );
const ts = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const ref = (name: string) => ({ event_id: crypto.randomUUID(), event_name: name, event_version: 1 });
const produced = (n: number, topic: string, offset: number, name: string) =>
  JSON.stringify({
    type: 'produced',
    ts: ts(n),
    service: 'tasks',
    topic,
    partition: 1,
    offset: String(offset),
    key: TASK,
    ...ref(name),
    entity: TASK,
    entity_kind: 'task',
  });
const consumed = (n: number, service: string, topic: string, offset: number, name: string) =>
  JSON.stringify({
    type: 'consumed',
    ts: ts(n),
    service,
    topic,
    partition: 1,
    offset: String(offset),
    ...ref(name),
    entity: TASK,
    entity_kind: 'task',
    outcome: 'applied',
  });
const ledger = (n: number, kind: 'fee' | 'reward', amount: number) =>
  JSON.stringify({
    type: 'ledger',
    ts: ts(n),
    service: 'accounting',
    entity: WORKER,
    entity_kind: 'account',
    transaction_id: crypto.randomUUID(),
    task: TASK,
    kind,
    debit: kind === 'fee' ? amount : 0,
    credit: kind === 'reward' ? amount : 0,
    balance_after: 0,
    cycle_id: 1,
    event_id: null,
  });

const ctx: LabContext = {
  endpoints: () => ({
    kafka: { brokers: ['127.0.0.1:9092'] },
    postgres: { url: 'postgres://postgres@127.0.0.1:5432/postgres' },
    rabbitmq: { url: 'amqp://127.0.0.1:5672' },
    mongodb: { url: 'mongodb://127.0.0.1:27017' },
    redis: { url: 'redis://127.0.0.1:6379' },
  }),
  records: { duplicate: () => Promise.reject(new Error('no')), poison: () => Promise.reject(new Error('no')) },
  logger: undefined as never,
};

describe('Lab E module', () => {
  it('has a valid manifest with prefixed topics, groups and the ports it is given', () => {
    const lab = createLabE({ EVENTSCOPE_LAB_E_PREFIX: PREFIX, EVENTSCOPE_LAB_E_GATEWAY_PORT: '9201' });
    const m = LabManifest.parse(lab.manifest);
    expect(m.id).toBe('lab-e');
    expect(m.topics.map((t) => t.name)).toContain(LIFE);
    expect(m.topics.map((t) => t.name)).toContain(`${LIFE}.dlq`);
    expect(m.groups).toEqual([`${PREFIX}lab-e-tasks`, `${PREFIX}lab-e-accounting`, `${PREFIX}lab-e-analytics`]);
    expect(m.services.find((s) => s.kind === 'gateway')).toMatchObject({ port: 9201, instances: ['gateway'] });
    expect(m.brokenModes.map((b) => b.id)).toContain('not-idempotent');
    expect(() => createLabE({ EVENTSCOPE_LAB_E_AUTH_PORT: '8201' })).toThrow(/gateway and auth both on port 8201/);
  });

  it('gives each service its database, the gateway its upstreams, all one JWT secret', () => {
    const lab = createLabE({ EVENTSCOPE_LAB_E_PREFIX: PREFIX, EVENTSCOPE_LAB_E_DATABASE_PREFIX: 'es_x' });
    const tasks = lab.env(ctx, 'tasks', 'tasks');
    const gateway = lab.env(ctx, 'gateway', 'gateway');
    expect(tasks).toMatchObject({
      KAFKA_BROKERS: '127.0.0.1:9092',
      LAB_E_PREFIX: PREFIX,
      LAB_E_TASKS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/es_x_tasks',
      LAB_E_TASKS_PORT: '8203',
    });
    expect(gateway).toMatchObject({ LAB_E_GATEWAY_PORT: '8201', LAB_E_AUTH_URL: 'http://127.0.0.1:8202' });
    expect(gateway.LAB_E_JWT_SECRET).toBe(lab.env(ctx, 'auth', 'auth').LAB_E_JWT_SECRET);
    expect(gateway.LAB_E_JWT_SECRET!.length).toBeGreaterThanOrEqual(16);
    expect(createLabE({}).env(ctx, 'auth', 'auth').LAB_E_JWT_SECRET).not.toBe(gateway.LAB_E_JWT_SECRET);
    expect(() => lab.env(ctx, 'loms', 'loms')).toThrow(/no service loms/);
  });

  it('scans tasks-lifecycle: TaskAdded, the first TaskAssigned and TaskCompleted; not a reshuffle or poison', () => {
    const out = { entity: '', status: -1 };
    expect(scanLifecycleRecord(envelope('TaskAdded', { public_id: TASK }), out)).toBe(true);
    expect(out).toEqual({ entity: TASK, status: 0 });
    const assigned = { public_id: TASK, assignee_public_id: WORKER, reason: 'created' };
    expect(scanLifecycleRecord(envelope('TaskAssigned', assigned), out)).toBe(true);
    expect(out.status).toBe(1);
    expect(scanLifecycleRecord(envelope('TaskAssigned', { ...assigned, reason: 'reshuffle' }), out)).toBe(false);
    expect(scanLifecycleRecord(envelope('TaskCompleted', { public_id: TASK }), out)).toBe(true);
    expect(out.status).toBe(2);
    expect(scanLifecycleRecord(Buffer.from('not json {'), out)).toBe(false);
    expect(scanLifecycleRecord(Buffer.from('{"broken'), out)).toBe(false);
    expect(scanLifecycleRecord(envelope('AccountCreated', { public_id: TASK }), out)).toBe(false);
  });

  it('reads a task created, reshuffled and completed as created → assigned → completed with no flag', () => {
    const lab = createLabE({ EVENTSCOPE_LAB_E_PREFIX: PREFIX });
    const store = createTimelineStore({ lab: timelineLabOf(lab) });
    const feed = (kind: string, line: string) => {
      for (const f of lab.parseLine!(kind, kind, line)?.facts ?? []) store.addFact(f);
    };
    const record = (offset: number, name: string, data: Record<string, unknown>) =>
      store.ingestRecord(LIFE, 1, offset, envelope(name, { public_id: TASK, ...data }), Date.parse(ts(offset)));
    // creation: TaskCreated (stream), TaskAdded and TaskAssigned (lifecycle)
    feed('tasks', produced(1, STREAM, 0, 'TaskCreated'));
    expect(record(0, 'TaskAdded', {})).toBe(true);
    expect(record(1, 'TaskAssigned', { assignee_public_id: WORKER, reason: 'created' })).toBe(true);
    feed('tasks', produced(1, LIFE, 0, 'TaskAdded'));
    feed('tasks', produced(1, LIFE, 1, 'TaskAssigned'));
    feed('accounting', consumed(2, 'accounting', STREAM, 0, 'TaskCreated'));
    feed('analytics', consumed(2, 'analytics', STREAM, 0, 'TaskCreated'));
    feed('accounting', consumed(2, 'accounting', LIFE, 0, 'TaskAdded'));
    feed('accounting', consumed(3, 'accounting', LIFE, 1, 'TaskAssigned'));
    feed('accounting', ledger(3, 'fee', 12));
    // a reshuffle: a second TaskAssigned and a TaskUpdated, a second fee
    expect(record(2, 'TaskAssigned', { assignee_public_id: WORKER, reason: 'reshuffle' })).toBe(false);
    feed('tasks', produced(4, LIFE, 2, 'TaskAssigned'));
    feed('tasks', produced(4, STREAM, 1, 'TaskUpdated'));
    feed('accounting', consumed(5, 'accounting', LIFE, 2, 'TaskAssigned'));
    feed('accounting', ledger(5, 'fee', 12));
    // completion
    expect(record(3, 'TaskCompleted', { assignee_public_id: WORKER })).toBe(true);
    feed('tasks', produced(6, LIFE, 3, 'TaskCompleted'));
    feed('tasks', produced(6, STREAM, 2, 'TaskUpdated'));
    feed('accounting', consumed(7, 'accounting', LIFE, 3, 'TaskCompleted'));
    feed('accounting', ledger(7, 'reward', 30));

    const t = store.get(TASK)!;
    expect(t.statuses).toEqual(['created', 'assigned', 'completed']);
    expect(t.flags).toEqual([]);
    expect(t.steps.map((s) => `${s.status}:${s.step}:${s.actor ?? '-'}`)).toEqual([
      'created:published:-',
      'created:streamed:tasks',
      'created:handled:accounting',
      'created:consumed:accounting',
      'created:consumed:analytics',
      'assigned:published:-',
      'assigned:streamed:tasks',
      'assigned:reassigned:tasks',
      'assigned:handled:accounting',
      'assigned:consumed:accounting',
      'assigned:fee:accounting: fee 12',
      'assigned:fee:accounting: fee 12',
      'completed:published:-',
      'completed:streamed:tasks',
      'completed:handled:accounting',
      'completed:reward:accounting: reward 30',
    ]);
    store.stop();
  });

  it('flags a replayed TaskAdded as a duplicate, and reads its skip as handled', () => {
    const lab = createLabE({ EVENTSCOPE_LAB_E_PREFIX: PREFIX });
    const store = createTimelineStore({ lab: timelineLabOf(lab) });
    const value = envelope('TaskAdded', { public_id: TASK });
    store.ingestRecord(LIFE, 1, 0, value, 1);
    store.ingestRecord(LIFE, 1, 5, value, 2);
    const skip = JSON.parse(consumed(3, 'accounting', LIFE, 5, 'TaskAdded')) as Record<string, unknown>;
    delete skip.outcome;
    const facts = lab.parseLine!('accounting', 'accounting', JSON.stringify({ ...skip, type: 'duplicate' }))!.facts!;
    expect(facts).toMatchObject([{ step: 'handled', status: 'created', actor: 'accounting (duplicate)' }]);
    for (const f of facts) store.addFact(f);
    expect(store.get(TASK)!.flags).toContain('duplicate');
    store.stop();
  });

  it('counts refused and dead-lettered lines as errors, lifecycle lines as lifecycle, other text as not its own', () => {
    const lab = createLabE({});
    const dead = {
      type: 'dead_lettered',
      ts: ts(1),
      service: 'accounting',
      topic: 'tasks-lifecycle',
      partition: 0,
      offset: '4',
      dlq_topic: 'tasks-lifecycle.dlq',
      dlq_partition: 0,
      dlq_offset: '0',
      reason: 'invalid',
      event_id: null,
      event_name: 'TaskAssigned',
      event_version: 1,
      entity: TASK,
      errors: [{ field: 'data.assignee_public_id', message: 'is required' }],
    };
    expect(lab.parseLine!('accounting', 'accounting', JSON.stringify(dead))).toMatchObject({
      kind: 'error',
      facts: [{ step: 'dead-lettered', status: 'assigned', where: { topic: 'tasks-lifecycle.dlq', offset: '0' } }],
    });
    const life = { type: 'lifecycle', ts: ts(1), service: 'tasks', state: 'listening', url: 'http://x' };
    expect(lab.parseLine!('tasks', 'tasks', JSON.stringify(life))).toEqual({ kind: 'lifecycle' });
    expect(lab.parseLine!('tasks', 'tasks', '{"level":30,"msg":"hi"}')).toBeUndefined();
  });
});
