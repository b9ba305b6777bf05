// The pure part of the topology graph (renderer/ui/topology-graph.tsx): what a graph is (nodes with a label and live
// figures, edges with a label and a figure), the key of its shape (which nodes and edges, not their figures: the layout
// runs again only when it changes), elkjs' input for a layered left-to-right layout, and the positions from its output.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

export type GraphTone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

/** One live figure on a node (`ready 3`, `unacked 12`). */
export interface GraphFigure {
  label: string;
  value: string;
  tone?: GraphTone;
}

export interface GraphNode {
  id: string;
  /** what it is (`exchange`, `queue`, `consumer`, `service`, …): a style and a word for screen readers */
  kind: string;
  label: string;
  /** a second line under the label (an exchange's type, a queue's state) */
  sub?: string;
  figures?: GraphFigure[];
  tone?: GraphTone;
  /** short words of what is wrong or unusual (`killed`, `unexpected`), drawn as badges on the node */
  marks?: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** the edge's name (a routing key) */
  label?: string;
  /** its live figure (`4.0/s`) */
  figure?: string;
  /** drawn moving while something flows */
  active?: boolean;
  tone?: GraphTone;
  /** drawn dashed: the link along it is cut */
  cut?: boolean;
}

export interface GraphPosition {
  x: number;
  y: number;
}

/** Sizes of a drawn node: wide enough for a queue name and three figures. */
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 74;

/**
 * The shape of a graph: its node ids (with kinds) and its edges' ends, sorted, without labels or figures. Two graphs
 * with one key have one layout.
 */
export function shapeKey(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string {
  const n = nodes.map((x) => `${x.kind}:${x.id}`).sort();
  const e = edges.map((x) => `${x.source}>${x.target}#${x.id}`).sort();
  return `${n.join('\n')}\n--\n${e.join('\n')}`;
}

/** Drops edges whose ends are not nodes of the graph (elkjs refuses them). */
export function connectedEdges(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): GraphEdge[] {
  const ids = new Set(nodes.map((n) => n.id));
  return edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
}

/** elkjs' input: a layered layout, left to right, with room for the edge labels between the layers (`layerGap` px). */
export function elkGraphOf(nodes: readonly GraphNode[], edges: readonly GraphEdge[], layerGap = 150): ElkNode {
  const sorted = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  const kept = connectedEdges(nodes, edges).sort((a, b) => a.id.localeCompare(b.id));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(layerGap),
      'elk.spacing.nodeNode': '28',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': '40',
    },
    children: sorted.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: kept.map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

/** Node positions from elkjs' output (top-left corners). */
export function positionsOf(laid: ElkNode): Map<string, GraphPosition> {
  const out = new Map<string, GraphPosition>();
  for (const c of laid.children ?? []) out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return out;
}

/** Where a node without a layout yet goes: a column per kind in order of appearance, stacked. */
export function fallbackPositions(nodes: readonly GraphNode[]): Map<string, GraphPosition> {
  const columns = new Map<string, number>();
  const rows = new Map<string, number>();
  const out = new Map<string, GraphPosition>();
  for (const n of nodes) {
    if (!columns.has(n.kind)) columns.set(n.kind, columns.size);
    const row = rows.get(n.kind) ?? 0;
    rows.set(n.kind, row + 1);
    out.set(n.id, { x: (columns.get(n.kind) ?? 0) * (NODE_WIDTH + 150), y: row * (NODE_HEIGHT + 28) });
  }
  return out;
}

/** One sentence for a screen reader: the node, its kind and its figures. */
export function describeNode(n: GraphNode): string {
  const figures = (n.figures ?? []).map((f) => `${f.label} ${f.value}`).join(', ');
  const marks = (n.marks ?? []).length > 0 ? ` [${(n.marks ?? []).join(', ')}]` : '';
  return `${n.kind} ${n.label}${n.sub !== undefined ? ` (${n.sub})` : ''}${marks}${figures !== '' ? `: ${figures}` : ''}`;
}
