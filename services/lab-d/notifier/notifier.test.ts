import { describe, expect, it } from 'vitest';
import { NotifierLine, parseNotifierLine } from '../schema.js';
import { recordToLine } from './notifier.js';

const now = new Date('2026-11-22T03:00:00.250Z');
const record = (value: string | null, offset = '7') => ({
  key: Buffer.from('42'),
  value: value === null ? null : Buffer.from(value),
  offset,
});
const line = (value: string | null, errorsSoFar = 0) =>
  recordToLine({ instance: 'n1', topic: 't', partition: 1, message: record(value), errorsSoFar, now });

describe('notifier record → line', () => {
  it('turns an order event into an event line with its latency', () => {
    const l = line(
      JSON.stringify({
        order_id: 42,
        status: 'awaiting payment',
        moment: '2026-11-22T03:00:00.200Z',
        event_id: 'e1',
        user_id: '1',
      }),
    );
    expect(l).toEqual({
      type: 'event',
      ts: '2026-11-22T03:00:00.250Z',
      instance: 'n1',
      topic: 't',
      partition: 1,
      offset: '7',
      key: '42',
      order_id: 42,
      status: 'awaiting payment',
      moment: '2026-11-22T03:00:00.200Z',
      event_id: 'e1',
      latency_ms: 50,
    });
    // the console parses exactly these lines
    expect(parseNotifierLine(JSON.stringify(l))).toEqual(l);
  });

  it.each([
    ['bad JSON', '{"order_id": 1,', /malformed JSON/],
    ['an unknown status', JSON.stringify({ order_id: 1, status: 'payed', moment: '2026-11-22T03:00:00Z' }), /status/],
    ['a missing order id', JSON.stringify({ status: 'new', moment: '2026-11-22T03:00:00Z' }), /order_id/],
    ['a null value', null, /not an order event/],
  ])('turns %s into a counted POISON_MESSAGE error line with partition and offset', (_what, value, message) => {
    const l = line(value, 3);
    expect(l).toMatchObject({
      type: 'error',
      code: 'POISON_MESSAGE',
      partition: 1,
      offset: '7',
      key: '42',
      errors_total: 4,
    });
    expect(l.type === 'error' && l.message).toMatch(message);
    expect(NotifierLine.safeParse(l).success).toBe(true);
  });
});
