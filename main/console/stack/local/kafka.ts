// One Apache Kafka node in KRaft mode (broker + controller in one JVM), run from the official jars with Java.
// Several instances can run at once on different ports and data folders (the tests start their own on 2xxxx); alone it
// is a one-node cluster, or it is one voter of a cluster of several (kafka-cluster.ts: `voters` and one `clusterId`).
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { AppError } from '../../../../services/shared/app-error.js';
import { TOOLS_DIR } from '../paths.js';
import { classpathOf, ensureJars, kafkaJarsDir } from './jars.js';
import {
  assertPortFree,
  commandLineOf,
  findListenerPid,
  isAlive,
  requireTool,
  signalAndWait,
  spawnServer,
  stopPid,
  tailFile,
} from './process.js';

const run = promisify(execFile);

export interface LocalKafkaOptions {
  /** The PLAINTEXT (client) port on 127.0.0.1. */
  port: number;
  /** The CONTROLLER port on 127.0.0.1. */
  controllerPort: number;
  /** The broker's folder: server.properties, the log dirs (data) and the log files. Kept between starts. */
  dataDir: string;
  /** -Xmx in MB (default 512). */
  heapMb?: number;
  /** Where the jars are (default .cache/jars/kafka-<version>); fetched with Maven when missing. */
  jarsDir?: string;
  /** The environment for finding java/mvn (PATH) and for the JVM; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long start() waits for the broker to answer (default 90 s). */
  startTimeoutMs?: number;
  /** Adopt an already running broker of this data folder (its PID); default: the PID in <dataDir>/broker.pid. */
  adoptPid?: number;
  /** The KRaft node id (default 1). */
  nodeId?: number;
  /** Every voter of the controller quorum, this node included (default: this node alone, a one-node cluster). */
  voters?: readonly KafkaVoter[];
  /** The cluster id every node of a cluster is formatted with, asked for at the first format (default: the one kept
   * in <dataDir>/cluster.id). */
  clusterId?: () => string;
}

/** One voter of a KRaft controller quorum: its node id and its CONTROLLER port on 127.0.0.1. */
export interface KafkaVoter {
  id: number;
  controllerPort: number;
}

export class LocalKafka {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly heapMb: number;
  readonly nodeId: number;
  readonly voters: readonly KafkaVoter[];
  private readonly sharedClusterId: (() => string) | undefined;
  private readonly jarsDir: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly startTimeoutMs: number;
  private child: ChildProcess | undefined;
  private currentPid: number | undefined;

  constructor(opts: LocalKafkaOptions) {
    this.port = opts.port;
    this.controllerPort = opts.controllerPort;
    this.dataDir = path.resolve(opts.dataDir);
    this.heapMb = opts.heapMb ?? 512;
    this.nodeId = opts.nodeId ?? 1;
    this.voters = opts.voters ?? [{ id: this.nodeId, controllerPort: this.controllerPort }];
    this.sharedClusterId = opts.clusterId;
    this.jarsDir = opts.jarsDir;
    this.env = opts.env ?? process.env;
    this.startTimeoutMs = opts.startTimeoutMs ?? 90_000;
    // A broker of this data folder that still runs (started by an earlier process that is gone) is adopted: start()
    // reuses it and stop()/kill() end it. Its PID is checked against the command line first.
    const candidate = opts.adoptPid ?? readPidFile(path.join(this.dataDir, 'broker.pid'));
    if (candidate !== undefined && isAlive(candidate) && this.ownsPid(candidate)) this.currentPid = candidate;
  }

  get pid(): number | undefined {
    return this.currentPid !== undefined && isAlive(this.currentPid) ? this.currentPid : undefined;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  get serverLogFile(): string {
    return path.join(this.dataDir, 'server.log');
  }

  get stdoutFile(): string {
    return path.join(this.dataDir, 'stdout.log');
  }

  /** The last lines of the broker's log (server.log, else the JVM's stdout). */
  logs(lines = 100): string[] {
    const server = tailFile(this.serverLogFile, lines);
    return server.length > 0 ? server : tailFile(this.stdoutFile, lines);
  }

  /** Formats the storage on first start, starts the JVM, resolves when the broker answers a metadata request. Idempotent. */
  async start(): Promise<void> {
    if (this.pid !== undefined) {
      await this.waitUntilReady();
      return;
    }
    const jars = this.jarsDir ?? kafkaJarsDir(this.env);
    const java = requireTool(
      'java',
      'the local stack runs Kafka with Java (install a JRE 17+, e.g. `apt-get install default-jre-headless`)',
      this.env,
    );
    await ensureJars(jars, this.env);
    await assertPortFree(this.port, `the Kafka broker (${this.dataDir})`);
    await assertPortFree(this.controllerPort, `the Kafka controller (${this.dataDir})`);

    mkdirSync(this.dataDir, { recursive: true });
    const props = this.writeServerProperties();
    await this.formatStorage(java, jars, props);

    const args = [
      `-Xmx${this.heapMb}m`,
      `-Xms${Math.min(this.heapMb, 256)}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${this.dataDir}`,
      `-Dlog4j.configuration=file:${path.join(TOOLS_DIR, 'kafka', 'log4j.properties')}`,
      // Marks the command line so that stop() can check the PID still belongs to this broker.
      `-Deventscope.kafka.dir=${this.dataDir}`,
      '-cp',
      classpathOf(jars),
      'kafka.Kafka',
      props,
    ];
    // Ports in the ephemeral range (32768-60999 on Linux, e.g. the tests' 39xxx) can be taken for a moment by the local
    // end of some outgoing connection between our check and the JVM's bind: the broker then exits with "Address
    // already in use". That is retried; a port that some server really listens on is PORT_IN_USE.
    for (let attempt = 1; ; attempt++) {
      const logOffset = fileSize(this.serverLogFile);
      const { child, pid } = spawnServer(java, args, { logFile: this.stdoutFile, cwd: this.dataDir, env: this.env });
      this.child = child;
      this.currentPid = pid;
      writeFileSync(path.join(this.dataDir, 'broker.pid'), `${pid}\n`);
      try {
        await this.waitUntilReady();
        const listener = findListenerPid(this.port);
        if (listener !== undefined && listener !== pid) {
          // Another broker answered: it took the port between our check and our bind (a concurrent start elsewhere).
          await this.kill();
          throw new AppError(
            'PORT_IN_USE',
            `port ${this.port} on 127.0.0.1 is already in use (pid ${listener}); the Kafka broker (${this.dataDir}) needs it`,
            {
              port: this.port,
              host: '127.0.0.1',
              component: 'kafka',
            },
          );
        }
        return;
      } catch (err) {
        if (err instanceof AppError && err.code === 'PORT_IN_USE') throw err;
        await this.kill();
        const bindFailed = /Address already in use/.test(readFrom(this.serverLogFile, logOffset));
        if (!bindFailed) throw err;
        for (const port of [this.port, this.controllerPort]) {
          if (findListenerPid(port) !== undefined) {
            throw new AppError(
              'PORT_IN_USE',
              `port ${port} on 127.0.0.1 is already in use; the Kafka broker (${this.dataDir}) needs it`,
              {
                port,
                host: '127.0.0.1',
                component: 'kafka',
              },
              { cause: err },
            );
          }
        }
        if (attempt >= 3) throw err;
      }
    }
  }

  /** SIGTERM (a controlled shutdown), wait for exit; SIGKILL if it takes longer than 30 s. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || !this.ownsPid(pid)) {
      this.forget();
      return;
    }
    await stopPid(pid, { signal: 'SIGTERM', graceMs: 30_000, child: this.child });
    this.forget();
  }

  /** SIGKILL: the broker dies without a controlled shutdown (a lab fault). Resolves when the process is gone. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || !this.ownsPid(pid)) {
      this.forget();
      return;
    }
    await signalAndWait(pid, 'SIGKILL', 10_000, this.child);
    this.forget();
  }

  /** Resolves when the broker answers a metadata request (kafkajs admin describeCluster). */
  async waitUntilReady(timeoutMs = this.startTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.currentPid === undefined || !isAlive(this.currentPid)) {
        throw new AppError(
          'KAFKA_UNAVAILABLE',
          `the Kafka broker on 127.0.0.1:${this.port} exited during start-up: ${this.logs(15).join(' | ')}`,
          {
            port: this.port,
            dataDir: this.dataDir,
          },
        );
      }
      try {
        await describeCluster(this.brokers, 2_000);
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new AppError(
      'TIMEOUT',
      `the Kafka broker on 127.0.0.1:${this.port} did not answer within ${timeoutMs} ms (${lastError})`,
      {
        port: this.port,
        dataDir: this.dataDir,
      },
    );
  }

  private forget(): void {
    this.child = undefined;
    this.currentPid = undefined;
  }

  /** Is `pid` a JVM running this broker (same data folder)? Guards against signalling a reused PID. */
  private ownsPid(pid: number): boolean {
    const cmd = commandLineOf(pid);
    return cmd !== undefined && cmd.includes(`-Deventscope.kafka.dir=${this.dataDir}`) && cmd.includes('kafka.Kafka');
  }

  private writeServerProperties(): string {
    const file = path.join(this.dataDir, 'server.properties');
    writeFileSync(file, `${serverProperties(this).join('\n')}\n`);
    return file;
  }

  private clusterId(): string {
    if (this.sharedClusterId !== undefined) return this.sharedClusterId();
    const file = path.join(this.dataDir, 'cluster.id');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const id = newClusterId();
    writeFileSync(file, `${id}\n`);
    return id;
  }

  private async formatStorage(java: string, jars: string, props: string): Promise<void> {
    if (existsSync(path.join(this.dataDir, 'data', 'meta.properties'))) return;
    try {
      await run(
        java,
        [
          '-Xmx256m',
          `-Dkafka.logs.dir=${this.dataDir}`,
          `-Dlog4j.configuration=file:${path.join(TOOLS_DIR, 'kafka', 'log4j.properties')}`,
          '-cp',
          classpathOf(jars),
          'kafka.tools.StorageTool',
          'format',
          '--ignore-formatted',
          '-t',
          this.clusterId(),
          '-c',
          props,
        ],
        { env: this.env, timeout: 60_000 },
      );
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `formatting the Kafka storage in ${this.dataDir} failed: ${(e.stderr ?? e.stdout ?? '').trim()}`,
        {
          dataDir: this.dataDir,
        },
        { cause: err },
      );
    }
  }
}

/**
 * A node's server.properties. One node alone: what the local stack always ran (node 1, every replication factor 1). A
 * node of a cluster: its id and every voter; the internal topics replicated on up to 3 nodes and new topics on 2, with
 * min.insync.replicas 1, so that `acks=all` writes go on while one node is down (the ISR shrinks instead).
 */
export function serverProperties(node: {
  nodeId: number;
  port: number;
  controllerPort: number;
  dataDir: string;
  voters: readonly KafkaVoter[];
}): string[] {
  const size = node.voters.length;
  const internal = Math.min(size, 3);
  return [
    '# Written by Eventscope (main/console/stack/local/kafka.ts) on every start.',
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${node.voters.map((v) => `${v.id}@127.0.0.1:${v.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(node.dataDir, 'data')}`,
    'num.partitions=1',
    `default.replication.factor=${Math.min(size, 2)}`,
    'min.insync.replicas=1',
    `offsets.topic.replication.factor=${internal}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${internal}`,
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // After a SIGKILL the old registration blocks the restarted broker until its session expires: keep that short.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=4000',
    // a follower that stopped fetching leaves the ISR after this long (the default is 30 s)
    ...(size > 1 ? ['replica.lag.time.max.ms=5000'] : []),
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    'log.retention.hours=168',
    'log.segment.bytes=67108864',
    'num.network.threads=2',
    'num.io.threads=4',
    // the log cleaner's dedupe buffer is 128 MB by default, half a 256 MB cluster node's heap: a test broker of that
    // size died of OutOfMemoryError at start in CI; 16 MB holds the offsets of a lab's compacted topics
    'log.cleaner.dedupe.buffer.size=16777216',
  ];
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The text of a file from a byte offset (at most 1 MB). */
function readFrom(file: string, offset: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const length = Math.max(0, Math.min(fileSize(file) - offset, 1024 * 1024));
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** One metadata round trip with kafkajs; throws when the broker does not answer. */
/**
 * A Kafka cluster id: a base64url-encoded 16-byte UUID (22 characters). Like Kafka's own Uuid.randomUuid(), never one that
 * starts with '-': `kafka-storage format -t -abc…` would read it as an option and fail.
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function describeCluster(
  brokers: string[],
  timeoutMs = 5_000,
  /** SASL and TLS (a connection profile's; see stack/kafka-security.ts) */
  security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
): Promise<{ clusterId: string; brokers: number }> {
  const kafka = new Kafka({
    clientId: 'eventscope-probe',
    brokers,
    ...security,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
