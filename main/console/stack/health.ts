// Health kept per component and pushed to listeners as it changes (shared by every provider).
import type { ComponentHealth, ComponentName } from './types.js';
import { COMPONENT_NAMES } from './types.js';

export class HealthBoard {
  private readonly current = new Map<ComponentName, ComponentHealth>();
  private readonly listeners = new Set<(health: ComponentHealth) => void>();

  constructor(endpointOf: (name: ComponentName) => string) {
    for (const name of COMPONENT_NAMES)
      this.current.set(name, { name, state: 'stopped', endpoint: endpointOf(name), detail: 'not started' });
  }

  set(health: ComponentHealth): void {
    const prev = this.current.get(health.name);
    if (
      prev !== undefined &&
      prev.state === health.state &&
      prev.detail === health.detail &&
      prev.endpoint === health.endpoint &&
      JSON.stringify(prev.nodes) === JSON.stringify(health.nodes)
    )
      return;
    this.current.set(health.name, health);
    for (const listener of this.listeners) {
      try {
        listener(health);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  update(name: ComponentName, patch: Partial<Omit<ComponentHealth, 'name'>>): void {
    const prev = this.current.get(name);
    if (prev === undefined) return;
    this.set({ ...prev, ...patch });
  }

  get(name: ComponentName): ComponentHealth | undefined {
    return this.current.get(name);
  }

  all(): ComponentHealth[] {
    return COMPONENT_NAMES.map((name) => this.current.get(name)).filter((h): h is ComponentHealth => h !== undefined);
  }

  subscribe(listener: (health: ComponentHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
