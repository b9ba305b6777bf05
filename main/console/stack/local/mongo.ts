// The MongoDB-wire server of the local provider: mongo-java-server (in-memory backend) run with Java through the
// tiny launcher tools/mongo/MongoWireServer.java (single-file source launch), bound to 127.0.0.1.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../services/shared/app-error.js';
import { TOOLS_DIR } from '../paths.js';
import { pingMongodb } from '../probes.js';
import { classpathOf, ensureJars, mongoJarsDir } from './jars.js';
import {
  assertPortFree,
  commandLineOf,
  findListenerPid,
  isAlive,
  requireTool,
  spawnServer,
  stopPid,
  tailFile,
} from './process.js';

export interface LocalMongoOptions {
  port: number;
  /** Where its log file goes. */
  dataDir: string;
  heapMb?: number;
  jarsDir?: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

export class LocalMongo {
  readonly port: number;
  readonly dataDir: string;
  private readonly heapMb: number;
  private readonly jarsDir: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly startTimeoutMs: number;
  private child: ChildProcess | undefined;
  private currentPid: number | undefined;

  constructor(opts: LocalMongoOptions) {
    this.port = opts.port;
    this.dataDir = path.resolve(opts.dataDir);
    this.heapMb = opts.heapMb ?? 256;
    this.jarsDir = opts.jarsDir;
    this.env = opts.env ?? process.env;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}/?directConnection=true`;
  }

  get pid(): number | undefined {
    return this.currentPid !== undefined && isAlive(this.currentPid) ? this.currentPid : undefined;
  }

  /** The marker in the command line that identifies this server's PID. */
  get marker(): string {
    return `-Deventscope.mongo.port=${this.port}`;
  }

  get logFile(): string {
    return path.join(this.dataDir, 'mongo.log');
  }

  logs(lines = 100): string[] {
    return tailFile(this.logFile, lines);
  }

  async start(): Promise<void> {
    if (this.pid !== undefined) return;
    const jars = this.jarsDir ?? mongoJarsDir(this.env);
    const java = requireTool(
      'java',
      'the local stack runs the MongoDB-wire server with Java (install a JRE 17+)',
      this.env,
    );
    await ensureJars(jars, this.env);
    await assertPortFree(this.port, 'the MongoDB-wire server');
    mkdirSync(this.dataDir, { recursive: true });
    const args = [
      `-Xmx${this.heapMb}m`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      this.marker,
      '-cp',
      classpathOf(jars),
      path.join(TOOLS_DIR, 'mongo', 'MongoWireServer.java'),
      String(this.port),
      '127.0.0.1',
    ];
    // As for Kafka: a port in the ephemeral range can be taken for a moment by an outgoing connection; retried.
    for (let attempt = 1; ; attempt++) {
      const logOffset = fileSize(this.logFile);
      try {
        await this.launch(java, args);
        return;
      } catch (err) {
        if (err instanceof AppError && err.code === 'PORT_IN_USE') throw err;
        const bindFailed = /Address already in use|BindException/.test(
          readFileSync(this.logFile, 'utf8').slice(logOffset),
        );
        if (!bindFailed) throw err;
        if (findListenerPid(this.port) !== undefined) {
          throw new AppError(
            'PORT_IN_USE',
            `port ${this.port} on 127.0.0.1 is already in use; the MongoDB-wire server needs it`,
            {
              port: this.port,
              host: '127.0.0.1',
              component: 'mongodb',
            },
            { cause: err },
          );
        }
        if (attempt >= 3) throw err;
      }
    }
  }

  private async launch(java: string, args: string[]): Promise<void> {
    const { child, pid } = spawnServer(java, args, { logFile: this.logFile, cwd: this.dataDir, env: this.env });
    this.child = child;
    this.currentPid = pid;
    const deadline = Date.now() + this.startTimeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        this.currentPid = undefined;
        throw new AppError(
          'BROKER_UNAVAILABLE',
          `the MongoDB-wire server exited during start-up: ${this.logs(10).join(' | ')}`,
          { port: this.port },
        );
      }
      let answered = false;
      try {
        await pingMongodb(this.url, 2_000);
        answered = true;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (answered) {
        const listener = findListenerPid(this.port);
        if (listener === undefined || listener === pid) return;
        // Another server answered: it took the port between our check and our bind (a concurrent start elsewhere).
        await this.stop();
        throw new AppError(
          'PORT_IN_USE',
          `port ${this.port} on 127.0.0.1 is already in use (pid ${listener}); the MongoDB-wire server needs it`,
          {
            port: this.port,
            host: '127.0.0.1',
            component: 'mongodb',
          },
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    throw new AppError(
      'TIMEOUT',
      `the MongoDB-wire server on 127.0.0.1:${this.port} did not answer within ${this.startTimeoutMs} ms (${last})`,
      { port: this.port },
    );
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined && (commandLineOf(pid) ?? '').includes(this.marker)) {
      await stopPid(pid, { signal: 'SIGTERM', graceMs: 10_000, child: this.child });
    }
    this.child = undefined;
    this.currentPid = undefined;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
