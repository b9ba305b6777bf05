// The RabbitMQ management HTTP API: where it is for a stack's RabbitMQ, and one GET with basic auth and a deadline.
// Used by the health probe (the node answers its API, and which node it is) and by the RabbitMQ observer.
import { AppError } from '../../../services/shared/app-error.js';
import type { StackEndpoints } from './types.js';

/** The management plugin's default port (docker's `-management` image, a stock install). */
export const DEFAULT_MANAGEMENT_PORT = 15672;

/**
 * The management API's base URL (with credentials, never shown as it is): the stack's own when it says so, else the
 * AMQP URL's host on 15672 with the AMQP URL's user and password (guest/guest when it has none).
 */
export function managementUrlOf(rabbitmq: StackEndpoints['rabbitmq']): string {
  if (rabbitmq.managementUrl !== undefined) return rabbitmq.managementUrl;
  const amqp = new URL(rabbitmq.url);
  const user = amqp.username === '' ? 'guest' : amqp.username;
  const password = amqp.username === '' ? 'guest' : amqp.password;
  const scheme = amqp.protocol === 'amqps:' ? 'https' : 'http';
  return `${scheme}://${user}:${password}@${amqp.hostname}:${DEFAULT_MANAGEMENT_PORT}`;
}

/** A management URL without its credentials (for health lines and errors). */
export function publicManagementUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export interface ManagementClient {
  /** the base URL without credentials */
  readonly endpoint: string;
  /** GET `path` (e.g. `/api/queues`), JSON; an AppError BROKER_UNAVAILABLE when it does not answer 2xx in time */
  get<T>(path: string, timeoutMs?: number): Promise<T>;
}

export function createManagementClient(url: string, fetchImpl: typeof fetch = fetch): ManagementClient {
  const base = new URL(url);
  const auth = `Basic ${Buffer.from(
    `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`,
  ).toString('base64')}`;
  base.username = '';
  base.password = '';
  const root = base.toString().replace(/\/$/, '');
  return {
    endpoint: root,
    async get<T>(path: string, timeoutMs = 5_000): Promise<T> {
      let res: Response;
      try {
        res = await fetchImpl(`${root}${path}`, {
          headers: { authorization: auth, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `the RabbitMQ management API on ${root} does not answer: ${cause}`,
          { endpoint: root, path },
          { cause: err },
        );
      }
      if (!res.ok) {
        const body = (await res.text().catch(() => '')).slice(0, 200);
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `the RabbitMQ management API on ${root} answered ${res.status} for ${path}${body === '' ? '' : `: ${body}`}`,
          { endpoint: root, path, status: res.status },
        );
      }
      return (await res.json()) as T;
    },
  };
}

/** `/api/overview`: the fields the probe and the observer read. */
export interface ManagementOverview {
  node: string;
  management_version: string;
  rabbitmq_version?: string;
  cluster_name?: string;
}
