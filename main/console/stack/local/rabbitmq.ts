// Eventscope's own RabbitMQ node for the local provider: the machine's RabbitMQ is shared (other users, other tools) and
// may lack the management plugin, and Lab B restarts its broker. So the local stack runs a second node of the installed
// rabbitmq-server with its own node name, Erlang distribution port, mnesia and log folders, a config file that binds
// AMQP and the management API to 127.0.0.1 on its own ports, and an enabled-plugins file with rabbitmq_management. The
// machine's node (and its config in /etc/rabbitmq) is never read, stopped or changed.
//
// Debian's /usr/sbin/rabbitmq-server run as root drops to the `rabbitmq` user, so the node's folders are given to that
// user; as another user the server runs as that user with HOME in the node's folder (its own Erlang cookie).
import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../services/shared/app-error.js';
import { pingRabbitmq } from '../probes.js';
import { createManagementClient, type ManagementOverview } from '../rabbitmq-management.js';
import {
  assertPortFree,
  commandLineOf,
  findListenerPid,
  findTool,
  isAlive,
  spawnServer,
  stopPid,
  tailFile,
} from './process.js';

export interface LocalRabbitmqOptions {
  amqpPort: number;
  managementPort: number;
  /** the Erlang distribution port (RABBITMQ_DIST_PORT; rabbitmqctl reaches the node through it) */
  distPort: number;
  /** the folder under which the node keeps its folder `rabbitmq-<amqpPort>` (a temporary one when the `rabbitmq` user
   * cannot reach it) */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/** How the server is launched on this machine. */
interface Launch {
  command: string;
  /** the uid/gid the node runs as when it is not us (Debian's wrapper drops root to `rabbitmq`) */
  runsAs: { uid: number; gid: number } | undefined;
}

export class LocalRabbitmq {
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
  readonly nodeName: string;
  private readonly baseDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly startTimeoutMs: number;
  private child: ChildProcess | undefined;
  private currentPid: number | undefined;
  private folder: string | undefined;

  constructor(opts: LocalRabbitmqOptions) {
    this.amqpPort = opts.amqpPort;
    this.managementPort = opts.managementPort;
    this.distPort = opts.distPort;
    this.nodeName = `eventscope-${opts.amqpPort}@localhost`;
    this.baseDir = path.resolve(opts.baseDir);
    this.env = opts.env ?? process.env;
    this.startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  }

  /** True when a rabbitmq-server is installed (the local provider then runs this node rather than the machine's). */
  static installed(env: NodeJS.ProcessEnv = process.env): boolean {
    return findTool('rabbitmq-server', env) !== undefined;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.amqpPort}`;
  }

  get managementUrl(): string {
    return `http://guest:guest@127.0.0.1:${this.managementPort}`;
  }

  /** Text in the node's command line (its Erlang VM's) that tells it from any other node. */
  get marker(): string {
    return `-eventscope_rabbitmq ${this.nodeName}`;
  }

  /** The node's folder: config, enabled plugins, mnesia, log. */
  get dir(): string {
    this.folder ??= pickFolder(this.baseDir, `rabbitmq-${this.amqpPort}`);
    return this.folder;
  }

  get logFile(): string {
    return path.join(this.dir, 'log', `${this.nodeName}.log`);
  }

  /** The PID of the node's Erlang VM while it runs (the process that listens on its AMQP port). */
  get pid(): number | undefined {
    if (this.currentPid !== undefined && isAlive(this.currentPid)) return this.currentPid;
    const listener = findListenerPid(this.amqpPort);
    if (listener !== undefined && (commandLineOf(listener) ?? '').includes(this.marker)) return listener;
    return undefined;
  }

  logs(lines = 100): string[] {
    const own = tailFile(this.logFile, lines);
    return own.length > 0 ? own : tailFile(path.join(this.dir, 'server.log'), lines);
  }

  /** Starts the node; resolves when it answers AMQP and its management API. Throws PORT_IN_USE when a port is taken. */
  async start(): Promise<void> {
    if (this.pid !== undefined) return;
    const launch = launcherOf(this.env);
    for (const [port, what] of [
      [this.amqpPort, 'AMQP'],
      [this.managementPort, 'management API'],
      [this.distPort, 'Erlang distribution'],
    ] as const)
      await assertPortFree(port, `Eventscope's RabbitMQ node (${what})`);
    const env = this.prepare(launch);
    const { child, pid: wrapper } = spawnServer(launch.command, [], {
      logFile: path.join(this.dir, 'server.log'),
      cwd: this.dir,
      env,
    });
    this.child = child;
    const deadline = Date.now() + this.startTimeoutMs;
    const management = createManagementClient(this.managementUrl);
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!isAlive(wrapper)) {
        const beam = this.pid;
        if (beam === undefined)
          throw new AppError(
            'BROKER_UNAVAILABLE',
            `Eventscope's RabbitMQ node ${this.nodeName} exited during start-up: ${this.logs(8).join(' | ')}`,
            { component: 'rabbitmq', node: this.nodeName },
          );
      }
      try {
        await pingRabbitmq(this.url, 2_000);
        const overview = await management.get<ManagementOverview>('/api/overview', 2_000);
        if (overview.node !== this.nodeName) {
          throw new AppError(
            'PORT_IN_USE',
            `port ${this.managementPort} answers as RabbitMQ node ${overview.node}, not ${this.nodeName}`,
            { port: this.managementPort, component: 'rabbitmq' },
          );
        }
        const beam = findListenerPid(this.amqpPort);
        if (beam !== undefined && (commandLineOf(beam) ?? '').includes(this.marker)) {
          this.currentPid = beam;
          return;
        }
        last = `the listener on ${this.amqpPort} is not ${this.nodeName}`;
      } catch (err) {
        if (err instanceof AppError && err.code === 'PORT_IN_USE') throw err;
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.stop();
    throw new AppError(
      'TIMEOUT',
      `Eventscope's RabbitMQ node ${this.nodeName} did not answer on 127.0.0.1:${this.amqpPort} and its management API ` +
        `on ${this.managementPort} within ${this.startTimeoutMs} ms (${last})`,
      { component: 'rabbitmq', node: this.nodeName },
    );
  }

  /** Stops the node by its PID (SIGTERM: the VM halts RabbitMQ gracefully), SIGKILL after the grace time. */
  async stop(graceMs = 30_000): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined && (commandLineOf(pid) ?? '').includes(this.marker)) {
      await stopPid(pid, { signal: 'SIGTERM', graceMs });
    }
    this.child = undefined;
    this.currentPid = undefined;
  }

  /** Writes the config, the enabled-plugins file and the folders; returns the server's environment. */
  private prepare(launch: Launch): NodeJS.ProcessEnv {
    const dir = this.dir;
    for (const sub of ['', 'mnesia', 'log']) mkdirSync(path.join(dir, sub), { recursive: true });
    const config = path.join(dir, 'rabbitmq.conf');
    writeFileSync(
      config,
      [
        `listeners.tcp.1 = 127.0.0.1:${this.amqpPort}`,
        `management.tcp.ip = 127.0.0.1`,
        `management.tcp.port = ${this.managementPort}`,
        // the observer polls each second: queue depths and rates as fresh as that (the default is 5 s)
        'collect_statistics_interval = 1000',
        // and samples kept per second (not per 5 s), so that a depth shows within about a second
        'management.sample_retention_policies.global.minute = 1',
        'management.sample_retention_policies.basic.minute = 1',
        'management.sample_retention_policies.detailed.10 = 1',
        'log.file.level = info',
        '',
      ].join('\n'),
    );
    const plugins = path.join(dir, 'enabled_plugins');
    writeFileSync(plugins, '[rabbitmq_management].\n');
    // An empty env file of its own: the machine's /etc/rabbitmq/rabbitmq-env.conf names the machine's node.
    const envFile = path.join(dir, 'rabbitmq-env.conf');
    writeFileSync(envFile, '# Eventscope: this node is configured by environment variables\n');
    if (launch.runsAs !== undefined) chownTree(dir, launch.runsAs.uid, launch.runsAs.gid);
    return {
      ...this.env,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_CONFIG_FILE: config,
      RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_CONF_ENV_FILE: envFile,
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `${this.marker} -kernel inet_dist_use_interface {127,0,0,1}`,
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ...(launch.runsAs === undefined ? { HOME: dir } : {}),
    };
  }
}

/** Debian's wrapper as root (it drops to `rabbitmq`), else the server itself as the current user. */
function launcherOf(env: NodeJS.ProcessEnv): Launch {
  const server = findTool('rabbitmq-server', env);
  if (server === undefined) {
    throw new AppError(
      'MISSING_TOOL',
      "rabbitmq-server is not installed: the local stack runs Eventscope's own RabbitMQ node with it (install " +
        'rabbitmq-server, or set EVENTSCOPE_STACK=external with EVENTSCOPE_RABBITMQ_URL)',
      { tool: 'rabbitmq-server', component: 'rabbitmq' },
    );
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const rabbitmq = systemUser('rabbitmq');
  if (uid === 0 && rabbitmq !== undefined && isDropWrapper(server)) return { command: server, runsAs: rabbitmq };
  const direct = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  if (isDropWrapper(server) && findTool('rabbitmq-server', { PATH: path.dirname(direct) }) !== undefined)
    return { command: direct, runsAs: undefined };
  return { command: server, runsAs: undefined };
}

/** Debian's /usr/sbin/rabbitmq-server: a shell script that re-runs the real one as the `rabbitmq` user. */
function isDropWrapper(file: string): boolean {
  try {
    return statSync(file).size < 16_384 && readFileSync(file, 'utf8').includes('su rabbitmq');
  } catch {
    return false;
  }
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** `<base>/<name>` when every folder above it may be entered by other users (the node may run as `rabbitmq`), else a
 * folder of its own in the system's temporary folder. */
function pickFolder(base: string, name: string): string {
  let dir = base;
  for (;;) {
    try {
      const st = statSync(dir);
      if ((st.mode & 0o001) === 0) return path.join(tmpdir(), `eventscope-${name}`);
    } catch {
      // not made yet: its parent decides
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(base, name);
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else chownSync(full, uid, gid);
  }
}
