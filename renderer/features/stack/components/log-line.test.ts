import { describe, expect, it } from 'vitest';
import { readableLine } from './log-line';

describe('readableLine', () => {
  it('reads a consumer event line as partition, offset, key and status', () => {
    const line = readableLine(
      JSON.stringify({
        type: 'event',
        ts: 'x',
        instance: 'notifier-2',
        topic: 't',
        partition: 1,
        offset: '12',
        key: '42',
        order_id: 42,
        status: 'paid',
        moment: 'x',
        latency_ms: 31,
      }),
      { kind: 'event', stream: 'stdout' },
    );
    expect(line).toEqual({
      level: 'event',
      tone: 'event',
      text: 'notifier-2 p1 @12 key 42 → paid (31 ms after commit)',
    });
  });

  it('lets a lab read its own lines first', () => {
    const reader = (j: Record<string, unknown>) =>
      j.type === 'event' ? { level: 'event', tone: 'event' as const, text: `talk ${String(j.talk)}` } : undefined;
    const text = JSON.stringify({ type: 'event', partition: 0, talk: 'tlk-1' });
    expect(readableLine(text, undefined, reader).text).toBe('talk tlk-1');
    expect(readableLine(JSON.stringify({ level: 30, msg: 'hi' }), undefined, reader).text).toBe('hi');
  });

  it('reads notifier lifecycle lines: a join with its generation and partitions, losing the broker as a warning', () => {
    const base = { type: 'lifecycle', ts: 'x', instance: 'notifier-1', group_id: 'notifier' };
    expect(
      readableLine(
        JSON.stringify({ ...base, state: 'joined', generation_id: 7, assignment: { t: [0] }, detail: 'leader' }),
        { kind: 'lifecycle', stream: 'stdout' },
      ),
    ).toEqual({
      level: 'group',
      tone: 'event',
      text: 'notifier-1 joined generation 7 partitions {"t":[0]} (leader)',
    });
    expect(readableLine(JSON.stringify({ ...base, state: 'disconnected', detail: 'Connection error' }))).toMatchObject({
      tone: 'warn',
      text: 'notifier-1 disconnected (Connection error)',
    });
    expect(
      readableLine(JSON.stringify({ ...base, state: 'reconnecting', attempt: 2, retry_in_ms: 2000 })),
    ).toMatchObject({ tone: 'warn', text: 'notifier-1 reconnecting #2 in 2000 ms' });
    expect(readableLine(JSON.stringify({ ...base, state: 'crashed', detail: 'INVALID_SESSION_TIMEOUT' })).tone).toBe(
      'bad',
    );
  });

  it('reads a pino line as level and message, with the useful fields, and colours by level not by stream', () => {
    const info = readableLine(
      JSON.stringify({ level: 30, time: 1, name: 'loms', msg: 'loms listening', url: 'http://127.0.0.1:8084' }),
      { kind: 'log', stream: 'stderr', level: 'info' },
    );
    expect(info).toEqual({ level: 'info', tone: 'text', text: 'loms listening  url=http://127.0.0.1:8084' });
    expect(readableLine(JSON.stringify({ level: 50, msg: 'boom' })).tone).toBe('bad');
  });

  it('keeps a plain line as it is', () => {
    expect(readableLine('hello', { kind: 'text', stream: 'stdout' })).toEqual({
      level: '',
      tone: 'text',
      text: 'hello',
    });
  });
});
