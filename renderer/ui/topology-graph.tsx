// A topology graph: nodes and edges in, an automatic layout (elkjs, layered, left to right), drawn with @xyflow/react,
// with labels and live figures on nodes and edges. The layout runs only when the graph's shape changes (its nodes and
// edges, see shapeKey); new figures only re-render the nodes and edges whose figures changed. A table of the same
// graph is always there for screen readers and keyboard users (and is what renders where there is no layout engine,
// as under jsdom). Used by the Queues view and the System view; a node may carry marks (`killed`), an edge be cut.
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { ELK } from 'elkjs/lib/elk-api';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import {
  NODE_HEIGHT,
  NODE_WIDTH,
  connectedEdges,
  describeNode,
  elkGraphOf,
  fallbackPositions,
  positionsOf,
  shapeKey,
  type GraphEdge,
  type GraphNode,
  type GraphPosition,
} from './topology-graph-model';
import './topology-graph.css';

export type { GraphEdge, GraphFigure, GraphNode } from './topology-graph-model';

type TopoNode = Node<{ node: GraphNode }, 'topo'>;

const TopoNodeView = memo(function TopoNodeView({ data }: NodeProps<TopoNode>) {
  const n = data.node;
  return (
    <div className={`topo-node topo-${n.kind} topo-tone-${n.tone ?? 'none'}`} data-testid={`topo-node-${n.id}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="topo-kind">
        {n.kind}
        {(n.marks ?? []).map((m) => (
          <span key={m} className="topo-mark">
            {m}
          </span>
        ))}
      </div>
      <div className="topo-label" title={n.label}>
        {n.label}
      </div>
      {n.sub !== undefined && <div className="topo-sub">{n.sub}</div>}
      {(n.figures ?? []).length > 0 && (
        <div className="topo-figures">
          {(n.figures ?? []).map((f) => (
            <span key={f.label} className={`topo-figure topo-tone-${f.tone ?? 'none'}`}>
              <span className="topo-figure-label">{f.label}</span> <b>{f.value}</b>
            </span>
          ))}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { topo: TopoNodeView };

let elkPromise: Promise<ELK> | undefined;
/** elkjs, loaded on first use (it is large); one instance for every graph of the page */
function loadElk(): Promise<ELK> {
  elkPromise ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elkPromise;
}

/** Positions for the graph's shape: computed again only when the shape key changes. */
function useLayout(nodes: readonly GraphNode[], edges: readonly GraphEdge[], enabled: boolean, layerGap: number) {
  const key = shapeKey(nodes, edges);
  const [laid, setLaid] = useState<{ key: string; positions: Map<string, GraphPosition> } | null>(null);
  const latest = useRef({ nodes, edges });
  latest.current = { nodes, edges };
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const { nodes: n, edges: e } = latest.current;
    loadElk()
      .then((elk) => elk.layout(elkGraphOf(n, e, layerGap)))
      .then((out) => {
        if (!cancelled) setLaid({ key, positions: positionsOf(out) });
      })
      .catch(() => {
        if (!cancelled) setLaid({ key, positions: fallbackPositions(n) });
      });
    return () => {
      cancelled = true;
    };
  }, [key, enabled, layerGap]);
  return laid !== null && laid.key === key ? laid.positions : null;
}

export interface TopologyGraphProps {
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
  /** what the graph shows, for screen readers (`RabbitMQ topology: exchanges, queues, consumers`) */
  label: string;
  testId?: string;
  /** opens a node's details (a click on it) */
  onNodeClick?: (id: string) => void;
  /** room between the layers for the edges' labels (px, default 150) */
  layerGap?: number;
}

const canDraw = () => typeof ResizeObserver !== 'undefined';

export function TopologyGraph({ nodes, edges, label, testId, onNodeClick, layerGap = 150 }: TopologyGraphProps) {
  const drawable = canDraw();
  const positions = useLayout(nodes, edges, drawable, layerGap);
  const kept = useMemo(() => connectedEdges(nodes, edges), [nodes, edges]);

  // one flow node object per graph node, kept while neither its data nor its position changed (xyflow re-renders a
  // node only when its object changes)
  const nodeCache = useRef(new Map<string, { node: GraphNode; pos: GraphPosition; flow: TopoNode }>());
  const flowNodes = useMemo(() => {
    if (positions === null) return [];
    const next = new Map<string, { node: GraphNode; pos: GraphPosition; flow: TopoNode }>();
    const out: TopoNode[] = [];
    for (const n of nodes) {
      const pos = positions.get(n.id) ?? { x: 0, y: 0 };
      const had = nodeCache.current.get(n.id);
      const same = had !== undefined && had.pos === pos && JSON.stringify(had.node) === JSON.stringify(n);
      const flow: TopoNode = same
        ? had.flow
        : {
            id: n.id,
            type: 'topo',
            position: pos,
            data: { node: n },
            width: NODE_WIDTH,
            height: NODE_HEIGHT,
            ariaLabel: describeNode(n),
            draggable: false,
            connectable: false,
          };
      next.set(n.id, { node: n, pos, flow });
      out.push(flow);
    }
    nodeCache.current = next;
    return out;
  }, [nodes, positions]);

  const flowEdges = useMemo(
    (): Edge[] =>
      kept.map((e) => {
        const text = [e.label, e.figure].filter((x) => x !== undefined && x !== '').join(' · ');
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          label: text === '' ? undefined : text,
          animated: e.active === true,
          className: `topo-edge topo-tone-${e.tone ?? 'none'}${e.cut === true ? ' topo-edge-cut' : ''}`,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          ariaLabel: `${e.source} to ${e.target}${text !== '' ? `: ${text}` : ''}`,
          labelBgPadding: [4, 2] as [number, number],
          labelBgBorderRadius: 3,
        };
      }),
    [kept],
  );

  const height = useMemo(() => {
    if (positions === null) return 240;
    let max = 0;
    for (const p of positions.values()) max = Math.max(max, p.y);
    return Math.min(720, Math.max(240, max + NODE_HEIGHT + 48));
  }, [positions]);

  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);

  return (
    <div className="topo" data-testid={testId}>
      {drawable && (
        <div className="topo-canvas" style={{ height }} role="figure" aria-label={label}>
          {positions === null ? (
            <p className="topo-laying-out">Laying out the graph…</p>
          ) : (
            <ReactFlow
              key={shapeKey(nodes, edges)}
              nodes={flowNodes}
              edges={flowEdges}
              nodeTypes={NODE_TYPES}
              fitView
              fitViewOptions={{ padding: 0.08, maxZoom: 1 }}
              minZoom={0.2}
              maxZoom={1.5}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              zoomOnScroll={false}
              preventScrolling={false}
              proOptions={{ hideAttribution: true }}
              onNodeClick={onNodeClick === undefined ? undefined : (_e, n) => onNodeClick(n.id)}
            >
              <Background gap={24} size={1} />
              <Controls showInteractive={false} />
            </ReactFlow>
          )}
        </div>
      )}
      <details className="topo-table" open={!drawable}>
        <summary>The graph as a table</summary>
        <table data-testid={testId === undefined ? undefined : `${testId}-table`}>
          <caption className="sr-only">{label}</caption>
          <thead>
            <tr>
              <th scope="col">from</th>
              <th scope="col">via</th>
              <th scope="col">to</th>
              <th scope="col">figures of the target</th>
            </tr>
          </thead>
          <tbody>
            {kept.map((e) => {
              const s = byId.get(e.source);
              const t = byId.get(e.target);
              return (
                <tr key={e.id} data-testid={`topo-row-${e.id}`}>
                  <td>{s === undefined ? e.source : `${s.kind} ${s.label}`}</td>
                  <td>{[e.label, e.figure].filter((x) => x !== undefined && x !== '').join(' · ')}</td>
                  <td>{t === undefined ? e.target : `${t.kind} ${t.label}`}</td>
                  <td>{(t?.figures ?? []).map((f) => `${f.label} ${f.value}`).join(', ')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </div>
  );
}
