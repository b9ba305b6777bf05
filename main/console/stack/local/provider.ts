// The `local` provider: real servers as local processes where no Docker engine answers.
// Kafka (KRaft, official jars) and a MongoDB-wire server are started with Java; RabbitMQ is Eventscope's own node of
// the installed rabbitmq-server (own ports, management plugin, see rabbitmq.ts), so that the machine's shared node is
// never restarted by a fault; the machine's own Postgres and Redis (and RabbitMQ, where rabbitmq-server is not
// installed) are reused when they answer and started with the system's commands otherwise. `down` stops only what
// Eventscope started, by PID (recorded in a state file, see `stateDir`); what already ran is never stopped.
// Kafka is a KRaft cluster of the size the lab asks for (`up({ kafkaNodes })`, 1 by default: one broker on 9092 as
// always; 2 or 3 nodes for Lab A, kafka-cluster.ts), with health per node and one node stopped and started as a fault.
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, toAppError } from '../../../../services/shared/app-error.js';
import { HealthBoard } from '../health.js';
import { stackDir } from '../paths.js';
import { probe, publicEndpoint } from '../probes.js';
import type {
  ComponentHealth,
  ComponentName,
  ComponentOrigin,
  DownOptions,
  NodeHealth,
  StackEndpoints,
  StackProvider,
  UpOptions,
  UpResult,
} from '../types.js';
import { COMPONENT_NAMES } from '../types.js';
import { readVersions } from '../versions.js';
import { describeCluster } from './kafka.js';
import { checkClusterSize, kafkaNodeName, LocalKafkaCluster } from './kafka-cluster.js';
import { LocalMongo } from './mongo.js';
import { LocalRabbitmq } from './rabbitmq.js';
import { commandLineOf, findListenerPid, isAlive, isPortOpen, stopPid, tailFile } from './process.js';
import { StateFile, type Owner, type StackState, type StartedComponent } from './state.js';
import { postgresClusters, runStartPlan, systemStartPlan, type SystemComponent } from './system-services.js';

export interface LocalPorts {
  kafka: number;
  kafkaController: number;
  postgres: number;
  /** AMQP: Eventscope's own node (or the machine's, when the provider uses the shared one) */
  rabbitmq: number;
  /** the own node's management API and Erlang distribution port */
  rabbitmqManagement: number;
  rabbitmqDist: number;
  mongodb: number;
  redis: number;
}

export const DEFAULT_LOCAL_PORTS: LocalPorts = {
  kafka: 9092,
  kafkaController: 9093,
  postgres: 5432,
  rabbitmq: 5673,
  rabbitmqManagement: 15673,
  rabbitmqDist: 25673,
  mongodb: 27017,
  redis: 6379,
};

export interface LocalProviderOptions {
  /** Who asks: test runs share what the tests started (the last run to leave stops it); the CLI and the app own theirs. */
  owner?: Owner;
  ports?: Partial<LocalPorts>;
  /** Where the brokers' data live (default .cache/stack of the checkout). */
  dir?: string;
  /**
   * Where state.json and its lock live. Default: one folder per machine and Kafka port
   * (<tmp>/eventscope-stack-<uid>-<port>), whatever `dir` is, so that every user of these ports on one machine (a CI
   * clone next to a working tree, the e2e tests next to the integration tests) shares one record of who started the
   * servers and who still uses them.
   */
  stateDir?: string;
  /** -Xmx of each Kafka node in MB (default 512 for one node, 256 for each node of a cluster) */
  kafkaHeapMb?: number;
  /**
   * How many Kafka nodes (1–3) before an up() asks (default: the size of the cluster Eventscope runs on these ports,
   * else 1). Node 1 is on `ports.kafka`/`ports.kafkaController`, the others on `kafkaNodePorts`.
   */
  kafkaNodes?: number;
  /** The client and controller ports of Kafka nodes 2 and 3 (default 9094/9095 and 9096/9097: node 1's + 2, + 4). */
  kafkaNodePorts?: { port: number; controllerPort: number }[];
  /**
   * Which RabbitMQ: 'own' (Eventscope's own node on `ports.rabbitmq`, 5673, with the management API on 15673) or
   * 'shared' (the machine's node, 5672 unless `ports.rabbitmq` says otherwise; never stopped or restarted). Default:
   * EVENTSCOPE_LOCAL_RABBITMQ, else 'own' where rabbitmq-server is installed.
   */
  rabbitmqNode?: 'own' | 'shared';
  env?: NodeJS.ProcessEnv;
}

/** The machine's RabbitMQ port, used when the provider runs no node of its own. */
export const SHARED_RABBITMQ_PORT = 5672;

export function localEndpoints(
  ports: LocalPorts,
  rabbitmqNode: 'own' | 'shared' = 'own',
  kafkaBrokers: string[] = [`127.0.0.1:${ports.kafka}`],
): StackEndpoints {
  return {
    kafka: { brokers: kafkaBrokers },
    postgres: { url: `postgresql://postgres@127.0.0.1:${ports.postgres}/postgres` },
    rabbitmq:
      rabbitmqNode === 'own'
        ? {
            url: `amqp://guest:guest@127.0.0.1:${ports.rabbitmq}`,
            managementUrl: `http://guest:guest@127.0.0.1:${ports.rabbitmqManagement}`,
          }
        : { url: `amqp://guest:guest@127.0.0.1:${ports.rabbitmq}` },
    mongodb: { url: `mongodb://127.0.0.1:${ports.mongodb}/?directConnection=true` },
    redis: { url: `redis://127.0.0.1:${ports.redis}` },
  };
}

export class LocalStackProvider implements StackProvider {
  readonly kind = 'local' as const;
  readonly ports: LocalPorts;
  readonly dir: string;
  private readonly owner: Owner;
  private readonly env: NodeJS.ProcessEnv;
  private readonly state: StateFile;
  private readonly board: HealthBoard;
  private readonly mongo: LocalMongo;
  /** the Kafka cluster of each size asked for so far (made when first asked: each has its own folders) */
  private readonly clusters = new Map<number, LocalKafkaCluster>();
  private readonly kafkaHeapMb: number | undefined;
  private readonly kafkaNodePorts: { port: number; controllerPort: number }[] | undefined;
  /** the size of the Kafka cluster the endpoints name (the last up()'s, else what runs, else 1) */
  private kafkaSize: number;
  private readonly rabbitmq: LocalRabbitmq | undefined;
  private readonly kafkaVersion: string;

  constructor(opts: LocalProviderOptions = {}) {
    this.env = opts.env ?? process.env;
    const rabbitmqNode = opts.rabbitmqNode ?? rabbitmqNodeFromEnv(this.env);
    this.ports = {
      ...DEFAULT_LOCAL_PORTS,
      ...(rabbitmqNode === 'shared' ? { rabbitmq: SHARED_RABBITMQ_PORT } : {}),
      ...opts.ports,
    };
    this.dir = opts.dir ?? stackDir(opts.env);
    this.owner = opts.owner ?? 'cli';
    this.rabbitmq =
      rabbitmqNode === 'own'
        ? new LocalRabbitmq({
            amqpPort: this.ports.rabbitmq,
            managementPort: this.ports.rabbitmqManagement,
            distPort: this.ports.rabbitmqDist,
            baseDir: this.dir,
            env: this.env,
          })
        : undefined;
    this.state = new StateFile(opts.stateDir ?? machineStateDir(this.ports.kafka));
    this.kafkaHeapMb = opts.kafkaHeapMb;
    this.kafkaNodePorts = opts.kafkaNodePorts;
    this.kafkaSize =
      opts.kafkaNodes !== undefined ? checkClusterSize(opts.kafkaNodes) : (runningKafkaSize(this.liveState()) ?? 1);
    this.kafkaCluster(this.kafkaSize); // bad ports fail here, not at the first up()
    const endpoints = this.endpoints();
    this.board = new HealthBoard((name) => publicEndpoint(name, endpoints));
    this.mongo = new LocalMongo({ port: this.ports.mongodb, dataDir: path.join(this.dir, 'mongodb'), env: this.env });
    this.kafkaVersion = readVersions().kafka;
  }

  endpoints(): StackEndpoints {
    return localEndpoints(this.ports, this.rabbitmqNode, this.kafka.brokers);
  }

  /** The Kafka cluster the endpoints name (its size is the last up()'s `kafkaNodes`). */
  get kafka(): LocalKafkaCluster {
    return this.kafkaCluster(this.kafkaSize);
  }

  private kafkaCluster(size: number): LocalKafkaCluster {
    let cluster = this.clusters.get(size);
    if (cluster === undefined) {
      cluster = new LocalKafkaCluster({
        size,
        port: this.ports.kafka,
        controllerPort: this.ports.kafkaController,
        ...(this.kafkaNodePorts === undefined ? {} : { extraPorts: this.kafkaNodePorts }),
        dir: this.dir,
        ...(this.kafkaHeapMb === undefined ? {} : { heapMb: this.kafkaHeapMb }),
        env: this.env,
      });
      this.clusters.set(size, cluster);
    }
    return cluster;
  }

  /** 'own': Eventscope's own RabbitMQ node (restartable); 'shared': the machine's (never stopped or restarted). */
  get rabbitmqNode(): 'own' | 'shared' {
    return this.rabbitmq === undefined ? 'shared' : 'own';
  }

  /** The own RabbitMQ node's name (undefined when the provider uses the machine's node). */
  get rabbitmqNodeName(): string | undefined {
    return this.rabbitmq?.nodeName;
  }

  /** The file that records what Eventscope started on these ports. */
  get stateFile(): string {
    return this.state.file;
  }

  onHealth(listener: (health: ComponentHealth) => void): () => void {
    return this.board.subscribe(listener);
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    const t0 = Date.now();
    const origins = {} as Record<ComponentName, ComponentOrigin>;
    await this.state.withLock(async () => {
      const st = this.liveState();
      if (options.kafkaNodes !== undefined) this.resizeKafka(checkClusterSize(options.kafkaNodes, 'kafkaNodes'));
      const results = await Promise.allSettled(
        COMPONENT_NAMES.map(async (name) => {
          origins[name] = name === 'kafka' ? await this.ensureKafka(st) : await this.ensure(name, st);
        }),
      );
      if (this.owner === 'tests' && !st.leases.includes(process.pid)) st.leases.push(process.pid);
      this.state.write(st);
      const failures = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ name: COMPONENT_NAMES[i], error: toAppError(r.reason) }] : [],
      );
      const first = failures[0];
      if (first !== undefined) {
        const message = failures.map((f) => `${f.name}: ${f.error.message}`).join('; ');
        throw new AppError(
          first.error.code,
          `the local stack did not come up: ${message}`,
          {
            failed: failures.map((f) => ({ component: f.name, code: f.error.code, message: f.error.message })),
          },
          { cause: first.error },
        );
      }
    });
    return { endpoints: this.endpoints(), health: this.board.all(), millisToHealthy: Date.now() - t0, origins };
  }

  async down(options: DownOptions = {}): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      await this.stopStarted(st, (name) => options.only === undefined || options.only.includes(name));
      this.state.write(st);
    });
  }

  /**
   * For test runs: leave the stack. Removes this process's lease; when no other test run holds one, stops what the
   * tests started (never what the CLI or the app started, never what was already running). Returns what it stopped.
   * Called by a process without a lease (`npm run stack -- release`), it cleans up after test runs that crashed.
   */
  async release(): Promise<ComponentName[]> {
    return this.state.withLock(async () => {
      const st = this.liveState();
      st.leases = st.leases.filter((pid) => pid !== process.pid);
      let stopped: ComponentName[] = [];
      if (st.leases.length === 0) stopped = await this.stopStarted(st, (_name, entry) => entry.owner === 'tests');
      this.state.write(st);
      return stopped;
    });
  }

  async status(): Promise<ComponentHealth[]> {
    const st = this.liveState();
    const endpoints = this.endpoints();
    await Promise.all(
      COMPONENT_NAMES.map(async (name) => {
        if (name === 'kafka' && this.kafka.size > 1) return this.kafkaStatus(st);
        const res = await probe(name, endpoints, 3_000);
        const entry = this.entryOf(st, name);
        if (res.ok) this.board.update(name, { state: 'healthy', detail: this.healthyDetail(name, res.detail, entry) });
        else if (entry !== undefined)
          this.board.update(name, {
            state: 'unhealthy',
            detail: `pid ${entry.pid} runs but does not answer: ${res.detail}`,
          });
        else this.board.update(name, { state: 'stopped', detail: res.detail });
      }),
    );
    return this.board.all();
  }

  logs(component: ComponentName, lines = 100): Promise<string[]> {
    switch (component) {
      case 'kafka': {
        const cluster = this.kafka;
        if (cluster.size === 1) return Promise.resolve(cluster.nodes[0]!.logs(lines));
        const each = Math.max(1, Math.ceil(lines / cluster.size));
        return Promise.resolve(
          cluster.nodes.flatMap((node, i) => node.logs(each).map((l) => `[${cluster.specs[i]!.name}] ${l}`)),
        );
      }
      case 'mongodb':
        return Promise.resolve(this.mongo.logs(lines));
      case 'postgres': {
        const version = postgresClusters()[0];
        return Promise.resolve(
          version === undefined ? [] : tailFile(`/var/log/postgresql/postgresql-${version}-main.log`, lines),
        );
      }
      case 'rabbitmq':
        return Promise.resolve(
          this.rabbitmq !== undefined
            ? this.rabbitmq.logs(lines)
            : tailFile(newestFile('/var/log/rabbitmq', '.log') ?? '', lines),
        );
      case 'redis':
        return Promise.resolve(tailFile('/var/log/redis/redis-server.log', lines));
    }
  }

  async stopComponent(name: ComponentName): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      if (this.entryOf(st, name) === undefined && (name !== 'kafka' || kafkaEntries(st).size === 0)) {
        throw new AppError(
          'CONFLICT',
          `${name} on ${publicEndpoint(name, this.endpoints())} was not started by Eventscope, so Eventscope does not stop it`,
          { component: name },
        );
      }
      await this.stopStarted(st, (n) => n === name);
      this.state.write(st);
    });
  }

  async startComponent(name: ComponentName): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      try {
        await this.ensureAny(name, st);
      } finally {
        this.state.write(st);
      }
    });
  }

  /**
   * Stops and starts one component Eventscope started (under one lock: no other up/down in between), e.g. the own
   * RabbitMQ node for Lab B's durability check. A server Eventscope did not start (the machine's RabbitMQ) is refused
   * with CONFLICT and left alone.
   */
  async restartComponent(name: ComponentName): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      const entry = this.entryOf(st, name) ?? (name === 'kafka' ? [...kafkaEntries(st).values()][0] : undefined);
      if (entry === undefined) {
        throw new AppError(
          'CONFLICT',
          `${name} on ${publicEndpoint(name, this.endpoints())} was not started by Eventscope, so Eventscope does not restart it`,
          { component: name },
        );
      }
      try {
        await this.stopStarted(st, (n) => n === name);
        await this.ensureAny(name, st);
        // the restarted server belongs to whoever started it first (a test run's node stays the tests')
        const again = st.components[name];
        if (again !== undefined) st.components[name] = { ...again, owner: entry.owner };
        if (name === 'kafka')
          for (const [node, e] of Object.entries(st.kafkaNodes ?? {}))
            (st.kafkaNodes ??= {})[node] = { ...e, owner: entry.owner };
      } finally {
        this.state.write(st);
      }
    });
  }

  /** The PIDs of what Eventscope started and still runs (for faults and tests). */
  startedPids(): Partial<Record<ComponentName, number>> {
    const st = this.liveState();
    const out: Partial<Record<ComponentName, number>> = {};
    for (const name of COMPONENT_NAMES) {
      const entry = this.entryOf(st, name);
      if (entry !== undefined) out[name] = entry.pid;
    }
    return out;
  }

  /** The PIDs of the Kafka nodes Eventscope started and that still run, by node name (`kafka-1`, `kafka-2`, …). */
  kafkaNodePids(): Record<string, number> {
    return Object.fromEntries([...kafkaEntries(this.liveState())].map(([node, e]) => [node, e.pid]));
  }

  /**
   * Fault: stops one node of the Kafka cluster (SIGTERM: a controlled shutdown; SIGKILL after 30 s), by its checked
   * PID. With 3 nodes the others elect new leaders and shrink the ISRs; with 2, the one left has no controller quorum.
   */
  async stopNode(name: ComponentName, node: string): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      const cluster = this.clusterOf(name);
      cluster.node(node); // a node it does not have is INVALID_INPUT
      const entry = kafkaEntries(st).get(node);
      if (entry === undefined)
        throw new AppError('CONFLICT', `${node} does not run, or was not started by Eventscope: nothing to stop`, {
          component: name,
          node,
        });
      this.board.update(name, { state: 'starting', detail: `stopping ${node} (pid ${entry.pid})` });
      try {
        if (ownsPid(entry)) await stopPid(entry.pid, { signal: entry.stopSignal, graceMs: 30_000 });
        setKafkaEntry(st, node, undefined);
      } finally {
        this.state.write(st);
      }
      await this.kafkaStatus(st);
    });
  }

  /** Fault: starts one stopped node of the Kafka cluster again; resolves when the cluster reports it. */
  async startNode(name: ComponentName, node: string): Promise<void> {
    await this.state.withLock(async () => {
      const st = this.liveState();
      const cluster = this.clusterOf(name);
      const kafka = cluster.node(node);
      if (kafkaEntries(st).get(node) === undefined) {
        this.board.update(name, { state: 'starting', detail: `starting ${node} (java, -Xmx${kafka.heapMb}m)` });
        try {
          await kafka.start();
          const pid = kafka.pid;
          if (pid === undefined)
            throw new AppError('KAFKA_UNAVAILABLE', `${node} exited right after it started`, { component: name, node });
          setKafkaEntry(st, node, this.kafkaEntry(kafka.dataDir, pid, new Date().toISOString()));
          if (cluster.size > 1) st.kafkaSize = cluster.size;
        } finally {
          this.state.write(st);
        }
        await cluster.waitForBrokers(cluster.size, 60_000);
      }
      await this.kafkaStatus(st);
    });
  }

  private clusterOf(name: ComponentName): LocalKafkaCluster {
    if (name !== 'kafka')
      throw new AppError('INVALID_INPUT', `${name} is one server here: only Kafka has nodes to stop and start`, {
        field: 'component',
      });
    return this.kafka;
  }

  /** A new size for the cluster up() makes healthy (what runs of another size is stopped by ensureKafka). */
  private resizeKafka(size: number): void {
    if (size === this.kafkaSize) return;
    this.kafkaSize = size;
    this.board.update('kafka', { endpoint: publicEndpoint('kafka', this.endpoints()) });
  }

  private ensureAny(name: ComponentName, st: StackState): Promise<ComponentOrigin> {
    return name === 'kafka' ? this.ensureKafka(st) : this.ensure(name, st);
  }

  /**
   * Makes the Kafka cluster of the asked size healthy. A cluster of another size that Eventscope started is stopped
   * first (its data stay in its folders for the next time that size is asked for); one node goes the way it always
   * went (ensure); a cluster starts its missing nodes together and is healthy when it reports all of them.
   */
  private async ensureKafka(st: StackState): Promise<ComponentOrigin> {
    const cluster = this.kafka;
    const running = runningKafkaSize(st);
    if (running !== undefined && running !== cluster.size) {
      this.board.set({
        name: 'kafka',
        state: 'starting',
        endpoint: publicEndpoint('kafka', this.endpoints()),
        detail: `stopping the ${running}-node Kafka cluster Eventscope started: ${cluster.size} node(s) asked for`,
      });
      await this.stopStarted(st, (n) => n === 'kafka');
    }
    if (cluster.size === 1) return this.ensure('kafka', st);

    const entries = kafkaEntries(st);
    const missing = cluster.specs.filter((s) => entries.get(s.name) === undefined).map((s) => s.name);
    if (missing.length === 0) {
      this.board.update('kafka', { state: 'starting', detail: 'checking whether it already answers' });
      await cluster.waitForBrokers(cluster.size, 30_000);
      await this.kafkaStatus(st);
      return 'eventscope';
    }
    if (entries.size === 0 && (await isPortOpen(this.ports.kafka))) {
      const found = await describeCluster([`127.0.0.1:${this.ports.kafka}`], 5_000).catch(() => undefined);
      const what = found === undefined ? 'something' : `a Kafka cluster of ${found.brokers} broker(s)`;
      throw new AppError(
        'CONFLICT',
        `${what} that Eventscope did not start listens on 127.0.0.1:${this.ports.kafka}; the lab asks for a cluster of ${cluster.size} nodes there: stop it, or ask for 1 node`,
        { component: 'kafka', port: this.ports.kafka },
      );
    }
    const startedAt = new Date().toISOString();
    this.board.set({
      name: 'kafka',
      state: 'starting',
      endpoint: publicEndpoint('kafka', this.endpoints()),
      detail: `starting a KRaft cluster of ${cluster.size} nodes ${this.kafkaVersion} (java, -Xmx${cluster.heapMb}m each): ${missing.join(', ')}`,
      nodes: cluster.specs.map((spec) => ({
        name: spec.name,
        state: missing.includes(spec.name) ? 'starting' : 'healthy',
        endpoint: `127.0.0.1:${spec.port}`,
        detail: missing.includes(spec.name) ? 'starting' : 'runs',
      })),
    });
    try {
      await cluster.start(missing);
    } catch (err) {
      const e = toAppError(err);
      this.board.update('kafka', { state: 'unhealthy', detail: e.message });
      throw e;
    } finally {
      // what started is recorded even when another node failed, so that `down` stops it
      for (const name of missing) {
        const node = cluster.node(name);
        const pid = node.pid;
        if (pid !== undefined) setKafkaEntry(st, name, this.kafkaEntry(node.dataDir, pid, startedAt));
      }
      if (kafkaEntries(st).size > 0) st.kafkaSize = cluster.size;
    }
    await this.kafkaStatus(st);
    return 'started';
  }

  private kafkaEntry(dataDir: string, pid: number, startedAt: string): StartedComponent {
    return {
      pid,
      marker: `-Deventscope.kafka.dir=${dataDir}`,
      stopSignal: 'SIGTERM',
      owner: this.owner,
      startedAt,
      how: 'java kafka.Kafka',
    };
  }

  /** Health of a cluster of 2 or 3: each node's own answer; healthy when every node answers. */
  private async kafkaStatus(st: StackState): Promise<void> {
    const cluster = this.kafka;
    const entries = kafkaEntries(st);
    const nodes: NodeHealth[] = await Promise.all(
      cluster.specs.map(async (spec): Promise<NodeHealth> => {
        const endpoint = `127.0.0.1:${spec.port}`;
        const entry = entries.get(spec.name);
        try {
          // one retry: a node busy taking over leaderships can miss one deadline on a loaded machine
          const info = await describeCluster([endpoint], 4_000).catch(() => describeCluster([endpoint], 4_000));
          const who = entry === undefined ? 'not started by Eventscope' : `pid ${entry.pid}`;
          return {
            name: spec.name,
            state: 'healthy',
            endpoint,
            detail: `node ${spec.id}, sees ${info.brokers} broker(s); ${who}`,
          };
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return entry === undefined
            ? { name: spec.name, state: 'stopped', endpoint, detail: `stopped (${why})` }
            : {
                name: spec.name,
                state: 'unhealthy',
                endpoint,
                detail: `pid ${entry.pid} runs but does not answer: ${why}`,
              };
        }
      }),
    );
    const up = nodes.filter((n) => n.state === 'healthy');
    const endpoint = publicEndpoint('kafka', this.endpoints());
    const base = `KRaft cluster of ${cluster.size} nodes ${this.kafkaVersion}`;
    if (up.length === nodes.length) {
      const who = entries.size > 0 ? 'started by Eventscope' : 'already running, reused (Eventscope never stops it)';
      this.board.set({
        name: 'kafka',
        state: 'healthy',
        endpoint,
        detail: `${base}, all ${up.length} answer; ${who}`,
        nodes,
      });
      return;
    }
    const down = nodes.filter((n) => n.state !== 'healthy').map((n) => n.name);
    const quorum = Math.floor(cluster.size / 2) + 1;
    const lesson =
      up.length === 0
        ? ''
        : up.length >= quorum
          ? `: ${up.length} of ${cluster.size} voters are a quorum, leaders move to the nodes that run`
          : `: ${up.length} of ${cluster.size} voters are no quorum, so no controller (no new topics, no leader moves)`;
    this.board.set({
      name: 'kafka',
      state: up.length === 0 && entries.size === 0 ? 'stopped' : 'unhealthy',
      endpoint,
      detail: `${base}, ${down.join(', ')} down${lesson}`,
      nodes,
    });
  }

  /**
   * What this provider started of one component. A RabbitMQ entry of the other kind (the own node while this provider
   * uses the machine's, after EVENTSCOPE_LOCAL_RABBITMQ changed) is not this provider's to report, stop or restart; it
   * stays in the state file for the provider that started it.
   */
  private entryOf(st: StackState, name: ComponentName): StartedComponent | undefined {
    const entry = st.components[name];
    if (entry === undefined || name !== 'rabbitmq') return entry;
    const ownNode = entry.marker.startsWith('-eventscope_rabbitmq ');
    return (this.rabbitmq === undefined ? !ownNode : entry.marker === this.rabbitmq.marker) ? entry : undefined;
  }

  /** The state file without entries whose process has gone (or whose PID now belongs to something else). */
  private liveState(): StackState {
    const st = this.state.read();
    for (const name of COMPONENT_NAMES) {
      const entry = st.components[name];
      if (entry !== undefined && !ownsPid(entry)) delete st.components[name];
    }
    for (const [node, entry] of Object.entries(st.kafkaNodes ?? {}))
      if (!ownsPid(entry)) setKafkaEntry(st, node, undefined);
    if (kafkaEntries(st).size === 0) delete st.kafkaSize;
    st.leases = st.leases.filter((pid) => isAlive(pid));
    return st;
  }

  private healthyDetail(name: ComponentName, probed: string, entry: StartedComponent | undefined): string {
    let what = name === 'kafka' ? `KRaft broker ${this.kafkaVersion} (${probed})` : probed;
    if (name === 'kafka' && this.kafka.size > 1)
      what = `KRaft cluster of ${this.kafka.size} nodes ${this.kafkaVersion} (${probed})`;
    if (name === 'rabbitmq')
      what +=
        this.rabbitmq !== undefined
          ? "; Eventscope's own node (the machine's RabbitMQ is shared and left alone)"
          : "; the machine's node (shared: Eventscope never restarts it)";
    return entry === undefined
      ? `${what}; already running, reused (Eventscope never stops it)`
      : `${what}; started by Eventscope (pid ${entry.pid})`;
  }

  /** Makes one component healthy: reuse, or start it. Mutates `st` with what it started. */
  private async ensure(name: ComponentName, st: StackState): Promise<ComponentOrigin> {
    const endpoints = this.endpoints();
    this.board.update(name, { state: 'starting', detail: 'checking whether it already answers' });
    // Nothing listening: start it at once. Something listening: give it time to answer (a busy machine can be slow).
    const port = this.ports[name];
    const first = (await isPortOpen(port))
      ? await probe(name, endpoints, 10_000)
      : { ok: false, detail: `nothing listens on 127.0.0.1:${port}` };
    const known = this.entryOf(st, name);
    if (first.ok) {
      this.board.update(name, { state: 'healthy', detail: this.healthyDetail(name, first.detail, known) });
      return known === undefined ? 'reused' : 'eventscope';
    }
    try {
      const entry = await this.start(name);
      if (entry !== undefined) st.components[name] = entry;
      const after = await probe(name, endpoints, 5_000);
      if (!after.ok)
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `${name} was started but does not answer on ${publicEndpoint(name, endpoints)}: ${after.detail}`,
          { component: name },
        );
      const detail = this.healthyDetail(name, after.detail, entry);
      this.board.update(name, {
        state: 'healthy',
        detail:
          entry === undefined ? `${detail} (started, but its PID is not visible: \`down\` leaves it running)` : detail,
      });
      return 'started';
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'PORT_IN_USE' && (await this.answersWithin(name, 30_000))) {
        // Another process (a test run in another checkout, another console) started it meanwhile: reuse it.
        const again = await probe(name, endpoints, 10_000);
        const entry = this.state.read().components[name];
        this.board.update(name, { state: 'healthy', detail: this.healthyDetail(name, again.detail, entry) });
        return entry === undefined ? 'reused' : 'eventscope';
      }
      this.board.update(name, { state: 'unhealthy', detail: e.message });
      throw e;
    }
  }

  /** Waits up to timeoutMs for a component to answer its probe (something else listens on its port). */
  private async answersWithin(name: ComponentName, timeoutMs: number): Promise<boolean> {
    this.board.update(name, {
      state: 'starting',
      detail: `port ${this.ports[name]} is taken: waiting for it to answer as ${name}`,
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await probe(name, this.endpoints(), 5_000)).ok) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  private async start(name: ComponentName): Promise<StartedComponent | undefined> {
    const startedAt = new Date().toISOString();
    switch (name) {
      case 'kafka': {
        const kafka = this.kafka.nodes[0]!;
        this.board.update(name, {
          state: 'starting',
          detail: `starting the KRaft broker ${this.kafkaVersion} (java, -Xmx${kafka.heapMb}m)`,
        });
        await kafka.start();
        const pid = kafka.pid;
        if (pid === undefined)
          throw new AppError('KAFKA_UNAVAILABLE', 'the Kafka broker exited right after it started', {
            component: name,
          });
        return this.kafkaEntry(kafka.dataDir, pid, startedAt);
      }
      case 'mongodb': {
        this.board.update(name, {
          state: 'starting',
          detail: 'starting the MongoDB-wire server (mongo-java-server, java)',
        });
        await this.mongo.start();
        const pid = this.mongo.pid;
        if (pid === undefined)
          throw new AppError('BROKER_UNAVAILABLE', 'the MongoDB-wire server exited right after it started', {
            component: name,
          });
        return {
          pid,
          marker: this.mongo.marker,
          stopSignal: 'SIGTERM',
          owner: this.owner,
          startedAt,
          how: 'java MongoWireServer.java',
        };
      }
      case 'rabbitmq': {
        const node = this.rabbitmq;
        if (node === undefined) return this.startSystem(name, startedAt);
        this.board.update(name, {
          state: 'starting',
          detail: `starting Eventscope's own RabbitMQ node ${node.nodeName} (AMQP ${node.amqpPort}, management ${node.managementPort})`,
        });
        await node.start();
        const pid = node.pid;
        if (pid === undefined)
          throw new AppError('BROKER_UNAVAILABLE', `the RabbitMQ node ${node.nodeName} exited right after it started`, {
            component: name,
          });
        return {
          pid,
          marker: node.marker,
          stopSignal: 'SIGTERM',
          owner: this.owner,
          startedAt,
          how: `rabbitmq-server (node ${node.nodeName}, folder ${node.dir})`,
        };
      }
      case 'postgres':
      case 'redis':
        return this.startSystem(name, startedAt);
    }
  }

  private async startSystem(name: SystemComponent, startedAt: string): Promise<StartedComponent | undefined> {
    const port = this.ports[name];
    const plan = systemStartPlan(name, { port, env: this.env, redisPidFile: path.join(this.dir, 'redis.pid') });
    this.board.update(name, {
      state: 'starting',
      detail: `starting with \`${path.basename(plan.command)} ${plan.args.join(' ')}\``,
    });
    await runStartPlan(plan, this.env);
    const deadline = Date.now() + plan.startTimeoutMs;
    let last = '';
    for (;;) {
      const res = await probe(name, this.endpoints(), 2_000);
      if (res.ok) break;
      last = res.detail;
      if (Date.now() > deadline) {
        throw new AppError(
          'TIMEOUT',
          `${name} was started but did not answer on 127.0.0.1:${port} within ${plan.startTimeoutMs} ms: ${last}`,
          { component: name, port },
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    const pid = findListenerPid(port);
    if (pid === undefined) return undefined;
    return {
      pid,
      marker: plan.marker,
      stopSignal: plan.stopSignal,
      owner: this.owner,
      startedAt,
      how: `${path.basename(plan.command)} ${plan.args.join(' ')}`,
    };
  }

  private async stopStarted(
    st: StackState,
    which: (name: ComponentName, entry: StartedComponent) => boolean,
  ): Promise<ComponentName[]> {
    const stopped: ComponentName[] = [];
    await Promise.all(
      COMPONENT_NAMES.map(async (name) => {
        // whatever Eventscope started (of either RabbitMQ kind): stopping it by its checked PID is always safe
        if (name === 'kafka') {
          // every node of the cluster at once (each a controlled shutdown while the others still form a quorum)
          const nodes = [...kafkaEntries(st)].filter(([, e]) => which(name, e));
          if (nodes.length === 0) return;
          const pids = nodes.map(([, e]) => e.pid).join(', ');
          this.board.update(name, { state: 'starting', detail: `stopping pid ${pids}` });
          await Promise.all(
            nodes.map(async ([node, e]) => {
              if (ownsPid(e)) await stopPid(e.pid, { signal: e.stopSignal, graceMs: 30_000 });
              setKafkaEntry(st, node, undefined);
            }),
          );
          if (kafkaEntries(st).size === 0) delete st.kafkaSize;
          stopped.push(name);
          this.board.set({
            name,
            state: 'stopped',
            endpoint: publicEndpoint(name, this.endpoints()),
            detail: `stopped by Eventscope (pid ${pids})`,
          });
          return;
        }
        const entry = st.components[name];
        if (entry === undefined || !which(name, entry)) return;
        this.board.update(name, { state: 'starting', detail: `stopping pid ${entry.pid}` });
        if (ownsPid(entry)) await stopPid(entry.pid, { signal: entry.stopSignal, graceMs: 30_000 });
        delete st.components[name];
        stopped.push(name);
        this.board.update(name, { state: 'stopped', detail: `stopped by Eventscope (pid ${entry.pid})` });
      }),
    );
    return stopped;
  }
}

/** The machine-wide state folder for the stack whose Kafka listens on `kafkaPort`. */
export function machineStateDir(kafkaPort: number): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(tmpdir(), `eventscope-stack-${uid}-${kafkaPort}`);
}

function rabbitmqNodeFromEnv(env: NodeJS.ProcessEnv): 'own' | 'shared' {
  const asked = env.EVENTSCOPE_LOCAL_RABBITMQ?.trim();
  if (asked === 'own' || asked === 'shared') return asked;
  if (asked !== undefined && asked !== '')
    throw new AppError('CONFIG_ERROR', `EVENTSCOPE_LOCAL_RABBITMQ must be own or shared (got "${asked}")`, {
      field: 'EVENTSCOPE_LOCAL_RABBITMQ',
      value: asked,
    });
  return LocalRabbitmq.installed(env) ? 'own' : 'shared';
}

/** The Kafka nodes Eventscope started, by name: node 1 is `components.kafka`, the others `kafkaNodes`. */
function kafkaEntries(st: StackState): Map<string, StartedComponent> {
  const out = new Map<string, StartedComponent>();
  if (st.components.kafka !== undefined) out.set(kafkaNodeName(1), st.components.kafka);
  for (const [node, entry] of Object.entries(st.kafkaNodes ?? {})) out.set(node, entry);
  return out;
}

function setKafkaEntry(st: StackState, node: string, entry: StartedComponent | undefined): void {
  if (node === kafkaNodeName(1)) {
    if (entry === undefined) delete st.components.kafka;
    else st.components.kafka = entry;
    return;
  }
  const nodes = { ...st.kafkaNodes };
  if (entry === undefined) delete nodes[node];
  else nodes[node] = entry;
  if (Object.keys(nodes).length === 0) delete st.kafkaNodes;
  else st.kafkaNodes = nodes;
}

/** The size of the Kafka cluster Eventscope runs per the state file (undefined: it runs none). */
function runningKafkaSize(st: StackState): number | undefined {
  return kafkaEntries(st).size === 0 ? undefined : (st.kafkaSize ?? 1);
}

function ownsPid(entry: StartedComponent): boolean {
  return isAlive(entry.pid) && (commandLineOf(entry.pid) ?? '').includes(entry.marker);
}

function newestFile(dir: string, suffix: string): string | undefined {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => path.join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  } catch {
    return undefined;
  }
}
