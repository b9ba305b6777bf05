import { describe, expect, it } from 'vitest';
import type { ComponentHealth } from '../../../main/console/contract/console-api';
import { createStackStore } from './store';

const kafka = (endpoint: string, state: ComponentHealth['state']): ComponentHealth => ({
  name: 'kafka',
  state,
  endpoint,
  detail: '',
});

describe('stack store', () => {
  it("drops a status answer older than one already applied (the host stack's slow answer after a profile's)", () => {
    const store = createStackStore();
    const first = store.getState().askStatus(); // the start-up resync, on the host's stack
    const second = store.getState().askStatus(); // after connecting a profile
    store.getState().applyStatus({ provider: 'external', health: [kafka('127.0.0.1:18490', 'healthy')] }, second);
    store.getState().applyStatus({ provider: 'local', health: [kafka('127.0.0.1:9092', 'stopped')] }, first);
    expect(store.getState().provider).toBe('external');
    expect(store.getState().health.kafka?.endpoint).toBe('127.0.0.1:18490');
    // a newer answer, and one without a ticket (a caller that does not race), still apply
    store.getState().applyStatus({ provider: 'local', health: [] }, store.getState().askStatus());
    expect(store.getState().provider).toBe('local');
    store.getState().applyStatus({ provider: 'external', health: [] });
    expect(store.getState().provider).toBe('external');
  });
});
