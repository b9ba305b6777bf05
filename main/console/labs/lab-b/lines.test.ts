import { describe, expect, it } from 'vitest';
import { createLineReader } from './lines.js';

const REQ = '0197a3c2-5b1e-7c4d-8e2f-1a2b3c4d5e6f';
const base = (type: string, instance: string, event: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type,
    ts: '2030-01-01T00:00:00.000Z',
    service: instance.startsWith('notification') ? 'notification' : instance,
    instance,
    exchange: 'p.vacation.events',
    routing_key: 'vacation.request.status_changed',
    event_id: event,
    entity: 'vacation',
    entity_id: REQ,
    ...extra,
  });
const published = (e: string) =>
  base('published', 'vacation', e, { confirmed: true, mandatory: true, persistent: true });
const delivered = (e: string, instance = 'notification-1') =>
  base('delivered', instance, e, { queue: 'p.notification.vacation', redelivered: false, delivery_tag: 1 });
const acked = (e: string) => base('acked', 'notification-1', e, { queue: 'p.notification.vacation', auto: false });
const sent = (e: string, from: string | null, to: string) =>
  JSON.stringify({
    type: 'notification_sent',
    ts: '2030-01-01T00:00:01.000Z',
    service: 'notification',
    instance: 'notification-1',
    queue: 'p.notification.vacation',
    event_id: e,
    entity: 'vacation',
    entity_id: REQ,
    request_id: REQ,
    user_id: 'u1',
    from_status: from,
    to_status: to,
    redelivered: false,
    text: 'x',
  });

describe("Lab B's line reader", () => {
  it('reads the creation as submitted at once, each line located on the exchange and queue', () => {
    const read = createLineReader({ prefix: 'p.' });
    const p = read('vacation', 'vacation', published('e1'));
    expect(p).toMatchObject({
      kind: 'event',
      facts: [
        {
          entity: REQ,
          step: 'published',
          status: 'submitted',
          actor: 'vacation',
          where: { kind: 'amqp', exchange: 'p.vacation.events', queue: null },
        },
      ],
    });
    expect(read('notification', 'notification-1', delivered('e1'))).toMatchObject({
      kind: 'lifecycle',
      facts: [{ step: 'delivered', status: 'submitted', where: { queue: 'p.notification.vacation' } }],
    });
    expect(read('notification', 'notification-1', sent('e1', null, 'submitted'))).toMatchObject({
      facts: [{ step: 'notification_sent', status: 'submitted', actor: 'notification-1' }],
    });
  });

  it('holds the facts of a change the graph cannot tell until its notification names it; after approved, cancelled', () => {
    const read = createLineReader();
    read('vacation', 'vacation', published('e1'));
    expect(read('vacation', 'vacation', published('e2'))).toEqual({ kind: 'event' });
    expect(read('reports', 'reports', delivered('e2', 'reports'))).toEqual({ kind: 'lifecycle' });
    const out = read('notification', 'notification-1', sent('e2', 'submitted', 'approved'));
    expect(out?.facts?.map((f) => `${f.step}:${f.status}:${f.actor}`)).toEqual([
      'notification_sent:approved:notification-1',
      'published:approved:vacation',
      'delivered:approved:reports',
    ]);
    expect(read('notification', 'notification-1', acked('e2'))?.facts?.[0]?.status).toBe('approved');
    // approved → only cancelled may follow
    expect(read('vacation', 'vacation', published('e3'))?.facts?.[0]?.status).toBe('cancelled');
  });

  it('gives held facts with no status once held past holdMs', () => {
    let t = 0;
    const read = createLineReader({ holdMs: 1000, now: () => t });
    read('vacation', 'vacation', published('e1'));
    expect(read('vacation', 'vacation', published('e2'))?.facts).toBeUndefined();
    t = 1500;
    const out = read('audit', 'audit', '{"type":"lifecycle"}'); // not a line: nothing released on it
    expect(out).toBeUndefined();
    const next = read('reports', 'reports', delivered('e1', 'reports'));
    expect(next?.facts?.map((f) => `${f.step}:${f.status}`)).toEqual(['delivered:submitted', 'published:null']);
  });

  it('counts errors; login lines have no facts; other text is not a line', () => {
    const read = createLineReader();
    const returned = JSON.stringify({
      type: 'returned',
      ts: '2030-01-01T00:00:00.000Z',
      service: 'auth',
      instance: 'auth',
      exchange: 'auth.events',
      routing_key: 'auth.login.nowhere',
      event_id: 'l1',
      entity: 'login',
      entity_id: 'l1',
      reply_code: 312,
      reply_text: 'NO_ROUTE',
    });
    expect(read('auth', 'auth', returned)).toEqual({ kind: 'error' });
    expect(read('auth', 'auth', 'plain text')).toBeUndefined();
  });
});
