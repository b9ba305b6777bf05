// Pure logic of the docker provider: the `docker compose` command lines, and parsing of `ps --format json`.
import { AppError } from '../../../../services/shared/app-error.js';
import type { ComponentHealth, ComponentName, HealthState } from '../types.js';

export const COMPOSE_PROJECT = 'eventscope';

/** The compose service of each stack component. */
export const SERVICE_OF: Record<ComponentName, string> = {
  kafka: 'kafka',
  postgres: 'postgres',
  rabbitmq: 'rabbitmq',
  mongodb: 'mongo',
  redis: 'redis',
};

/** The long-running infrastructure the console needs (the lab services run embedded, supervised by the console). */
export const INFRA_SERVICES = ['kafka', 'kafka-ui', 'rabbitmq', 'postgres', 'mongo', 'redis'] as const;

/** A compose profile name (Compose's own rule); a lab id is one, and must not read as an option. */
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The one-shot of a lab's profile that creates its topics once its brokers are healthy (docker/compose.yml: every lab
 * profile has one, named `<lab>-init`; its depends_on starts whatever else the lab needs from the stack).
 */
export function labInitService(lab: string): string {
  return `${lab}-init`;
}

export interface ComposeCommand {
  command: 'docker';
  args: string[];
}

export class ComposeCommands {
  constructor(
    protected readonly composeFile: string,
    protected readonly project = COMPOSE_PROJECT,
  ) {}

  protected base(): string[] {
    return ['compose', '-f', this.composeFile, '-p', this.project];
  }

  /** The same commands with a lab's profile active (`--profile <lab>`), plus the lab's topic init. */
  forLab(lab: string): LabComposeCommands {
    return new LabComposeCommands(this.composeFile, this.project, lab);
  }

  /** Starts the infrastructure and waits for every healthcheck. */
  up(services: readonly string[] = INFRA_SERVICES, waitTimeoutSeconds = 300): ComposeCommand {
    return {
      command: 'docker',
      args: [...this.base(), 'up', '-d', '--wait', '--wait-timeout', String(waitTimeoutSeconds), ...services],
    };
  }

  down(): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'down', '--remove-orphans'] };
  }

  stop(services: readonly string[]): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'stop', ...services] };
  }

  start(services: readonly string[]): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'up', '-d', '--wait', ...services] };
  }

  ps(): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'ps', '--all', '--format', 'json'] };
  }

  logs(service: string, lines: number): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'logs', '--no-color', '--tail', String(lines), service] };
  }
}

/** The commands with one lab's compose profile active. */
export class LabComposeCommands extends ComposeCommands {
  constructor(
    composeFile: string,
    project: string,
    readonly lab: string,
  ) {
    super(composeFile, project);
    if (!PROFILE_NAME.test(lab))
      throw new AppError('INVALID_INPUT', `not a lab id (a compose profile name): ${JSON.stringify(lab)}`, { lab });
  }

  protected override base(): string[] {
    return [...super.base(), '--profile', this.lab];
  }

  /**
   * Runs the lab's topic init one-shot to completion (idempotent: --if-not-exists). `run` starts its dependencies
   * first and waits for their conditions, so a lab's own stack parts (extra brokers) come up with it; the lab's service
   * containers are nobody's dependency there and stay down (the console runs those embedded).
   */
  init(): ComposeCommand {
    return { command: 'docker', args: [...this.base(), 'run', '--rm', labInitService(this.lab)] };
  }
}

export interface PsEntry {
  service: string;
  name: string;
  state: string;
  health: string;
  exitCode: number | undefined;
  publishers: { url: string; targetPort: number; publishedPort: number }[];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function toEntry(raw: unknown): PsEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  const publishers = Array.isArray(o.Publishers)
    ? o.Publishers.flatMap((p: unknown) => {
        if (typeof p !== 'object' || p === null) return [];
        const q = p as Record<string, unknown>;
        return [
          { url: str(q.URL), targetPort: Number(q.TargetPort ?? 0), publishedPort: Number(q.PublishedPort ?? 0) },
        ];
      })
    : [];
  return {
    service: str(o.Service),
    name: str(o.Name),
    state: str(o.State).toLowerCase(),
    health: str(o.Health).toLowerCase(),
    exitCode: typeof o.ExitCode === 'number' ? o.ExitCode : undefined,
    publishers,
  };
}

/**
 * Parses `docker compose ps --format json`: Compose before 2.21 prints one JSON array, later versions one JSON object
 * per line. Both are accepted; blank output is an empty list.
 */
export function parsePs(output: string): PsEntry[] {
  const text = output.trim();
  if (text === '') return [];
  if (text.startsWith('[')) {
    const arr = JSON.parse(text) as unknown[];
    return arr.map(toEntry).filter((e): e is PsEntry => e !== undefined);
  }
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => toEntry(JSON.parse(line)))
    .filter((e): e is PsEntry => e !== undefined);
}

/** The health of one component from the ps entries of its service. */
export function healthFromPs(name: ComponentName, entries: PsEntry[], endpoint: string): ComponentHealth {
  const entry = entries.find((e) => e.service === SERVICE_OF[name]);
  if (entry === undefined)
    return { name, state: 'stopped', endpoint, detail: `service ${SERVICE_OF[name]} is not created` };
  let state: HealthState;
  let detail: string;
  if (entry.state !== 'running') {
    state = entry.state === 'restarting' || entry.state === 'created' ? 'starting' : 'stopped';
    detail = `container ${entry.name} is ${entry.state}${entry.exitCode !== undefined && entry.state === 'exited' ? ` (exit code ${entry.exitCode})` : ''}`;
  } else if (entry.health === 'healthy' || entry.health === '') {
    state = 'healthy';
    detail = `container ${entry.name} is running${entry.health === 'healthy' ? ' and healthy' : ''}`;
  } else if (entry.health === 'starting') {
    state = 'starting';
    detail = `container ${entry.name} is starting (healthcheck pending)`;
  } else {
    state = 'unhealthy';
    detail = `container ${entry.name} is ${entry.health}`;
  }
  return { name, state, endpoint, detail };
}
