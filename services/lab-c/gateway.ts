// Lab C's one entry point (default port 8090; kafka-ui has 8080), in the place of the seed's Traefik: `/orders-api/...`
// goes to the orders replicas and `/payments-api/...` to the payments replicas, round robin (an upstream that does not
// answer is skipped for the next one), the event stream included, so that a user's stream and the requests that
// change their orders land on different replicas and the Redis fan-out is really used. Bodies and answers pass through
// untouched; CORS is answered here for every path (preflight 204) like the services do.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../shared/app-error.js';
import { listen } from '../shared/http.js';
import { createLogger } from '../shared/logger.js';
import type { Runnable } from '../shared/service-entry.js';
import { createLabCHttp, lineWriter, type LabCDeps } from './runtime.js';
import { stdoutLine } from './schema.js';

export interface GatewayConfig {
  port: number;
  host?: string;
  /** base URLs of the orders replicas, e.g. http://127.0.0.1:8091 */
  orders: readonly string[];
  payments: readonly string[];
  instance?: string;
  /** per proxied request (not the stream); default 15 s */
  timeoutMs?: number;
}

export interface Gateway extends Runnable {
  start(): Promise<{ port: number; url: string }>;
  readonly url: string;
}

/** headers that belong to one hop, and CORS, which the gateway answers itself */
const DROP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

export function createLabCGateway(config: GatewayConfig, deps: LabCDeps = {}): Gateway {
  const instance = config.instance ?? `gateway-${process.pid}`;
  const logger = deps.logger ?? createLogger({ name: `lab-c-${instance}` });
  const out = deps.out ?? stdoutLine;
  const line = lineWriter(out, 'gateway', instance);
  const next = { orders: 0, payments: 0 };

  async function proxy(kind: 'orders' | 'payments', req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const upstreams = config[kind];
    if (upstreams.length === 0) throw new AppError('INTERNAL', `no ${kind} upstream configured`, { status: 502 });
    const stream = kind === 'orders' && req.url.split('?')[0] === '/orders-api/orders/stream';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !DROP.has(k) && !k.startsWith('access-control-') && k !== 'origin') headers[k] = v;
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    let lastError: Error | undefined;
    for (let tried = 0; tried < upstreams.length; tried++) {
      const base = upstreams[next[kind]++ % upstreams.length]!;
      const abort = new AbortController();
      const timer = stream ? undefined : setTimeout(() => abort.abort(), config.timeoutMs ?? 15_000);
      let res: Response;
      try {
        res = await fetch(`${base}${req.url}`, {
          method: req.method,
          headers,
          ...(body ? { body } : {}),
          signal: abort.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        lastError = err as Error;
        if (abort.signal.aborted) throw new AppError('TIMEOUT', `${kind} did not answer in time`, { upstream: base });
        logger.debug({ upstream: base, err: lastError.message }, 'gateway: upstream not answering, trying the next');
        continue; // connection refused: the next replica
      }
      for (const [k, v] of res.headers) if (!DROP.has(k) && !k.startsWith('access-control-')) void reply.header(k, v);
      void reply.status(res.status);
      if (stream && res.body) {
        reply.raw.on('close', () => abort.abort());
        return reply.send(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
      }
      const answer = Buffer.from(await res.arrayBuffer());
      clearTimeout(timer);
      return reply.send(answer);
    }
    throw new AppError('INTERNAL', `no ${kind} replica answers: ${lastError?.message ?? 'unknown'}`, { status: 502 });
  }

  let app: Awaited<ReturnType<typeof createLabCHttp>> | undefined;
  let url = '';
  let started: Promise<{ port: number; url: string }> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    get url() {
      return url;
    },
    start() {
      started ??= (async () => {
        const a = await createLabCHttp(logger);
        app = a;
        // bodies pass through untouched (the service validates them and names the field)
        a.removeContentTypeParser('application/json');
        a.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, b, done) => done(null, b));
        a.get('/healthz', () => ({ ok: true, service: 'gateway', orders: config.orders, payments: config.payments }));
        for (const [kind, prefix] of [
          ['orders', '/orders-api'],
          ['payments', '/payments-api'],
        ] as const) {
          a.route({
            method: ['GET', 'POST', 'PUT', 'DELETE'],
            url: `${prefix}/*`,
            handler: (req, reply) => proxy(kind, req, reply),
          });
        }
        const bound = await listen(a, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        line({ type: 'lifecycle', state: 'listening', broken_mode: null, detail: url });
        logger.info({ url, orders: config.orders, payments: config.payments }, 'lab-c gateway listening');
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        await started?.catch(() => undefined);
        if (app) {
          app.server.closeAllConnections();
          await app.close().catch(() => undefined);
        }
        line({ type: 'lifecycle', state: 'stopped', broken_mode: null });
      })();
      return stopped;
    },
  };
}
