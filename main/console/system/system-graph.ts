// The running lab as a graph, pure: from the lab's manifest (its services and instances, topics, exchanges, groups,
// read models and flows) plus what the observers see now (partitions with their rates, consumer groups with their
// members and lag, RabbitMQ's exchanges, bindings, queues and consumers, the outbox tables, the read-model
// collections, the instances' states and the link faults' links) → nodes and edges. What only the observers see (a
// student's own consumer group, a client that is none of the lab's instances) appears as it is, marked undeclared; an
// instance that was killed is marked; a cut or delayed link marks the edge between the instance and the component.
// Knows no lab: every name comes from the manifest or the observers. Used by `system:graph` and by the exporters.
import type {
  GroupState,
  LabManifest,
  OutboxState,
  PartitionState,
  RabbitTopology,
  ReadModelSnapshot,
  ServiceInstance,
} from '../contract/console-api.js';
import type { ComponentName } from '../contract/manifest.js';
import type {
  SystemEdge,
  SystemEdgeLink,
  SystemFigure,
  SystemGraph,
  SystemNode,
  SystemNodeKind,
  SystemTone,
} from '../contract/system.js';

/**
 * The part of a link fault's link the graph reads (main/console/contract/links.ts's LinkView has these fields): one
 * per (instance, component), cut or delayed.
 */
export interface GraphLink {
  instance: string;
  component: ComponentName;
  state: 'up' | 'cut';
  delayMs: number;
}

/** An outbox table the lab's module watches, with the observer's last state (null before its first poll). */
export interface GraphOutbox {
  table: string;
  state: OutboxState | null;
}

export interface SystemInput {
  manifest: LabManifest;
  instances: readonly ServiceInstance[];
  partitions: readonly PartitionState[];
  groups: readonly GroupState[];
  rabbit: RabbitTopology | null;
  outboxes: readonly GraphOutbox[];
  readModels: ReadModelSnapshot | null;
  links: readonly GraphLink[];
  at: number;
}

const COMPONENT_OF: Partial<Record<SystemNodeKind, ComponentName>> = {
  topic: 'kafka',
  group: 'kafka',
  exchange: 'rabbitmq',
  queue: 'rabbitmq',
  table: 'postgres',
  collection: 'mongodb',
  cache: 'redis',
};

const VIEW_OF: Partial<Record<SystemNodeKind, SystemNode['view']>> = {
  instance: 'stack',
  topic: 'topics',
  group: 'groups',
  exchange: 'queues',
  queue: 'queues',
  table: 'outbox',
  collection: 'timeline',
  cache: 'timeline',
};

export const nodeId = (kind: SystemNodeKind, name: string) => `${kind}:${name}`;

/** A rate as the graph shows it: one decimal under 10/s, whole above. */
export function formatRate(perSec: number): string {
  return `${perSec < 10 ? perSec.toFixed(1) : Math.round(perSec).toString()}/s`;
}

/** The instance a consumer's client id names (`notifier-notifier-2` → `notifier-2`): the longest instance it ends with,
 * equals or starts with, so a lab's own members are drawn on their instance. */
export function instanceOfClient(clientId: string, instances: readonly string[]): string | null {
  let best: string | null = null;
  for (const i of instances) {
    const hit =
      clientId === i ||
      clientId.endsWith(`-${i}`) ||
      clientId.endsWith(`_${i}`) ||
      clientId.startsWith(`${i}-`) ||
      clientId.startsWith(`${i}@`);
    if (hit && (best === null || i.length > best.length)) best = i;
  }
  return best;
}

export function buildSystemGraph(input: SystemInput): SystemGraph {
  const { manifest } = input;
  const nodes = new Map<string, SystemNode>();
  const edges = new Map<string, SystemEdge>();
  const services = new Map(manifest.services.map((s) => [s.kind, s]));
  const instanceNames = manifest.services.flatMap((s) => s.instances);
  const instanceKind = new Map(manifest.services.flatMap((s) => s.instances.map((i) => [i, s.kind] as const)));
  const stateOf = new Map(input.instances.map((i) => [i.instance, i]));
  const links = new Map(input.links.map((l) => [`${l.instance}/${l.component}`, l]));

  const addNode = (
    kind: SystemNodeKind,
    name: string,
    patch: Partial<Omit<SystemNode, 'id' | 'kind' | 'name'>> = {},
  ): SystemNode => {
    const id = nodeId(kind, name);
    const had = nodes.get(id);
    if (had !== undefined) {
      const merged = { ...had, ...patch, declared: had.declared || patch.declared === true };
      nodes.set(id, merged);
      return merged;
    }
    const n: SystemNode = {
      id,
      kind,
      name,
      sub: null,
      component: COMPONENT_OF[kind] ?? null,
      service: null,
      tone: 'info',
      figures: [],
      marks: [],
      declared: false,
      backlog: null,
      view: VIEW_OF[kind] ?? null,
      ...patch,
    };
    nodes.set(id, n);
    return n;
  };

  const linkOf = (a: SystemNode, b: SystemNode): SystemEdgeLink | null => {
    const inst = a.kind === 'instance' ? a : b.kind === 'instance' ? b : null;
    const other = inst === a ? b : a;
    if (inst === null || other.component === null) return null;
    const l = links.get(`${inst.name}/${other.component}`);
    if (l === undefined) return null;
    return { id: `${l.instance}/${l.component}`, state: l.state, delayMs: l.delayMs };
  };

  const addEdge = (
    kind: SystemEdge['kind'],
    source: string,
    target: string,
    patch: Partial<Omit<SystemEdge, 'id' | 'source' | 'target' | 'kind'>> = {},
  ) => {
    const s = nodes.get(source);
    const t = nodes.get(target);
    if (s === undefined || t === undefined || source === target) return;
    const id = `${kind}:${source}>${target}`;
    const had = edges.get(id);
    const link = linkOf(s, t);
    const e: SystemEdge = {
      id,
      source,
      target,
      kind,
      label: patch.label ?? had?.label ?? null,
      ratePerSec: patch.ratePerSec ?? had?.ratePerSec ?? null,
      link,
      tone: patch.tone ?? had?.tone ?? 'info',
      declared: (had?.declared ?? false) || patch.declared === true,
    };
    if (link?.state === 'cut') e.tone = 'bad';
    else if (link !== null && link.delayMs > 0 && e.tone !== 'bad') e.tone = 'warn';
    edges.set(id, e);
  };

  // --- the lab's instances, as the manifest declares them, in the state the supervisor reports
  for (const svc of manifest.services) {
    for (const name of svc.instances) {
      const st = stateOf.get(name);
      const marks: string[] = [];
      let tone: SystemTone = 'idle';
      let sub = svc.kind;
      if (st !== undefined) {
        if (st.state === 'running') tone = 'ok';
        else if (st.state === 'starting' || st.state === 'stopping') tone = 'info';
        else if (st.state === 'exited') {
          tone = 'bad';
          marks.push(st.exitSignal === 'SIGKILL' ? 'killed' : 'crashed');
        } else marks.push('stopped');
        if (st.brokenMode !== null) {
          marks.push(`broken: ${st.brokenMode}`);
          if (tone === 'ok') tone = 'warn';
        }
        sub = `${svc.kind} · ${st.state === 'exited' && st.exitSignal === 'SIGKILL' ? 'killed' : st.state}`;
      } else marks.push('stopped');
      const figures: SystemFigure[] = [];
      if (st !== undefined && st.eventsProcessed > 0) figures.push({ label: 'events', value: `${st.eventsProcessed}` });
      if (st !== undefined && st.errors > 0) figures.push({ label: 'errors', value: `${st.errors}`, tone: 'bad' });
      addNode('instance', name, { sub, tone, marks, figures, declared: true, service: svc.kind });
    }
  }

  // --- topics: the manifest's, plus those a lab's group reads or that carry the lab's flows
  const byTopic = new Map<string, PartitionState[]>();
  for (const p of input.partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p);
    byTopic.set(p.topic, list);
  }
  const topicRate = (topic: string) => (byTopic.get(topic) ?? []).reduce((n, p) => n + p.msgsPerSec, 0);
  const partitionRate = (topic: string, partition: number) =>
    (byTopic.get(topic) ?? []).find((p) => p.partition === partition)?.msgsPerSec ?? 0;
  const addTopic = (name: string, declared: boolean) => {
    const parts = byTopic.get(name) ?? [];
    const declaredParts = manifest.topics.find((t) => t.name === name)?.partitions;
    const count = parts.length > 0 ? parts.length : declaredParts;
    const offline = parts.filter((p) => p.leader === null).length;
    const under = parts.filter((p) => p.isr.length < p.replicas.length).length;
    const figures: SystemFigure[] = [{ label: 'in', value: formatRate(topicRate(name)) }];
    if (offline > 0) figures.push({ label: 'offline', value: `${offline}`, tone: 'bad' });
    else if (under > 0) figures.push({ label: 'under-replicated', value: `${under}`, tone: 'warn' });
    const marks = declared ? [] : ['unexpected'];
    if (parts.length === 0 && input.partitions.length > 0) marks.push('missing');
    return addNode('topic', name, {
      sub: count === undefined ? null : `${count} partition${count === 1 ? '' : 's'}`,
      figures,
      tone: offline > 0 ? 'bad' : under > 0 ? 'warn' : parts.length > 0 ? 'ok' : 'idle',
      declared,
      marks,
    });
  };
  for (const t of manifest.topics) addTopic(t.name, true);

  // --- the manifest's flows (who writes what); a service end stands for each of its instances
  const endsOf = (ref: string, declaredOnly = true): string[] => {
    const colon = ref.indexOf(':');
    const kind = ref.slice(0, colon);
    const name = ref.slice(colon + 1);
    if (kind === 'service') {
      const svc = services.get(name);
      return svc === undefined ? [] : svc.instances.map((i) => nodeId('instance', i));
    }
    const k = kind as SystemNodeKind;
    if (!nodes.has(nodeId(k, name))) {
      if (k === 'topic') addTopic(name, declaredOnly);
      else addNode(k, name, { declared: declaredOnly, tone: 'idle' });
    }
    return [nodeId(k, name)];
  };
  for (const g of manifest.groups) addNode('group', g, { declared: true, tone: 'idle', sub: 'consumer group' });
  for (const ex of manifest.exchanges) {
    // the AMQP default exchange ('') routes by queue name: its queues are drawn, it is not
    if (ex.name !== '') addNode('exchange', ex.name, { declared: true, tone: 'idle', sub: ex.type });
    for (const q of ex.queues) {
      addNode('queue', q, { declared: true, tone: 'idle' });
      addEdge('binding', nodeId('exchange', ex.name), nodeId('queue', q), { declared: true });
    }
  }
  for (const o of input.outboxes) addNode('table', o.table, { declared: true, tone: 'idle', sub: 'outbox table' });
  for (const c of manifest.readModels?.mongodb ?? [])
    addNode('collection', `${c.db}.${c.collection}`, { declared: true, tone: 'idle', sub: 'read model' });
  for (const r of manifest.readModels?.redis ?? [])
    addNode('cache', r.prefix, { declared: true, tone: 'idle', sub: 'keys by prefix' });
  for (const f of manifest.flows ?? []) {
    const from = endsOf(f.from);
    const to = endsOf(f.to);
    for (const s of from) {
      for (const t of to) {
        const tn = nodes.get(t);
        const sn = nodes.get(s);
        const kind: SystemEdge['kind'] =
          sn?.kind === 'group' && tn?.kind === 'instance'
            ? 'member'
            : sn?.kind === 'topic' && tn?.kind === 'group'
              ? 'reads'
              : sn?.kind === 'queue' && tn?.kind === 'instance'
                ? 'delivers'
                : 'writes';
        addEdge(kind, s, t, { label: f.label ?? null, declared: true });
      }
    }
  }

  // --- consumer groups as Kafka reports them: the lab's and any other that reads the lab's topics
  const labTopics = new Set(manifest.topics.map((t) => t.name));
  const declaredGroups = new Set(manifest.groups);
  for (const g of input.groups) {
    const topics = new Set([
      ...g.partitions.map((p) => p.topic),
      ...g.members.flatMap((m) => Object.keys(m.assignment)),
    ]);
    const declared = declaredGroups.has(g.groupId);
    if (!declared && ![...topics].some((t) => labTopics.has(t))) continue;
    const stable = g.state === 'Stable';
    const tone: SystemTone =
      g.members.length === 0 ? (g.totalLag > 0 ? 'bad' : 'idle') : stable ? (g.totalLag > 0 ? 'warn' : 'ok') : 'warn';
    const group = addNode('group', g.groupId, {
      sub: `${g.state.toLowerCase()} · ${g.members.length} member${g.members.length === 1 ? '' : 's'}`,
      tone,
      declared,
      marks: declared ? [] : ['unexpected'],
      backlog: g.totalLag,
      figures: [{ label: 'lag', value: `${g.totalLag}`, tone: g.totalLag > 0 ? 'warn' : 'ok' }],
    });
    for (const t of topics) {
      if (!nodes.has(nodeId('topic', t))) addTopic(t, labTopics.has(t));
      const lag = g.partitions.filter((p) => p.topic === t).reduce((n, p) => n + p.lag, 0);
      addEdge('reads', nodeId('topic', t), group.id, { ratePerSec: topicRate(t), label: `lag ${lag}` });
    }
    for (const m of g.members) {
      const inst = instanceOfClient(m.clientId, instanceNames);
      const target =
        inst !== null
          ? nodeId('instance', inst)
          : addNode('client', m.clientId, {
              sub: `${m.clientHost} · not one of the lab's instances`,
              tone: 'warn',
              marks: ['unexpected'],
            }).id;
      const owned = Object.entries(m.assignment).flatMap(([t, ps]) => ps.map((p) => ({ t, p })));
      const rate = owned.reduce((n, x) => n + partitionRate(x.t, x.p), 0);
      addEdge('member', group.id, target, {
        ratePerSec: rate,
        label: owned.length === 0 ? 'idle' : owned.map((x) => `p${x.p}`).join(' '),
        tone: owned.length === 0 ? 'idle' : 'info',
      });
    }
  }

  // --- RabbitMQ: the lab's exchanges and queues (every one when the manifest names none), bindings and consumers
  const rabbit = input.rabbit;
  if (rabbit !== null && manifest.components.includes('rabbitmq')) {
    const labQueues = new Set(manifest.exchanges.flatMap((x) => x.queues));
    const labExchanges = new Set(manifest.exchanges.map((x) => x.name));
    const all = labQueues.size === 0 && labExchanges.size === 0;
    const queueShown = (name: string) => all || labQueues.has(name);
    for (const q of rabbit.queues) {
      if (!queueShown(q.name) && !rabbit.bindings.some((b) => b.destination === q.name && labExchanges.has(b.source)))
        continue;
      const held = q.ready + q.unacked;
      addNode('queue', q.name, {
        sub: `${q.state} · ${q.consumers} consumer${q.consumers === 1 ? '' : 's'}`,
        tone: q.consumers === 0 && held > 0 ? 'bad' : held > 0 ? 'warn' : 'ok',
        backlog: held,
        declared: labQueues.has(q.name),
        marks: all || labQueues.has(q.name) ? [] : ['unexpected'],
        figures: [
          { label: 'ready', value: `${q.ready}`, tone: q.ready > 0 ? 'warn' : 'ok' },
          { label: 'unacked', value: `${q.unacked}` },
          { label: 'in', value: formatRate(q.publishRate) },
        ],
      });
    }
    for (const x of rabbit.exchanges) {
      if (x.name === '' || x.name.startsWith('amq.')) continue;
      const bound = rabbit.bindings.some((b) => b.source === x.name && nodes.has(nodeId('queue', b.destination)));
      if (!all && !labExchanges.has(x.name) && !bound) continue;
      addNode('exchange', x.name, {
        sub: x.type,
        tone: 'ok',
        declared: labExchanges.has(x.name),
        marks: all || labExchanges.has(x.name) ? [] : ['unexpected'],
        figures: [{ label: 'in', value: formatRate(x.publishInRate) }],
      });
    }
    for (const b of rabbit.bindings) {
      if (b.destinationType !== 'queue' || b.source === '') continue;
      const q = rabbit.queues.find((x) => x.name === b.destination && x.vhost === b.vhost);
      addEdge('binding', nodeId('exchange', b.source), nodeId('queue', b.destination), {
        label: b.routingKey === '' ? null : b.routingKey,
        ratePerSec: q?.publishRate ?? null,
      });
    }
    const connectionName = new Map(rabbit.connections.map((c) => [c.id, c.clientName ?? c.peer]));
    for (const c of rabbit.consumers) {
      const qName = c.queue.slice(c.queue.indexOf('|') + 1);
      if (!nodes.has(nodeId('queue', qName))) continue;
      const client = connectionName.get(c.connection) ?? c.connection;
      const inst = instanceOfClient(client, instanceNames);
      const target =
        inst !== null
          ? nodeId('instance', inst)
          : addNode('client', client, { sub: "not one of the lab's instances", tone: 'warn', marks: ['unexpected'] })
              .id;
      const q = rabbit.queues.find((x) => x.name === qName);
      const share = q === undefined || q.consumers === 0 ? null : q.deliverRate / q.consumers;
      addEdge('delivers', nodeId('queue', qName), target, {
        ratePerSec: share,
        label: c.ackRequired ? `prefetch ${c.prefetch}` : 'auto-ack',
        tone: c.ackRequired ? 'info' : 'warn',
      });
    }
  }

  // --- outbox tables, read models: their figures
  for (const o of input.outboxes) {
    const s = o.state;
    if (s === null) continue;
    const age = s.oldestPendingAgeMs;
    addNode('table', o.table, {
      tone: !s.reachable ? 'bad' : s.pending > 0 && age !== null && age > 5000 ? 'warn' : 'ok',
      backlog: s.pending,
      marks: s.reachable ? [] : ['unreachable'],
      figures: [
        { label: 'pending', value: `${s.pending}`, tone: s.pending > 0 ? 'warn' : 'ok' },
        ...(age === null ? [] : [{ label: 'oldest', value: `${(age / 1000).toFixed(1)} s` }]),
        { label: 'sent', value: formatRate(s.sentPerSec) },
      ],
    });
  }
  for (const c of input.readModels?.mongodb.items ?? []) {
    const name = `${c.db}.${c.collection}`;
    if (nodes.has(nodeId('collection', name)))
      addNode('collection', name, { tone: 'ok', figures: [{ label: 'docs', value: `${c.count}` }] });
  }
  for (const p of input.readModels?.redis.items ?? []) {
    if (nodes.has(nodeId('cache', p.prefix)))
      addNode('cache', p.prefix, {
        tone: 'ok',
        figures: [{ label: 'keys', value: `${p.count}${p.truncated ? '+' : ''}` }],
      });
  }

  // --- rates on what writes into a topic or an exchange: what the broker counts coming in
  for (const e of edges.values()) {
    if (e.kind !== 'writes' || e.ratePerSec !== null) continue;
    const t = nodes.get(e.target);
    if (t?.kind === 'topic') e.ratePerSec = topicRate(t.name);
    else if (t?.kind === 'exchange')
      e.ratePerSec = rabbit?.exchanges.find((x) => x.name === t.name)?.publishInRate ?? null;
  }
  // an edge from or to a stopped or killed instance carries nothing
  for (const e of edges.values()) {
    const ends = [nodes.get(e.source), nodes.get(e.target)];
    if (ends.some((n) => n?.kind === 'instance' && n.tone !== 'ok' && n.tone !== 'warn' && n.tone !== 'info')) {
      e.ratePerSec = e.ratePerSec === null ? null : 0;
      if (e.tone === 'info') e.tone = 'idle';
    }
  }

  // the instances' service kinds, for the exporters
  for (const n of nodes.values()) if (n.kind === 'instance') n.service = instanceKind.get(n.name) ?? n.service;
  return { lab: manifest.id, at: input.at, nodes: [...nodes.values()], edges: [...edges.values()] };
}
