// What Lab B's checks share: a probe of their own on the broker (AMQP: queue depth and consumers with checkQueue, a
// confirmed and mandatory publisher, equivalence probes of a queue's declaration, bindings, basic.get), the services'
// event lines per instance since a moment, the lab's rows, auth's HTTP API, and waiting on a condition within the
// check's deadline. The broker-side facts come first; the lines say who handled what.
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type GetMessage, type Options } from 'amqplib';
import pg from 'pg';
import { parseLabBLine, type LabBLine } from '../../../../../services/lab-b/schema.js';
import type { Evidence, ServiceInstance } from '../../../contract/console-api.js';
import type { CheckContext, CheckOutcome } from '../../types.js';
import type { HttpKind } from '../settings.js';
import { outcome, plural, query, until as untilEvery } from '../../../checks/kit.js';

export { outcome, plural, query };

/** `until` polling every 100 ms by default (Lab B's checks watch queues that move fast). */
export const until: typeof untilEvery = (ctx, probe, timeoutMs, intervalMs = 100) =>
  untilEvery(ctx, probe, timeoutMs, intervalMs);

/** What the checks need of the module besides the context. */
export interface LabBCheckDeps {
  /** prepended to every exchange and queue name */
  prefix: string;
  /** the lab's database (audit rows, the seen-store) */
  databaseUrl(ctx: CheckContext): string;
  /** a service's base URL */
  url(kind: HttpKind): string;
}

export const named = (deps: LabBCheckDeps, name: string): string => `${deps.prefix}${name}`;

/** The user id the checks' own probe messages carry (they show as such in the reports' read model). */
export const PROBE_USER = 'eventscope-check';

// --- the broker ---------------------------------------------------------------------------------------------

export interface QueueState {
  /** ready messages */
  messages: number;
  consumers: number;
}

/** The 406/404 text of a channel the broker closed, without amqplib's prefix. */
const brokerText = (err: unknown): string =>
  (err as Error).message.replace(/^Operation failed: \w+; /, '').replace(/^Channel closed by server: /, '');

/**
 * The check's own connection to the broker: one confirm channel for publishing (mandatory, returns matched by message
 * id) and `get`, throwaway channels for operations the broker may answer by closing the channel (404, 406).
 */
export class Probe {
  private readonly returned = new Set<string>();
  /** set when the broker (or the network) closed the connection */
  closedAt: number | undefined;

  private constructor(
    private readonly conn: ChannelModel,
    private readonly ch: ConfirmChannel,
  ) {
    conn.on('error', () => undefined);
    conn.on('close', () => {
      this.closedAt ??= Date.now();
    });
    ch.on('error', () => undefined);
    ch.on('return', (msg: { properties: { messageId?: unknown } }) => {
      const id = msg.properties.messageId;
      if (typeof id === 'string') this.returned.add(id);
    });
  }

  static async open(ctx: CheckContext): Promise<Probe> {
    const conn = await amqp.connect(ctx.endpoints().rabbitmq.url, { timeout: 3000 });
    try {
      return new Probe(conn, await conn.createConfirmChannel());
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  get open(): boolean {
    return this.closedAt === undefined;
  }

  private async throwaway<T>(work: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined);
    try {
      return await work(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Depth and consumers of a queue; undefined when the broker has no such queue (404). */
  async queue(name: string): Promise<QueueState | undefined> {
    try {
      const q = await this.throwaway((ch) => ch.checkQueue(name));
      return { messages: q.messageCount, consumers: q.consumerCount };
    } catch (err) {
      if (/NOT_FOUND/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  /**
   * Declares an existing queue again with `options`: the broker accepts an equivalent declaration and refuses another
   * one with 406 PRECONDITION_FAILED naming what differs (`inequivalent arg 'durable' … current is 'false'`). Only for a
   * queue that exists (checkQueue first): a declaration of a missing queue creates it.
   */
  async declaredAs(name: string, options: Options.AssertQueue): Promise<{ ok: true } | { ok: false; text: string }> {
    try {
      await this.throwaway((ch) => ch.assertQueue(name, options));
      return { ok: true };
    } catch (err) {
      return { ok: false, text: brokerText(err) };
    }
  }

  /** Publishes (persistent unless told, mandatory) and waits for the confirm: returned when no queue took it. */
  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer | string,
    options: Options.Publish & { messageId: string },
  ): Promise<'confirmed' | 'returned'> {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    await new Promise<void>((resolve, reject) => {
      this.ch.publish(
        exchange,
        routingKey,
        body,
        { persistent: true, mandatory: true, contentType: 'application/json', ...options },
        (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });
    const returned = this.returned.delete(options.messageId);
    return returned ? 'returned' : 'confirmed';
  }

  async publishJson(
    exchange: string,
    routingKey: string,
    body: { event_id: string },
  ): Promise<'confirmed' | 'returned'> {
    return this.publish(exchange, routingKey, JSON.stringify(body), { messageId: body.event_id });
  }

  async bind(queue: string, exchange: string, pattern: string): Promise<void> {
    await this.throwaway((ch) => ch.bindQueue(queue, exchange, pattern));
  }

  async unbind(queue: string, exchange: string, pattern: string): Promise<void> {
    await this.throwaway((ch) => ch.unbindQueue(queue, exchange, pattern));
  }

  /** A queue of the probe's own (exclusive, gone with the probe) bound to `exchange` with `pattern`. */
  async tap(exchange: string, pattern: string): Promise<string> {
    const name = `eventscope-probe-${randomUUID()}`;
    await this.ch.assertQueue(name, { exclusive: true, autoDelete: true, durable: false });
    await this.ch.bindQueue(name, exchange, pattern);
    return name;
  }

  /**
   * Takes the messages of a queue nobody consumes (up to `max`), keeps those `mine` picks (acked: removed) and puts
   * the others back (nacked with requeue, after the read, so that they are not read again).
   */
  async take(queue: string, mine: (m: GetMessage) => boolean, max = 1000): Promise<GetMessage[]> {
    const kept: GetMessage[] = [];
    const others: GetMessage[] = [];
    for (let i = 0; i < max; i++) {
      const m = await this.ch.get(queue, { noAck: false });
      if (m === false) break;
      if (mine(m)) {
        kept.push(m);
        this.ch.ack(m);
      } else others.push(m);
    }
    for (const m of others) this.ch.nack(m, false, true);
    return kept;
  }

  /** One message of a queue (acked), or undefined when it is empty. */
  async getOne(queue: string): Promise<GetMessage | undefined> {
    const m = await this.ch.get(queue, { noAck: true });
    return m === false ? undefined : m;
  }

  async close(): Promise<void> {
    if (!this.open) return;
    await this.conn.close().catch(() => undefined);
  }
}

/** Runs `work` with a probe, closing it afterwards. */
export async function withProbe<T>(ctx: CheckContext, work: (p: Probe) => Promise<T>): Promise<T> {
  const p = await Probe.open(ctx);
  try {
    return await work(p);
  } finally {
    await p.close();
  }
}

export const queueEvidence = (queue: string, detail: string): Evidence => ({ source: 'queue', ref: queue, detail });

export const describeQueue = (q: QueueState | undefined): string =>
  q === undefined ? 'not on the broker' : `${plural(q.messages, 'message')} ready, ${plural(q.consumers, 'consumer')}`;

// --- the services' lines --------------------------------------------------------------------------------------

export interface Seen<L extends LabBLine = LabBLine> {
  instance: string;
  line: L;
  /** the line's number in the instance's logs (1-based) */
  n: number;
  /** when the console read it */
  at: number;
}

/** The instances of a kind the console runs. */
export function instancesOf(ctx: CheckContext, kind: string): ServiceInstance[] {
  return ctx.services.list().filter((i) => i.kind === kind);
}

export const isRunning = (ctx: CheckContext, instance: string): boolean =>
  ctx.services.list().some((i) => i.instance === instance && i.state === 'running');

/** The Lab B lines of `instance` (of its current and earlier runs) read at or after `since`. */
export function linesOf(ctx: CheckContext, instance: string, since = 0): Seen[] {
  const out: Seen[] = [];
  ctx.services.logs(instance).forEach((l, i) => {
    if (l.at < since || l.stream !== 'stdout') return;
    const line = parseLabBLine(l.text);
    if (line !== undefined) out.push({ instance, line, n: i + 1, at: l.at });
  });
  return out;
}

/** The lines of several instances of one type. */
export function linesOfType<K extends LabBLine['type']>(
  ctx: CheckContext,
  instances: readonly string[],
  type: K,
  since = 0,
): Seen<Extract<LabBLine, { type: K }>>[] {
  return instances.flatMap((i) =>
    linesOf(ctx, i, since).filter((s): s is Seen<Extract<LabBLine, { type: K }>> => s.line.type === type),
  );
}

export const lineRef = (s: Seen) => `${s.instance} line ${s.n}`;

export const logEvidence = (s: Seen, detail: string, entity?: string): Evidence => ({
  source: 'log',
  ref: lineRef(s),
  detail,
  ...(entity === undefined ? {} : { entity }),
});

/**
 * Whether `instance` has settled every delivery it got from `queue` since `since` (acked, skipped as a duplicate,
 * dead-lettered or requeued): nothing it took from that queue is still in its hands (in the auto-ack mode the ack
 * comes at delivery, so this says only that the broker let go of it).
 */
export function settled(ctx: CheckContext, instance: string, queue: string, since: number): boolean {
  const lines = linesOf(ctx, instance, since).filter((s) => 'queue' in s.line && s.line.queue === queue);
  const delivered = lines.filter((s) => s.line.type === 'delivered').length;
  const done = lines.filter(
    (s) =>
      s.line.type === 'acked' ||
      s.line.type === 'duplicate' ||
      s.line.type === 'dead_lettered' ||
      s.line.type === 'requeued',
  ).length;
  return done >= delivered;
}

// --- rows ---------------------------------------------------------------------------------------------------

/**
 * Holds an exclusive lock on the seen-store table: every consumer's work (its mark and effect commit together) waits,
 * as on a slow database, so that a consumer holds the messages it was sent unacked. `release()` lets them go on.
 * Undefined when the table is not there (services we did not write).
 */
export async function holdConsumers(url: string, table: string): Promise<{ release(): Promise<void> } | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL lock_timeout = '3s'`);
    await c.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  } catch {
    await c.end().catch(() => undefined);
    return undefined;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end().catch(() => undefined);
    },
  };
}

// --- HTTP -----------------------------------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  /** connection refused, reset, timed out */
  error?: string;
}

export async function httpCall(url: string, method: 'GET' | 'POST' | 'PUT', body?: unknown): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(5000),
    });
    const json: unknown = await res.json().catch(() => ({}));
    return {
      status: res.status,
      body: json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {},
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: 0, body: {}, error: cause ?? (err as Error).message };
  }
}

export const httpEvidence = (ref: string, r: HttpAnswer, detail: string, entity?: string): Evidence => ({
  source: 'http',
  ref,
  detail: `${detail} (${r.error ?? r.status})`,
  ...(entity === undefined ? {} : { entity }),
});

export interface Login {
  eventId: string;
  outcome: 'succeeded' | 'failed';
  email: string;
  answer: HttpAnswer;
}

/** A user of the check's own, registered through auth. */
export async function register(deps: LabBCheckDeps): Promise<{ email: string; password: string; answer: HttpAnswer }> {
  const email = `check-${randomUUID().slice(0, 13)}@example.test`;
  const password = `pw-${randomUUID()}`;
  const answer = await httpCall(`${deps.url('auth')}/auth/register`, 'POST', { email, password });
  return { email, password, answer };
}

/** A login through auth; the event id comes with the answer (200 `event_id`, 401 `details.event_id`). */
export async function login(deps: LabBCheckDeps, email: string, password: string): Promise<Login | HttpAnswer> {
  const answer = await httpCall(`${deps.url('auth')}/auth/login`, 'POST', { email, password });
  const details = answer.body.details as Record<string, unknown> | undefined;
  const eventId = answer.status === 200 ? answer.body.event_id : details?.event_id;
  if ((answer.status !== 200 && answer.status !== 401) || typeof eventId !== 'string') return answer;
  return { eventId, outcome: answer.status === 200 ? 'succeeded' : 'failed', email, answer };
}

export const isLogin = (x: Login | HttpAnswer): x is Login => 'eventId' in x;

/** A failed login of an address nobody registered. */
export const failedLogin = (deps: LabBCheckDeps) =>
  login(deps, `nobody-${randomUUID().slice(0, 13)}@example.test`, 'not-the-password');

export const authDown = (a: HttpAnswer): CheckOutcome =>
  outcome(
    'SKIP',
    `auth does not answer a login as it should (${a.error ?? a.status}): start auth (and the consumers) first.`,
    {},
    [httpEvidence('POST /auth/login', a, 'the check’s login')],
  );

// --- outcomes -----------------------------------------------------------------------------------------------

/** The last 8 characters of an id (a UUIDv7's first ones are its time, alike for ids made together). */
export const short = (id: string) => id.slice(-8);
