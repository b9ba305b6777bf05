// The RabbitMQ observer's part of the console contract: what it reports from the management HTTP API (exchanges, queues
// with depths and rates, bindings with routing keys, connections, channels, consumers), the `rabbitmq:diff` push and
// the `rabbitmq:snapshot` request. Merged into console-api.ts. zod only: compiled into the DOM build too.
//
// Ids: `<vhost>|<name>` for exchanges and queues (the default exchange is `/|`), the broker's own name for connections
// and channels, `<channel>|<consumer tag>` for consumers, and for a binding every part that makes it distinct.
import { z } from 'zod';
import { Empty, Millis, Seq, def, event } from './define.js';

/** messages per second over the broker's last sample (management `*_details.rate`), rounded to 0.1 */
const Rate = z.number().nonnegative();

export const RabbitExchange = z.object({
  id: z.string(),
  vhost: z.string(),
  /** '' is the AMQP default exchange */
  name: z.string(),
  type: z.string(),
  durable: z.boolean(),
  autoDelete: z.boolean(),
  internal: z.boolean(),
  publishInRate: Rate,
  publishOutRate: Rate,
});
export type RabbitExchange = z.infer<typeof RabbitExchange>;

export const RabbitQueue = z.object({
  id: z.string(),
  vhost: z.string(),
  name: z.string(),
  durable: z.boolean(),
  autoDelete: z.boolean(),
  exclusive: z.boolean(),
  /** running, idle, flow, down, … ('unknown' before the broker's first statistics for a new queue) */
  state: z.string(),
  /** messages ready for delivery, delivered but not acked, and both */
  ready: z.number().int().nonnegative(),
  unacked: z.number().int().nonnegative(),
  messages: z.number().int().nonnegative(),
  consumers: z.number().int().nonnegative(),
  publishRate: Rate,
  deliverRate: Rate,
  ackRate: Rate,
  redeliverRate: Rate,
  /** x-dead-letter-exchange, when the queue has one */
  deadLetterExchange: z.string().nullable(),
});
export type RabbitQueue = z.infer<typeof RabbitQueue>;

export const RabbitBinding = z.object({
  id: z.string(),
  vhost: z.string(),
  /** the exchange ('' = the default exchange, which binds every queue by its name) */
  source: z.string(),
  destination: z.string(),
  destinationType: z.enum(['queue', 'exchange']),
  routingKey: z.string(),
});
export type RabbitBinding = z.infer<typeof RabbitBinding>;

export const RabbitConnection = z.object({
  id: z.string(),
  vhost: z.string(),
  user: z.string(),
  /** the client's `connection_name` (amqplib `clientProperties`, pika `client_properties`), when it gave one */
  clientName: z.string().nullable(),
  /** host:port of the client */
  peer: z.string(),
  channels: z.number().int().nonnegative(),
  state: z.string(),
});
export type RabbitConnection = z.infer<typeof RabbitConnection>;

export const RabbitChannel = z.object({
  id: z.string(),
  connection: z.string(),
  number: z.number().int().nonnegative(),
  consumers: z.number().int().nonnegative(),
  unacked: z.number().int().nonnegative(),
  prefetch: z.number().int().nonnegative(),
  /** publisher confirms on */
  confirm: z.boolean(),
  state: z.string(),
});
export type RabbitChannel = z.infer<typeof RabbitChannel>;

export const RabbitConsumer = z.object({
  id: z.string(),
  /** the queue's id (`<vhost>|<name>`) */
  queue: z.string(),
  tag: z.string(),
  channel: z.string(),
  connection: z.string(),
  /** false: auto-ack (the broker forgets a message once sent) */
  ackRequired: z.boolean(),
  prefetch: z.number().int().nonnegative(),
});
export type RabbitConsumer = z.infer<typeof RabbitConsumer>;

/** Everything the observer knows, by kind. */
export const RabbitTopology = z.object({
  exchanges: z.array(RabbitExchange),
  queues: z.array(RabbitQueue),
  bindings: z.array(RabbitBinding),
  connections: z.array(RabbitConnection),
  channels: z.array(RabbitChannel),
  consumers: z.array(RabbitConsumer),
});
export type RabbitTopology = z.infer<typeof RabbitTopology>;
export type RabbitKind = keyof RabbitTopology;
export const RABBIT_KINDS = ['exchanges', 'queues', 'bindings', 'connections', 'channels', 'consumers'] as const;

const changes = <T extends z.ZodType>(item: T) => z.object({ upsert: z.array(item), removed: z.array(z.string()) });

export const RabbitDiff = z.object({
  seq: Seq,
  at: Millis,
  exchanges: changes(RabbitExchange),
  queues: changes(RabbitQueue),
  bindings: changes(RabbitBinding),
  connections: changes(RabbitConnection),
  channels: changes(RabbitChannel),
  consumers: changes(RabbitConsumer),
});
export type RabbitDiff = z.infer<typeof RabbitDiff>;

export const RabbitSnapshot = RabbitTopology.extend({
  seq: Seq,
  /** the node that answers the management API (null before it answered once) */
  node: z.string().nullable(),
  /** the management API (without credentials) */
  endpoint: z.string().nullable(),
  /** false while the management API does not answer (then the lists are the last known) */
  reachable: z.boolean(),
});
export type RabbitSnapshot = z.infer<typeof RabbitSnapshot>;

export const RABBITMQ_REQUESTS = {
  /** RabbitMQ now (exchanges, queues, bindings, connections, channels, consumers) with the `seq` of the last
   * `rabbitmq:diff` included; empty with node null while the console does not observe a RabbitMQ. */
  'rabbitmq:snapshot': def(Empty, RabbitSnapshot),
} as const;

export const RABBITMQ_EVENTS = {
  /** What changed in RabbitMQ since the last push, per kind: items upserted by id and ids that disappeared. */
  'rabbitmq:diff': event(RabbitDiff),
} as const;
