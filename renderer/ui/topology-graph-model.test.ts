import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import {
  NODE_WIDTH,
  connectedEdges,
  describeNode,
  elkGraphOf,
  fallbackPositions,
  positionsOf,
  shapeKey,
  type GraphEdge,
  type GraphNode,
} from './topology-graph-model';

const nodes: GraphNode[] = [
  { id: 'x', kind: 'exchange', label: 'events', figures: [{ label: 'in', value: '2.0/s' }] },
  { id: 'q1', kind: 'queue', label: 'a', figures: [{ label: 'ready', value: '1' }] },
  { id: 'q2', kind: 'queue', label: 'b' },
  { id: 'c', kind: 'consumer', label: 'worker-1' },
];
const edges: GraphEdge[] = [
  { id: 'e1', source: 'x', target: 'q1', label: 'k.*', figure: '2.0/s' },
  { id: 'e2', source: 'x', target: 'q2', label: 'k.b' },
  { id: 'e3', source: 'q1', target: 'c' },
  { id: 'dangling', source: 'q2', target: 'nobody' },
];

describe('topology graph model', () => {
  it('keys the shape by nodes and edges, not by labels or figures, in any order', () => {
    const refigured = nodes.map((n) => ({ ...n, figures: [{ label: 'ready', value: '99' }], sub: 'changed' }));
    const relabelled = edges.map((e) => ({ ...e, figure: '9.9/s', label: 'other', active: true }));
    expect(shapeKey(refigured, relabelled)).toBe(shapeKey(nodes, edges));
    expect(shapeKey([...nodes].reverse(), [...edges].reverse())).toBe(shapeKey(nodes, edges));
    expect(shapeKey(nodes.slice(0, 3), edges)).not.toBe(shapeKey(nodes, edges));
    expect(shapeKey(nodes, edges.slice(1))).not.toBe(shapeKey(nodes, edges));
  });

  it('gives elkjs a layered left-to-right layout of sized nodes, without edges to unknown nodes', () => {
    const g = elkGraphOf(nodes, edges);
    expect(g.layoutOptions?.['elk.algorithm']).toBe('layered');
    expect(g.layoutOptions?.['elk.direction']).toBe('RIGHT');
    expect(g.children?.map((c) => c.id)).toEqual(['c', 'q1', 'q2', 'x']);
    expect(g.children?.every((c) => c.width === NODE_WIDTH && (c.height ?? 0) > 0)).toBe(true);
    expect(g.edges?.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(connectedEdges(nodes, [...edges, { id: 'self', source: 'x', target: 'x' }]).map((e) => e.id)).toEqual([
      'e1',
      'e2',
      'e3',
    ]);
  });

  it('lays the flow out left to right with elkjs: exchange, then queues, then the consumer', async () => {
    const laid = await new ELK().layout(elkGraphOf(nodes, edges));
    const p = positionsOf(laid);
    const x = (id: string) => p.get(id)?.x ?? Number.NaN;
    expect(x('x')).toBeLessThan(x('q1'));
    expect(x('q1')).toBeLessThan(x('c'));
    expect(x('q1')).toBe(x('q2'));
    expect(p.get('q1')?.y).not.toBe(p.get('q2')?.y);
  });

  it('has a column per kind before the layout, and a sentence per node', () => {
    const p = fallbackPositions(nodes);
    expect(p.get('q2')?.x).toBe(p.get('q1')?.x);
    expect(p.get('q2')?.y).toBeGreaterThan(p.get('q1')?.y ?? 0);
    expect(p.get('c')?.x).toBeGreaterThan(p.get('q1')?.x ?? 0);
    expect(describeNode(nodes[1] as GraphNode)).toBe('queue a: ready 1');
  });
});
