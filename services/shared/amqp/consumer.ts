// An AMQP consumer that acks after the work: a bounded prefetch, messages handled one at a time in delivery order,
// dedupe by event id through a seen-store (the mark commits with the effect), poison messages (undecodable, or a
// handler's POISON_MESSAGE) dead-lettered with the reason in headers, and a consumer that comes back with its
// connection (channel, queue, bindings and `basic.consume` declared again). Nothing is acked that was not processed: a
// delivery whose channel is gone is never acked on another one (delivery tags are per channel); the broker
// redelivers it, `redelivered` set, and dedupe skips it if its work had committed.
//
// Poison: the message is published to the dead-letter exchange (confirmed) with `x-poison-reason`, `x-poison-code`,
// `x-original-exchange`, `x-original-routing-key`, `x-original-queue` and `x-consumer` headers, then acked. Should that
// publish fail, the message is rejected without requeue and the queue's own `x-dead-letter-exchange` takes it (reason
// `rejected` in `x-death`).
// The broken modes live here as options: `ack: 'auto'` (the broker forgets a message when it sends it),
// `dedupe: false`, `poison: 'requeue'` (a poison message is nacked back to its queue and loops).
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { AppError, toAppError } from '../app-error.js';
import type { Logger } from '../logger.js';
import { settleWithin, type AmqpConnection } from './connection.js';
import type { SeenStore } from './seen-store.js';

export interface Decoded<T> {
  value: T;
  /** the dedupe key */
  eventId: string;
  /** the entity the message is about (a login event id, a vacation request id, a user id) */
  entityId: string | null;
}

export interface DeliveryInfo {
  queue: string;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  deliveryTag: number;
  messageId: string | null;
}

export type ConsumerFact = { queue: string; exchange: string; routingKey: string; eventId: string | null } & (
  | { kind: 'delivered'; entityId: string | null; redelivered: boolean; deliveryTag: number }
  | { kind: 'acked'; entityId: string | null; auto: boolean }
  | { kind: 'duplicate'; entityId: string | null }
  | {
      kind: 'dead_lettered';
      entityId: string | null;
      reason: string;
      code: string;
      deadLetterExchange: string;
      via: 'publish' | 'reject';
    }
  | { kind: 'requeued'; entityId: string | null; reason: string; code: string }
  | { kind: 'ack_lost'; entityId: string | null; reason: string }
);

export interface ConsumerOptions<T, Tx> {
  queue: string;
  /** a name for the seen-store marks and logs (defaults to the queue) */
  name?: string;
  logger: Logger;
  /** declares the queue, its bindings and what they need, on each (re)connection */
  declare: (ch: Channel) => Promise<void>;
  /** parses a message; throws (anything) for a message that can never be processed: poison */
  decode: (msg: ConsumeMessage) => Decoded<T>;
  handle: (value: T, ctx: { tx: Tx; delivery: DeliveryInfo }) => Promise<void>;
  seen: SeenStore<Tx>;
  /** unacked messages the broker may push at once (default 10) */
  prefetch?: number;
  /** where poison messages go (with their reason) */
  deadLetterExchange: string;
  /** `auto`: the broken mode of the seed's code (noAck) */
  ack?: 'manual' | 'auto';
  dedupe?: boolean;
  poison?: 'dead-letter' | 'requeue';
  /** waits this long before working on each message (to show unacked messages; 0 by default) */
  workDelayMs?: number;
  /** a failed (not poison) work is requeued after this wait (default 1000) */
  retryDelayMs?: number;
  onFact?: (fact: ConsumerFact) => void;
  /** each time the consumer is (again) consuming */
  onConsuming?: (info: { queue: string; prefetch: number; consumerTag: string }) => void;
}

interface Arrived<T> {
  delivery: DeliveryInfo;
  decoded: Decoded<T> | undefined;
  poison: AppError | undefined;
  eventId: string | null;
  entityId: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class AmqpConsumer<T, Tx> {
  private channel: ConfirmChannel | undefined;
  private consumerTag: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly name: string;
  private readonly prefetch: number;
  private readonly auto: boolean;
  private readonly dedupe: boolean;
  private readonly requeuePoison: boolean;

  constructor(
    private readonly conn: AmqpConnection,
    private readonly opts: ConsumerOptions<T, Tx>,
  ) {
    this.name = opts.name ?? opts.queue;
    this.prefetch = opts.prefetch ?? 10;
    this.auto = opts.ack === 'auto';
    this.dedupe = opts.dedupe ?? true;
    this.requeuePoison = opts.poison === 'requeue';
    conn.use((model) => this.setup(model));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createConfirmChannel();
    ch.on('error', (err: Error) =>
      this.opts.logger.warn({ err: err.message, queue: this.opts.queue }, 'amqp consumer: channel error'),
    );
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.channel = undefined;
      this.conn.reset(model, `consumer channel of ${this.opts.queue} closed`);
    });
    await this.opts.declare(ch);
    await ch.prefetch(this.prefetch);
    this.channel = ch;
    const { consumerTag } = await ch.consume(
      this.opts.queue,
      (msg) => {
        if (msg === null) {
          // the broker cancelled the consumer (its queue was deleted): declare it again
          this.opts.logger.warn({ queue: this.opts.queue }, 'amqp consumer: cancelled by the broker');
          if (this.channel === ch) {
            this.channel = undefined;
            this.conn.reset(model, `consumer of ${this.opts.queue} cancelled by the broker`);
          }
          return;
        }
        this.arrive(ch, msg);
      },
      { noAck: this.auto },
    );
    this.consumerTag = consumerTag;
    this.opts.logger.info(
      { queue: this.opts.queue, prefetch: this.prefetch, auto: this.auto },
      'amqp consumer: consuming',
    );
    this.opts.onConsuming?.({ queue: this.opts.queue, prefetch: this.prefetch, consumerTag });
  }

  private info(msg: ConsumeMessage): DeliveryInfo {
    const id = msg.properties.messageId as unknown;
    return {
      queue: this.opts.queue,
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      redelivered: msg.fields.redelivered,
      deliveryTag: msg.fields.deliveryTag,
      messageId: typeof id === 'string' && id !== '' ? id : null,
    };
  }

  /** On arrival (not when its turn comes): decoded once, reported `delivered` (and `acked` in the auto-ack mode). */
  private arrive(ch: ConfirmChannel, msg: ConsumeMessage): void {
    const delivery = this.info(msg);
    let decoded: Decoded<T> | undefined;
    let poison: AppError | undefined;
    try {
      decoded = this.opts.decode(msg);
    } catch (err) {
      poison = new AppError('POISON_MESSAGE', toAppError(err).message);
    }
    const eventId = decoded?.eventId ?? delivery.messageId;
    const entityId = decoded?.entityId ?? null;
    const where = { queue: delivery.queue, exchange: delivery.exchange, routingKey: delivery.routingKey };
    this.opts.onFact?.({
      kind: 'delivered',
      ...where,
      eventId,
      entityId,
      redelivered: delivery.redelivered,
      deliveryTag: delivery.deliveryTag,
    });
    if (this.auto) this.opts.onFact?.({ kind: 'acked', ...where, eventId, entityId, auto: true });
    const arrived: Arrived<T> = { delivery, decoded, poison, eventId, entityId };
    this.chain = this.chain.then(() => this.process(ch, msg, arrived));
  }

  private async process(ch: ConfirmChannel, msg: ConsumeMessage, arrived: Arrived<T>): Promise<void> {
    // a delivery of a channel that is gone comes again on the new one (it was never acked)
    if ((ch !== this.channel || this.stopping) && !this.auto) return;
    const { delivery, decoded, poison, eventId, entityId } = arrived;
    const where = { queue: delivery.queue, exchange: delivery.exchange, routingKey: delivery.routingKey };
    if (poison !== undefined || decoded === undefined) {
      await this.onPoison(ch, msg, poison ?? new AppError('POISON_MESSAGE', 'undecodable'), eventId, entityId);
      return;
    }
    if (this.opts.workDelayMs) await sleep(this.opts.workDelayMs);
    const value = decoded.value;
    try {
      const work = (tx: Tx) => this.opts.handle(value, { tx, delivery });
      const result = this.dedupe
        ? await this.opts.seen.once(this.name, decoded.eventId, work)
        : { duplicate: false as const, value: await this.opts.seen.always(work) };
      if (result.duplicate) {
        this.opts.logger.info({ queue: delivery.queue, eventId }, 'amqp consumer: duplicate skipped');
        this.opts.onFact?.({ kind: 'duplicate', ...where, eventId, entityId });
      }
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'POISON_MESSAGE') {
        await this.onPoison(ch, msg, e, eventId, entityId);
        return;
      }
      // not the message's fault (the database is away, …): it goes back to the queue and comes again later
      this.opts.logger.warn(
        { queue: delivery.queue, eventId, err: e.message },
        'amqp consumer: work failed, requeueing',
      );
      if (this.auto) return; // nothing to give back: the broker already forgot it
      await sleep(this.opts.retryDelayMs ?? 1000);
      if (this.settle(ch, msg, 'requeue', eventId, entityId))
        this.opts.onFact?.({ kind: 'requeued', ...where, eventId, entityId, reason: e.message, code: e.code });
      return;
    }
    if (!this.auto && this.settle(ch, msg, 'ack', eventId, entityId))
      this.opts.onFact?.({ kind: 'acked', ...where, eventId, entityId, auto: false });
  }

  /** acks, nacks or rejects a delivery on the channel it came on; false when that channel is gone (it comes again) */
  private settle(
    ch: ConfirmChannel,
    msg: ConsumeMessage,
    how: 'ack' | 'requeue' | 'reject',
    eventId: string | null,
    entityId: string | null,
  ): boolean {
    if (ch !== this.channel) {
      this.lost(msg, eventId, entityId, 'its channel closed before the ack');
      return false;
    }
    try {
      if (how === 'ack') ch.ack(msg);
      else ch.nack(msg, false, how === 'requeue');
      return true;
    } catch (err) {
      this.lost(msg, eventId, entityId, toAppError(err).message);
      return false;
    }
  }

  private lost(msg: ConsumeMessage, eventId: string | null, entityId: string | null, reason: string): void {
    const d = this.info(msg);
    this.opts.logger.warn(
      { queue: d.queue, eventId, reason },
      'amqp consumer: could not settle; the broker redelivers',
    );
    this.opts.onFact?.({
      kind: 'ack_lost',
      queue: d.queue,
      exchange: d.exchange,
      routingKey: d.routingKey,
      eventId,
      entityId,
      reason,
    });
  }

  private async onPoison(
    ch: ConfirmChannel,
    msg: ConsumeMessage,
    err: AppError,
    eventId: string | null,
    entityId: string | null,
  ): Promise<void> {
    const d = this.info(msg);
    const where = { queue: d.queue, exchange: d.exchange, routingKey: d.routingKey, eventId, entityId };
    this.opts.logger.warn({ queue: d.queue, eventId, reason: err.message }, 'amqp consumer: poison message');
    if (this.requeuePoison) {
      // the broken mode: back to the queue, delivered again, rejected again … (slowed down so it does not spin a core)
      await sleep(100);
      if (this.settle(ch, msg, 'requeue', eventId, entityId))
        this.opts.onFact?.({ kind: 'requeued', ...where, reason: err.message, code: err.code });
      return;
    }
    const dlx = this.opts.deadLetterExchange;
    try {
      await new Promise<void>((resolve, reject) => {
        try {
          ch.publish(
            dlx,
            d.routingKey,
            msg.content,
            {
              ...msg.properties,
              persistent: true,
              headers: {
                ...msg.properties.headers,
                'x-poison-reason': err.message,
                'x-poison-code': err.code,
                'x-original-exchange': d.exchange,
                'x-original-routing-key': d.routingKey,
                'x-original-queue': d.queue,
                'x-consumer': this.name,
              },
            },
            (e) => (e ? reject(e as Error) : resolve()),
          );
        } catch (e) {
          reject(toAppError(e));
        }
      });
    } catch (e) {
      this.opts.logger.warn({ err: toAppError(e).message }, 'amqp consumer: dead-letter publish failed, rejecting');
      if (!this.auto && this.settle(ch, msg, 'reject', eventId, entityId))
        this.opts.onFact?.({
          kind: 'dead_lettered',
          ...where,
          reason: err.message,
          code: err.code,
          deadLetterExchange: dlx,
          via: 'reject',
        });
      return;
    }
    if (this.auto || this.settle(ch, msg, 'ack', eventId, entityId))
      this.opts.onFact?.({
        kind: 'dead_lettered',
        ...where,
        reason: err.message,
        code: err.code,
        deadLetterExchange: dlx,
        via: 'publish',
      });
  }

  /** Stops taking messages, lets the one being worked on finish (up to `drainMs`), closes the channel. */
  async stop(drainMs = 3000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const ch = this.channel;
    if (ch && this.consumerTag) await settleWithin(ch.cancel(this.consumerTag), 1000);
    await settleWithin(this.chain, drainMs);
    this.channel = undefined;
    if (ch) await settleWithin(ch.close(), 1000);
  }
}
