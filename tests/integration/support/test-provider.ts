// A stack provider for console tests: the shared stack the global setup brought up, reported healthy, never started or
// stopped by the console under test.
import net from 'node:net';
import type { Console } from '../../../main/console/create-console.js';
import type { RequestName, ResponseOf } from '../../../main/console/contract/console-api.js';
import type {
  ComponentHealth,
  ComponentName,
  StackEndpoints,
  StackProvider,
} from '../../../main/console/stack/types.js';
import { endpoints } from './index.js';

/** `where`: the endpoints to report (default: the shared stack's, as the global setup brought it up). */
export function sharedStackProvider(
  healthy: readonly ComponentName[] = ['kafka', 'postgres'],
  where: () => StackEndpoints = endpoints,
): StackProvider {
  const health = (name: ComponentName): ComponentHealth => ({
    name,
    state: 'healthy',
    endpoint: '',
    detail: 'test stack',
  });
  return {
    kind: 'external',
    up: () =>
      Promise.resolve({
        endpoints: where(),
        health: healthy.map(health),
        millisToHealthy: 0,
        origins: { kafka: 'reused', postgres: 'reused', rabbitmq: 'reused', mongodb: 'reused', redis: 'reused' },
      }),
    down: () => Promise.resolve(),
    status: () => Promise.resolve(healthy.map(health)),
    logs: () => Promise.resolve([]),
    onHealth: () => () => undefined,
    endpoints: where,
    stopComponent: () => Promise.resolve(),
    startComponent: () => Promise.resolve(),
  };
}

/**
 * A port nobody listens on right now, below the kernel's ephemeral range (32768–60999 on Linux): a server a test
 * stops and starts again must get its port back, and a port from the ephemeral range can meanwhile be the source
 * port of any outgoing connection on the machine (seen: an e2e broker's controller port taken while it was down).
 */
export async function freePort(from = 20_000, to = 32_000): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port in ${from}–${to}`);
}

/** `count` distinct ports nobody listens on (two random picks of freePort can be the same port). */
export async function freePorts(count: number, from = 20_000, to = 32_000): Promise<number[]> {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(await freePort(from, to));
  return [...picked];
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A typed request function over a console's dispatcher: resolves with the response, throws on an error answer. */
export function callerOf(console_: () => Console) {
  return async <C extends RequestName>(name: C, request: unknown = {}): Promise<ResponseOf<C>> => {
    const r = await console_().dispatch(name, request);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.response as ResponseOf<C>;
  };
}
