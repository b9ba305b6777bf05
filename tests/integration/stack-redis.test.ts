// Redis smoke test: set/get (with expiry) and pub/sub.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../services/shared/wait.js';
import { endpoints, uniqueName } from './support/index.js';

describe('redis', () => {
  const client = createClient({ url: endpoints().redis.url });
  const subscriber = client.duplicate();

  beforeAll(async () => {
    await Promise.all([client.connect(), subscriber.connect()]);
  });

  afterAll(async () => {
    await Promise.allSettled([client.quit(), subscriber.quit()]);
  });

  it('sets and gets a value with an expiry', async () => {
    const key = uniqueName('smoke:key');
    expect(await client.set(key, 'hello', { EX: 60 })).toBe('OK');
    expect(await client.get(key)).toBe('hello');
    expect(await client.ttl(key)).toBeGreaterThan(0);
    expect(await client.del(key)).toBe(1);
    expect(await client.get(key)).toBeNull();
  });

  it('delivers a published message to a subscriber', async () => {
    const channel = uniqueName('smoke:channel');
    const received: string[] = [];
    await subscriber.subscribe(channel, (message) => {
      received.push(message);
    });
    expect(await client.publish(channel, 'order 42 paid')).toBe(1);
    await waitFor(() => received.length === 1, { timeoutMs: 5_000, what: 'the published message' });
    expect(received).toEqual(['order 42 paid']);
    await subscriber.unsubscribe(channel);
  });
});
