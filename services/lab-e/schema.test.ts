import { describe, expect, it } from 'vitest';
import { msUntil } from './services/accounting.js';
import { parseLabELine, ROUTE_ACCESS, topicNames, dlqOf, type LabELine } from './schema.js';
import { classify } from './consumer.js';
import { schemaRegistry } from './registry.js';
import { envelope, entityOf } from './events.js';

const TASK = '0190a0f0-0000-7000-8000-0000000000aa';
const WORKER = '0190a0f0-0000-7000-8000-0000000000bb';

describe('Lab E fact lines', () => {
  it('parses each kind of line and refuses anything else', () => {
    const lines: LabELine[] = [
      {
        type: 'produced',
        ts: '2025-01-01T00:00:00.000Z',
        service: 'tasks',
        topic: 'tasks-lifecycle',
        partition: 1,
        offset: '7',
        key: TASK,
        event_id: WORKER,
        event_name: 'TaskAssigned',
        event_version: 1,
        entity: TASK,
        entity_kind: 'task',
      },
      {
        type: 'ledger',
        ts: '2025-01-01T00:00:00.000Z',
        service: 'accounting',
        entity: WORKER,
        entity_kind: 'account',
        transaction_id: TASK,
        task: TASK,
        kind: 'fee',
        debit: 12,
        credit: 0,
        balance_after: -12,
        cycle_id: 1,
        event_id: null,
      },
      {
        type: 'dead_lettered',
        ts: '2025-01-01T00:00:00.000Z',
        service: 'accounting',
        topic: 'tasks-lifecycle',
        partition: 0,
        offset: '3',
        dlq_topic: 'tasks-lifecycle.dlq',
        dlq_partition: 0,
        dlq_offset: '0',
        reason: 'invalid',
        event_id: null,
        event_name: null,
        event_version: null,
        entity: null,
        errors: [{ field: '(event)', message: 'not JSON', keyword: 'json' }],
      },
    ];
    for (const l of lines) expect(parseLabELine(JSON.stringify(l))).toEqual(l);
    expect(parseLabELine('{"level":30,"msg":"pino"}')).toBeUndefined();
    expect(parseLabELine('not json')).toBeUndefined();
    expect(parseLabELine('{"type":"ledger"')).toBeUndefined();
  });

  it('names topics with a prefix and their DLQ; every route is in the access table once', () => {
    expect(topicNames('t1.')).toEqual({
      accountsStream: 't1.accounts-stream',
      accounts: 't1.accounts',
      tasksStream: 't1.tasks-stream',
      tasksLifecycle: 't1.tasks-lifecycle',
      transactions: 't1.transactions',
    });
    expect(dlqOf('tasks-stream')).toBe('tasks-stream.dlq');
    const keys = ROUTE_ACCESS.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('entityOf gives the record key of each kind of event', () => {
    expect(entityOf('TaskAssigned', { public_id: TASK })).toEqual({ entity: TASK, kind: 'task' });
    expect(entityOf('AccountCreated', { public_id: WORKER })).toEqual({ entity: WORKER, kind: 'account' });
    expect(entityOf('TransactionApplied', { account_public_id: WORKER })).toEqual({ entity: WORKER, kind: 'account' });
    expect(entityOf('BillingCycleClosed', { cycle_id: 3 })).toEqual({ entity: '3', kind: 'cycle' });
  });
});

describe('consumer classification', () => {
  const supports = { TaskCreated: [1], TaskAssigned: [1] };
  const r = schemaRegistry();

  it('valid → event; not handled here → ignore; invalid or unsupported version → reject with errors', () => {
    const ok = envelope('TaskAssigned', 1, 'tasks', { public_id: TASK, assignee_public_id: WORKER });
    expect(classify(r, supports, JSON.stringify(ok))).toEqual({ event: ok });
    const other = envelope('TaskAdded', 1, 'tasks', { public_id: TASK });
    expect(classify(r, supports, JSON.stringify(other))).toEqual({ ignore: other });
    const v2 = envelope('TaskCreated', 2, 'tasks', { public_id: TASK, title: 't', description: '' });
    const unsupported = classify(r, supports, JSON.stringify(v2));
    expect(unsupported).toMatchObject({ reject: { reason: 'unsupported', errors: [{ field: 'event_version' }] } });
    const bad = envelope('TaskAssigned', 1, 'tasks', { public_id: TASK, assignee_id: WORKER });
    expect(classify(r, supports, JSON.stringify(bad))).toMatchObject({
      reject: { reason: 'invalid', errors: [{ field: 'data.assignee_public_id' }] },
    });
    expect(classify(r, supports, '{nope')).toMatchObject({
      reject: { reason: 'invalid', errors: [{ keyword: 'json' }] },
    });
  });
});

describe('close-day clock', () => {
  it('waits until the next HH:MM UTC', () => {
    const now = new Date('2025-03-01T10:00:00.000Z');
    expect(msUntil('10:30', now)).toBe(30 * 60_000);
    expect(msUntil('10:00', now)).toBe(24 * 3600_000);
    expect(msUntil('09:00', now)).toBe(23 * 3600_000);
  });
});
