import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StackEndpoints } from '../stack/types.js';
import { createLinkRegistry } from './link-registry.js';
import type { LinkView } from '../contract/links.js';

/** An echo server on a free port. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What came back ("closed": the link closed first). */
function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === text) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve('closed'));
    s.on('connect', () => s.write(text));
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup() {
  const pg = await echoServer();
  const k1 = await echoServer();
  const k2 = await echoServer();
  const changes: LinkView[] = [];
  const registry = createLinkRegistry({ onChange: (v) => changes.push(v) });
  cleanup.push(
    () => pg.close(),
    () => k1.close(),
    () => k2.close(),
    () => registry.stop(),
  );
  const endpoints: StackEndpoints = {
    kafka: { brokers: [`127.0.0.1:${k1.port}`, `127.0.0.1:${k2.port}`] },
    postgres: { url: `postgres://postgres@127.0.0.1:${pg.port}/postgres` },
    rabbitmq: { url: 'amqp://127.0.0.1:5673' },
    mongodb: { url: 'mongodb://127.0.0.1:27017' },
    redis: { url: 'redis://127.0.0.1:6379' },
  };
  return { pg, k1, k2, registry, endpoints, changes };
}

describe('link registry', () => {
  it("routes an instance's server URLs through its links and maps every Kafka broker onto a proxy", async () => {
    const { registry, endpoints, pg, k1, k2 } = await setup();
    const env = await registry.route(
      'loms',
      {
        DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${pg.port}/lab_d`,
        KAFKA_BROKERS: `127.0.0.1:${k1.port}`,
        PORT: '8084',
        NAME: 'not-a-url',
      },
      endpoints,
    );
    const db = registry.view('loms/postgres');
    expect(env.DATABASE_URL).toBe(`postgres://postgres:secret@${db.hops[0]!.listen}/lab_d`);
    expect(env.KAFKA_BROKERS).toBe(`127.0.0.1:${k1.port}`); // bootstrap unchanged: KAFKA_LINKS maps it
    const kafka = registry.view('loms/kafka');
    expect(kafka.hops.map((h) => h.target)).toEqual([`127.0.0.1:${k1.port}`, `127.0.0.1:${k2.port}`]);
    expect(env.KAFKA_LINKS).toBe(kafka.hops.map((h) => `${h.target}=${h.listen}`).join(','));
    expect(env).toMatchObject({ PORT: '8084', NAME: 'not-a-url' });
    expect(db).toMatchObject({ instance: 'loms', component: 'postgres', state: 'up', inUse: true });
    expect(db.target).toBe(`127.0.0.1:${pg.port}`);
    expect(JSON.stringify(registry.list())).not.toContain('secret');
    expect(registry.proxies('loms', 'kafka')).toHaveLength(2);
    expect(registry.list('loms')).toHaveLength(2);
    expect(registry.list('other')).toHaveLength(0);
  });

  it('cuts, delays, throttles and restores one link of one instance, leaving the others alone', async () => {
    const { registry, endpoints, pg, changes } = await setup();
    const url = endpoints.postgres.url;
    const a = await registry.route('a', { DATABASE_URL: url }, endpoints);
    const b = await registry.route('b', { DATABASE_URL: url }, endpoints);
    const portOf = (u: string) => Number(new URL(u).port);
    expect(portOf(a.DATABASE_URL!)).not.toBe(portOf(b.DATABASE_URL!));
    expect(await echoOnce(portOf(a.DATABASE_URL!), 'x')).toBe('x');

    expect(registry.cut('a/postgres')).toMatchObject({ state: 'cut' });
    expect(await echoOnce(portOf(a.DATABASE_URL!), 'y')).toBe('closed');
    expect(await echoOnce(portOf(b.DATABASE_URL!), 'y')).toBe('y');
    expect(await echoOnce(pg.port, 'z')).toBe('z'); // the server itself was never touched

    // a restart of the instance goes through the same cut link
    const again = await registry.route('a', { DATABASE_URL: url }, endpoints);
    expect(again.DATABASE_URL).toBe(a.DATABASE_URL);
    expect(await echoOnce(portOf(again.DATABASE_URL!), 'w')).toBe('closed');

    expect(registry.delay('a/postgres', 200, 20)).toMatchObject({ state: 'cut', delayMs: 200, jitterMs: 20 });
    expect(registry.throttle('a/postgres', 10_000)).toMatchObject({ throttleBytesPerSec: 10_000 });
    const restored = registry.restore('a/postgres');
    expect(restored).toMatchObject({ state: 'up', delayMs: 0, jitterMs: 0, throttleBytesPerSec: null });
    expect(await echoOnce(portOf(a.DATABASE_URL!), 'v')).toBe('v');
    expect(changes.map((c) => c.id)).toContain('a/postgres');

    registry.delay('a/postgres', 150);
    const t0 = Date.now();
    expect(await echoOnce(portOf(a.DATABASE_URL!), 'd')).toBe('d');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);

    registry.release('a');
    expect(registry.view('a/postgres').inUse).toBe(false);
    expect(registry.proxies('a', 'postgres')).toBeUndefined();
    expect(() => registry.cut('c/postgres')).toThrow(/no link c\/postgres/);
  });

  it('leaves a lab-given KAFKA_LINKS and unknown brokers alone', async () => {
    const { registry, endpoints } = await setup();
    const env = await registry.route(
      'api',
      { KAFKA_BROKERS: 'elsewhere:9092', OTHER: endpoints.kafka.brokers[0]!, KAFKA_LINKS: 'x:1=y:2' },
      endpoints,
    );
    expect(env).toEqual({ KAFKA_BROKERS: 'elsewhere:9092', OTHER: endpoints.kafka.brokers[0], KAFKA_LINKS: 'x:1=y:2' });
    expect(registry.list()).toHaveLength(0);
  });
});
