import { describe, expect, it } from 'vitest';
import type { LabELine } from '../../../../services/lab-e/schema.js';
import { topicNames } from '../../../../services/lab-e/schema.js';
import { SchemaStatsCounter, registryView, schemaDiff } from './panels.js';

const TASK = '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a';
const ts = '2026-01-01T00:00:00.000Z';
const where = (topic: string) => ({ topic, partition: 1, offset: '7' });
const ref = (name: string, version = 1) => ({
  event_id: crypto.randomUUID(),
  event_name: name,
  event_version: version,
});

describe("Lab E's Schemas panel requests", () => {
  it('lists domains, events and versions with their data schemas, topics prefixed, and check-compat on each pair', () => {
    const view = registryView('t.');
    const created = view.events.find((e) => e.event === 'TaskCreated');
    expect(created).toMatchObject({ domain: 'tasks', topic: 't.tasks-stream' });
    expect(created?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(created?.versions[1]?.data).toHaveProperty('properties.jira_id');
    expect(new Set(view.events.map((e) => e.domain))).toEqual(new Set(['accounts', 'tasks', 'accounting']));
    const pair = view.compat.find((c) => c.event === 'TaskCreated');
    expect(pair).toMatchObject({ from: 1, to: 2, compatible: false });
  });

  it("diffs two versions with check-compat's rule, either way round, and names an unknown version", () => {
    const forward = schemaDiff('TaskCreated', 1, 2);
    expect(forward.compatible).toBe(false);
    expect(forward.changes).toContainEqual(
      expect.objectContaining({ path: 'data.jira_id', kind: 'field-added', breaking: false }),
    );
    expect(forward.changes).toContainEqual(expect.objectContaining({ path: 'data.title', breaking: true }));
    const back = schemaDiff('TaskCreated', 2, 1);
    expect(back.changes).toContainEqual(expect.objectContaining({ path: 'data.jira_id', kind: 'field-removed' }));
    expect(() => schemaDiff('TaskCreated', 1, 9)).toThrow(/versions 1, 2, not 9/);
    expect(() => schemaDiff('Nope', 1, 2)).toThrow(/no Nope/);
  });

  it('counts per topic what the lines say: produced, refused, consumed, duplicates, dead-lettered with errors', () => {
    const topics = topicNames('t.');
    const c = new SchemaStatsCounter(topics, 't.');
    const lines: LabELine[] = [
      {
        type: 'produced',
        ts,
        service: 'tasks',
        ...where(topics.tasksStream),
        key: TASK,
        ...ref('TaskCreated', 2),
        entity: TASK,
        entity_kind: 'task',
      },
      {
        type: 'produced',
        ts,
        service: 'tasks',
        ...where(topics.tasksStream),
        key: TASK,
        ...ref('TaskCreated', 2),
        entity: TASK,
        entity_kind: 'task',
      },
      {
        type: 'consumed',
        ts,
        service: 'accounting',
        ...where(topics.tasksStream),
        ...ref('TaskCreated', 2),
        entity: TASK,
        entity_kind: 'task',
        outcome: 'applied',
      },
      {
        type: 'duplicate',
        ts,
        service: 'accounting',
        ...where(topics.tasksStream),
        ...ref('TaskCreated', 2),
        entity: TASK,
        entity_kind: 'task',
      },
      {
        type: 'refused',
        ts,
        service: 'tasks',
        event_name: 'TaskAdded',
        event_version: 1,
        entity: TASK,
        errors: [{ field: 'data.title', message: 'must NOT have fewer than 1 characters', keyword: 'minLength' }],
      },
      {
        type: 'dead_lettered',
        ts,
        service: 'accounting',
        ...where(topics.tasksLifecycle),
        dlq_topic: `${topics.tasksLifecycle}.dlq`,
        dlq_partition: 0,
        dlq_offset: '3',
        reason: 'invalid',
        event_id: null,
        event_name: 'TaskAssigned',
        event_version: 1,
        entity: TASK,
        errors: [
          {
            field: 'data.assignee_public_id',
            message: "must have required property 'assignee_public_id'",
            keyword: 'required',
          },
        ],
      },
      {
        type: 'lifecycle',
        ts,
        service: 'tasks',
        state: 'listening',
        url: null,
        broken_mode: null,
      } as unknown as LabELine,
    ];
    for (const l of lines) c.add(l);
    const s = c.snapshot();
    expect(s.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(Object.values(topics)));
    const stream = s.topics.find((t) => t.topic === topics.tasksStream)!;
    expect(stream).toMatchObject({
      produced: 2,
      consumed: { accounting: 1 },
      duplicates: 1,
      byEvent: { 'TaskCreated v2': 2 },
    });
    const life = s.topics.find((t) => t.topic === topics.tasksLifecycle)!;
    expect(life).toMatchObject({ refused: 1, deadLettered: { accounting: 1 }, dlqTopic: 't.tasks-lifecycle.dlq' });
    expect(life.failures.map((f) => f.kind)).toEqual(['dead-lettered', 'refused']);
    expect(life.failures[0]).toMatchObject({
      service: 'accounting',
      reason: 'invalid',
      record: { topic: topics.tasksLifecycle, partition: 1, offset: '7' },
      dlq: { topic: 't.tasks-lifecycle.dlq', partition: 0, offset: '3' },
      errors: [{ field: 'data.assignee_public_id' }],
    });
    // a snapshot is a copy: later lines do not change it
    c.add(lines[0]!);
    expect(stream.produced).toBe(2);
  });

  it('keeps the newest 20 failures of a topic', () => {
    const topics = topicNames('');
    const c = new SchemaStatsCounter(topics, '');
    for (let i = 0; i < 25; i++)
      c.add({
        type: 'refused',
        ts,
        service: 'tasks',
        event_name: 'TaskAdded',
        event_version: 1,
        entity: String(i),
        errors: [],
      });
    const life = c.snapshot().topics.find((t) => t.topic === topics.tasksLifecycle)!;
    expect(life.refused).toBe(25);
    expect(life.failures).toHaveLength(20);
    expect(life.failures[0]?.entity).toBe('24');
  });
});
