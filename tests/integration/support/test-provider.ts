// A stack provider for console tests: the shared stack the global setup brought up, reported healthy, never started or
// stopped by the console under test.
import type { ComponentHealth, ComponentName, StackProvider } from '../../../main/console/stack/types.js';
import { endpoints } from './index.js';

export function sharedStackProvider(healthy: readonly ComponentName[] = ['kafka', 'postgres']): StackProvider {
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
        endpoints: endpoints(),
        health: healthy.map(health),
        millisToHealthy: 0,
        origins: { kafka: 'reused', postgres: 'reused', rabbitmq: 'reused', mongodb: 'reused', redis: 'reused' },
      }),
    down: () => Promise.resolve(),
    status: () => Promise.resolve(healthy.map(health)),
    logs: () => Promise.resolve([]),
    onHealth: () => () => undefined,
    endpoints,
    stopComponent: () => Promise.resolve(),
    startComponent: () => Promise.resolve(),
  };
}
