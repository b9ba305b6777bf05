// HTTP helpers for the lab services, on Fastify: one error shape for every answer that is not a success
// (`{"code","message","details"?}`, the AppError's JSON), a status per AppError code, 400 naming the field for a bad
// body (JSON-schema validation or a body that is not JSON), 413 for a body over the limit, 404 for an unknown route, 405
// for a known path with another method. 5xx answers are logged with their stack; 4xx at debug level.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { AppError, toAppError, type AppErrorCode } from './app-error.js';
import type { Logger } from './logger.js';

/** The HTTP status of each AppError code (what is not listed is 500). A lab may override some (LOMS maps CONFLICT to 400). */
export const DEFAULT_STATUS_BY_CODE: Readonly<Partial<Record<AppErrorCode, number>>> = {
  INVALID_INPUT: 400,
  INSUFFICIENT_STOCK: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  DB_ERROR: 503,
  KAFKA_UNAVAILABLE: 503,
  BROKER_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

export interface HttpServerOptions {
  logger: Logger;
  /** bytes (default 1 MiB); a larger body is answered 413 */
  bodyLimit?: number;
  /** overrides of DEFAULT_STATUS_BY_CODE */
  statusByCode?: Partial<Record<AppErrorCode, number>>;
  /** more Fastify options (trustProxy, …) */
  fastify?: Omit<FastifyServerOptions, 'logger' | 'bodyLimit'>;
}

/** Which field a Fastify/ajv validation error is about, as a path a student can read (`items[0].count`, `body`). */
export function fieldOfValidation(err: FastifyError): string {
  const v = err.validation?.[0];
  if (v === undefined) return 'body';
  const base = (v.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const params = v.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  const extra = params?.missingProperty ?? params?.additionalProperty;
  const path = extra === undefined ? base : base === '' ? extra : `${base}.${extra}`;
  return path === '' ? (err.validationContext ?? 'body') : path;
}

function normalise(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const f = err as Partial<FastifyError> & Error;
  if (f.validation !== undefined) {
    const field = fieldOfValidation(f as FastifyError);
    const what = f.validation[0]?.message ?? 'is invalid';
    return new AppError('INVALID_INPUT', `${field}: ${what}`, { field });
  }
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('INVALID_INPUT', `body: larger than the limit`, { field: 'body', status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('INVALID_INPUT', 'body: send application/json', { field: 'body', status: 415 });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('INVALID_INPUT', 'body: not valid JSON', { field: 'body' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_INPUT', 'body: empty, expected a JSON object', { field: 'body' });
    default:
      if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
        return new AppError('INVALID_INPUT', f.message, { status: f.statusCode });
      }
      return toAppError(err);
  }
}

/** A Fastify instance with the lab services' error shape, body limit and logging. Add routes, then `listen`. */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const statusByCode = { ...DEFAULT_STATUS_BY_CODE, ...opts.statusByCode };
  const app = Fastify({ ...opts.fastify, logger: false, bodyLimit: opts.bodyLimit ?? 1 << 20 });
  const log = opts.logger;

  app.setErrorHandler((err, req, reply) => {
    const e = normalise(err);
    const explicit = e.details?.status;
    const status = typeof explicit === 'number' ? explicit : (statusByCode[e.code] ?? 500);
    const body = e.toJSON();
    // a numeric `details.status` is the HTTP status chosen above, not part of the answer; any other `status` (an order's
    // status in a CONFLICT, say) is the lab's data and stays
    if (body.details !== undefined && typeof explicit === 'number') {
      const { status: _status, ...rest } = body.details;
      if (Object.keys(rest).length === 0) delete body.details;
      else body.details = rest;
    }
    if (status >= 500) {
      log.error(
        { err: e.message, code: e.code, path: req.url, stack: (e.cause as Error | undefined)?.stack ?? e.stack },
        'request failed',
      );
    } else log.debug({ err: e.message, code: e.code, path: req.url }, 'request rejected');
    void reply.status(status).type('application/json').send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const known = app.hasRoute({ method: 'GET', url: path }) || app.hasRoute({ method: 'POST', url: path });
    const e = known
      ? new AppError('INVALID_INPUT', `method ${req.method} not allowed on ${path}`)
      : new AppError('NOT_FOUND', `no route ${req.method} ${path}`);
    void reply
      .status(known ? 405 : 404)
      .type('application/json')
      .send(e.toJSON());
  });
  return app;
}

/** Listens and returns the bound port and base URL (port 0 picks a free one). */
export async function listen(
  app: FastifyInstance,
  port: number,
  host = '127.0.0.1',
): Promise<{ port: number; url: string }> {
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return { port: bound, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}` };
}
