// The one place where untrusted requests meet the console: the name must be a contract request, the request must
// pass its schema (strict: unknown fields are refused), and only then does a handler run. Anything else is an
// INVALID_INPUT error and changes nothing. Every error leaves as {code, message, details}; unknown errors are logged
// with their stack and leave as INTERNAL.
import type { Logger } from '../../../services/shared/logger.js';
import { AppError, toAppError } from '../../../services/shared/app-error.js';
import { REQUESTS, isRequestName, type ConsoleError, type RequestName } from '../contract/console-api.js';
import type { ConsoleHandlers } from '../create-console.js';

export type DispatchResult = { ok: true; response: unknown } | { ok: false; error: ConsoleError };
export type Dispatcher = (name: unknown, request: unknown) => Promise<DispatchResult>;

export function invalidInput(message: string, details?: Record<string, unknown>): DispatchResult {
  return {
    ok: false,
    error: details === undefined ? { code: 'INVALID_INPUT', message } : { code: 'INVALID_INPUT', message, details },
  };
}

export function createDispatcher(handlers: ConsoleHandlers, logger: Logger): Dispatcher {
  return async (name, request) => {
    if (!isRequestName(name))
      return invalidInput(`not a console request: ${JSON.stringify(name)?.slice(0, 80) ?? String(name)}`);
    const schema = REQUESTS[name];
    const parsed = schema.request.safeParse(request ?? {});
    if (!parsed.success) {
      return invalidInput(`${name}: the request does not match the contract`, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      });
    }
    try {
      const handler = handlers[name] as (req: unknown) => Promise<unknown>;
      const response = await handler(parsed.data);
      const checked = schema.response.safeParse(response);
      if (!checked.success) {
        logger.error({ name, issues: checked.error.issues.slice(0, 5) }, 'a handler answered outside the contract');
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `${name}: the console produced an answer outside its contract` },
        };
      }
      return { ok: true, response: checked.data };
    } catch (err) {
      const e = toAppError(err);
      if (!(err instanceof AppError) || e.code === 'INTERNAL')
        logger.error(
          { name: name satisfies RequestName, err: e.message, stack: (e.cause as Error | undefined)?.stack ?? e.stack },
          'request failed',
        );
      return { ok: false, error: e.toJSON() };
    }
  };
}
