// A link fault: a TCP proxy on 127.0.0.1 that a service is pointed at instead of its server (a database, a broker), so
// that the console can cut the link, restore it or slow it down without touching the server or the service. Generic:
// it knows bytes, not protocols. `cut()` drops every open connection and refuses new ones (they are accepted and closed
// at once, so the port stays the proxy's); `cutOnMatch()` arms a cut at the moment the client sends a given byte string
// (the chunk is not forwarded: "the link went down as the client sent it"); `delay` holds each chunk that long, in order.
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
}

export interface LinkProxyOptions {
  /** where connections go (asked at each new connection); none yet: connections are refused until retarget() */
  target?: LinkTarget | (() => LinkTarget | undefined);
  /** 0 (default): a free port */
  port?: number;
  /** each chunk is held this long before it is forwarded (0: none) */
  delayMs?: number;
}

/** host:port of a URL (postgres://, amqp://, http://, …) with the protocol's usual port. */
export function targetOf(url: string): LinkTarget {
  const u = new URL(url);
  const usual: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'amqp:': 5672, 'http:': 80 };
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
  private target: LinkTarget | (() => LinkTarget | undefined) | undefined;
  port = 0;

  constructor(private readonly opts: LinkProxyOptions = {}) {
    this.delay = opts.delayMs ?? 0;
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

  stats(): LinkStats {
    return { state: this.state, open: this.pairs.size, delayMs: this.delay, ...this.counters };
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

  private forward(from: net.Socket, to: net.Socket, direction: 'up' | 'down'): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (this.state === 'cut') return;
      if (direction === 'up' && this.match?.patterns.some((p) => chunk.includes(p))) {
        const m = this.match;
        this.cut();
        m.resolve();
        return;
      }
      const send = () => {
        if (this.state === 'cut' || to.destroyed) return;
        if (direction === 'up') this.counters.bytesUp += chunk.length;
        else this.counters.bytesDown += chunk.length;
        to.write(chunk);
      };
      const ms = this.delay;
      if (ms === 0) {
        chain = chain.then(send);
        return;
      }
      from.pause();
      chain = chain
        .then(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))
        .then(send)
        .finally(() => from.resume());
    });
    from.on('end', () => void chain.then(() => to.end()));
  }
}
