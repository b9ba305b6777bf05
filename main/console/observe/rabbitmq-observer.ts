// Polls RabbitMQ's management HTTP API: exchanges, queues (ready, unacked, consumers, publish/deliver/ack/redeliver
// rates), bindings with their routing keys, connections, channels and consumers. Pushes diffs (what changed since the
// last push, per kind), never whole snapshots; the snapshot is a request. Says once when the API stops answering and
// once when it answers again (a broker restart).
import { toAppError, type AppError } from '../../../services/shared/app-error.js';
import type { Logger } from '../../../services/shared/logger.js';
import {
  RABBIT_KINDS,
  type RabbitBinding,
  type RabbitChannel,
  type RabbitConnection,
  type RabbitConsumer,
  type RabbitDiff,
  type RabbitExchange,
  type RabbitKind,
  type RabbitQueue,
  type RabbitSnapshot,
  type RabbitTopology,
} from '../contract/rabbitmq.js';
import type { ManagementClient, ManagementOverview } from '../stack/rabbitmq-management.js';
import { createPollLoop } from './poll-loop.js';

export interface RabbitmqObserverDeps {
  management: ManagementClient;
  logger: Logger;
  pollIntervalMs: number;
  onDiff: (diff: RabbitDiff) => void;
  /** reachability changes (an error while the API does not answer, undefined once it answers again) */
  onHealth?: (error: AppError | undefined) => void;
  /** per request (default 5 s) */
  requestTimeoutMs?: number;
  now?: () => number;
}

export interface RabbitmqObserver {
  start(): void;
  stop(): Promise<void>;
  setPollInterval(ms: number): void;
  /** one poll now (tests, and right after a fault) */
  pollNow(): Promise<void>;
  snapshot(): RabbitSnapshot;
}

// ---------------------------------------------------------------------------------------------------------------------
// The management API's JSON (only the fields read here; a new queue has no statistics yet, so most are optional)

interface RawRate {
  rate?: number;
}
export interface RawExchange {
  name: string;
  vhost: string;
  type: string;
  durable?: boolean;
  auto_delete?: boolean;
  internal?: boolean;
  message_stats?: { publish_in_details?: RawRate; publish_out_details?: RawRate };
}
export interface RawQueue {
  name: string;
  vhost: string;
  durable?: boolean;
  auto_delete?: boolean;
  exclusive?: boolean;
  state?: string;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  arguments?: Record<string, unknown>;
  message_stats?: {
    publish_details?: RawRate;
    deliver_get_details?: RawRate;
    ack_details?: RawRate;
    redeliver_details?: RawRate;
  };
}
export interface RawBinding {
  source: string;
  vhost: string;
  destination: string;
  destination_type: string;
  routing_key: string;
  properties_key?: string;
}
export interface RawConnection {
  name: string;
  vhost?: string;
  user?: string;
  peer_host?: string;
  peer_port?: number;
  channels?: number;
  state?: string;
  client_properties?: { connection_name?: unknown };
}
export interface RawChannel {
  name: string;
  number?: number;
  consumer_count?: number;
  messages_unacknowledged?: number;
  prefetch_count?: number;
  confirm?: boolean;
  state?: string;
  connection_details?: { name?: string };
}
export interface RawConsumer {
  consumer_tag: string;
  ack_required?: boolean;
  prefetch_count?: number;
  queue: { name: string; vhost: string };
  channel_details?: { name?: string; connection_name?: string };
}

const rate = (r: RawRate | undefined): number => Math.round(Math.max(0, r?.rate ?? 0) * 10) / 10;
const count = (n: number | undefined): number => (typeof n === 'number' && n > 0 ? Math.trunc(n) : 0);
export const idOf = (vhost: string, name: string): string => `${vhost}|${name}`;

export function toExchange(raw: RawExchange): RabbitExchange {
  return {
    id: idOf(raw.vhost, raw.name),
    vhost: raw.vhost,
    name: raw.name,
    type: raw.type,
    durable: raw.durable ?? false,
    autoDelete: raw.auto_delete ?? false,
    internal: raw.internal ?? false,
    publishInRate: rate(raw.message_stats?.publish_in_details),
    publishOutRate: rate(raw.message_stats?.publish_out_details),
  };
}

export function toQueue(raw: RawQueue): RabbitQueue {
  const dlx = raw.arguments?.['x-dead-letter-exchange'];
  const ready = count(raw.messages_ready);
  const unacked = count(raw.messages_unacknowledged);
  return {
    id: idOf(raw.vhost, raw.name),
    vhost: raw.vhost,
    name: raw.name,
    durable: raw.durable ?? false,
    autoDelete: raw.auto_delete ?? false,
    exclusive: raw.exclusive ?? false,
    state: raw.state ?? 'unknown',
    ready,
    unacked,
    messages: raw.messages === undefined ? ready + unacked : count(raw.messages),
    consumers: count(raw.consumers),
    publishRate: rate(raw.message_stats?.publish_details),
    deliverRate: rate(raw.message_stats?.deliver_get_details),
    ackRate: rate(raw.message_stats?.ack_details),
    redeliverRate: rate(raw.message_stats?.redeliver_details),
    deadLetterExchange: typeof dlx === 'string' ? dlx : null,
  };
}

export function toBinding(raw: RawBinding): RabbitBinding {
  const destinationType = raw.destination_type === 'exchange' ? 'exchange' : 'queue';
  return {
    id: [raw.vhost, raw.source, destinationType, raw.destination, raw.properties_key ?? raw.routing_key].join('|'),
    vhost: raw.vhost,
    source: raw.source,
    destination: raw.destination,
    destinationType,
    routingKey: raw.routing_key,
  };
}

export function toConnection(raw: RawConnection): RabbitConnection {
  const clientName = raw.client_properties?.connection_name;
  return {
    id: raw.name,
    vhost: raw.vhost ?? '/',
    user: raw.user ?? '',
    clientName: typeof clientName === 'string' && clientName !== '' ? clientName : null,
    peer: raw.peer_host === undefined ? '' : `${raw.peer_host}:${raw.peer_port ?? ''}`,
    channels: count(raw.channels),
    state: raw.state ?? 'unknown',
  };
}

export function toChannel(raw: RawChannel): RabbitChannel {
  return {
    id: raw.name,
    connection: raw.connection_details?.name ?? '',
    number: count(raw.number),
    consumers: count(raw.consumer_count),
    unacked: count(raw.messages_unacknowledged),
    prefetch: count(raw.prefetch_count),
    confirm: raw.confirm ?? false,
    state: raw.state ?? 'unknown',
  };
}

export function toConsumer(raw: RawConsumer): RabbitConsumer {
  const channel = raw.channel_details?.name ?? '';
  return {
    id: `${channel}|${raw.consumer_tag}`,
    queue: idOf(raw.queue.vhost, raw.queue.name),
    tag: raw.consumer_tag,
    channel,
    connection: raw.channel_details?.connection_name ?? '',
    ackRequired: raw.ack_required ?? true,
    prefetch: count(raw.prefetch_count),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The diff: per kind, the items whose JSON changed since the last poll and the ids that are gone

type Item = { id: string };
export type TopologyState = { [K in RabbitKind]: Map<string, { item: RabbitTopology[K][number]; json: string }> };

export function emptyTopologyState(): TopologyState {
  return {
    exchanges: new Map(),
    queues: new Map(),
    bindings: new Map(),
    connections: new Map(),
    channels: new Map(),
    consumers: new Map(),
  };
}

function diffKind<T extends Item>(
  known: Map<string, { item: T; json: string }>,
  next: readonly T[],
): { upsert: T[]; removed: string[] } {
  const upsert: T[] = [];
  const seen = new Set<string>();
  for (const item of next) {
    seen.add(item.id);
    const json = JSON.stringify(item);
    if (known.get(item.id)?.json !== json) {
      known.set(item.id, { item, json });
      upsert.push(item);
    }
  }
  const removed = [...known.keys()].filter((id) => !seen.has(id));
  for (const id of removed) known.delete(id);
  return { upsert, removed };
}

/**
 * Applies one poll's topology to `state` (mutated) and returns what changed, or undefined when nothing did. A kind left
 * out of `next` keeps what it had.
 */
export function diffTopology(
  state: TopologyState,
  next: Partial<RabbitTopology>,
): Omit<RabbitDiff, 'seq' | 'at'> | undefined {
  const out = {} as Omit<RabbitDiff, 'seq' | 'at'>;
  let changed = false;
  for (const kind of RABBIT_KINDS) {
    const list = next[kind];
    const d =
      list === undefined
        ? { upsert: [], removed: [] }
        : diffKind(state[kind] as Map<string, { item: Item; json: string }>, list as Item[]);
    if (d.upsert.length > 0 || d.removed.length > 0) changed = true;
    (out as Record<RabbitKind, { upsert: Item[]; removed: string[] }>)[kind] = d;
  }
  return changed ? out : undefined;
}

// ---------------------------------------------------------------------------------------------------------------------

const COLUMNS = {
  exchanges:
    'name,vhost,type,durable,auto_delete,internal,message_stats.publish_in_details,message_stats.publish_out_details',
  queues:
    'name,vhost,durable,auto_delete,exclusive,state,messages,messages_ready,messages_unacknowledged,consumers,arguments,' +
    'message_stats.publish_details,message_stats.deliver_get_details,message_stats.ack_details,' +
    'message_stats.redeliver_details',
  connections: 'name,vhost,user,peer_host,peer_port,channels,state,client_properties.connection_name',
  channels: 'name,number,consumer_count,messages_unacknowledged,prefetch_count,confirm,state,connection_details.name',
} as const;

export function createRabbitmqObserver(deps: RabbitmqObserverDeps): RabbitmqObserver {
  const now = deps.now ?? Date.now;
  const timeout = deps.requestTimeoutMs ?? 5_000;
  const state = emptyTopologyState();
  let seq = 0;
  let node: string | null = null;
  let healthy: boolean | undefined;

  const get = <T>(path: string) => deps.management.get<T>(path, timeout);

  const poll = async () => {
    try {
      // the node's name once per (re)connection: /api/overview is the API's most expensive call
      if (healthy !== true) node = (await get<ManagementOverview>('/api/overview')).node;
      const [exchanges, queues, bindings, connections, channels, consumers] = await Promise.all([
        get<RawExchange[]>(`/api/exchanges?columns=${COLUMNS.exchanges}`),
        get<RawQueue[]>(`/api/queues?columns=${COLUMNS.queues}`),
        get<RawBinding[]>('/api/bindings'),
        get<RawConnection[]>(`/api/connections?columns=${COLUMNS.connections}`),
        get<RawChannel[]>(`/api/channels?columns=${COLUMNS.channels}`),
        get<RawConsumer[]>('/api/consumers'),
      ]);
      const changed = diffTopology(state, {
        exchanges: exchanges.map(toExchange),
        queues: queues.map(toQueue),
        bindings: bindings.map(toBinding),
        connections: connections.map(toConnection),
        channels: channels.map(toChannel),
        consumers: consumers.map(toConsumer),
      });
      if (changed !== undefined) {
        seq += 1;
        deps.onDiff({ seq, at: now(), ...changed });
      }
      if (healthy !== true) {
        if (healthy === false) deps.logger.info({ node }, 'rabbitmq observer: the management API answers again');
        healthy = true;
        deps.onHealth?.(undefined);
      }
    } catch (err) {
      const e = toAppError(err, 'BROKER_UNAVAILABLE');
      if (healthy !== false) {
        healthy = false;
        deps.logger.warn({ err: e.message }, 'rabbitmq observer: poll failed');
        deps.onHealth?.(e);
      }
    }
  };

  const loop = createPollLoop(poll, deps.pollIntervalMs);

  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    setPollInterval: (ms) => loop.setInterval(ms),
    pollNow: () => loop.pollNow(),
    snapshot(): RabbitSnapshot {
      const items = <K extends RabbitKind>(kind: K) =>
        [...state[kind].values()].map((v) => v.item) as RabbitTopology[K];
      return {
        seq,
        node,
        endpoint: deps.management.endpoint,
        reachable: healthy === true,
        exchanges: items('exchanges'),
        queues: items('queues'),
        bindings: items('bindings'),
        connections: items('connections'),
        channels: items('channels'),
        consumers: items('consumers'),
      };
    },
  };
}
