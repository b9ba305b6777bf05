// The `docker` provider: drives `docker compose` with docker/compose.yml. Chosen when a Docker engine answers.
// `up()` starts the brokers only; `up({ lab })` also activates the lab's compose profile and runs its topic init
// (`<lab>-init`), never the lab's service containers: the console runs those services itself, as child processes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '../../../../services/shared/app-error.js';
import { HealthBoard } from '../health.js';
import { COMPOSE_FILE } from '../paths.js';
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
import { ComposeCommands, SERVICE_OF, healthFromPs, parsePs, type ComposeCommand } from './compose.js';

export interface DockerUpOptions {
  /** the lab whose compose profile to start (`--profile <lab>`, then `run --rm <lab>-init`); default: brokers only */
  lab?: string | undefined;
  /**
   * the Kafka cluster the lab asks for: 2 is its profile's own cluster, kafka1 and kafka2 (docker/compose.yml, Lab A),
   * which its init starts; the endpoints then name those brokers. 3 (kafka3) needs its option profile and voters set
   * by hand (see the compose file).
   */
  kafkaNodes?: number | undefined;
}

/** The host ports of a lab's own Kafka cluster in docker/compose.yml (kafka1, kafka2, kafka3). */
export const DOCKER_CLUSTER_PORTS = [9192, 9194, 9196] as const;

const execFileAsync = promisify(execFile);

/** The host addresses that docker/compose.yml publishes (all on 127.0.0.1). */
export const DOCKER_ENDPOINTS: StackEndpoints = {
  kafka: { brokers: ['127.0.0.1:9092'] },
  postgres: { url: 'postgresql://postgres:postgres@127.0.0.1:5432/postgres' },
  rabbitmq: { url: 'amqp://guest:guest@127.0.0.1:5672' },
  mongodb: { url: 'mongodb://127.0.0.1:27017/?directConnection=true' },
  redis: { url: 'redis://127.0.0.1:6379' },
};

export type CommandRunner = (cmd: ComposeCommand, timeoutMs: number) => Promise<{ stdout: string; stderr: string }>;

const defaultRunner =
  (env: NodeJS.ProcessEnv): CommandRunner =>
  async (cmd, timeoutMs) => {
    try {
      return await execFileAsync(cmd.command, cmd.args, { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; code?: unknown };
      if (e.code === 'ENOENT')
        throw new AppError(
          'MISSING_TOOL',
          'docker is not installed (the docker provider drives `docker compose`)',
          { tool: 'docker' },
          { cause: err },
        );
      throw new AppError(
        'BROKER_UNAVAILABLE',
        `\`docker ${cmd.args.join(' ')}\` failed: ${(e.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`,
        {
          args: cmd.args,
        },
        { cause: err },
      );
    }
  };

export class DockerStackProvider implements StackProvider {
  readonly kind = 'docker' as const;
  private readonly compose: ComposeCommands;
  private readonly runner: CommandRunner;
  private readonly board: HealthBoard;
  private readonly defaultLab: string | undefined;
  private readonly probe: typeof probe;
  /** the lab profile the last up() started, so that down() takes its containers too */
  private activeLab: string | undefined;
  /** the size of the lab's own Kafka cluster the last up() started (1: the stack's one broker) */
  private kafkaNodes = 1;

  constructor(
    opts: {
      env?: NodeJS.ProcessEnv;
      composeFile?: string;
      runner?: CommandRunner;
      /** the lab up() starts when it is given none */
      lab?: string;
      /** how up() checks that each component answers on its published port (tests pass a stand-in) */
      probe?: typeof probe;
    } = {},
  ) {
    this.compose = new ComposeCommands(opts.composeFile ?? COMPOSE_FILE);
    this.runner = opts.runner ?? defaultRunner(opts.env ?? process.env);
    this.board = new HealthBoard((name) => publicEndpoint(name, DOCKER_ENDPOINTS));
    this.defaultLab = opts.lab;
    this.probe = opts.probe ?? probe;
    if (opts.lab !== undefined) this.compose.forLab(opts.lab); // a bad lab id fails here, not at the first up()
  }

  endpoints(): StackEndpoints {
    if (this.kafkaNodes === 1) return DOCKER_ENDPOINTS;
    const brokers = DOCKER_CLUSTER_PORTS.slice(0, this.kafkaNodes).map((p) => `127.0.0.1:${p}`);
    return { ...DOCKER_ENDPOINTS, kafka: { brokers } };
  }

  onHealth(listener: (health: ComponentHealth) => void): () => void {
    return this.board.subscribe(listener);
  }

  async up(options: DockerUpOptions = {}): Promise<UpResult> {
    const lab = options.lab ?? this.defaultLab;
    const labCompose = lab === undefined ? undefined : this.compose.forLab(lab);
    const t0 = Date.now();
    const before = await this.psSafe();
    for (const name of COMPONENT_NAMES) this.board.update(name, { state: 'starting', detail: 'docker compose up' });
    // Progress while compose waits: poll ps and push what changes.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, 1_000));
        if (polling) await this.status().catch(() => undefined);
      }
    })();
    try {
      await this.runner((labCompose ?? this.compose).up(), 10 * 60_000);
      if (labCompose !== undefined) {
        this.activeLab = labCompose.lab;
        await this.runner(labCompose.init(), 5 * 60_000);
      }
      const nodes = options.kafkaNodes ?? 1;
      if (nodes > 1 && labCompose === undefined)
        throw new AppError('INVALID_INPUT', 'a Kafka cluster comes with a lab profile: up({ lab, kafkaNodes })', {
          field: 'kafkaNodes',
        });
      this.kafkaNodes = Math.min(Math.max(1, nodes), DOCKER_CLUSTER_PORTS.length);
    } finally {
      polling = false;
      await poller;
    }
    const health = await this.status();
    const endpoints = this.endpoints();
    await Promise.all(
      COMPONENT_NAMES.map(async (name) => {
        const res = await this.probe(name, endpoints, 10_000);
        if (!res.ok) {
          this.board.update(name, { state: 'unhealthy', detail: res.detail });
          throw new AppError(
            'BROKER_UNAVAILABLE',
            `${name} runs in docker but does not answer on ${publicEndpoint(name, endpoints)}: ${res.detail}`,
            { component: name },
          );
        }
      }),
    );
    const origins = Object.fromEntries(
      COMPONENT_NAMES.map((n) => [
        n,
        before.some((e) => e.service === SERVICE_OF[n] && e.state === 'running') ? 'reused' : 'started',
      ]),
    ) as Record<ComponentName, ComponentOrigin>;
    return { endpoints, health, millisToHealthy: Date.now() - t0, origins };
  }

  async down(): Promise<void> {
    // `down` leaves the containers of an inactive profile in place: name the lab's profile when one was started
    const lab = this.activeLab ?? this.defaultLab;
    await this.runner((lab === undefined ? this.compose : this.compose.forLab(lab)).down(), 5 * 60_000);
    this.activeLab = undefined;
    for (const name of COMPONENT_NAMES) this.board.update(name, { state: 'stopped', detail: 'docker compose down' });
  }

  async status(): Promise<ComponentHealth[]> {
    const entries = await this.psSafe();
    for (const name of COMPONENT_NAMES)
      this.board.set(healthFromPs(name, entries, publicEndpoint(name, DOCKER_ENDPOINTS)));
    return this.board.all();
  }

  async logs(component: ComponentName, lines = 100): Promise<string[]> {
    const { stdout } = await this.runner(this.compose.logs(SERVICE_OF[component], lines), 60_000);
    return stdout.split('\n').filter((l) => l !== '');
  }

  /** Fault: stop one node of the lab's own Kafka cluster (`kafka-2` is the compose service kafka2). */
  async stopNode(name: ComponentName, node: string): Promise<void> {
    await this.runner(this.labCompose().stop([this.clusterService(name, node)]), 120_000);
    await this.status();
  }

  async startNode(name: ComponentName, node: string): Promise<void> {
    await this.runner(this.labCompose().start([this.clusterService(name, node)]), 300_000);
    await this.status();
  }

  private labCompose(): ComposeCommands {
    const lab = this.activeLab ?? this.defaultLab;
    return lab === undefined ? this.compose : this.compose.forLab(lab);
  }

  private clusterService(name: ComponentName, node: string): string {
    const m = /^kafka-([1-3])$/.exec(node);
    if (name !== 'kafka' || m === null || Number(m[1]) > this.kafkaNodes)
      throw new AppError(
        'INVALID_INPUT',
        `no node ${node} of ${name}: the lab's Kafka cluster has ${this.kafkaNodes} node(s) (kafka-1 …)`,
        { field: 'node' },
      );
    return `kafka${m[1]}`;
  }

  async stopComponent(name: ComponentName): Promise<void> {
    await this.runner(this.compose.stop([SERVICE_OF[name]]), 120_000);
    await this.status();
  }

  async startComponent(name: ComponentName): Promise<void> {
    await this.runner(this.compose.start([SERVICE_OF[name]]), 300_000);
    await this.status();
  }

  private async psSafe() {
    try {
      const { stdout } = await this.runner(this.compose.ps(), 60_000);
      return parsePs(stdout);
    } catch {
      return [];
    }
  }
}
