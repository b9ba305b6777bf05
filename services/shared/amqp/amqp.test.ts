import { describe, expect, it } from 'vitest';
import { backoffMs, isFatalAmqpError } from './connection.js';
import { MemorySeenStore } from './seen-store.js';

describe('amqp reconnect backoff', () => {
  it('doubles from the minimum up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 500, 5000))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(1000, 100, 10_000)).toBe(10_000);
  });

  it('tells a refused setup from a broker that is away', () => {
    expect(isFatalAmqpError({ code: 406 })).toBe(true);
    expect(isFatalAmqpError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isFatalAmqpError(new Error('socket closed'))).toBe(false);
  });
});

describe('memory seen-store', () => {
  it('runs the work once per (consumer, event id) and not at all for a duplicate', async () => {
    const seen = new MemorySeenStore();
    let runs = 0;
    const work = () => Promise.resolve(++runs);
    expect(await seen.once('q', 'e1', work)).toEqual({ duplicate: false, value: 1 });
    expect(await seen.once('q', 'e1', work)).toEqual({ duplicate: true });
    expect(await seen.once('other', 'e1', work)).toEqual({ duplicate: false, value: 2 });
    expect(await seen.always(work)).toBe(3);
  });

  it('does not mark an event whose work failed, and a concurrent delivery waits for the first', async () => {
    const seen = new MemorySeenStore();
    await expect(seen.once('q', 'e1', () => Promise.reject(new Error('db away')))).rejects.toThrow('db away');
    expect(seen.has('q', 'e1')).toBe(false);
    let release: () => void = () => undefined;
    const first = seen.once('q', 'e2', () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    const second = seen.once('q', 'e2', () => Promise.resolve('second'));
    release();
    expect(await first).toEqual({ duplicate: false, value: 'first' });
    expect(await second).toEqual({ duplicate: true });
  });
});
