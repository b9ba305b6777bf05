// The `external` provider: connects to brokers that already run (a course cluster, the student's own stack) and
// starts nothing. `up` checks that every component answers and names the ones that do not.
import { AppError } from '../../../../services/shared/app-error.js';
import { HealthBoard } from '../health.js';
import { probe, publicEndpoint } from '../probes.js';
import type {
  ComponentHealth,
  ComponentName,
  ComponentOrigin,
  StackEndpoints,
  StackProvider,
  UpResult,
} from '../types.js';
import { COMPONENT_NAMES } from '../types.js';
import type { ConnectionProfile } from '../../contract/profiles.js';
import { loadExternalConfig } from './config.js';
import { endpointsOfProfile, profileComponents } from './profile-endpoints.js';

export class ExternalStackProvider implements StackProvider {
  readonly kind = 'external' as const;
  private readonly board: HealthBoard;

  /** the components it connects to (a connection profile's; default: all five) */
  private readonly components: readonly ComponentName[];

  constructor(
    private readonly addresses: StackEndpoints,
    private readonly probeTimeoutMs = 5_000,
    opts: { components?: readonly ComponentName[]; label?: string } = {},
  ) {
    this.components = opts.components ?? COMPONENT_NAMES;
    this.label = opts.label ?? 'external';
    this.board = new HealthBoard((name) =>
      this.components.includes(name) ? publicEndpoint(name, addresses) : 'not in this profile',
    );
  }

  /** how health details end: "(external)", "(profile course-cluster)" */
  private readonly label: string;

  /** The provider of a saved connection profile: only the components it names. */
  static fromProfile(profile: ConnectionProfile, probeTimeoutMs = 5_000): ExternalStackProvider {
    return new ExternalStackProvider(endpointsOfProfile(profile), probeTimeoutMs, {
      components: profileComponents(profile),
      label: `profile ${profile.name}`,
    });
  }

  /** the components this provider connects to */
  connects(): readonly ComponentName[] {
    return this.components;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): ExternalStackProvider {
    return new ExternalStackProvider(loadExternalConfig(env));
  }

  endpoints(): StackEndpoints {
    return this.addresses;
  }

  onHealth(listener: (health: ComponentHealth) => void): () => void {
    return this.board.subscribe(listener);
  }

  async up(): Promise<UpResult> {
    const t0 = Date.now();
    for (const name of this.components) this.board.update(name, { state: 'starting', detail: 'connecting' });
    const health = await this.status();
    const bad = health.filter((h) => this.components.includes(h.name) && h.state !== 'healthy');
    if (bad.length > 0) {
      const first = bad[0];
      const code = bad.length === 1 && first?.name === 'kafka' ? 'KAFKA_UNAVAILABLE' : 'BROKER_UNAVAILABLE';
      throw new AppError(
        code,
        `external stack: ${bad.map((h) => `${h.name} at ${h.endpoint} is unreachable (${h.detail})`).join('; ')}`,
        {
          unreachable: bad.map((h) => ({ component: h.name, address: h.endpoint, detail: h.detail })),
        },
      );
    }
    const origins = Object.fromEntries(COMPONENT_NAMES.map((n) => [n, 'reused'])) as Record<
      ComponentName,
      ComponentOrigin
    >;
    return { endpoints: this.addresses, health, millisToHealthy: Date.now() - t0, origins };
  }

  /** Starts nothing, so stops nothing. */
  down(): Promise<void> {
    return Promise.resolve();
  }

  async status(): Promise<ComponentHealth[]> {
    await Promise.all(
      COMPONENT_NAMES.map(async (name) => {
        if (!this.components.includes(name)) {
          this.board.update(name, { state: 'stopped', detail: `not in this ${this.label}` });
          return;
        }
        const res = await probe(name, this.addresses, this.probeTimeoutMs);
        this.board.update(
          name,
          res.ok
            ? { state: 'healthy', detail: `${res.detail} (${this.label})` }
            : { state: 'unhealthy', detail: res.detail },
        );
      }),
    );
    return this.board.all();
  }

  logs(): Promise<string[]> {
    return Promise.resolve([]);
  }

  stopComponent(name: ComponentName): Promise<void> {
    return Promise.reject(
      new AppError('CONFLICT', `the external provider does not control ${name}: stop it where it runs`, {
        component: name,
      }),
    );
  }

  startComponent(name: ComponentName): Promise<void> {
    return Promise.reject(
      new AppError('CONFLICT', `the external provider does not control ${name}: start it where it runs`, {
        component: name,
      }),
    );
  }
}
