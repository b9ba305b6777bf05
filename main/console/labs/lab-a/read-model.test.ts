import { describe, expect, it } from 'vitest';
import { compareRow, windowStats } from './read-model.js';
import { judgeRedis } from './checks/redis-check.js';
import { judgeWindows } from './checks/window-check.js';
import type { ApiAnswer } from './checks/support.js';

const doc = (version: number, title = 't') => ({ id: 'p1', version, title, deleted: false });
const answer = (over: Partial<ApiAnswer> = {}): ApiAnswer => ({
  method: 'PUT',
  path: '/presentations/p1',
  status: 202,
  at: 0,
  id: 'p1',
  version: 2,
  error: null,
  ...over,
});

describe('Lab A read model', () => {
  it('compares the newest MongoDB document with the Redis copy', () => {
    expect(compareRow('p1', { docs: 1, newest: doc(2) }, doc(2))).toMatchObject({ same: true, kind: null });
    expect(compareRow('p1', undefined, doc(1))).toMatchObject({ same: false, kind: 'only-redis' });
    expect(compareRow('p1', { docs: 1, newest: doc(1) }, undefined)).toMatchObject({ kind: 'only-mongo' });
    expect(compareRow('p1', { docs: 1, newest: doc(2) }, doc(3))).toMatchObject({ kind: 'redis-newer' });
    expect(compareRow('p1', { docs: 1, newest: doc(3) }, doc(2))).toMatchObject({ kind: 'mongo-newer' });
    expect(compareRow('p1', { docs: 1, newest: doc(2, 'a') }, doc(2, 'b'))).toMatchObject({
      kind: 'fields',
      fields: ['title'],
    });
    expect(compareRow('p1', { docs: 1, newest: doc(2) }, 'not json')).toMatchObject({ kind: 'unreadable' });
  });

  it('gives p50/p99/max and a histogram of windows', () => {
    const s = windowStats([5, 30, 30, 400, 7000]);
    expect(s).toMatchObject({ count: 5, p50: 30, p99: 7000, max: 7000 });
    expect(s.buckets.find((b) => b.le === 10)?.count).toBe(1);
    expect(s.buckets.find((b) => b.le === 10_000)?.count).toBe(1);
    expect(windowStats([])).toMatchObject({ count: 0, p50: null, max: null });
  });

  it('judges windows: FAIL names the late change, PASS gives the quantiles', () => {
    const late = judgeWindows(5000, 50, [{ answer: answer(), windowMs: null, seenVersion: 1 }], []);
    expect(late.status).toBe('FAIL');
    expect(late.evidence?.[0]).toMatchObject({
      entity: 'p1',
      detail: expect.stringContaining('at version 1') as string,
    });
    const ok = judgeWindows(5000, 50, [{ answer: answer(), windowMs: 40, seenVersion: 2 }], []);
    expect(ok).toMatchObject({ status: 'PASS', counts: { 'p50 ms': 40, late: 0 } });
  });

  it('judges Redis against MongoDB: a refused version in Redis is named', () => {
    const rows = [compareRow('p1', { docs: 1, newest: doc(2) }, doc(3))];
    const r = judgeRedis('x.', rows, [answer({ status: 503, version: 3 })]);
    expect(r.status).toBe('FAIL');
    expect(r.evidence?.[0]?.ref).toBe('redis x.presentation:p1');
    expect(r.evidence?.[0]?.detail).toContain('answered 503');
    expect(judgeRedis('x.', [compareRow('p1', { docs: 1, newest: doc(2) }, doc(2))], []).status).toBe('PASS');
  });
});
