import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/app-error.js';
import { BROKEN_MODE_IDS, BROKEN_MODES, brokenFlags, parseBrokenMode } from './broken-modes.js';
import { labBConfigFromEnv } from './config.js';
import { LAB_B_SERVICES } from './schema.js';

describe('lab-b broken modes', () => {
  it('lists the five modes of LABS.md, each naming services and invariants 1–6', () => {
    expect(BROKEN_MODE_IDS).toEqual(['auto-ack', 'non-durable', 'no-mandatory', 'no-dedupe', 'requeue-poison']);
    for (const m of BROKEN_MODES) {
      expect(m.bug.length).toBeGreaterThan(20);
      expect(m.services.length).toBeGreaterThan(0);
      for (const s of m.services) expect(LAB_B_SERVICES).toContain(s);
      for (const n of m.breaks) expect(n >= 1 && n <= 6).toBe(true);
    }
  });

  it('reads none for an absent, empty or "none" value', () => {
    expect(parseBrokenMode(undefined)).toBeUndefined();
    expect(parseBrokenMode('')).toBeUndefined();
    expect(parseBrokenMode('none')).toBeUndefined();
    expect(parseBrokenMode('auto-ack')).toBe('auto-ack');
  });

  it('refuses an unknown mode, listing the known ones', () => {
    let err: unknown;
    try {
      parseBrokenMode('ack-later');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_ERROR');
    for (const id of BROKEN_MODE_IDS) expect((err as AppError).message).toContain(id);
    expect(() => labBConfigFromEnv('auth', { LAB_BROKEN_MODE: 'bogus' })).toThrow(/known: auto-ack/);
  });

  it('turns a flag on only in the services the mode applies to', () => {
    expect(brokenFlags('auto-ack', 'notification').autoAck).toBe(true);
    expect(brokenFlags('auto-ack', 'auth').autoAck).toBe(false);
    expect(brokenFlags('no-mandatory', 'auth').noMandatory).toBe(true);
    expect(brokenFlags('no-mandatory', 'audit').noMandatory).toBe(false);
    const none = brokenFlags(undefined, 'audit');
    expect([none.autoAck, none.nonDurable, none.noMandatory, none.noDedupe, none.requeuePoison]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('lab-b config', () => {
  it('has the documented defaults', () => {
    const c = labBConfigFromEnv('vacation', {});
    expect(c.port).toBe(8102);
    expect(c.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/lab_b');
    expect(c.instance).toBe('vacation');
    expect(c.prefetch).toBe(10);
    expect(labBConfigFromEnv('notification', { INSTANCE: 'notification-2' }).instance).toBe('notification-2');
    expect(labBConfigFromEnv('auth', {}).port).toBe(8101);
  });

  it('names a bad variable', () => {
    expect(() => labBConfigFromEnv('auth', { AMQP_PREFETCH: '0' })).toThrow(/AMQP_PREFETCH/);
    expect(() => labBConfigFromEnv('auth', { DATABASE_URL: 'mysql://x/y' })).toThrow(/DATABASE_URL/);
  });
});
