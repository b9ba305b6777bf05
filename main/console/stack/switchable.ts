// The console's provider when it can be pointed at a connection profile: it delegates to the host's own provider
// (docker or local) until `use` swaps in another (the external provider of a saved profile), and back. Health pushes
// of the current one are forwarded, so the console subscribes once.
import { AppError } from '../../../services/shared/app-error.js';
import type {
  ComponentHealth,
  ComponentName,
  DownOptions,
  StackEndpoints,
  StackProvider,
  UpOptions,
  UpResult,
} from './types.js';

export class SwitchableStackProvider implements StackProvider {
  private current: StackProvider;
  private readonly listeners = new Set<(health: ComponentHealth) => void>();
  private unsubscribe: () => void;

  constructor(private readonly home: StackProvider) {
    this.current = home;
    this.unsubscribe = home.onHealth((h) => this.forward(h));
  }

  get kind(): StackProvider['kind'] {
    return this.current.kind;
  }

  /** the provider answering now */
  get active(): StackProvider {
    return this.current;
  }

  /** answers with `next` from now on (undefined: the host's own provider again) */
  use(next: StackProvider | undefined): void {
    const target = next ?? this.home;
    if (target === this.current) return;
    this.unsubscribe();
    this.current = target;
    this.unsubscribe = target.onHealth((h) => this.forward(h));
  }

  private forward(health: ComponentHealth): void {
    for (const l of this.listeners) {
      try {
        l(health);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  onHealth(listener: (health: ComponentHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  up(options?: UpOptions): Promise<UpResult> {
    return this.current.up(options);
  }
  down(options?: DownOptions): Promise<void> {
    return this.current.down(options);
  }
  status(): Promise<ComponentHealth[]> {
    return this.current.status();
  }
  logs(component: ComponentName, lines?: number): Promise<string[]> {
    return this.current.logs(component, lines);
  }
  endpoints(): StackEndpoints {
    return this.current.endpoints();
  }
  stopComponent(name: ComponentName): Promise<void> {
    return this.current.stopComponent(name);
  }
  startComponent(name: ComponentName): Promise<void> {
    return this.current.startComponent(name);
  }
  restartComponent(name: ComponentName): Promise<void> {
    const c = this.current;
    if (c.restartComponent !== undefined) return c.restartComponent(name);
    return c.stopComponent(name).then(() => c.startComponent(name));
  }
  stopNode(name: ComponentName, node: string): Promise<void> {
    if (this.current.stopNode === undefined) return Promise.reject(noNodes(this.current.kind));
    return this.current.stopNode(name, node);
  }
  startNode(name: ComponentName, node: string): Promise<void> {
    if (this.current.startNode === undefined) return Promise.reject(noNodes(this.current.kind));
    return this.current.startNode(name, node);
  }
}

function noNodes(kind: string): AppError {
  return new AppError('INVALID_INPUT', `the ${kind} provider does not stop or start single nodes`, { field: 'node' });
}
