// Lab B test harness: a per-test world (a name prefix for every exchange and queue, a throwaway database), Lab B
// services run in this process (their event lines captured) or as child processes (as the console runs them), and a
// raw AMQP client to publish, read `lab-b.dead` and delete what the test declared.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import pg from 'pg';
import { labBConfigFromEnv } from '../../../services/lab-b/config.js';
import { LAB_B_FACTORIES } from '../../../services/lab-b/index.js';
import type { LabBHandle } from '../../../services/lab-b/runtime.js';
import { EXCHANGES, parseLabBLine, QUEUES, type LabBLine, type LabBService } from '../../../services/lab-b/schema.js';
import { createLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import { createTestDatabase, endpoints, uniqueName, type TestDatabase } from '../support/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

type Lines = { lines: LabBLine[]; bad: string[] };

function collect(into: Lines, raw: string): void {
  if (!raw.startsWith('{')) return;
  const line = parseLabBLine(raw);
  if (line) into.lines.push(line);
  else into.bad.push(raw);
}

/** Lines of one kind, narrowed. */
export function ofType<K extends LabBLine['type']>(
  lines: readonly LabBLine[],
  type: K,
): Extract<LabBLine, { type: K }>[] {
  return lines.filter((l): l is Extract<LabBLine, { type: K }> => l.type === type);
}

export interface RunningService extends Lines {
  handle: LabBHandle;
  url: string;
  stop(): Promise<void>;
}

export interface SpawnedService extends Lines {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: string[];
  kill(signal?: NodeJS.Signals): void;
}

export class LabBWorld {
  readonly prefix = `${uniqueName('lbt')}.`;
  amqpUrl = endpoints().rabbitmq.url;
  db!: TestDatabase;
  private conn: ChannelModel | undefined;
  private ch: ConfirmChannel | undefined;
  private readonly running: RunningService[] = [];
  private readonly spawned: SpawnedService[] = [];
  private pool: pg.Pool | undefined;

  /** `amqpUrl`: another broker than the stack's (a test's own node) */
  static async create(amqpUrl?: string): Promise<LabBWorld> {
    const w = new LabBWorld();
    if (amqpUrl !== undefined) w.amqpUrl = amqpUrl;
    w.db = await createTestDatabase('lab_b');
    return w;
  }

  name(unprefixed: string): string {
    return `${this.prefix}${unprefixed}`;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      AMQP_URL: this.amqpUrl,
      DATABASE_URL: this.db.url,
      LAB_B_PREFIX: this.prefix,
      PORT: '0',
      AMQP_RECONNECT_MIN_MS: '200',
      AMQP_RECONNECT_MAX_MS: '1000',
      AMQP_HEARTBEAT_S: '5',
      PUBLISH_TIMEOUT_MS: '3000',
      ...extra,
    };
  }

  /** Runs a service in this process; its event lines are parsed into `lines` (unparsable JSON lines into `bad`). */
  async start(service: LabBService, extra: Record<string, string> = {}): Promise<RunningService> {
    const cfg = labBConfigFromEnv(service, this.env(extra));
    const into: Lines = { lines: [], bad: [] };
    const logger = createLogger({ name: `${service}-test`, level: process.env.LOG_LEVEL ?? 'error' });
    const handle = LAB_B_FACTORIES[service](cfg, {
      logger,
      out: (raw) => collect(into, raw),
      onFatal: (err) => logger.error({ err: err.message }, 'fatal'),
    });
    const { url } = await handle.start();
    // `lines` and `bad` are the arrays the collector fills
    const r: RunningService = { lines: into.lines, bad: into.bad, handle, url: url ?? '', stop: () => handle.stop() };
    this.running.push(r);
    return r;
  }

  /** Runs a service as a child process, as the console does: `node --import tsx services/cli.ts lab-b/<service>`. */
  spawn(service: LabBService, extra: Record<string, string> = {}): SpawnedService {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli.ts', `lab-b/${service}`], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...this.env(extra) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s: SpawnedService = {
      lines: [],
      bad: [],
      stderr: [],
      child,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      kill: (signal = 'SIGKILL') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        collect(s, buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      s.stderr.push(chunk);
      if (s.stderr.length > 200) s.stderr.shift();
    });
    this.spawned.push(s);
    return s;
  }

  /** Waits until a service logged `consuming` for `count` queues (a child process takes a few seconds to start). */
  async consuming(s: Lines, count = 1, timeoutMs = 30_000): Promise<void> {
    await waitFor(() => ofType(s.lines, 'lifecycle').filter((l) => l.state === 'consuming').length >= count, {
      timeoutMs,
      what: `${count} consuming line(s)`,
    });
  }

  async channel(): Promise<ConfirmChannel> {
    if (this.ch) return this.ch;
    this.conn = await amqp.connect(this.amqpUrl);
    this.conn.on('error', () => undefined);
    this.ch = await this.conn.createConfirmChannel();
    this.ch.on('error', () => undefined);
    return this.ch;
  }

  /** Publishes raw bytes (confirmed) to a prefixed exchange. */
  async publishRaw(exchange: string, routingKey: string, content: Buffer | string, messageId?: string): Promise<void> {
    const ch = await this.channel();
    await new Promise<void>((resolve, reject) => {
      ch.publish(
        exchange === '' ? '' : this.name(exchange),
        routingKey,
        Buffer.isBuffer(content) ? content : Buffer.from(content),
        { persistent: true, contentType: 'application/json', ...(messageId ? { messageId } : {}) },
        (err) => (err ? reject(err as Error) : resolve()),
      );
    });
  }

  async publishJson(exchange: string, routingKey: string, body: { event_id: string }): Promise<void> {
    await this.publishRaw(exchange, routingKey, JSON.stringify(body), body.event_id);
  }

  /** Gets (and acks) every message now in a prefixed queue. */
  async drain(queue: string): Promise<GetMessage[]> {
    const ch = await this.channel();
    const got: GetMessage[] = [];
    for (;;) {
      const m = await ch.get(this.name(queue), { noAck: true });
      if (m === false) return got;
      got.push(m);
    }
  }

  async queueDepth(queue: string): Promise<number> {
    const ch = await this.channel();
    return (await ch.checkQueue(this.name(queue))).messageCount;
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.pool ??= new pg.Pool({ connectionString: this.db.url, max: 2 });
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** Stops what the test started, deletes the queues and exchanges it declared, drops the database. */
  async dispose(): Promise<void> {
    for (const s of this.spawned) s.kill('SIGKILL');
    await Promise.allSettled(this.spawned.map((s) => s.exited));
    await Promise.allSettled(this.running.map((r) => r.stop()));
    await this.pool?.end().catch(() => undefined);
    try {
      const ch = await this.channel();
      for (const q of Object.values(QUEUES)) await ch.deleteQueue(this.name(q)).catch(() => undefined);
      for (const e of Object.values(EXCHANGES)) await ch.deleteExchange(this.name(e)).catch(() => undefined);
      for (const extra of this.extraQueues) await ch.deleteQueue(this.name(extra)).catch(() => undefined);
    } catch {
      // the broker is away: nothing to delete
    }
    await this.conn?.close().catch(() => undefined);
    await this.db?.drop();
  }

  /** Other prefixed queues the test declared itself. */
  readonly extraQueues: string[] = [];
}
