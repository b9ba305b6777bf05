import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './auth.js';
import { canMove, parseLabBLine, VACATION_STATUSES } from './schema.js';

describe('lab-b vacation status machine', () => {
  it('allows submitted → approved | rejected | cancelled and approved → cancelled, nothing else', () => {
    const allowed = new Set([
      'none>submitted',
      'submitted>approved',
      'submitted>rejected',
      'submitted>cancelled',
      'approved>cancelled',
    ]);
    for (const from of [null, ...VACATION_STATUSES])
      for (const to of VACATION_STATUSES)
        expect(canMove(from, to), `${from} → ${to}`).toBe(allowed.has(`${from ?? 'none'}>${to}`));
  });
});

describe('lab-b event lines', () => {
  const base = { ts: '2026-01-01T00:00:00.000Z', service: 'audit', instance: 'audit' };
  const route = {
    exchange: 'auth.events',
    routing_key: 'auth.login.failed',
    event_id: 'e1',
    entity: 'login',
    entity_id: 'e1',
  };

  it('parses each kind and rejects what is not a line', () => {
    const lines = [
      { type: 'published', ...base, ...route, confirmed: true, mandatory: true, persistent: true },
      { type: 'returned', ...base, ...route, reply_code: 312, reply_text: 'NO_ROUTE' },
      { type: 'delivered', ...base, ...route, queue: 'audit.auth', redelivered: true, delivery_tag: 3 },
      { type: 'acked', ...base, ...route, queue: 'audit.auth', auto: false },
      { type: 'duplicate', ...base, ...route, queue: 'audit.auth' },
      {
        type: 'dead_lettered',
        ...base,
        ...route,
        event_id: null,
        queue: 'audit.auth',
        reason: 'not JSON',
        code: 'POISON_MESSAGE',
        dead_letter_exchange: 'lab-b.dlx',
        via: 'publish',
      },
      { type: 'lifecycle', ...base, state: 'consuming', queue: 'audit.auth', prefetch: 10 },
    ];
    for (const l of lines) expect(parseLabBLine(JSON.stringify(l))?.type, l.type).toBe(l.type);
    expect(parseLabBLine('plain text')).toBeUndefined();
    expect(parseLabBLine('{"type":"acked"')).toBeUndefined();
    expect(parseLabBLine(JSON.stringify({ ...lines[3], service: 'nobody' }))).toBeUndefined();
  });
});

describe('lab-b passwords', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const a = await hashPassword('secret1');
    const b = await hashPassword('secret1');
    expect(a).toMatch(/^scrypt\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('secret1', a)).toBe(true);
    expect(await verifyPassword('secret2', a)).toBe(false);
    expect(await verifyPassword('secret1', 'garbage')).toBe(false);
  });
});
