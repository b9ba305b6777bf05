// A TCP proxy a test can cut and restore: a service is pointed at the proxy's port, and `cut()` drops every open
// connection and refuses new ones (the broker "went away" without touching the shared server); `restore()` listens
// again on the same port.
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** connections accepted since start */
  accepted = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** host:port of a URL (amqp://, postgres://, …) */
  static target(url: string): { host: string; port: number } {
    const u = new URL(url);
    const fallback = u.protocol.startsWith('amqp') ? 5672 : u.protocol.startsWith('postgres') ? 5432 : 0;
    return { host: u.hostname, port: u.port === '' ? fallback : Number(u.port) };
  }

  /** The URL rewritten to go through this proxy. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(port = this.port): Promise<number> {
    const server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  get open(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
