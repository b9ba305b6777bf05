// What the Queues view draws and lists, from the RabbitMQ store and the lab's manifest (pure functions, tested):
// the graph exchange → binding (routing key) → queue → consumer instance, the queue rows, and the two routing shapes of
// the lesson: an exchange that copies a message to several queues (fan-out) and a queue that several consumers share
// (a work queue: each message to one of them).
import type {
  LabManifest,
  RabbitBinding,
  RabbitChannel,
  RabbitConnection,
  RabbitConsumer,
  RabbitExchange,
  RabbitQueue,
} from '../../../main/console/contract/console-api';
import type { GraphEdge, GraphNode } from '../../ui/topology-graph-model';
import { instanceOfClient } from '../labs/manifest';

export interface RabbitView {
  exchanges: Record<string, RabbitExchange>;
  queues: Record<string, RabbitQueue>;
  bindings: Record<string, RabbitBinding>;
  connections: Record<string, RabbitConnection>;
  channels: Record<string, RabbitChannel>;
  consumers: Record<string, RabbitConsumer>;
}

export const DEFAULT_EXCHANGE_LABEL = '(default exchange)';

export const rate = (r: number): string => `${r.toFixed(1)}/s`;
const idOf = (vhost: string, name: string) => `${vhost}|${name}`;

/** The lab's instance a connection belongs to: the instance its client name names (`…/worker-2`), or that name. */
export function instanceOf(connection: RabbitConnection | undefined, instances: readonly string[]): string {
  if (connection === undefined) return 'a consumer';
  const name = connection.clientName;
  if (name === null) return connection.peer !== '' ? connection.peer : connection.id;
  return instanceOfClient(name, instances);
}

const instancesOf = (lab: LabManifest | null): string[] => (lab?.services ?? []).flatMap((s) => s.instances);

/**
 * The queues to show: the lab's (named in its manifest's exchanges) when `labOnly` and the manifest names some, else
 * every queue the broker has.
 */
export function shownQueues(view: RabbitView, lab: LabManifest | null, labOnly: boolean): RabbitQueue[] {
  const names = new Set((lab?.exchanges ?? []).flatMap((x) => x.queues));
  const all = Object.values(view.queues);
  const queues = labOnly && names.size > 0 ? all.filter((q) => names.has(q.name)) : all;
  return queues.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The bindings that bring messages to the shown queues. The default exchange binds every queue by its name: that
 * binding is drawn only for a queue no other exchange feeds (a queue used the default way, as `user_registered`).
 */
export function shownBindings(view: RabbitView, queues: readonly RabbitQueue[]): RabbitBinding[] {
  const ids = new Set(queues.map((q) => q.id));
  const toQueues = Object.values(view.bindings).filter(
    (b) => b.destinationType === 'queue' && ids.has(idOf(b.vhost, b.destination)),
  );
  const fedByNamed = new Set(toQueues.filter((b) => b.source !== '').map((b) => idOf(b.vhost, b.destination)));
  return toQueues
    .filter((b) => b.source !== '' || !fedByNamed.has(idOf(b.vhost, b.destination)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export interface ConsumerOf {
  id: string;
  instance: string;
  connection: string;
  /** messages delivered to its channel and not acked yet */
  unacked: number;
  prefetch: number;
  ackRequired: boolean;
}

export function consumersOf(view: RabbitView, queueId: string, instances: readonly string[]): ConsumerOf[] {
  return Object.values(view.consumers)
    .filter((c) => c.queue === queueId)
    .map((c) => ({
      id: c.id,
      instance: instanceOf(view.connections[c.connection], instances),
      connection: c.connection,
      unacked: view.channels[c.channel]?.unacked ?? 0,
      prefetch: c.prefetch,
      ackRequired: c.ackRequired,
    }))
    .sort((a, b) => a.instance.localeCompare(b.instance) || a.id.localeCompare(b.id));
}

const exchangeNode = (x: RabbitExchange | undefined, vhost: string, name: string): GraphNode => ({
  id: `x:${idOf(vhost, name)}`,
  kind: 'exchange',
  label: name === '' ? DEFAULT_EXCHANGE_LABEL : name,
  sub: x === undefined ? undefined : `${x.type}${x.durable ? ', durable' : ''}`,
  figures: x === undefined ? [] : [{ label: 'in', value: rate(x.publishInRate) }],
});

/** The graph: exchanges → (routing key) → queues → consumer instances, a queue's dead-letter exchange after it. */
export function topologyGraph(
  view: RabbitView,
  lab: LabManifest | null,
  labOnly: boolean,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const instances = instancesOf(lab);
  const queues = shownQueues(view, lab, labOnly);
  const bindings = shownBindings(view, queues);
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const addExchange = (vhost: string, name: string) => {
    const node = exchangeNode(view.exchanges[idOf(vhost, name)], vhost, name);
    if (!nodes.has(node.id)) nodes.set(node.id, node);
    return node.id;
  };
  const queuesById = new Map(queues.map((q) => [q.id, q]));
  for (const b of bindings) {
    const from = addExchange(b.vhost, b.source);
    const q = queuesById.get(idOf(b.vhost, b.destination));
    edges.push({
      id: `b:${b.id}`,
      source: from,
      target: `q:${idOf(b.vhost, b.destination)}`,
      label: b.routingKey === '' ? '(no key)' : b.routingKey,
      figure: q !== undefined && q.publishRate > 0 ? rate(q.publishRate) : undefined,
      active: q !== undefined && q.publishRate > 0,
    });
  }
  for (const q of queues) {
    nodes.set(`q:${q.id}`, {
      id: `q:${q.id}`,
      kind: 'queue',
      label: q.name,
      sub: [q.durable ? 'durable' : 'not durable', q.deadLetterExchange !== null ? `DLX ${q.deadLetterExchange}` : '']
        .filter((x) => x !== '')
        .join(', '),
      figures: [
        { label: 'ready', value: String(q.ready), tone: q.ready > 0 && q.consumers === 0 ? 'warn' : undefined },
        { label: 'unacked', value: String(q.unacked), tone: q.unacked > 0 ? 'warn' : undefined },
        { label: 'consumers', value: String(q.consumers), tone: q.consumers === 0 ? 'bad' : undefined },
      ],
      tone: q.redeliverRate > 0 ? 'warn' : undefined,
    });
    for (const c of consumersOf(view, q.id, instances)) {
      const id = `c:${c.connection || c.id}`;
      const had = nodes.get(id);
      nodes.set(id, {
        id,
        kind: 'consumer',
        label: c.instance,
        sub: had?.sub ?? (c.ackRequired ? `manual ack, prefetch ${c.prefetch}` : 'auto-ack'),
        figures: [],
      });
      edges.push({
        id: `k:${c.id}`,
        source: `q:${q.id}`,
        target: id,
        label: c.ackRequired ? undefined : 'auto-ack',
        figure: `unacked ${c.unacked}`,
        active: q.deliverRate > 0,
        tone: c.ackRequired ? undefined : 'bad',
      });
    }
    if (q.deadLetterExchange !== null && q.deadLetterExchange !== '') {
      const dlx = addExchange(q.vhost, q.deadLetterExchange);
      // unlabelled (the queue's line says `DLX …`), drawn faint: every queue of a lab may have one
      edges.push({ id: `d:${q.id}`, source: `q:${q.id}`, target: dlx, tone: 'idle' });
    }
  }
  // a consumer's figures: what it holds over all its queues
  const held = new Map<string, number>();
  for (const q of queues)
    for (const c of consumersOf(view, q.id, instances)) {
      const id = `c:${c.connection || c.id}`;
      held.set(id, (held.get(id) ?? 0) + c.unacked);
    }
  for (const [id, n] of held) {
    const node = nodes.get(id);
    if (node !== undefined)
      nodes.set(id, {
        ...node,
        figures: [{ label: 'holds unacked', value: String(n), tone: n > 0 ? 'warn' : undefined }],
      });
  }
  return { nodes: [...nodes.values()], edges };
}

export interface FanOut {
  exchange: string;
  type: string;
  inRate: number;
  copies: { queue: string; routingKey: string; publishRate: number; messages: number }[];
}

/** Exchanges that route to two or more of the shown queues: each bound queue whose key matches gets its own copy. */
export function fanOuts(view: RabbitView, lab: LabManifest | null, labOnly: boolean): FanOut[] {
  const queues = shownQueues(view, lab, labOnly);
  const byId = new Map(queues.map((q) => [q.id, q]));
  const groups = new Map<string, FanOut>();
  for (const b of shownBindings(view, queues)) {
    if (b.source === '') continue;
    const q = byId.get(idOf(b.vhost, b.destination));
    if (q === undefined) continue;
    const x = view.exchanges[idOf(b.vhost, b.source)];
    const key = idOf(b.vhost, b.source);
    const g = groups.get(key) ?? {
      exchange: b.source,
      type: x?.type ?? '?',
      inRate: x?.publishInRate ?? 0,
      copies: [],
    };
    g.copies.push({ queue: q.name, routingKey: b.routingKey, publishRate: q.publishRate, messages: q.messages });
    groups.set(key, g);
  }
  return [...groups.values()]
    .filter((g) => new Set(g.copies.map((c) => c.queue)).size >= 2)
    .sort((a, b) => a.exchange.localeCompare(b.exchange));
}

export interface WorkQueue {
  queue: RabbitQueue;
  consumers: ConsumerOf[];
  /** the most consumers it had at once */
  maxConsumers: number;
}

/**
 * Queues that two or more consumers share, or shared (`maxConsumers`: one of them died or stopped): each message goes
 * to one of them.
 */
export function workQueues(
  view: RabbitView,
  lab: LabManifest | null,
  labOnly: boolean,
  maxConsumers: Record<string, number> = {},
): WorkQueue[] {
  const instances = instancesOf(lab);
  return shownQueues(view, lab, labOnly)
    .map((queue) => {
      const consumers = consumersOf(view, queue.id, instances);
      return { queue, consumers, maxConsumers: Math.max(consumers.length, maxConsumers[queue.id] ?? 0) };
    })
    .filter((w) => w.maxConsumers >= 2);
}

/** The lab's queues the manifest names but the broker does not have (yet): their consumers declare them. */
export function missingQueues(view: RabbitView, lab: LabManifest | null): string[] {
  const have = new Set(Object.values(view.queues).map((q) => q.name));
  const named = [...new Set((lab?.exchanges ?? []).flatMap((x) => x.queues))];
  return named.filter((n) => !have.has(n)).sort();
}
