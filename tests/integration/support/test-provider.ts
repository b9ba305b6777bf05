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

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
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
