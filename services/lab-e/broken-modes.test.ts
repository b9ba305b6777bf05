import { describe, expect, it } from 'vitest';
import { BROKEN_MODES, BROKEN_MODE_IDS, parseBrokenMode } from './broken-modes.js';
import { labEConfigFromEnv } from './config.js';
import { LAB_E_SERVICES } from './schema.js';

describe('Lab E broken modes', () => {
  it('are the eight of LABS.md, each naming its services and the invariants (1–8) it breaks', () => {
    expect(BROKEN_MODE_IDS).toEqual([
      'reroll-price',
      'fee-once',
      'skip-validation',
      'not-idempotent',
      'any-assignee',
      'no-carry-over',
      'v1-only',
      'open-gateway',
    ]);
    expect(Object.fromEntries(BROKEN_MODES.map((m) => [m.id, m.invariants]))).toEqual({
      'reroll-price': [2],
      'fee-once': [3],
      'skip-validation': [1],
      'not-idempotent': [5],
      'any-assignee': [8],
      'no-carry-over': [4],
      'v1-only': [6],
      'open-gateway': [7],
    });
    for (const m of BROKEN_MODES) {
      expect(m.label.length).toBeGreaterThan(5);
      expect(m.bug.length).toBeGreaterThan(20);
      expect(m.services.length).toBeGreaterThan(0);
      for (const s of m.services) expect(LAB_E_SERVICES).toContain(s);
    }
  });

  it('an unknown mode is a CONFIG_ERROR listing the known ones; unset is none', () => {
    expect(parseBrokenMode(undefined)).toBeUndefined();
    expect(parseBrokenMode('')).toBeUndefined();
    expect(parseBrokenMode('fee-once')).toBe('fee-once');
    expect(() => parseBrokenMode('fee-twice')).toThrow(
      /unknown broken mode "fee-twice" \(known: reroll-price, fee-once/,
    );
    expect(() => labEConfigFromEnv({ LAB_BROKEN_MODE: 'nope' })).toThrow(/LAB_BROKEN_MODE/);
  });
});

describe('Lab E env config', () => {
  it('defaults: ports 8201–8205, one database per service on the local server, upstreams on the default ports', () => {
    const c = labEConfigFromEnv({});
    expect([c.gateway.port, c.auth.port, c.tasks.port, c.accounting.port, c.analytics.port]).toEqual([
      8201, 8202, 8203, 8204, 8205,
    ]);
    expect(c.auth.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/lab_e_auth');
    expect(c.tasks.databaseUrl).toMatch(/\/lab_e_tasks$/);
    expect(c.accounting.databaseUrl).toMatch(/\/lab_e_accounting$/);
    expect(c.analytics.databaseUrl).toMatch(/\/lab_e_analytics$/);
    expect(c.gateway.upstreams).toEqual({
      auth: 'http://127.0.0.1:8202',
      tasks: 'http://127.0.0.1:8203',
      accounting: 'http://127.0.0.1:8204',
      analytics: 'http://127.0.0.1:8205',
    });
    expect(c.tasks.taskCreatedVersion).toBe(2);
    expect(c.accounting.closeDayEveryMs).toBe(0);
    expect(c.tasks.brokenMode).toBeUndefined();
  });

  it('reads the variables and names a bad one', () => {
    const c = labEConfigFromEnv({
      KAFKA_BROKERS: 'k1:9092,k2:9093',
      LAB_E_PREFIX: 'run1.',
      LAB_E_PG_URL: 'postgres://u@db:5433/postgres',
      LAB_E_TASKS_DATABASE_URL: 'postgres://u@db:5433/my_tasks',
      LAB_E_TASK_CREATED_VERSION: '1',
      LAB_E_CLOSE_DAY_AT: '23:59',
      LAB_E_ACCOUNTING_URL: 'http://acc:9000',
      LAB_BROKEN_MODE: 'v1-only',
    });
    expect(c.tasks).toMatchObject({ brokers: ['k1:9092', 'k2:9093'], prefix: 'run1.', taskCreatedVersion: 1 });
    expect(c.tasks.databaseUrl).toBe('postgres://u@db:5433/my_tasks');
    expect(c.auth.databaseUrl).toBe('postgres://u@db:5433/lab_e_auth');
    expect(c.accounting).toMatchObject({ closeDayAt: '23:59', brokenMode: 'v1-only' });
    expect(c.gateway.upstreams.accounting).toBe('http://acc:9000');
    expect(() => labEConfigFromEnv({ LAB_E_CLOSE_DAY_AT: '25:00' })).toThrow(/LAB_E_CLOSE_DAY_AT/);
    expect(() => labEConfigFromEnv({ LAB_E_JWT_SECRET: 'short' })).toThrow(/LAB_E_JWT_SECRET/);
    expect(() => labEConfigFromEnv({ KAFKA_BROKERS: 'nohost' })).toThrow(/KAFKA_BROKERS/);
  });
});
