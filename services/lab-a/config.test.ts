// Lab A's env config and broken modes: defaults, a bad variable named, a mode of the other service refused.
import { describe, expect, it } from 'vitest';
import { LAB_A_BROKEN_MODES, brokenModesOf, parseBrokenMode } from './broken-modes.js';
import { apiConfigFromEnv, projectorConfigFromEnv } from './config.js';

describe('lab-a config', () => {
  it('has the lab defaults', () => {
    expect(apiConfigFromEnv({})).toMatchObject({
      port: 8001,
      host: '127.0.0.1',
      brokers: ['127.0.0.1:9092'],
      topic: 'presentation.events',
      partitions: 3,
      replicationFactor: 'auto',
      mongoDb: 'lab_a',
      redisPrefix: '',
      writeThrough: false,
      ackTimeoutMs: 5000,
    });
    expect(projectorConfigFromEnv({ PROJECTOR_INSTANCE: 'p1' })).toMatchObject({
      groupId: 'presentation-projector',
      instance: 'p1',
      topic: 'presentation.events',
    });
  });

  it('reads the settings a student changes', () => {
    expect(
      apiConfigFromEnv({ WRITE_THROUGH: '1', TOPIC_REPLICATION_FACTOR: '2', KAFKA_BROKERS: 'kafka1:9092,kafka2:9092' }),
    ).toMatchObject({ writeThrough: true, replicationFactor: 2, brokers: ['kafka1:9092', 'kafka2:9092'] });
    expect(projectorConfigFromEnv({ LAB_BROKEN_MODE: 'slow-projector', PROJECTOR_SLOW_MS: '1500' })).toMatchObject({
      brokenMode: 'slow-projector',
      slowMs: 1500,
    });
  });

  it('names a bad variable', () => {
    expect(() => apiConfigFromEnv({ WRITE_THROUGH: 'maybe' })).toThrow(/WRITE_THROUGH/);
    expect(() => apiConfigFromEnv({ MONGODB_URL: 'http://x' })).toThrow(/MONGODB_URL: must be a mongodb:\/\/ URL/);
    expect(() => projectorConfigFromEnv({ KAFKA_BROKERS: 'nope' })).toThrow(/KAFKA_BROKERS/);
  });

  it('refuses an unknown mode and one of the other service, listing the known ones', () => {
    expect(parseBrokenMode('projector', undefined)).toBeUndefined();
    expect(parseBrokenMode('projector', ' ')).toBeUndefined();
    expect(() => parseBrokenMode('projector', 'null-key')).toThrow(
      /applies to presentations-api, not to projector; the modes of projector: projector-not-idempotent, slow-projector/,
    );
    expect(() => parseBrokenMode('presentations-api', 'nope')).toThrow(/unknown/);
    expect(brokenModesOf('presentations-api').map((m) => m.id)).toEqual(['write-through-before-ack', 'null-key']);
    // every mode names the invariants it breaks (LABS.md, Lab A: 1–5)
    for (const m of LAB_A_BROKEN_MODES) expect(m.invariants.every((i) => i >= 1 && i <= 5)).toBe(true);
  });
});
