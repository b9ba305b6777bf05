import { describe, expect, it } from 'vitest';
import { readableLine } from '../../features/stack/components/log-line';
import { readLabDLine } from './read-line';

describe("Lab D's log lines", () => {
  it('reads a notifier event line as partition, offset, order and status', () => {
    const text = JSON.stringify({
      type: 'event',
      instance: 'notifier-2',
      topic: 'loms.order-events',
      partition: 1,
      offset: '12',
      key: '42',
      order_id: 42,
      status: 'paid',
      latency_ms: 31,
    });
    expect(readableLine(text, { kind: 'event', stream: 'stdout' }, readLabDLine)).toEqual({
      level: 'event',
      tone: 'event',
      text: 'notifier-2 p1 @12 order 42 → paid (31 ms after commit)',
    });
  });
});
