// The stack: one interface, three providers (docker, local, external). Every provider reports the same health per
// component, so the UI and the tests do not care which one runs.
import type { KafkaSecurity } from './kafka-security.js';

export const COMPONENT_NAMES = ['kafka', 'postgres', 'rabbitmq', 'mongodb', 'redis'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export type HealthState = 'starting' | 'healthy' | 'unhealthy' | 'stopped';

export interface ComponentHealth {
  name: ComponentName;
  state: HealthState;
  /** host:port or URL without credentials */
  endpoint: string;
  /** a human sentence: "KRaft broker 3.9.1, started by Eventscope (pid 1234)", "connection refused", … */
  detail: string;
  /** a component of several nodes (a Kafka cluster of 2 or 3): each node's health; absent for one server */
  nodes?: NodeHealth[];
}

/** One node of a component (`kafka-2` of a KRaft cluster). */
export interface NodeHealth {
  name: string;
  state: HealthState;
  endpoint: string;
  detail: string;
}

/** Where the servers are. Credentials may be inside URLs: never log or push these to the renderer as they are. */
export interface StackEndpoints {
  /** `security`: SASL and TLS for every kafkajs client (a connection profile's; absent: PLAINTEXT) */
  kafka: { brokers: string[]; security?: KafkaSecurity };
  postgres: { url: string };
  /** `managementUrl`: the management HTTP API (with credentials) when the provider knows it (else the observers try the
   * AMQP host on 15672, see stack/rabbitmq-management.ts) */
  rabbitmq: { url: string; managementUrl?: string };
  mongodb: { url: string };
  redis: { url: string };
}

export type ProviderKind = 'docker' | 'local' | 'external';

/** Where a healthy component came from: already running and reused (never stopped by Eventscope), started by this
 * call, or started by Eventscope earlier (e.g. by `npm run stack -- up`) and still running. */
export type ComponentOrigin = 'reused' | 'started' | 'eventscope';

export interface UpResult {
  endpoints: StackEndpoints;
  health: ComponentHealth[];
  /** wall time from the call of up() until every component was healthy */
  millisToHealthy: number;
  /** per component, where it came from (providers that start nothing say 'reused') */
  origins: Record<ComponentName, ComponentOrigin>;
}

export interface UpOptions {
  lab?: string;
  /** how many Kafka nodes the lab asks for (its manifest's `kafka.nodes`, 1 to 3; default: what runs, else 1) */
  kafkaNodes?: number;
}

export interface DownOptions {
  /** Stop only these components (default: everything this provider started). */
  only?: ComponentName[];
}

export interface StackProvider {
  readonly kind: ProviderKind;
  /**
   * Idempotent: reuses servers that already run, starts what is missing, resolves when all are healthy (or throws an
   * AppError). `lab`: the lab about to run (the docker provider also starts its compose profile's topic init).
   */
  up(options?: UpOptions): Promise<UpResult>;
  /** Stops only what this provider started, by PID (or compose project). Idempotent. */
  down(options?: DownOptions): Promise<void>;
  status(): Promise<ComponentHealth[]>;
  /** The last lines of a component's log, where the provider has one. */
  logs(component: ComponentName, lines?: number): Promise<string[]>;
  /** Health pushed as it changes (for progress while the stack starts). Returns an unsubscribe function. */
  onHealth(listener: (health: ComponentHealth) => void): () => void;
  endpoints(): StackEndpoints;
  /** Faults: stop and start one component (the Kafka broker, for the outage labs). Providers that cannot say so. */
  stopComponent(name: ComponentName): Promise<void>;
  startComponent(name: ComponentName): Promise<void>;
  /**
   * Fault: stop and start one component the provider started (the local provider's own RabbitMQ node, for Lab B's
   * durability check); refused (CONFLICT) for a server it did not start. Absent: stop then start.
   */
  restartComponent?(name: ComponentName): Promise<void>;
  /**
   * Fault: stop or start one node of a component of several (`kafka-2` of a Kafka cluster). Absent where the provider
   * runs no clusters; refused (INVALID_INPUT) for a node the component does not have.
   */
  stopNode?(name: ComponentName, node: string): Promise<void>;
  startNode?(name: ComponentName, node: string): Promise<void>;
}
