import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy, targetOf } from './link-proxy.js';

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

/** Connects, sends `text`, and resolves with what came back before the socket closed or `until` matched. */
function exchange(
  port: number,
  text: string,
  until: (got: string) => boolean,
): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (until(got)) {
        s.destroy();
        resolve({ got, closed: false });
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ got, closed: true }));
    s.on('connect', () => s.write(text));
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(delayMs = 0) {
  const echo = await echoServer();
  const proxy = new LinkProxy({ target: { host: '127.0.0.1', port: echo.port }, delayMs });
  await proxy.start();
  cleanup.push(
    () => echo.close(),
    () => proxy.stop(),
  );
  return { echo, proxy };
}

describe('LinkProxy', () => {
  it('forwards both ways and counts the bytes', async () => {
    const { proxy } = await setup();
    const r = await exchange(proxy.port, 'hello', (g) => g === 'hello');
    expect(r.got).toBe('hello');
    await expect.poll(() => proxy.stats()).toMatchObject({ state: 'up', accepted: 1, bytesUp: 5, bytesDown: 5 });
  });

  it('cut drops open connections and refuses new ones; restore takes them again on the same port', async () => {
    const { proxy } = await setup();
    const port = proxy.port;
    const open = exchange(port, 'a', () => false);
    await expect.poll(() => proxy.stats().bytesDown).toBe(1);
    proxy.cut();
    expect((await open).closed).toBe(true);
    const refused = await exchange(port, 'b', () => false);
    expect(refused).toEqual({ got: '', closed: true });
    expect(proxy.stats()).toMatchObject({ state: 'cut', refused: 1, cuts: 1, open: 0 });
    proxy.restore();
    expect((await exchange(port, 'c', (g) => g === 'c')).got).toBe('c');
    expect(proxy.port).toBe(port);
  });

  it('cutOnMatch cuts when the client sends the pattern, without forwarding that chunk', async () => {
    const { proxy } = await setup();
    const fired = proxy.cutOnMatch(['COMMIT']);
    const first = await exchange(proxy.port, 'BEGIN', (g) => g === 'BEGIN');
    expect(first.got).toBe('BEGIN');
    const second = await exchange(proxy.port, 'COMMIT', () => false);
    await fired;
    expect(second).toEqual({ got: '', closed: true });
    expect(proxy.stats()).toMatchObject({ state: 'cut', bytesUp: 5 });
  });

  it('delays each chunk in order', async () => {
    const { proxy } = await setup(150);
    const t0 = Date.now();
    const r = await exchange(proxy.port, 'slow', (g) => g === 'slow');
    expect(r.got).toBe('slow');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290); // up and down
    proxy.delayMs = 0;
    expect(proxy.delayMs).toBe(0);
  });

  it('rewrites a URL to go through it and reads a target from a URL', async () => {
    const { proxy } = await setup();
    expect(proxy.via('postgres://u:p@db.example:5432/x')).toBe(`postgres://u:p@127.0.0.1:${proxy.port}/x`);
    expect(targetOf('postgresql://h/x')).toEqual({ host: 'h', port: 5432 });
    expect(targetOf('amqp://h:5673')).toEqual({ host: 'h', port: 5673 });
  });
});
