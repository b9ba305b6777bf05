import { describe, expect, it } from 'vitest';
import { canonicalStatus, readSettings } from './settings.js';
import { sequenceProblem, walkPath } from './checks/paths.js';

describe('Lab D settings', () => {
  it('has the lab’s defaults, `payed` mapped to `paid`', () => {
    const s = readSettings({});
    expect(s).toMatchObject({
      lomsPort: 8084,
      lomsUrl: 'http://127.0.0.1:8084',
      topic: 'loms.order-events',
      keyField: 'order_id',
      group: 'notifier',
      fields: { order_id: 'order_id', status: 'status', moment: 'moment' },
      consumerLogPattern: undefined,
      sessionTimeoutMs: 10_000,
      notifierEnv: {},
    });
    expect(canonicalStatus(s, 'payed')).toBe('paid');
    expect(canonicalStatus(s, 'teleported')).toBeUndefined();
  });

  it('reads a student’s spellings, field names, log pattern and session timeout', () => {
    const s = readSettings({
      EVENTSCOPE_LOMS_URL: 'http://10.0.0.5:9000/',
      EVENTSCOPE_STATUS_SPELLINGS: 'canceled=cancelled, awaiting_payment=awaiting payment',
      EVENTSCOPE_EVENT_FIELDS: 'order_id=orderId,status=state',
      EVENTSCOPE_CONSUMER_LOG_PATTERN: 'order #(?<order>\\d+) -> (?<status>\\w+)',
      EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS: '6000',
    });
    expect(s.lomsUrl).toBe('http://10.0.0.5:9000');
    expect(canonicalStatus(s, 'canceled')).toBe('cancelled');
    expect(canonicalStatus(s, 'awaiting_payment')).toBe('awaiting payment');
    expect(s.fields).toEqual({ order_id: 'orderId', status: 'state', moment: 'moment' });
    expect(s.consumerLogPattern?.exec('got order #42 -> paid')?.groups).toEqual({ order: '42', status: 'paid' });
    expect(s.notifierEnv).toEqual({ NOTIFIER_SESSION_TIMEOUT_MS: '6000' });
  });

  it('refuses a bad configuration naming the variable', () => {
    expect(() => readSettings({ EVENTSCOPE_STATUS_SPELLINGS: 'payed' })).toThrow(/EVENTSCOPE_STATUS_SPELLINGS/);
    expect(() => readSettings({ EVENTSCOPE_STATUS_SPELLINGS: 'x=shipped' })).toThrow(/shipped is not a Lab D status/);
    expect(() => readSettings({ EVENTSCOPE_EVENT_FIELDS: 'user=uid' })).toThrow(/user is not one of/);
    expect(() => readSettings({ EVENTSCOPE_CONSUMER_LOG_PATTERN: '(' })).toThrow(/regular expression/);
  });
});

describe('Lab D status paths', () => {
  it('judges the statuses of one order', () => {
    expect(sequenceProblem(new Set(['new', 'awaiting payment', 'paid']))).toBeUndefined();
    expect(sequenceProblem(new Set(['new', 'failed']))).toBeUndefined();
    expect(sequenceProblem(new Set(['new', 'paid']))).toMatch(/`paid` without `awaiting payment`/);
    expect(sequenceProblem(new Set(['awaiting payment']))).toMatch(/no `new`/);
    expect(sequenceProblem(new Set(['new', 'awaiting payment', 'paid', 'cancelled']))).toMatch(/both `paid` and/);
  });

  it('walks a key’s statuses in offset order: duplicates counted, gaps and reversals found', () => {
    expect(walkPath(['new', 'awaiting payment', 'new', 'awaiting payment', 'paid']).map((s) => s.kind)).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(walkPath(['paid'])[0]?.detail).toMatch(/`paid` as the first record: `new` missing before it/);
    expect(walkPath(['new', 'paid'])[0]?.detail).toMatch(/`awaiting payment` missing before it/);
    expect(walkPath(['new', 'paid', 'awaiting payment']).map((s) => s.kind)).toEqual(['invalid', 'out-of-order']);
  });
});
