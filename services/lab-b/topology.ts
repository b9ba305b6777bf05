// Declares Lab B's exchanges, queues and bindings (each service declares what it publishes to and what it consumes).
// Work queues are durable with `x-dead-letter-exchange: lab-b.dlx`, except in the non-durable mode; exchanges and the
// dead-letter queue are always durable (a non-durable redeclaration of a durable exchange is a 406 from the broker).
// `user_registered` is declared exactly as the seed's pika code declares it (`queue_declare(queue='user_registered')`:
// not durable, not exclusive, not auto-delete, no arguments), so that the seed's own code can declare it too.
import type { Channel } from 'amqplib';
import { BINDINGS, EXCHANGES, QUEUES } from './schema.js';

type ExchangeKey = Exclude<keyof typeof EXCHANGES, 'deadLetter'>;

export class Topology {
  constructor(
    readonly prefix: string,
    /** work queues durable (false in the non-durable mode) */
    readonly durable: boolean,
  ) {}

  name(unprefixed: string): string {
    return `${this.prefix}${unprefixed}`;
  }

  get deadLetterExchange(): string {
    return this.name(EXCHANGES.deadLetter);
  }

  exchange(key: ExchangeKey): string {
    return this.name(EXCHANGES[key]);
  }

  async declareExchange(ch: Channel, key: ExchangeKey): Promise<void> {
    await ch.assertExchange(this.exchange(key), 'topic', { durable: true });
  }

  async declareDeadLetter(ch: Channel): Promise<void> {
    await ch.assertExchange(this.deadLetterExchange, 'fanout', { durable: true });
    await ch.assertQueue(this.name(QUEUES.dead), { durable: true });
    await ch.bindQueue(this.name(QUEUES.dead), this.deadLetterExchange, '');
  }

  /** A work queue with its bindings (from BINDINGS) and the dead-letter exchange it needs. */
  async declareQueue(
    ch: Channel,
    queue: Exclude<(typeof QUEUES)[keyof typeof QUEUES], 'user_registered'>,
  ): Promise<void> {
    await this.declareDeadLetter(ch);
    await ch.assertQueue(this.name(queue), {
      durable: this.durable,
      arguments: { 'x-dead-letter-exchange': this.deadLetterExchange },
    });
    for (const b of BINDINGS.filter((x) => x.queue === queue)) {
      const key = (Object.keys(EXCHANGES) as (keyof typeof EXCHANGES)[]).find((k) => EXCHANGES[k] === b.exchange);
      if (key === undefined || key === 'deadLetter') continue;
      await this.declareExchange(ch, key);
      await ch.bindQueue(this.name(queue), this.name(b.exchange), b.pattern);
    }
  }

  /** The seed's queue, as the seed declares it. */
  async declareUserRegistered(ch: Channel): Promise<void> {
    await ch.assertQueue(this.name(QUEUES.userRegistered), { durable: false, exclusive: false, autoDelete: false });
  }
}
