import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/app-error.js';
import { SchemaRegistry, describeErrors, schemaRegistry } from './registry.js';
import { SCHEMA_FILES } from './schemas/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function filesOnDisk(): string[] {
  const root = path.join(here, 'schemas');
  const out: string[] = [];
  for (const domain of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const event of readdirSync(path.join(root, domain.name)))
      for (const file of readdirSync(path.join(root, domain.name, event))) out.push(`${domain.name}/${event}/${file}`);
  return out.sort();
}

const envelope = (name: string, version: number, data: unknown) => ({
  event_id: '0190a0f0-0000-7000-8000-000000000001',
  event_version: version,
  event_name: name,
  event_time: '2025-01-02T03:04:05.678Z',
  producer: 'tasks',
  data,
});
const TASK = '0190a0f0-0000-7000-8000-0000000000aa';
const WORKER = '0190a0f0-0000-7000-8000-0000000000bb';

describe('schema registry', () => {
  it('lists every schema file under schemas/ (the static index and the folder agree)', () => {
    expect(SCHEMA_FILES.map((f) => f.file).sort()).toEqual(filesOnDisk());
    for (const f of SCHEMA_FILES) {
      expect(f.schema.$id).toBe(`https://eventscope.dev/schemas/lab-e/${f.file}`);
      const props = f.schema.properties as Record<string, { const?: unknown }>;
      expect(props.event_name?.const).toBe(f.event);
      expect(props.event_version?.const).toBe(f.version);
    }
  });

  it('names every event LABS.md names, with its topic; TaskCreated has v1 and v2', () => {
    const r = schemaRegistry();
    expect(Object.fromEntries(r.events().map((e) => [e.event, [e.domain, e.topic, e.versions]]))).toEqual({
      AccountCreated: ['accounts', 'accounts-stream', [1]],
      AccountUpdated: ['accounts', 'accounts-stream', [1]],
      AccountRoleChanged: ['accounts', 'accounts', [1]],
      TaskCreated: ['tasks', 'tasks-stream', [1, 2]],
      TaskUpdated: ['tasks', 'tasks-stream', [1]],
      TaskAdded: ['tasks', 'tasks-lifecycle', [1]],
      TaskAssigned: ['tasks', 'tasks-lifecycle', [1]],
      TaskCompleted: ['tasks', 'tasks-lifecycle', [1]],
      TransactionApplied: ['accounting', 'transactions', [1]],
      PaymentMade: ['accounting', 'transactions', [1]],
      BillingCycleClosed: ['accounting', 'transactions', [1]],
    });
  });

  it('accepts valid v1 and v2 TaskCreated events', () => {
    const r = schemaRegistry();
    const v1 = envelope('TaskCreated', 1, { public_id: TASK, title: '[POPUG-1] fix the beak', description: '' });
    const v2 = envelope('TaskCreated', 2, {
      public_id: TASK,
      title: 'fix the beak',
      jira_id: 'POPUG-1',
      description: '',
    });
    expect(r.validate('TaskCreated', 1, v1)).toEqual([]);
    expect(r.validate('TaskCreated', 2, v2)).toEqual([]);
    expect(r.check(v1)).toEqual({ name: 'TaskCreated', version: 1, errors: [] });
    expect(r.check(v2)).toEqual({ name: 'TaskCreated', version: 2, errors: [] });
  });

  it('names the field of each error: envelope fields, data fields, missing fields', () => {
    const r = schemaRegistry();
    const bad = {
      ...envelope('TaskCreated', 2, { public_id: 'not-a-uuid', title: '[POPUG-1] fix' }),
      event_time: 'yesterday',
    };
    const errors = r.validate('TaskCreated', 2, bad);
    expect(errors.map((e) => [e.field, e.keyword])).toEqual([
      ['event_time', 'format'],
      ['data.description', 'required'],
      ['data.public_id', 'format'],
      ['data.title', 'pattern'],
    ]);
    expect(describeErrors(errors)).toContain('event_time: must match format "date-time"');
  });

  it('a v2 event read as v1 fails on event_version; an unknown version or event names what is known', () => {
    const r = schemaRegistry();
    const v2 = envelope('TaskCreated', 2, { public_id: TASK, title: 't', description: '' });
    expect(r.validate('TaskCreated', 1, v2)).toEqual([
      { field: 'event_version', message: 'must be 1', keyword: 'const' },
    ]);
    expect(r.validate('TaskCreated', 3, v2)[0]).toMatchObject({ field: 'event_version', keyword: 'registry' });
    expect(r.validate('TaskCreated', 3, v2)[0]?.message).toContain('known: 1, 2');
    expect(r.check(envelope('TaskDeleted', 1, {})).errors[0]).toMatchObject({ field: 'event_name' });
  });

  it('check() reads name and version from the envelope and reports a broken envelope', () => {
    const r = schemaRegistry();
    expect(r.check('just a string').errors[0]?.field).toBe('(event)');
    const { event_id: _id, ...noId } = envelope('TaskAssigned', 1, { public_id: TASK, assignee_public_id: WORKER });
    expect(r.check(noId)).toMatchObject({ name: 'TaskAssigned', version: 1, errors: [{ field: 'event_id' }] });
    expect(r.check({ ...noId, event_id: 'nope' }).errors.map((e) => e.field)).toEqual(['event_id']);
  });

  it('assertValid throws INVALID_INPUT naming the first field', () => {
    const r = schemaRegistry();
    const bad = envelope('TaskAssigned', 1, { public_id: TASK, assignee_id: WORKER });
    let thrown: unknown;
    try {
      r.assertValid('TaskAssigned', 1, bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const e = thrown as AppError;
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details?.field).toBe('data.assignee_public_id');
    expect(e.message).toContain('data.assignee_public_id');
    expect(() =>
      r.assertValid('TaskAssigned', 1, envelope('TaskAssigned', 1, { public_id: TASK, assignee_public_id: WORKER })),
    ).not.toThrow();
  });

  it('enforces enums and integer amounts on the accounting events', () => {
    const r = schemaRegistry();
    const row = {
      transaction_id: TASK,
      account_public_id: WORKER,
      task_public_id: null,
      kind: 'bonus',
      debit: 1.5,
      credit: 0,
      balance_after: -1,
      cycle_id: 1,
    };
    expect(r.validate('TransactionApplied', 1, envelope('TransactionApplied', 1, row)).map((e) => e.field)).toEqual([
      'data.kind',
      'data.debit',
    ]);
  });

  it('compiles each schema once and refuses a file listed twice', () => {
    expect(schemaRegistry()).toBe(schemaRegistry());
    expect(() => new SchemaRegistry([SCHEMA_FILES[0]!, SCHEMA_FILES[0]!])).toThrow(/listed twice/);
  });
});
