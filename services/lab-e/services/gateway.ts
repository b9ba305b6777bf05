// gateway: the one door. Every route of ROUTE_ACCESS (schema.ts) is checked before its body is even read: 401 without
// a valid token (jose), 403 for a role the route does not list; then the request goes to its service with the caller's
// identity in IDENTITY_HEADERS (a client's own x-account-* headers are never passed on). Bodies are passed on as they
// came, so a bad body gets the service's 400 naming the field.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/app-error.js';
import type { BrokenModeId } from '../broken-modes.js';
import { verifyToken } from '../jwt.js';
import { createService, forbidden, type LabEServiceHandle, type ServiceDeps } from '../runtime.js';
import { IDENTITY_HEADERS, ROUTE_ACCESS, type LabEService, type RouteAccess } from '../schema.js';

export interface GatewayConfig {
  port: number;
  host?: string;
  jwtSecret: string;
  upstreams: Readonly<Record<Exclude<LabEService, 'gateway'>, string>>;
  brokenMode?: BrokenModeId;
  /** per proxied request (default 15 s) */
  timeoutMs?: number;
}

export function createGateway(config: GatewayConfig, deps: ServiceDeps = {}): LabEServiceHandle {
  const openGateway = config.brokenMode === 'open-gateway';
  return createService({
    service: 'gateway',
    config: {
      port: config.port,
      ...(config.host ? { host: config.host } : {}),
      brokers: [],
      ...(config.brokenMode ? { brokenMode: config.brokenMode } : {}),
    },
    deps,
    setup: (ctx) => ({
      routes(app) {
        // bodies are passed on untouched (the service validates them)
        app.removeContentTypeParser('application/json');
        app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

        const check = async (route: RouteAccess, req: FastifyRequest): Promise<Record<string, string>> => {
          if (route.access === 'anyone') return {};
          const who = await verifyToken(config.jwtSecret, req.headers.authorization);
          // the bug of open-gateway: a valid token is enough, the role is never looked at
          if (!openGateway && route.access !== 'signed-in' && !route.access.includes(who.role))
            throw forbidden(
              `role ${who.role} may not call ${route.method} ${route.path} (allowed: ${route.access.join(', ')})`,
              {
                role: who.role,
                allowed: route.access,
              },
            );
          return { [IDENTITY_HEADERS.publicId]: who.publicId, [IDENTITY_HEADERS.role]: who.role };
        };

        for (const route of ROUTE_ACCESS) {
          const identity = new WeakMap<FastifyRequest, Record<string, string>>();
          app.route({
            method: route.method,
            url: route.path,
            onRequest: async (req) => {
              identity.set(req, await check(route, req));
            },
            handler: async (req: FastifyRequest, reply: FastifyReply) => {
              const headers: Record<string, string> = { ...(identity.get(req) ?? {}) };
              const type = req.headers['content-type'];
              if (typeof type === 'string') headers['content-type'] = type;
              const base = config.upstreams[route.service];
              let res: Response;
              try {
                res = await fetch(`${base}${req.url}`, {
                  method: req.method,
                  headers,
                  ...(Buffer.isBuffer(req.body) ? { body: req.body } : {}),
                  signal: AbortSignal.timeout(config.timeoutMs ?? 15_000),
                });
              } catch (err) {
                const e = err as Error;
                if (e.name === 'TimeoutError')
                  throw new AppError('TIMEOUT', `${route.service} did not answer in time`, { service: route.service });
                throw new AppError('INTERNAL', `${route.service} is unavailable: ${e.message}`, {
                  service: route.service,
                  status: 502,
                });
              }
              const body = Buffer.from(await res.arrayBuffer());
              ctx.logger.debug({ method: req.method, url: req.url, status: res.status }, 'proxied');
              return reply
                .status(res.status)
                .type(res.headers.get('content-type') ?? 'application/json')
                .send(body);
            },
          });
        }
      },
    }),
  });
}
