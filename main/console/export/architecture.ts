// Architecture as code, pure: the running lab (its manifest and the system graph, main/console/system/) as a
// Structurizr DSL workspace and as Mermaid. Three views, as seed 000 asks a student to keep them: the system context
// (the student and the lab system), the containers (services, brokers, databases, and the topics and queues between
// them) and a dynamic view of one entity's path taken from its timeline. One exporter for the System view, the report
// and every lab: it knows no lab, every name comes from the manifest and the graph.
import type { EntityTimeline, LabManifest, TimelineFact } from '../contract/console-api.js';
import type { ComponentName } from '../contract/manifest.js';
import type { Architecture, SystemGraph, SystemNode } from '../contract/system.js';

/** A container of the container view: one per service kind, topic, exchange, queue, broker and database. */
export interface ArchContainer {
  /** an identifier both Structurizr and Mermaid take: letters, digits and underscores */
  id: string;
  name: string;
  description: string;
  technology: string;
  tag: 'Service' | 'Topic' | 'Exchange' | 'Queue' | 'Broker' | 'Database' | 'Unexpected';
}

export interface ArchRelationship {
  from: string;
  to: string;
  description: string;
}

export interface ArchStep {
  from: string;
  to: string;
  description: string;
}

/** The lab's architecture as one model, written out as Structurizr DSL and as Mermaid. */
export interface ArchModel {
  lab: string;
  title: string;
  summary: string;
  seed: string;
  containers: ArchContainer[];
  relationships: ArchRelationship[];
  /** the entity whose path `steps` is, null: no dynamic view */
  entity: { noun: string; id: string } | null;
  steps: ArchStep[];
}

const COMPONENT_NAMES: Record<ComponentName, { name: string; technology: string; tag: ArchContainer['tag'] }> = {
  kafka: { name: 'Kafka', technology: 'Apache Kafka', tag: 'Broker' },
  rabbitmq: { name: 'RabbitMQ', technology: 'RabbitMQ', tag: 'Broker' },
  postgres: { name: 'Postgres', technology: 'PostgreSQL', tag: 'Database' },
  mongodb: { name: 'MongoDB', technology: 'MongoDB', tag: 'Database' },
  redis: { name: 'Redis', technology: 'Redis', tag: 'Database' },
};

/** At most this many steps in a dynamic view (a long timeline keeps its first ones). */
export const MAX_DYNAMIC_STEPS = 40;

function identifier(prefix: string, name: string, taken: Set<string>): string {
  const base = `${prefix}_${name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`.slice(0, 60);
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}_${i}`;
  taken.add(id);
  return id;
}

/** The model: containers and relationships from the graph (instances folded into their service kind, a group into the
 * edge from its topic to its members' service), the dynamic path from one entity's timeline. */
export function architectureModel(
  manifest: LabManifest,
  graph: SystemGraph,
  timeline: EntityTimeline | null,
): ArchModel {
  const taken = new Set<string>(['student', 'lab']);
  const containers = new Map<string, ArchContainer>();
  const byKey = (key: string) => containers.get(key);
  const add = (key: string, c: Omit<ArchContainer, 'id'>, prefix: string): ArchContainer => {
    const had = containers.get(key);
    if (had !== undefined) return had;
    const made = { ...c, id: identifier(prefix, c.name, taken) };
    containers.set(key, made);
    return made;
  };

  for (const s of manifest.services)
    add(
      `service:${s.kind}`,
      { name: s.kind, description: s.role, technology: 'Node.js service', tag: 'Service' },
      'svc',
    );
  for (const c of manifest.components) {
    const k = COMPONENT_NAMES[c];
    const holds = graph.nodes.filter(
      (n) => n.component === c && (n.kind === 'table' || n.kind === 'collection' || n.kind === 'cache'),
    );
    const description =
      holds.length > 0 ? `holds ${holds.map((n) => n.name).join(', ')}` : k.tag === 'Broker' ? 'the broker' : '';
    add(`component:${c}`, { name: k.name, description, technology: k.technology, tag: k.tag }, 'c');
  }

  const topics = manifest.topics;
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  /** the container a graph node is drawn as (null: folded into an edge, a consumer group) */
  const containerOf = (n: SystemNode): ArchContainer | null => {
    switch (n.kind) {
      case 'instance':
        return byKey(`service:${n.service ?? n.name}`) ?? null;
      case 'client':
        return add(
          `client:${n.name}`,
          {
            name: n.name,
            description: "a client the lab's manifest does not declare",
            technology: 'client',
            tag: 'Unexpected',
          },
          'client',
        );
      case 'topic': {
        const t = topics.find((x) => x.name === n.name);
        return add(
          `topic:${n.name}`,
          {
            name: n.name,
            description: t !== undefined ? `${t.partitions} partitions, key: ${t.key}` : (n.sub ?? ''),
            technology: 'Kafka topic',
            tag: n.declared ? 'Topic' : 'Unexpected',
          },
          'topic',
        );
      }
      case 'exchange':
        return add(
          `exchange:${n.name}`,
          { name: n.name, description: n.sub ?? '', technology: 'RabbitMQ exchange', tag: 'Exchange' },
          'ex',
        );
      case 'queue':
        return add(
          `queue:${n.name}`,
          { name: n.name, description: n.sub ?? '', technology: 'RabbitMQ queue', tag: 'Queue' },
          'queue',
        );
      case 'table':
      case 'collection':
      case 'cache':
      case 'database':
        return n.component === null ? null : (byKey(`component:${n.component}`) ?? null);
      case 'group':
        return null;
    }
  };

  const relationships = new Map<string, ArchRelationship>();
  const relate = (from: ArchContainer, to: ArchContainer, description: string) => {
    if (from.id === to.id) return;
    const key = `${from.id}>${to.id}`;
    const had = relationships.get(key);
    if (had === undefined) relationships.set(key, { from: from.id, to: to.id, description });
    else if (had.description === '' && description !== '') had.description = description;
  };
  for (const e of graph.edges) {
    const s = nodeById.get(e.source);
    const t = nodeById.get(e.target);
    if (s === undefined || t === undefined) continue;
    if (t.kind === 'group') continue; // drawn as the topic → member edge below
    if (s.kind === 'group') {
      const member = containerOf(t);
      if (member === null) continue;
      for (const r of graph.edges.filter((x) => x.target === s.id && x.kind === 'reads')) {
        const topic = nodeById.get(r.source);
        const from = topic === undefined ? null : containerOf(topic);
        if (from !== null) relate(from, member, `delivers to group ${s.name}`);
      }
      continue;
    }
    const from = containerOf(s);
    const to = containerOf(t);
    if (from === null || to === null) continue;
    const what =
      t.kind === 'table' || t.kind === 'collection' || t.kind === 'cache'
        ? `writes ${t.name}${e.label !== null ? ` (${e.label})` : ''}`
        : e.kind === 'binding'
          ? `routes${e.label !== null ? ` ${e.label}` : ''}`
          : e.kind === 'delivers'
            ? 'delivers to'
            : t.kind === 'topic'
              ? `produces to${e.label !== null ? ` (${e.label})` : ''}`
              : t.kind === 'exchange'
                ? 'publishes to'
                : (e.label ?? 'uses');
    relate(from, to, what);
  }
  // a topic or queue lives in its broker
  for (const [key, c] of containers) {
    const broker = key.startsWith('topic:')
      ? byKey('component:kafka')
      : key.startsWith('queue:') || key.startsWith('exchange:')
        ? byKey('component:rabbitmq')
        : undefined;
    if (broker !== undefined) relate(c, broker, 'is hosted by');
  }

  // the dynamic view: one entity's facts in time order, each an interaction between two containers
  const steps: ArchStep[] = [];
  let entity: ArchModel['entity'] = null;
  if (timeline !== null && timeline.steps.length > 0) {
    entity = { noun: manifest.entity.noun, id: timeline.entity };
    const stepLabel = new Map(manifest.entity.steps.map((s) => [s.id, s.label]));
    const writerOf = (c: ArchContainer): ArchContainer | null => {
      for (const r of relationships.values())
        if (r.to === c.id && [...containers.values()].find((x) => x.id === r.from)?.tag === 'Service')
          return [...containers.values()].find((x) => x.id === r.from) ?? null;
      return null;
    };
    const whereOf = (f: TimelineFact): ArchContainer | null => {
      const w = f.where;
      if (w === null) return null;
      if (w.kind === 'record') return byKey(`topic:${w.topic}`) ?? null;
      if (w.kind === 'amqp')
        return (w.queue !== null ? byKey(`queue:${w.queue}`) : undefined) ?? byKey(`exchange:${w.exchange}`) ?? null;
      if (w.kind === 'row') return byKey('component:postgres') ?? null;
      return byKey('component:mongodb') ?? null;
    };
    const actorOf = (f: TimelineFact): ArchContainer | null => {
      if (f.actor === null) return null;
      const n = nodeById.get(`instance:${f.actor}`);
      return n === undefined ? null : containerOf(n);
    };
    let prev: ArchContainer | null = null;
    for (const f of [...timeline.steps].sort((a, b) => a.at - b.at)) {
      if (steps.length >= MAX_DYNAMIC_STEPS) break;
      const where = whereOf(f);
      const actor = actorOf(f);
      let from: ArchContainer | null = null;
      let to: ArchContainer | null = null;
      if (where !== null && actor !== null) {
        const writes = relationships.has(`${actor.id}>${where.id}`);
        [from, to] = writes ? [actor, where] : [where, actor];
      } else if (where !== null) {
        from = writerOf(where) ?? prev;
        to = where;
      } else if (actor !== null) {
        from = prev;
        to = actor;
      }
      if (from === null || to === null || from.id === to.id) continue;
      relate(from, to, stepLabel.get(f.step) ?? f.step);
      const at = f.where?.kind === 'record' ? ` at p${f.where.partition}@${f.where.offset}` : '';
      steps.push({
        from: from.id,
        to: to.id,
        description: `${stepLabel.get(f.step) ?? f.step}${f.status !== null ? `: ${f.status}` : ''}${at}`,
      });
      prev = to;
    }
    if (steps.length === 0) entity = null;
  }

  return {
    lab: manifest.id,
    title: manifest.title,
    summary: manifest.summary,
    seed: manifest.seed,
    containers: [...containers.values()],
    relationships: [...relationships.values()],
    entity,
    steps,
  };
}

// --- Structurizr DSL ------------------------------------------------------------------------------------------------

/** A DSL string: double quotes, no line breaks (the DSL has no escape for a quote inside one, so it becomes ′). */
const q = (s: string) => `"${s.replace(/[\r\n]+/g, ' ').replace(/"/g, "'")}"`;

export function toStructurizr(m: ArchModel): string {
  const lines: string[] = [];
  const push = (depth: number, text: string) => lines.push(`${'    '.repeat(depth)}${text}`);
  push(0, `workspace ${q(`${m.title}`)} ${q(`${m.summary} (seed ${m.seed}), exported by Eventscope`)} {`);
  push(1, 'model {');
  push(2, `student = person "Student" "Runs the lab, breaks it and checks its invariants with Eventscope"`);
  push(2, `lab = softwareSystem ${q(m.title)} ${q(m.summary)} {`);
  for (const c of m.containers)
    push(3, `${c.id} = container ${q(c.name)} ${q(c.description)} ${q(c.technology)} ${q(c.tag)}`);
  push(2, '}');
  push(2, `student -> lab "Runs, breaks and checks it"`);
  const first = m.containers.find((c) => c.tag === 'Service');
  if (first !== undefined) push(2, `student -> ${first.id} "Sends requests to"`);
  for (const r of m.relationships) push(2, `${r.from} -> ${r.to} ${q(r.description)}`);
  push(1, '}');
  push(1, 'views {');
  push(2, 'systemContext lab "context" {');
  push(3, 'include *');
  push(3, 'autolayout lr');
  push(2, '}');
  push(2, 'container lab "containers" {');
  push(3, 'include *');
  push(3, 'autolayout lr');
  push(2, '}');
  if (m.entity !== null && m.steps.length > 0) {
    push(2, `dynamic lab "path" ${q(`The path of ${m.entity.noun} ${m.entity.id}, from its timeline`)} {`);
    for (const s of m.steps) push(3, `${s.from} -> ${s.to} ${q(s.description)}`);
    push(3, 'autolayout lr');
    push(2, '}');
  }
  push(2, 'styles {');
  for (const [tag, shape] of [
    ['Person', 'Person'],
    ['Database', 'Cylinder'],
    ['Topic', 'Pipe'],
    ['Queue', 'Pipe'],
    ['Broker', 'Hexagon'],
  ] as const) {
    push(3, `element ${q(tag)} {`);
    push(4, `shape ${shape}`);
    push(3, '}');
  }
  push(3, 'element "Unexpected" {');
  push(4, 'background #f5a623');
  push(3, '}');
  push(2, '}');
  push(1, '}');
  push(0, '}');
  return `${lines.join('\n')}\n`;
}

// --- Mermaid --------------------------------------------------------------------------------------------------------

/** A Mermaid label: in double quotes, a quote as its entity. */
const mq = (s: string) => `"${s.replace(/[\r\n]+/g, ' ').replace(/"/g, '#quot;')}"`;

function mermaidNode(c: ArchContainer): string {
  const label = mq(`${c.name}<br/><small>${c.technology}</small>`);
  switch (c.tag) {
    case 'Database':
      return `${c.id}[(${label})]`;
    case 'Topic':
    case 'Queue':
      return `${c.id}[/${label}/]`;
    case 'Exchange':
      return `${c.id}{{${label}}}`;
    case 'Broker':
      return `${c.id}[[${label}]]`;
    default:
      return `${c.id}[${label}]`;
  }
}

export function toMermaid(m: ArchModel): Architecture['mermaid'] {
  const context = [
    'flowchart LR',
    `    student(["Student"])`,
    `    lab[${mq(`${m.title}<br/><small>${m.summary}</small>`)}]`,
    '    student -->|"Runs, breaks and checks it"| lab',
    '',
  ].join('\n');
  const container = [
    'flowchart LR',
    `    student(["Student"])`,
    `    subgraph lab[${mq(m.title)}]`,
    ...m.containers.map((c) => `        ${mermaidNode(c)}`),
    '    end',
    ...(m.containers.some((c) => c.tag === 'Service')
      ? [`    student -->|"Sends requests to"| ${m.containers.find((c) => c.tag === 'Service')?.id ?? ''}`]
      : []),
    ...m.relationships.map((r) => `    ${r.from} -->|${mq(r.description)}| ${r.to}`),
    ...m.containers.filter((c) => c.tag === 'Unexpected').map((c) => `    style ${c.id} fill:#f5a623`),
    '',
  ].join('\n');
  let dynamic: string | null = null;
  if (m.entity !== null && m.steps.length > 0) {
    const names = new Map(m.containers.map((c) => [c.id, c.name]));
    const used = [...new Set(m.steps.flatMap((s) => [s.from, s.to]))];
    dynamic = [
      'sequenceDiagram',
      '    autonumber',
      ...used.map((id) => `    participant ${id} as ${(names.get(id) ?? id).replace(/[;#:]/g, ' ')}`),
      ...m.steps.map((s) => `    ${s.from}->>${s.to}: ${s.description.replace(/[;#]/g, ' ')}`),
      '',
    ].join('\n');
  }
  return { context, container, dynamic };
}

export function exportArchitecture(
  manifest: LabManifest,
  graph: SystemGraph,
  timeline: EntityTimeline | null,
): Architecture {
  const m = architectureModel(manifest, graph, timeline);
  return { lab: m.lab, structurizr: toStructurizr(m), mermaid: toMermaid(m), entity: m.entity?.id ?? null };
}
