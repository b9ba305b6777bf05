// An AMQP publisher with publisher confirms (a ConfirmChannel), persistent messages and `mandatory` with a return
// listener: `publish()` resolves once the broker has confirmed the message, and tells a message the broker could not
// route (returned: no queue bound for its routing key) apart from one it routed; it never drops one silently. The
// broker sends `basic.return` before the `basic.ack` of the same message on a channel, so the return is matched to the
// confirm by the message id. A nack, a lost channel or no broker within the timeout is an AppError.
// `confirm: false` (a broken mode) publishes fire-and-forget on a plain channel: the result is `sent`, never checked.
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { AppError, toAppError } from '../app-error.js';
import type { Logger } from '../logger.js';
import { settleWithin, type AmqpConnection } from './connection.js';

export type PublishResult =
  | { outcome: 'confirmed' }
  | { outcome: 'returned'; replyCode: number; replyText: string }
  /** no confirms asked for: the message left this process, nobody knows more */
  | { outcome: 'sent' };

export interface PublishRequest {
  exchange: string;
  routingKey: string;
  /** JSON-encoded as the message body */
  body: unknown;
  /** the message id (AMQP `message-id`); a random UUID when absent */
  eventId?: string;
  headers?: Record<string, unknown>;
  /** e.g. `type` */
  properties?: Omit<Options.Publish, 'headers' | 'messageId' | 'persistent' | 'mandatory' | 'contentType'>;
}

/** What the publisher reports for each message (the lab services print these as their event lines). */
export type PublisherFact =
  | {
      kind: 'published';
      exchange: string;
      routingKey: string;
      eventId: string;
      confirmed: boolean;
      mandatory: boolean;
      persistent: boolean;
    }
  | { kind: 'returned'; exchange: string; routingKey: string; eventId: string; replyCode: number; replyText: string }
  | { kind: 'publish_failed'; exchange: string; routingKey: string; eventId: string; code: string; message: string };

export interface PublisherOptions {
  logger: Logger;
  /** publisher confirms (default true) */
  confirm?: boolean;
  /** `mandatory` flag: unroutable messages come back (default true) */
  mandatory?: boolean;
  /** delivery mode 2 (default true) */
  persistent?: boolean;
  /** how long a publish waits for a channel and then for its confirm (default 5000) */
  timeoutMs?: number;
  /** declares what this publisher publishes to (its exchanges), on each (re)connection */
  declare?: (ch: Channel) => Promise<void>;
  onFact?: (fact: PublisherFact) => void;
}

interface Returned {
  replyCode: number;
  replyText: string;
}

export class AmqpPublisher {
  private channel: Channel | ConfirmChannel | undefined;
  private model: ChannelModel | undefined;
  private readonly returned = new Map<string, Returned>();
  private readonly waiters = new Set<() => void>();
  private stopped = false;
  readonly confirm: boolean;
  readonly mandatory: boolean;
  readonly persistent: boolean;
  private readonly timeoutMs: number;

  constructor(
    private readonly conn: AmqpConnection,
    private readonly opts: PublisherOptions,
  ) {
    this.confirm = opts.confirm ?? true;
    this.mandatory = opts.mandatory ?? true;
    this.persistent = opts.persistent ?? true;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    conn.use((model) => this.setup(model));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = this.confirm ? await model.createConfirmChannel() : await model.createChannel();
    ch.on('error', (err: Error) => this.opts.logger.warn({ err: err.message }, 'amqp publisher: channel error'));
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.channel = undefined;
      this.conn.reset(model, 'publisher channel closed');
    });
    ch.on('return', (msg: ConsumeMessage) => this.onReturn(msg));
    if (this.opts.declare) await this.opts.declare(ch);
    this.channel = ch;
    this.model = model;
    for (const wake of this.waiters) wake();
  }

  private onReturn(msg: ConsumeMessage): void {
    const id = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    const f = msg.fields as unknown as { replyCode?: number; replyText?: string; exchange: string; routingKey: string };
    const returned = { replyCode: f.replyCode ?? 312, replyText: f.replyText ?? 'NO_ROUTE' };
    if (id !== undefined) this.returned.set(id, returned);
    // with confirms the caller hears of it from publish(); without, this line is all there is
    if (!this.confirm)
      this.opts.onFact?.({
        kind: 'returned',
        exchange: f.exchange,
        routingKey: f.routingKey,
        eventId: id ?? '',
        ...returned,
      });
  }

  /** A channel to publish on, waiting up to the deadline for the connection to come back. */
  private async channelBy(deadline: number): Promise<Channel | ConfirmChannel> {
    while (this.channel === undefined) {
      if (this.stopped) throw new AppError('BROKER_UNAVAILABLE', 'publisher stopped');
      const left = deadline - Date.now();
      if (left <= 0) throw new AppError('BROKER_UNAVAILABLE', 'RabbitMQ is unavailable (no channel to publish on)');
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
    return this.channel;
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const eventId = req.eventId ?? randomUUID();
    const { exchange, routingKey } = req;
    const base = { exchange, routingKey, eventId };
    const deadline = Date.now() + this.timeoutMs;
    try {
      const ch = await this.channelBy(deadline);
      const content = Buffer.from(JSON.stringify(req.body));
      const options: Options.Publish = {
        ...req.properties,
        messageId: eventId,
        contentType: 'application/json',
        persistent: this.persistent,
        mandatory: this.mandatory,
        ...(req.headers ? { headers: req.headers } : {}),
      };
      if (!this.confirm) {
        ch.publish(exchange, routingKey, content, options);
        this.opts.onFact?.({
          kind: 'published',
          ...base,
          confirmed: false,
          mandatory: this.mandatory,
          persistent: this.persistent,
        });
        return { outcome: 'sent' };
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new AppError('TIMEOUT', `no confirm from RabbitMQ within ${this.timeoutMs} ms`)),
          Math.max(1, deadline - Date.now()),
        );
        try {
          (ch as ConfirmChannel).publish(exchange, routingKey, content, options, (err) => {
            clearTimeout(timer);
            if (err)
              reject(
                new AppError('BROKER_UNAVAILABLE', `RabbitMQ did not take the message: ${toAppError(err).message}`),
              );
            else resolve();
          });
        } catch (err) {
          clearTimeout(timer);
          reject(new AppError('BROKER_UNAVAILABLE', `RabbitMQ is unavailable: ${toAppError(err).message}`));
        }
      });
      const returned = this.returned.get(eventId);
      if (returned !== undefined) {
        this.returned.delete(eventId);
        this.opts.logger.warn({ exchange, routingKey, eventId, ...returned }, 'amqp: message returned (unroutable)');
        this.opts.onFact?.({ kind: 'returned', ...base, ...returned });
        return { outcome: 'returned', ...returned };
      }
      this.opts.onFact?.({
        kind: 'published',
        ...base,
        confirmed: true,
        mandatory: this.mandatory,
        persistent: this.persistent,
      });
      return { outcome: 'confirmed' };
    } catch (err) {
      this.returned.delete(eventId);
      const e = toAppError(err, 'BROKER_UNAVAILABLE');
      this.opts.logger.warn({ exchange, routingKey, eventId, err: e.message }, 'amqp: publish failed');
      this.opts.onFact?.({ kind: 'publish_failed', ...base, code: e.code, message: e.message });
      throw e;
    }
  }

  /** The connection this publisher's channel is on (for parts that publish raw, e.g. tests). */
  get live(): boolean {
    return this.channel !== undefined && this.model !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiters) wake();
    const ch = this.channel;
    this.channel = undefined;
    if (ch) await settleWithin(ch.close(), 1000);
  }
}
