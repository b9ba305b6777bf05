// A link fault: a TCP proxy on 127.0.0.1 that a service is pointed at instead of its server (a database, a broker), so
// that the console can cut the link, restore it or slow it down without touching the server or the service. Generic:
// it knows bytes, not protocols. `cut()` drops every open connection and refuses new ones (they are accepted and closed
// at once, so the port stays the proxy's); `cutOnMatch()` arms a cut at the moment the client sends a given byte string
// (the chunk is not forwarded: "the link went down as the client sent it"); `delayMs` + `jitterMs` hold each chunk that
// long plus a random 0..jitter, never reordering a connection's chunks; `throttle` caps the bytes per second of each
// direction (over all the link's connections). Chunks wait in a queue per direction of a connection; while one holds
// more than QUEUE_HIGH bytes, or the other side does not drain, the sender is paused (TCP backpressure).
import net from 'node:net';

export interface LinkTarget {
  host: string;
  port: number;
}

export type LinkState = 'up' | 'cut';

export interface LinkStats {
  state: LinkState;
  /** connections accepted since the start (refused ones included) */
  accepted: number;
  /** connections refused because the link was cut */
  refused: number;
  open: number;
  /** client → server and server → client bytes forwarded */
  bytesUp: number;
  bytesDown: number;
  /** times the link was cut (by cut() or a match) */
  cuts: number;
  delayMs: number;
  jitterMs: number;
  /** bytes per second per direction, null: not throttled */
  throttleBytesPerSec: number | null;
}

export interface LinkProxyOptions {
  /** where connections go (asked at each new connection); none yet: connections are refused until retarget() */
  target?: LinkTarget | (() => LinkTarget | undefined);
  /** 0 (default): a free port */
  port?: number;
  /** each chunk is held this long before it is forwarded (0: none) */
  delayMs?: number;
  /** and a random 0..jitterMs more (order kept per connection) */
  jitterMs?: number;
  /** bytes per second per direction (undefined/null: not throttled) */
  throttleBytesPerSec?: number | null;
  /** the random source of the jitter, 0 ≤ x < 1 (tests) */
  random?: () => number;
}

/** Bytes queued in one direction of one connection above which its sender is paused. */
const QUEUE_HIGH = 1 << 20;

/** host:port of a URL (postgres://, amqp://, http://, …) with the protocol's usual port. */
export function targetOf(url: string): LinkTarget {
  const u = new URL(url);
  const usual: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'amqp:': 5672,
    'http:': 80,
    'redis:': 6379,
    'mongodb:': 27017,
  };
  return { host: u.hostname, port: u.port === '' ? (usual[u.protocol] ?? 0) : Number(u.port) };
}

export class LinkProxy {
  private server: net.Server | undefined;
  private listening: Promise<number> | undefined;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private state: LinkState = 'up';
  private match: { patterns: Buffer[]; resolve: () => void } | undefined;
  private readonly counters = { accepted: 0, refused: 0, bytesUp: 0, bytesDown: 0, cuts: 0 };
  private delay: number;
  private jitter: number;
  private rate: number | null;
  /** when each direction's throttle lets the next byte through (epoch ms) */
  private readonly free = { up: 0, down: 0 };
  private readonly random: () => number;
  private target: LinkTarget | (() => LinkTarget | undefined) | undefined;
  port = 0;

  constructor(private readonly opts: LinkProxyOptions = {}) {
    this.delay = Math.max(0, opts.delayMs ?? 0);
    this.jitter = Math.max(0, opts.jitterMs ?? 0);
    this.rate = opts.throttleBytesPerSec ?? null;
    this.random = opts.random ?? Math.random;
    this.target = opts.target;
  }

  /** Where new connections go from now on (the server moved); open ones stay where they are. */
  retarget(target: LinkTarget | (() => LinkTarget | undefined)): void {
    this.target = target;
  }

  /** Listens (idempotent); resolves with the port. */
  start(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = net.createServer((client) => this.accept(client));
      server.once('error', (err) => {
        this.listening = undefined;
        reject(err);
      });
      server.listen(this.opts.port ?? this.port, '127.0.0.1', () => {
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
    return this.listening;
  }

  /** Whether it listens: a service may be pointed at it. */
  get ready(): boolean {
    return this.server !== undefined;
  }

  /** Does not keep the process alive (a proxy owned by a long-lived module). */
  unref(): this {
    this.server?.unref();
    return this;
  }

  /** The URL rewritten to go through this proxy. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void {
    if (this.state === 'up') this.counters.cuts++;
    this.state = 'cut';
    this.match = undefined;
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
  }

  /**
   * Cuts the link when the client next sends a chunk that contains one of `patterns` (that chunk is not forwarded).
   * Resolves when it happened.
   */
  cutOnMatch(patterns: readonly (string | Buffer)[]): Promise<void> {
    return new Promise<void>((resolve) => {
      this.match = { patterns: patterns.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)), resolve };
    });
  }

  /** Forgets an armed cutOnMatch(). */
  disarm(): void {
    this.match = undefined;
  }

  /** Takes connections again. */
  restore(): void {
    this.state = 'up';
  }

  set delayMs(ms: number) {
    this.delay = Math.max(0, ms);
  }

  get delayMs(): number {
    return this.delay;
  }

  set jitterMs(ms: number) {
    this.jitter = Math.max(0, ms);
  }

  get jitterMs(): number {
    return this.jitter;
  }

  /** Caps each direction at `bytesPerSec` (null: no cap). */
  throttle(bytesPerSec: number | null): void {
    this.rate = bytesPerSec === null || bytesPerSec <= 0 ? null : bytesPerSec;
    this.free.up = 0;
    this.free.down = 0;
  }

  get throttleBytesPerSec(): number | null {
    return this.rate;
  }

  stats(): LinkStats {
    return {
      state: this.state,
      open: this.pairs.size,
      delayMs: this.delay,
      jitterMs: this.jitter,
      throttleBytesPerSec: this.rate,
      ...this.counters,
    };
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    this.listening = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private accept(client: net.Socket): void {
    this.counters.accepted++;
    client.on('error', () => undefined);
    const target = typeof this.target === 'function' ? this.target() : this.target;
    if (this.state === 'cut' || target === undefined) {
      this.counters.refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => undefined);
    // A proxy writes each chunk on as it comes: Nagle's algorithm would hold a chunk while an earlier one is unacked,
    // and the peer delays its ACK (40 ms on Linux) when it has nothing to send: a Kafka fetch response in two chunks
    // then arrived 40 ms late (the links bench: end-to-end p99 88 ms through links against 6 ms direct).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    this.forward(client, upstream, 'up');
    this.forward(upstream, client, 'down');
  }

  /** When a chunk of `bytes` that arrived `now` may go on: after the delay and jitter, then as the throttle allows. */
  private dueOf(direction: 'up' | 'down', bytes: number, now: number): number {
    let due = now + this.delay + (this.jitter > 0 ? this.random() * this.jitter : 0);
    if (this.rate !== null) {
      const start = Math.max(due, this.free[direction]);
      this.free[direction] = start + (bytes * 1000) / this.rate;
      due = this.free[direction];
    }
    return due;
  }

  private forward(from: net.Socket, to: net.Socket, direction: 'up' | 'down'): void {
    const queue: { chunk: Buffer; due: number }[] = [];
    let queued = 0;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    const count = (n: number) => {
      if (direction === 'up') this.counters.bytesUp += n;
      else this.counters.bytesDown += n;
    };
    const settle = () => {
      if (ended && queue.length === 0) {
        to.end();
        return;
      }
      if (queued > QUEUE_HIGH || to.writableNeedDrain) from.pause();
      else if (from.isPaused()) from.resume();
    };
    const flush = () => {
      timer = undefined;
      if (this.state === 'cut' || to.destroyed) return;
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { chunk } = queue.shift()!;
        queued -= chunk.length;
        count(chunk.length);
        to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(flush, Math.max(1, Math.ceil(queue[0]!.due - now)));
      settle();
    };
    to.on('drain', settle);
    from.on('data', (chunk: Buffer) => {
      if (this.state === 'cut') return;
      if (direction === 'up' && this.match?.patterns.some((p) => chunk.includes(p))) {
        const m = this.match;
        this.cut();
        m.resolve();
        return;
      }
      if (this.delay === 0 && this.jitter === 0 && this.rate === null && queue.length === 0) {
        // the fast path: nothing held, nothing waiting before it
        count(chunk.length);
        if (!to.write(chunk)) from.pause();
        return;
      }
      const now = Date.now();
      const due = Math.max(this.dueOf(direction, chunk.length, now), last);
      last = due;
      queue.push({ chunk, due });
      queued += chunk.length;
      if (timer === undefined) timer = setTimeout(flush, Math.max(0, Math.ceil(due - now)));
      settle();
    });
    from.on('end', () => {
      ended = true;
      if (timer === undefined) settle();
    });
    from.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
    });
  }
}
