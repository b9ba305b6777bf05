// A RabbitMQ connection that comes back: `start()` connects (retrying with capped exponential backoff for as long as
// the broker is away) and runs every registered setup (a publisher's channel, a consumer's channel, its queues and
// bindings, its `basic.consume`) in order; when the connection is lost (the broker restarts, the link is cut, a
// channel dies) it connects again and runs every setup again. A setup the broker refuses for good (403 access
// refused, 406 precondition failed: a queue declared with other arguments) is fatal: retrying cannot help.
import amqp, { type ChannelModel } from 'amqplib';
import { AppError, toAppError } from '../app-error.js';
import type { Logger } from '../logger.js';

export type AmqpConnectionState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'stopped' | 'crashed';

export interface AmqpConnectionEvent {
  state: AmqpConnectionState;
  /** `reconnecting`: 1 for the first attempt after a failure */
  attempt?: number;
  /** `reconnecting`: the wait before that attempt */
  retryInMs?: number;
  detail?: string;
}

/** A part that needs channels: runs on every (re)connection, after the parts registered before it. */
export type AmqpSetup = (model: ChannelModel) => Promise<void>;

export interface AmqpConnectionOptions {
  url: string;
  logger: Logger;
  /** the connection name shown by the broker (client property `connection_name`) */
  name: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** AMQP heartbeat in seconds (how fast a silent broker is noticed); 0 turns it off */
  heartbeatS?: number;
  /** TCP connect timeout */
  connectTimeoutMs?: number;
  onEvent?: (event: AmqpConnectionEvent) => void;
  /** a failure retrying cannot cure, after start() resolved */
  onFatal?: (err: AppError) => void;
}

/** The wait before reconnect attempt `attempt` (1, 2, …): min, 2·min, 4·min … capped at max. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
}

/**
 * Waits for `p` at most `ms` (true when it settled in time). A channel or connection close waits for the broker's
 * close-ok, and on a link that just died that answer never comes: stops must not hang on it.
 */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a connection, destroying its socket when the broker does not answer in time. */
async function closeModel(model: ChannelModel, ms = 2000): Promise<void> {
  if (await settleWithin(model.close(), ms)) return;
  (model as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** AMQP reply codes that mean "this will never work", not "the broker is away". */
const FATAL_REPLY_CODES = new Set([403, 406, 530]);

export function isFatalAmqpError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && FATAL_REPLY_CODES.has(code);
}

export class AmqpConnection {
  private readonly setups: AmqpSetup[] = [];
  private model: ChannelModel | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly opts: AmqpConnectionOptions) {
    this.minMs = opts.minBackoffMs ?? 500;
    this.maxMs = opts.maxBackoffMs ?? 10_000;
  }

  /** Registers a part; call before start(). */
  use(setup: AmqpSetup): void {
    this.setups.push(setup);
  }

  /** The live connection, if any. */
  current(): ChannelModel | undefined {
    return this.model;
  }

  get connected(): boolean {
    return this.model !== undefined;
  }

  /**
   * Connects and runs the setups; resolves once that worked (waiting out a broker that is away), rejects on a fatal
   * failure or a stop. Idempotent.
   */
  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Drops the live connection (a part lost its channel): every setup runs again on a fresh one. */
  reset(model: ChannelModel | undefined, reason: string): void {
    if (model === undefined || model !== this.model || this.stopping) return;
    this.lost(model, reason);
    void closeModel(model);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    const model = this.model;
    this.model = undefined;
    if (model) await closeModel(model);
    await this.running?.catch(() => undefined);
    this.emit({ state: 'stopped' });
  }

  private emit(event: AmqpConnectionEvent): void {
    this.opts.onEvent?.(event);
  }

  private lost(model: ChannelModel, reason: string): void {
    if (this.model !== model) return;
    this.model = undefined;
    if (this.stopping) return;
    this.opts.logger.warn({ reason }, 'amqp: connection lost');
    this.emit({ state: 'disconnected', detail: reason });
    this.running = this.loop();
    this.running.catch((err: unknown) => {
      const e = toAppError(err, 'BROKER_UNAVAILABLE');
      if (this.stopping) return;
      this.emit({ state: 'crashed', detail: e.message });
      this.opts.onFatal?.(e);
    });
  }

  private async loop(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new AppError('BROKER_UNAVAILABLE', 'amqp: stopped before it connected');
      if (attempt > 0) {
        const wait = backoffMs(attempt, this.minMs, this.maxMs);
        this.emit({ state: 'reconnecting', attempt, retryInMs: wait });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, wait);
        });
        this.wake = undefined;
        if (this.stopping) throw new AppError('BROKER_UNAVAILABLE', 'amqp: stopped before it connected');
      } else this.emit({ state: 'connecting' });
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        if (isFatalAmqpError(err)) {
          const e = new AppError('CONFIG_ERROR', `amqp: the broker refused the setup: ${toAppError(err).message}`, {
            replyCode: (err as { code: number }).code,
          });
          this.opts.logger.error({ err: e.message }, 'amqp: fatal');
          throw e;
        }
        this.opts.logger.warn({ err: toAppError(err).message, attempt: attempt + 1 }, 'amqp: connect failed');
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const url = new URL(this.opts.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.opts.heartbeatS ?? 10));
    const model = await amqp.connect(url.toString(), {
      timeout: this.opts.connectTimeoutMs ?? 3000,
      clientProperties: { connection_name: this.opts.name },
    });
    let live = false;
    let closedEarly: string | undefined;
    model.on('error', (err: Error) => this.opts.logger.warn({ err: err.message }, 'amqp: connection error'));
    model.on('close', (err?: Error) => {
      const reason = err?.message ?? 'closed by the broker';
      if (live) this.lost(model, reason);
      else closedEarly = reason;
    });
    try {
      for (const setup of this.setups) {
        if (this.stopping) break;
        await setup(model);
      }
      if (closedEarly !== undefined)
        throw new AppError('BROKER_UNAVAILABLE', `amqp: lost during setup: ${closedEarly}`);
      if (this.stopping) throw new AppError('BROKER_UNAVAILABLE', 'amqp: stopped while connecting');
    } catch (err) {
      await closeModel(model);
      throw err;
    }
    this.model = model;
    live = true;
    this.opts.logger.info({ name: this.opts.name }, 'amqp: connected');
    this.emit({ state: 'connected' });
  }
}
