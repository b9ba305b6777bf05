// Lab D test harness: loms in-process or as a child process, notifiers as real child processes (the console spawns
// them the same way), a topic reader, a group inspector, a LOMS HTTP client and a cuttable TCP proxy.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, logLevel, type Consumer } from 'kafkajs';
import { parseNotifierLine, type NotifierLine, type OrderEvent } from '../../../services/lab-d/schema.js';
import { createLoms, type Loms, type LomsConfig } from '../../../services/lab-d/loms/service.js';
import { createLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import { LocalKafka } from '../../../main/console/stack/local/kafka.js';
import { createTestDatabase, type TestDatabase } from '../support/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export { waitFor };

/** Quiet kafkajs clients for the test side. */
export function testKafka(brokers: string[], clientId = 'lab-d-test'): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// LOMS in-process (the library entry)

export async function startLoms(config: Omit<LomsConfig, 'port'> & { port?: number }): Promise<Loms> {
  const loms = createLoms(
    { port: 0, ...config },
    { logger: createLogger({ name: 'loms-test', level: process.env.LAB_D_LOG_LEVEL ?? 'silent' }) },
  );
  await loms.start();
  return loms;
}

/** loms in-process on a database of its own, its HTTP client, and a tail of its topic: what most Lab D tests start from. */
export interface LomsFixture {
  db: TestDatabase;
  loms: Loms;
  client: LomsClient;
  tail: TopicTail;
  stop(): Promise<void>;
}

export async function startLomsFixture(opts: {
  database: string;
  brokers: string[];
  topic: string;
  /** how loms reaches the database (a proxy the test can cut); the database itself by default */
  databaseUrl?: (url: string) => string;
  relay?: LomsConfig['relay'];
}): Promise<LomsFixture> {
  const db = await createTestDatabase(opts.database);
  let loms: Loms | undefined;
  let tail: TopicTail | undefined;
  const stop = async () => {
    await Promise.allSettled([tail?.stop(), loms?.stop()]);
    await db.drop();
  };
  try {
    loms = await startLoms({
      databaseUrl: opts.databaseUrl?.(db.url) ?? db.url,
      kafkaBrokers: opts.brokers,
      topic: opts.topic,
      relay: opts.relay,
    });
    const client = new LomsClient(loms.url);
    tail = await tailWhenCreated(opts.brokers, opts.topic);
    return { db, loms, client, tail, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export class LomsClient {
  constructor(readonly url: string) {}

  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    body?: unknown,
  ): Promise<HttpResult<T>> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          }),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  create(
    userId: string,
    items: { sku: string; count: number }[],
  ): Promise<HttpResult<{ orderId?: string; code?: string; message?: string; details?: Record<string, unknown> }>> {
    return this.call('POST', '/order/create', { userId, items });
  }

  /** Creates an order that succeeds (sku 139275865 has 65534 in stock); returns its id or throws. */
  async createOk(userId = '1000', sku = '139275865'): Promise<string> {
    const res = await this.create(userId, [{ sku, count: 1 }]);
    if (res.status !== 200 || !res.body.orderId)
      throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.orderId;
  }

  pay(orderId: string): Promise<HttpResult> {
    return this.call('POST', '/order/pay', { orderId });
  }

  cancel(orderId: string): Promise<HttpResult> {
    return this.call('POST', '/order/cancel', { orderId });
  }

  info(
    orderId: string,
  ): Promise<HttpResult<{ status?: string; userId?: string; items?: { sku: string; count: number }[] }>> {
    return this.call('GET', `/order/info?orderId=${encodeURIComponent(orderId)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the topic

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string | null;
  raw: string;
  event: OrderEvent | undefined;
}

/** Consumes a topic from the beginning (a throwaway group) and keeps every record, in arrival order. */
export class TopicTail {
  readonly records: TopicRecord[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly brokers: string[],
    readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const consumer = testKafka(this.brokers, 'lab-d-tail').consumer({
      groupId: `lab-d-tail-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 200,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        const raw = message.value?.toString('utf8') ?? '';
        let event: OrderEvent | undefined;
        try {
          event = JSON.parse(raw) as OrderEvent;
        } catch {
          event = undefined;
        }
        this.records.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString('utf8') ?? null,
          raw,
          event,
        });
        return Promise.resolve();
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }

  /** Records of one order in (partition, offset) order. */
  ofOrder(orderId: string): TopicRecord[] {
    return this.records
      .filter((r) => r.key === orderId)
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  }

  statusesOf(orderId: string): string[] {
    return this.ofOrder(orderId).map((r) => r.event?.status ?? '?');
  }

  /** Waits until the order has at least `count` records on the topic. */
  async waitForOrder(orderId: string, count: number, timeoutMs = 20_000): Promise<TopicRecord[]> {
    return waitFor(() => (this.ofOrder(orderId).length >= count ? this.ofOrder(orderId) : undefined), {
      timeoutMs,
      what: `${count} record(s) of order ${orderId} on ${this.topic}`,
    });
  }
}

/** Log-end offsets per partition. */
/** Waits until loms' relay has created `topic` (it does when it first reaches Kafka), then tails it from the start. */
export async function tailWhenCreated(brokers: string[], topic: string): Promise<TopicTail> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    await waitFor(async () => (await admin.listTopics()).includes(topic), { what: `topic ${topic} created by loms` });
  } finally {
    await admin.disconnect();
  }
  return new TopicTail(brokers, topic).start();
}

export async function endOffsets(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Sum over partitions of (log end − committed) for a group. */
export async function groupLag(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let lag = 0;
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
      lag += Number(end.high) - at;
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  partitions: number[];
}

export async function describeGroup(
  brokers: string[],
  groupId: string,
  topic: string,
): Promise<{ state: string; members: GroupMember[] }> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group) return { state: 'Unknown', members: [] };
    return {
      state: group.state,
      members: group.members.map((m) => {
        const assignment =
          m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        return { memberId: m.memberId, clientId: m.clientId, partitions: assignment?.assignment[topic] ?? [] };
      }),
    };
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes (`node --import tsx services/cli.ts <name>`, exactly how the console spawns them)

export interface CapturedLine<T = NotifierLine> {
  at: number;
  line: T;
}

export class ServiceProcess {
  readonly lines: CapturedLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'services/cli.ts', name], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
    splitLines(this.child.stdout, (text) => {
      const line = parseNotifierLine(text);
      if (line) this.lines.push({ at: Date.now(), line });
    });
    splitLines(this.child.stderr, (text) => {
      this.stderr.push(text);
      if (this.stderr.length > 200) this.stderr.shift();
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) process.kill(this.pid, sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const live = new Set<ServiceProcess>();

/** Kills (by PID) every child process this file spawned that is still running. For afterAll/afterEach. */
export async function killAllSpawned(): Promise<void> {
  const all = [...live];
  for (const p of all) p.signal('SIGKILL');
  await Promise.allSettled(all.map((p) => p.exited));
}

function splitLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
}

/** The parsed pino lines of a child's stderr (its logs), skipping anything else. */
export function logLines(p: ServiceProcess): { level: number; msg: string; [k: string]: unknown }[] {
  return p.stderr.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
      return typeof parsed.level === 'number' && typeof parsed.msg === 'string'
        ? [parsed as { level: number; msg: string }]
        : [];
    } catch {
      return [];
    }
  });
}

/** loms as a child process (`services/cli.ts lab-d/loms`, LOG_LEVEL info) on a free port; resolves with its URL. */
export async function startLomsProcess(env: {
  databaseUrl: string;
  brokers: string[];
  topic: string;
  brokenMode?: string;
}): Promise<{ process: ServiceProcess; client: LomsClient }> {
  const p = new ServiceProcess('lab-d/loms', {
    LOG_LEVEL: 'info',
    PORT: '0',
    DATABASE_URL: env.databaseUrl,
    KAFKA_BROKERS: env.brokers.join(','),
    LOMS_TOPIC: env.topic,
    ...(env.brokenMode ? { LAB_BROKEN_MODE: env.brokenMode } : {}),
  });
  const url = await waitFor(
    () => {
      const listening = logLines(p).find((l) => l.msg === 'loms listening');
      if (listening) return listening.url as string;
      return p.alive ? undefined : Promise.reject(new Error(`loms exited: ${p.stderr.join('\n')}`));
    },
    { timeoutMs: 30_000, what: 'loms listening' },
  );
  return { process: p, client: new LomsClient(url) };
}

export class NotifierProcess extends ServiceProcess {
  constructor(
    readonly instance: string,
    env: {
      brokers: string[];
      groupId: string;
      topic: string;
      sessionTimeoutMs?: number;
      /** LAB_BROKEN_MODE */
      brokenMode?: string;
      /** more variables (LOG_LEVEL, …) */
      extra?: Record<string, string>;
    },
  ) {
    super('lab-d/notifier', {
      KAFKA_BROKERS: env.brokers.join(','),
      NOTIFIER_GROUP_ID: env.groupId,
      NOTIFIER_INSTANCE: instance,
      NOTIFIER_TOPIC: env.topic,
      NOTIFIER_SESSION_TIMEOUT_MS: String(env.sessionTimeoutMs ?? 10_000),
      ...(env.brokenMode ? { LAB_BROKEN_MODE: env.brokenMode } : {}),
      ...env.extra,
    });
  }

  events(): Extract<NotifierLine, { type: 'event' }>[] {
    return this.lines.flatMap(({ line }) => (line.type === 'event' ? [line] : []));
  }

  /** The latest `joined` line (its assignment), if any after `since`. */
  lastJoin(since = 0): CapturedLine<Extract<NotifierLine, { type: 'lifecycle' }>> | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const c = this.lines[i] as CapturedLine;
      if (c.at < since) break;
      if (c.line.type === 'lifecycle' && c.line.state === 'joined')
        return c as CapturedLine<Extract<NotifierLine, { type: 'lifecycle' }>>;
    }
    return undefined;
  }

  /** Partitions of the topic assigned at the latest join. */
  partitions(topic: string): number[] {
    return this.lastJoin()?.line.assignment?.[topic] ?? [];
  }
}

// A TCP proxy that can be cut (Postgres "down" without touching the shared server): the one in support/.
export { TcpProxy } from '../support/tcp-proxy.js';

/** host and port of a postgres:// URL, and the URL rewritten to go through a proxy port and into another database. */
export function viaProxy(url: string, proxyPort: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxyPort);
  return u.toString();
}

/** Reads every record of a topic up to its current log end (a throwaway consumer), then stops. */
export async function readTopic(brokers: string[], topic: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const ends = await endOffsets(brokers, topic);
  const tail = await new TopicTail(brokers, topic).start();
  try {
    await waitFor(
      () =>
        [...ends].every(
          ([partition, end]) => end === 0 || tail.records.some((r) => r.partition === partition && r.offset >= end - 1),
        ) || undefined,
      { timeoutMs, what: `${topic} read up to its end offsets` },
    );
    return [...tail.records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await tail.stop();
  }
}

/** A broker of the test's own (the test may stop and start it; the shared one stays up), on free ports. */
export interface ScopedKafka {
  kafka: LocalKafka;
  /** kill the broker and delete its data */
  remove(): Promise<void>;
}

export async function startScopedKafka(name: string): Promise<ScopedKafka> {
  const [port, controllerPort] = await freePortPair();
  const dataDir = mkdtempSync(path.join(tmpdir(), `${name}-kafka-`));
  const kafka = new LocalKafka({ port, controllerPort, dataDir, heapMb: 384 });
  const remove = async () => {
    await Promise.allSettled([kafka.kill()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await kafka.start();
  } catch (err) {
    await remove();
    throw err;
  }
  return { kafka, remove };
}

/** A free pair of ports (client, controller) in [from, to) for a test-scoped broker. */
export async function freePortPair(from = 26_000, to = 27_000): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = from + 2 * Math.floor((Math.random() * (to - from)) / 2);
    if ((await portFree(base)) && (await portFree(base + 1))) return [base, base + 1];
  }
  throw new Error(`no free port pair in ${from}–${to}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
