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

  it('adds a random jitter to the delay and keeps the chunks of a connection in order', async () => {
    const echo = await echoServer();
    // jitter draws 0.99, 0, 0.99, 0 …: a later chunk drawn less must still wait for the earlier one
    let n = 0;
    const proxy = new LinkProxy({
      target: { host: '127.0.0.1', port: echo.port },
      delayMs: 20,
      jitterMs: 100,
      random: () => (n++ % 2 === 0 ? 0.99 : 0),
    });
    await proxy.start();
    cleanup.push(
      () => echo.close(),
      () => proxy.stop(),
    );
    expect(proxy.stats()).toMatchObject({ delayMs: 20, jitterMs: 100 });
    const got = await new Promise<string>((resolve) => {
      const s = net.connect(proxy.port, '127.0.0.1');
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.length >= 40) {
          s.destroy();
          resolve(text);
        }
      });
      s.on('connect', () => {
        // separate chunks: each written once the previous one went out
        let i = 0;
        const next = () => {
          if (i === 10) return;
          s.write(`c${String(i).padStart(2, '0')};`, () => setImmediate(next));
          i++;
        };
        next();
      });
    });
    expect(got).toBe(Array.from({ length: 10 }, (_, i) => `c${String(i).padStart(2, '0')};`).join(''));
    proxy.jitterMs = 0;
    expect(proxy.jitterMs).toBe(0);
  });

  it('throttles each direction to its bytes per second, and lets go when unthrottled', async () => {
    const { proxy } = await setup();
    proxy.throttle(20_000);
    expect(proxy.stats().throttleBytesPerSec).toBe(20_000);
    const payload = 'x'.repeat(10_000);
    const t0 = Date.now();
    const r = await exchange(proxy.port, payload, (g) => g.length >= payload.length);
    const took = Date.now() - t0;
    expect(r.got.length).toBe(payload.length);
    // 10 kB at 20 kB/s: ≥ 0.5 s (each way in parallel, pipelined through the echo)
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5000);
    proxy.throttle(null);
    const t1 = Date.now();
    await exchange(proxy.port, payload, (g) => g.length >= payload.length);
    expect(Date.now() - t1).toBeLessThan(400);
  });

  it('keeps a large transfer whole through a delay (backpressure, no loss)', async () => {
    const { proxy } = await setup(5);
    const payload = Buffer.alloc(8 << 20, 7);
    const r = await new Promise<number>((resolve) => {
      const s = net.connect(proxy.port, '127.0.0.1');
      let got = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= payload.length) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('connect', () => s.write(payload));
    });
    expect(r).toBe(payload.length);
    expect(proxy.stats()).toMatchObject({ bytesUp: payload.length });
  });

  it('rewrites a URL to go through it and reads a target from a URL', async () => {
    const { proxy } = await setup();
    expect(proxy.via('postgres://u:p@db.example:5432/x')).toBe(`postgres://u:p@127.0.0.1:${proxy.port}/x`);
    expect(targetOf('postgresql://h/x')).toEqual({ host: 'h', port: 5432 });
    expect(targetOf('amqp://h:5673')).toEqual({ host: 'h', port: 5673 });
    expect(targetOf('redis://h')).toEqual({ host: 'h', port: 6379 });
    expect(targetOf('mongodb://h/db')).toEqual({ host: 'h', port: 27017 });
  });
});
