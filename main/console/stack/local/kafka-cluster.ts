// A KRaft cluster of 1, 2 or 3 nodes from the same jars, each a combined controller + broker (kafka.ts) with its own
// ports, data folder and -Xmx. One node is the local stack as it always was (node 1 on 9092/9093, folder `kafka`); a
// cluster of 2 or 3 has node 1 on the same ports and the others below the kernel's ephemeral range (9094/9095,
// 9096/9097 by default), in a folder of its own per size (a quorum's voters are fixed when its storage is formatted).
//
// The lesson it is for: 2 voters tolerate no failure (stop one and no controller is elected: topics can not be
// created, leaders not moved, ISRs not shrunk), 3 voters tolerate one (leaders move and the ISR shrinks within
// seconds; `acks=all` writes go on with min.insync.replicas 1).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../services/shared/app-error.js';
import { describeCluster, LocalKafka, newClusterId, type KafkaVoter } from './kafka.js';

export const MAX_KAFKA_NODES = 3;

/** One node of the cluster: its name (`kafka-1` …), KRaft id, ports and folder. */
export interface KafkaNodeSpec {
  name: string;
  id: number;
  port: number;
  controllerPort: number;
  dataDir: string;
}

export interface KafkaClusterOptions {
  /** 1, 2 or 3 nodes */
  size: number;
  /** node 1's client and controller ports (the stack's Kafka ports, 9092/9093 by default) */
  port: number;
  controllerPort: number;
  /** the client and controller ports of nodes 2 and 3 (default: node 1's ports + 2 and + 4) */
  extraPorts?: readonly { port: number; controllerPort: number }[];
  /** the stack's folder: node 1 of a one-node cluster is `<dir>/kafka`, node i of a cluster of n `<dir>/kafka-n<n>/kafka-<i>` */
  dir: string;
  /** -Xmx of each node in MB (default: 512 alone, 256 in a cluster) */
  heapMb?: number;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/** The name of node `id` (1-based): what faults and health say (`stop kafka-2`). */
export function kafkaNodeName(id: number): string {
  return `kafka-${id}`;
}

/** Checks a cluster size: an integer from 1 to 3. */
export function checkClusterSize(size: number, field = 'kafka nodes'): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_KAFKA_NODES)
    throw new AppError('CONFIG_ERROR', `${field} must be 1, 2 or 3 (got ${size})`, { field, value: size });
  return size;
}

/** The nodes of a cluster of `size`: names, ids, ports and folders. Pure. */
export function kafkaClusterSpec(
  opts: Omit<KafkaClusterOptions, 'env' | 'startTimeoutMs' | 'heapMb'>,
): KafkaNodeSpec[] {
  const size = checkClusterSize(opts.size);
  const nodes: KafkaNodeSpec[] = [];
  for (let id = 1; id <= size; id++) {
    const extra = opts.extraPorts?.[id - 2];
    const port = id === 1 ? opts.port : (extra?.port ?? opts.port + 2 * (id - 1));
    const controllerPort =
      id === 1 ? opts.controllerPort : (extra?.controllerPort ?? opts.controllerPort + 2 * (id - 1));
    const dataDir =
      size === 1 ? path.join(opts.dir, 'kafka') : path.join(opts.dir, `kafka-n${size}`, kafkaNodeName(id));
    nodes.push({ name: kafkaNodeName(id), id, port, controllerPort, dataDir });
  }
  const ports = nodes.flatMap((n) => [n.port, n.controllerPort]);
  const twice = ports.find((p, i) => ports.indexOf(p) !== i);
  if (twice !== undefined)
    throw new AppError('CONFIG_ERROR', `the Kafka nodes' ports must differ (port ${twice} is given twice)`, {
      field: 'ports',
      value: twice,
    });
  return nodes;
}

export class LocalKafkaCluster {
  readonly size: number;
  readonly specs: readonly KafkaNodeSpec[];
  readonly nodes: readonly LocalKafka[];
  private readonly startTimeoutMs: number;

  constructor(opts: KafkaClusterOptions) {
    this.specs = kafkaClusterSpec(opts);
    this.size = this.specs.length;
    this.startTimeoutMs = opts.startTimeoutMs ?? 120_000;
    const voters: KafkaVoter[] = this.specs.map((s) => ({ id: s.id, controllerPort: s.controllerPort }));
    const clusterDir = path.dirname(this.specs[0]!.dataDir);
    const clusterId = () => sharedClusterId(clusterDir);
    this.nodes = this.specs.map(
      (s) =>
        new LocalKafka({
          port: s.port,
          controllerPort: s.controllerPort,
          dataDir: s.dataDir,
          heapMb: opts.heapMb ?? (this.size === 1 ? 512 : 256),
          startTimeoutMs: this.startTimeoutMs,
          ...(opts.env === undefined ? {} : { env: opts.env }),
          ...(this.size === 1 ? {} : { nodeId: s.id, voters, clusterId }),
        }),
    );
  }

  /** Every node's client address (the bootstrap list). */
  get brokers(): string[] {
    return this.specs.map((s) => `127.0.0.1:${s.port}`);
  }

  get heapMb(): number {
    return this.nodes[0]!.heapMb;
  }

  node(name: string): LocalKafka {
    const i = this.specs.findIndex((s) => s.name === name);
    const node = this.nodes[i];
    if (node === undefined)
      throw new AppError(
        'INVALID_INPUT',
        `the Kafka cluster has no node ${name} (it has ${this.specs.map((s) => s.name).join(', ')})`,
        { field: 'node', known: this.specs.map((s) => s.name) },
      );
    return node;
  }

  /**
   * Starts the nodes that do not run, all at once (a node of a quorum answers only once a majority of voters runs),
   * and resolves when every node answers and the cluster reports all of them. `only`: the names to start.
   */
  async start(only?: readonly string[]): Promise<void> {
    const which = this.specs.filter((s) => only === undefined || only.includes(s.name)).map((s) => this.node(s.name));
    const results = await Promise.allSettled(which.map((n) => n.start()));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ node: which[i]!, err: r.reason as unknown }] : [],
    );
    if (failed.length > 0) {
      const first = failed[0]!;
      throw first.err instanceof AppError
        ? first.err
        : new AppError(
            'KAFKA_UNAVAILABLE',
            `the Kafka node on ${first.node.port} did not start`,
            {},
            { cause: first.err },
          );
    }
    await this.waitForBrokers(this.size);
  }

  /** Resolves when the cluster reports `count` registered brokers. */
  async waitForBrokers(count: number, timeoutMs = this.startTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const info = await describeCluster(this.brokers, 2_000);
        if (info.brokers >= count) return;
        last = `${info.brokers} of ${count} brokers registered`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline)
        throw new AppError(
          'TIMEOUT',
          `the Kafka cluster did not report ${count} brokers within ${timeoutMs} ms (${last})`,
          {
            brokers: this.brokers,
          },
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGTERM every node at once (each a controlled shutdown while the others still form a quorum). */
  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()));
  }

  /** The PIDs of the nodes that run, by name. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    this.specs.forEach((s, i) => {
      const pid = this.nodes[i]!.pid;
      if (pid !== undefined) out[s.name] = pid;
    });
    return out;
  }
}

/** The cluster id of the nodes under `dir`, made once and kept in `<dir>/cluster.id`. */
function sharedClusterId(dir: string): string {
  const file = path.join(dir, 'cluster.id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id !== '') return id;
  }
  mkdirSync(dir, { recursive: true });
  const id = newClusterId();
  writeFileSync(file, `${id}\n`);
  return id;
}
