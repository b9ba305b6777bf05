import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../services/shared/app-error.js';
import type { StackEndpoints } from '../stack/types.js';
import { LINK_FAULTS, linkFault } from './link-faults.js';
import { createLinkHandlers } from './link-requests.js';
import { createLinkRegistry } from './link-registry.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** a registry with one link, loms/postgres, to a listening server of no protocol */
async function setup() {
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const registry = createLinkRegistry({ onChange: () => undefined });
  cleanup.push(
    () => new Promise((resolve) => server.close(() => resolve())),
    () => registry.stop(),
  );
  const endpoints: StackEndpoints = {
    kafka: { brokers: ['127.0.0.1:9092'] },
    postgres: { url: `postgres://postgres@127.0.0.1:${port}/postgres` },
    rabbitmq: { url: 'amqp://127.0.0.1:5672' },
    mongodb: { url: 'mongodb://127.0.0.1:27017' },
    redis: { url: 'redis://127.0.0.1:6379' },
  };
  await registry.route('loms', { DATABASE_URL: endpoints.postgres.url }, endpoints);
  return { registry, handlers: createLinkHandlers(registry) };
}

const run = (id: string, handlers: ReturnType<typeof createLinkHandlers>, args: Record<string, string | number>) => {
  const fault = linkFault(id);
  if (fault === undefined) throw new Error(`no fault ${id}`);
  return fault.run(handlers, args);
};

describe('link faults', () => {
  it('are four faults with a link argument', () => {
    expect(LINK_FAULTS.map((f) => f.info.id)).toEqual(['link-cut', 'link-delay', 'link-throttle', 'link-restore']);
    for (const f of LINK_FAULTS) expect(Object.keys(f.info.args ?? {})).toContain('link');
    expect(linkFault('link-melt')).toBeUndefined();
  });

  it('cut, delay (numbers given as text, as the Faults panel sends them), throttle and restore one link', async () => {
    const { registry, handlers } = await setup();
    expect(await run('link-cut', handlers, { link: 'loms/postgres' })).toMatch(/^cut loms → postgres/);
    expect(registry.view('loms/postgres').state).toBe('cut');
    expect(await run('link-delay', handlers, { link: 'loms/postgres', delayMs: '200', jitterMs: 20 })).toMatch(
      /delayed 200 ms \+ 0\.\.20 ms/,
    );
    expect(registry.view('loms/postgres')).toMatchObject({ delayMs: 200, jitterMs: 20 });
    expect(await run('link-throttle', handlers, { link: 'loms/postgres', bytesPerSec: '4096' })).toMatch(
      /throttled to 4096 B\/s/,
    );
    expect(await run('link-throttle', handlers, { link: 'loms/postgres', bytesPerSec: 'null' })).toMatch(
      /no longer throttled/,
    );
    expect(registry.view('loms/postgres').throttleBytesPerSec).toBeNull();
    expect(await run('link-restore', handlers, { link: 'loms/postgres' })).toMatch(/^restored/);
    expect(registry.view('loms/postgres')).toMatchObject({ state: 'up', delayMs: 0, jitterMs: 0 });
  });

  it('refuse bad args with INVALID_INPUT naming the field, changing nothing', async () => {
    const { registry, handlers } = await setup();
    const failure = async (id: string, args: Record<string, string | number>) => {
      try {
        await run(id, handlers, args);
      } catch (err) {
        return err;
      }
      throw new Error(`${id} ran with ${JSON.stringify(args)}`);
    };
    const noLink = await failure('link-cut', {});
    expect(noLink).toBeInstanceOf(AppError);
    expect(noLink).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'link' } });
    expect(await failure('link-delay', { link: 'loms/postgres', delayMs: 'soon' })).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'delayMs' },
    });
    expect(await failure('link-delay', { link: 'loms/postgres', delayMs: 600_000 })).toMatchObject({
      details: { field: 'delayMs' },
    });
    expect(await failure('link-cut', { link: 'loms/postgres', extra: 1 })).toMatchObject({ code: 'INVALID_INPUT' });
    expect(registry.view('loms/postgres')).toMatchObject({ state: 'up', delayMs: 0, cuts: 0 });
  });
});
