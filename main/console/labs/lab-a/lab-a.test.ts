// Lab A's console module without brokers: the manifest follows the settings, each instance's env, and the services'
// lines become a presentation's facts (accepted → published → projected → cached) or group membership.
import { describe, expect, it } from 'vitest';
import type { StackEndpoints } from '../../stack/types.js';
import type { LabContext } from '../types.js';
import { judgeOrder } from './checks/order-check.js';
import { createLabA } from './index.js';

const ctx = {
  endpoints: () =>
    ({
      kafka: { brokers: ['127.0.0.1:9092'] },
      mongodb: { url: 'mongodb://127.0.0.1:27017/?directConnection=true' },
      redis: { url: 'redis://127.0.0.1:6379' },
    }) as unknown as StackEndpoints,
} as LabContext;

const id = '0197a3c2-5b1e-7c4d-8e2f-1a2b3c4d5e6f';
const ts = '2026-12-01T10:00:00.000Z';

describe('lab-a console module', () => {
  const lab = createLabA({ EVENTSCOPE_LAB_A_PREFIX: 't.', EVENTSCOPE_LAB_A_API_PORT: '9001' });

  it('names its topic, group and port from the settings', () => {
    const m = lab.manifest;
    expect(m.topics).toEqual([
      { name: 't.presentation.events', partitions: 3, replication: 2, key: 'presentation id' },
    ]);
    // RF min(2, nodes) on the lab's cluster (2 by default), 1 on one node; the env's number wins
    expect(createLabA({ EVENTSCOPE_LAB_A_KAFKA_NODES: '3' }).manifest.topics[0]?.replication).toBe(2);
    expect(createLabA({ EVENTSCOPE_LAB_A_KAFKA_NODES: '1' }).manifest.topics[0]?.replication).toBe(1);
    expect(
      createLabA({ EVENTSCOPE_LAB_A_KAFKA_NODES: '3', EVENTSCOPE_LAB_A_REPLICATION: '1' }).manifest.topics[0]
        ?.replication,
    ).toBe(1);
    expect(m.groups).toEqual(['t.presentation-projector']);
    expect(m.services.find((s) => s.kind === 'presentations-api')?.port).toBe(9001);
    expect(m.brokenModes.map((b) => b.id)).toEqual([
      'projector-not-idempotent',
      'write-through-before-ack',
      'null-key',
      'slow-projector',
    ]);
    expect(m.checks.map((c) => c.id)).toEqual([
      'consistency-window',
      'per-entity-order',
      'replay-same-state',
      'redis-equals-mongodb',
      'kafka-node-down',
    ]);
    expect(Object.fromEntries(m.brokenModes.map((b) => [b.id, b.breaks]))).toEqual({
      'projector-not-idempotent': ['replay-same-state'],
      'write-through-before-ack': ['redis-equals-mongodb'],
      'null-key': ['per-entity-order'],
      'slow-projector': ['consistency-window'],
    });
    expect(lab.checks?.map((c) => c.id)).toEqual(m.checks.map((c) => c.id));
    expect(m.readModels?.mongodb.map((r) => `${r.collection} by ${r.newestBy ?? '_id'}`)).toEqual([
      'presentations by updated_at',
    ]);
    expect(m.readModels?.redis.map((r) => r.prefix)).toEqual([expect.stringMatching(/presentation:$/) as string]);
    expect(() => createLabA({ EVENTSCOPE_LAB_A_API_PORT: 'x' })).toThrow(/EVENTSCOPE_LAB_A_API_PORT/);
  });

  it('gives each instance its env', () => {
    expect(lab.env(ctx, 'presentations-api', 'presentations-api')).toMatchObject({
      PORT: '9001',
      PRESENTATIONS_TOPIC: 't.presentation.events',
      WRITE_THROUGH: '1',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TOPIC_REPLICATION_FACTOR: 'auto',
    });
    const rf1 = createLabA({ EVENTSCOPE_LAB_A_REPLICATION: '1' });
    expect(rf1.env(ctx, 'presentations-api', 'presentations-api').TOPIC_REPLICATION_FACTOR).toBe('1');
    void rf1.dispose?.();
    expect(lab.env(ctx, 'projector', 'projector-2')).toMatchObject({
      PROJECTOR_GROUP_ID: 't.presentation-projector',
      PROJECTOR_INSTANCE: 'projector-2',
      MONGODB_DB: 'lab_a',
    });
    expect(() => lab.env(ctx, 'loms', 'loms')).toThrow(/no service loms/);
  });

  it("reads the services' lines as facts", () => {
    const parse = (kind: string, line: object) => lab.parseLine!(kind, kind, JSON.stringify({ ts, ...line }));
    const accepted = parse('presentations-api', {
      type: 'accepted',
      instance: 'presentations-api',
      id,
      version: 2,
      event_type: 'PresentationUpdated',
      event_id: 'e2',
      topic: 't.presentation.events',
      partition: 1,
      offset: '7',
      key: id,
      occurred_at: ts,
      ack_ms: 12,
    });
    expect(accepted?.facts?.map((f) => [f.step, f.status, f.actor, f.where, f.latencyMs])).toEqual([
      ['accepted', 'updated', 'presentations-api', null, 12],
      [
        'published',
        'updated',
        'version 2',
        { kind: 'record', topic: 't.presentation.events', partition: 1, offset: '7' },
        null,
      ],
    ]);
    const projected = parse('projector', {
      type: 'projected',
      instance: 'projector-1',
      topic: 't.presentation.events',
      partition: 1,
      offset: '7',
      key: id,
      id,
      version: 2,
      event_type: 'PresentationUpdated',
      event_id: 'e2',
      window_ms: 40,
    });
    expect(projected?.facts?.[0]).toMatchObject({
      entity: id,
      step: 'projected',
      status: 'updated',
      where: { kind: 'doc', collection: 'presentations', version: 2 },
      latencyMs: 40,
    });
    const refused = parse('presentations-api', {
      type: 'refused',
      instance: 'presentations-api',
      id,
      version: 3,
      event_type: 'PresentationDeleted',
      code: 'KAFKA_UNAVAILABLE',
      message: 'Kafka did not take the event',
    });
    expect(refused).toMatchObject({ kind: 'error', facts: [{ step: 'refused', status: 'deleted' }] });
    const joined = parse('projector', {
      type: 'lifecycle',
      instance: 'projector-1',
      state: 'joined',
      group_id: 't.presentation-projector',
      generation_id: 4,
      assignment: { 't.presentation.events': [0, 2] },
    });
    expect(joined?.member).toEqual({
      groupId: 't.presentation-projector',
      assignment: { 't.presentation.events': [0, 2] },
      generationId: 4,
    });
    expect(lab.parseLine!('projector', 'projector-1', 'plain text')).toBeUndefined();
    expect(lab.parseLine!('projector', 'projector-1', '{"type":"poison"}')).toBeUndefined();
  });
});

describe('lab-a order check (judging records)', () => {
  const ev = (version: number, eventId = `e${version}`) =>
    JSON.stringify({ event_id: eventId, aggregate_id: id, version, type: 'PresentationUpdated' });
  const rec = (partition: number, offset: number, value: string, key: string | null = id) => ({
    partition,
    offset,
    key,
    value,
  });

  it('passes increasing versions on one partition, a replay counted apart, poison left out', () => {
    const out = judgeOrder('t', [rec(0, 0, ev(1)), rec(0, 1, 'not json'), rec(0, 2, ev(2)), rec(0, 3, ev(1))]);
    expect(out).toMatchObject({ status: 'PASS', counts: { events: 3, duplicates: 1, 'not events': 1 } });
  });

  it('fails a version that does not exceed the one before, naming the record', () => {
    const out = judgeOrder('t', [rec(1, 5, ev(3)), rec(1, 6, ev(2))]);
    expect(out).toMatchObject({ status: 'FAIL', counts: { 'out of order': 1, spread: 0, unkeyed: 0 } });
    expect(out.evidence?.[0]).toMatchObject({
      ref: 't p1@6',
      detail: `version 2 of ${id} after version 3`,
      entity: id,
    });
  });

  it('skips an empty topic', () => {
    expect(judgeOrder('t', []).status).toBe('SKIP');
  });
});
