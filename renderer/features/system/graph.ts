// The System view's graph as the topology graph draws it (renderer/ui/topology-graph.tsx): the console builds the
// system graph (system:graph, main/console/system/system-graph.ts); this maps its nodes and edges to cards and arrows,
// with the live rate on each edge, the backlog or lag on each node, and a cut or delayed link on its edge.
import type { SystemEdge, SystemGraph, SystemNode } from '../../../main/console/contract/console-api';
import { formatRate } from '../../lib/format';
import type { GraphEdge, GraphNode } from '../../ui/topology-graph';

/** The word each kind of node is shown with. */
export const KIND_LABELS: Record<SystemNode['kind'], string> = {
  instance: 'instance',
  client: 'client',
  topic: 'topic',
  group: 'group',
  exchange: 'exchange',
  queue: 'queue',
  table: 'table',
  collection: 'collection',
  cache: 'keys',
  database: 'database',
};

export function graphNodeOf(n: SystemNode): GraphNode {
  return {
    id: n.id,
    kind: KIND_LABELS[n.kind],
    label: n.name,
    ...(n.sub === null ? {} : { sub: n.sub }),
    figures: n.figures,
    tone: n.tone,
    marks: n.marks.filter((m) => m !== 'stopped'),
  };
}

/** What is said of a link on its edge: `cut`, `+250 ms`. */
export function linkText(e: SystemEdge): string | null {
  if (e.link === null) return null;
  if (e.link.state === 'cut') return 'link cut';
  return e.link.delayMs > 0 ? `+${e.link.delayMs} ms` : null;
}

export function graphEdgeOf(e: SystemEdge): GraphEdge {
  const link = linkText(e);
  const figure = [e.ratePerSec === null ? null : formatRate(e.ratePerSec), link].filter((x) => x !== null).join(' · ');
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    ...(e.label === null || e.link?.state === 'cut' ? {} : { label: e.label }),
    ...(figure === '' ? {} : { figure }),
    active: e.ratePerSec !== null && e.ratePerSec > 0 && e.link?.state !== 'cut',
    tone: e.tone,
    cut: e.link?.state === 'cut',
  };
}

export function drawnGraph(g: SystemGraph | null): { nodes: GraphNode[]; edges: GraphEdge[] } {
  if (g === null) return { nodes: [], edges: [] };
  return { nodes: g.nodes.map(graphNodeOf), edges: g.edges.map(graphEdgeOf) };
}
