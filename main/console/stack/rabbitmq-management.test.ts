import { describe, expect, it } from 'vitest';
import { loadExternalConfig } from './external/config.js';
import { DEFAULT_LOCAL_PORTS, localEndpoints } from './local/provider.js';
import { publicEndpoint } from './probes.js';
import { createManagementClient, managementUrlOf, publicManagementUrl } from './rabbitmq-management.js';

describe('the RabbitMQ management API of a stack', () => {
  it("is the stack's own when it says so, else the AMQP host on 15672 with the AMQP URL's user", () => {
    expect(managementUrlOf({ url: 'amqp://a:b@mq:5673', managementUrl: 'http://a:b@mq:15673' })).toBe(
      'http://a:b@mq:15673',
    );
    expect(managementUrlOf({ url: 'amqp://student:s3cret@mq.example:5672' })).toBe(
      'http://student:s3cret@mq.example:15672',
    );
    expect(managementUrlOf({ url: 'amqps://mq.example:5671' })).toBe('https://guest:guest@mq.example:15672');
  });

  it('is shown without credentials, next to the AMQP endpoint in the health line', () => {
    expect(publicManagementUrl('http://guest:guest@127.0.0.1:15673')).toBe('http://127.0.0.1:15673');
    const own = localEndpoints(DEFAULT_LOCAL_PORTS, 'own');
    expect(publicEndpoint('rabbitmq', own)).toBe('amqp://127.0.0.1:5673 · management http://127.0.0.1:15673');
    const shared = localEndpoints({ ...DEFAULT_LOCAL_PORTS, rabbitmq: 5672 }, 'shared');
    expect(shared.rabbitmq.managementUrl).toBeUndefined();
    expect(publicEndpoint('rabbitmq', shared)).toBe('amqp://127.0.0.1:5672');
  });

  it('sends basic auth from the URL and says which endpoint did not answer, without the password', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fake = ((url: string, init?: RequestInit) => {
      seen.push({ url, auth: new Headers(init?.headers).get('authorization') });
      return Promise.resolve(new Response('{"node":"n@h","management_version":"3.10.8"}', { status: 200 }));
    }) as typeof fetch;
    const client = createManagementClient('http://us%40r:p%3Ass@127.0.0.1:15673/', fake);
    expect(client.endpoint).toBe('http://127.0.0.1:15673');
    await expect(client.get('/api/overview')).resolves.toMatchObject({ node: 'n@h' });
    expect(seen[0]).toEqual({
      url: 'http://127.0.0.1:15673/api/overview',
      auth: `Basic ${Buffer.from('us@r:p:ss').toString('base64')}`,
    });

    const refused = createManagementClient('http://guest:secret@127.0.0.1:1');
    const err = await refused.get('/api/queues', 2_000).then(
      () => new Error('it answered'),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ code: 'BROKER_UNAVAILABLE' });
    expect(err.message).toContain('http://127.0.0.1:1');
    expect(err.message).not.toContain('secret');
  });

  it('is read from EVENTSCOPE_RABBITMQ_MANAGEMENT_URL by the external provider', () => {
    const env = {
      EVENTSCOPE_KAFKA_BROKERS: 'k:9092',
      EVENTSCOPE_POSTGRES_URL: 'postgresql://p/db',
      EVENTSCOPE_RABBITMQ_URL: 'amqp://u:p@mq:5672',
      EVENTSCOPE_RABBITMQ_MANAGEMENT_URL: 'https://u:p@mq-admin:443',
      EVENTSCOPE_MONGODB_URL: 'mongodb://m:27017',
      EVENTSCOPE_REDIS_URL: 'redis://r:6379',
    };
    expect(loadExternalConfig(env).rabbitmq).toEqual({
      url: 'amqp://u:p@mq:5672',
      managementUrl: 'https://u:p@mq-admin:443',
    });
    const { EVENTSCOPE_RABBITMQ_MANAGEMENT_URL: _, ...without } = env;
    expect(loadExternalConfig(without).rabbitmq).toEqual({ url: 'amqp://u:p@mq:5672' });
    expect(() => loadExternalConfig({ ...env, EVENTSCOPE_RABBITMQ_MANAGEMENT_URL: 'ftp://x' })).toThrow(
      /EVENTSCOPE_RABBITMQ_MANAGEMENT_URL/,
    );
  });
});
