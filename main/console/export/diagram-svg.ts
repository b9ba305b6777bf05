// The architecture's container view as one inline SVG (for the report, which must open offline): the containers laid
// out by elkjs (layered, left to right, the same engine as the renderer's graphs) and drawn as boxes with arrows and
// labels. Pure apart from the layout engine.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { ArchContainer, ArchModel } from './architecture.js';

const W = 190;
const H = 58;

const FILL: Record<ArchContainer['tag'], string> = {
  Service: '#1f6feb',
  Topic: '#8250df',
  Exchange: '#bf3989',
  Queue: '#9a6700',
  Broker: '#57606a',
  Database: '#1a7f37',
  Unexpected: '#d4740a',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

let elk: Promise<{ layout(g: ElkNode): Promise<ElkNode> }> | undefined;
const loadElk = () => {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elk;
};

/** The container view as SVG text (no scripts, no external references). */
export async function containerViewSvg(m: ArchModel): Promise<string> {
  const ids = new Set(m.containers.map((c) => c.id));
  const rels = m.relationships.filter((r) => ids.has(r.from) && ids.has(r.to) && r.description !== 'is hosted by');
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '120',
      'elk.spacing.nodeNode': '30',
      'elk.edgeLabels.inline': 'true',
      'elk.spacing.edgeLabel': '4',
    },
    children: m.containers.map((c) => ({ id: c.id, width: W, height: H })),
    edges: rels.map((r, i): ElkExtendedEdge => ({
      id: `r${i}`,
      sources: [r.from],
      targets: [r.to],
      labels: [{ text: clip(r.description, 34), width: Math.min(34, r.description.length) * 6.2, height: 14 }],
    })),
  };
  const laid = await (await loadElk()).layout(graph);
  const width = Math.ceil((laid.width ?? 400) + 20);
  const height = Math.ceil((laid.height ?? 200) + 20);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 ${width} ${height}" width="100%" style="max-width: ${width}px; height: auto" role="img" aria-label="${esc(`${m.title}: containers`)}" font-family="system-ui, sans-serif">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#57606a"/></marker></defs>',
  ];
  for (const e of laid.edges ?? []) {
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      out.push(
        `<polyline points="${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}" fill="none" stroke="#57606a" stroke-width="1.4" marker-end="url(#arrow)"/>`,
      );
    }
    for (const l of e.labels ?? [])
      out.push(
        `<text x="${(l.x ?? 0).toFixed(1)}" y="${((l.y ?? 0) + 11).toFixed(1)}" font-size="10.5" fill="#24292f">${esc(l.text ?? '')}</text>`,
      );
  }
  const byId = new Map(m.containers.map((c) => [c.id, c]));
  for (const n of laid.children ?? []) {
    const c = byId.get(n.id);
    if (c === undefined) continue;
    const x = n.x ?? 0;
    const y = n.y ?? 0;
    const rx = c.tag === 'Database' ? 14 : c.tag === 'Topic' || c.tag === 'Queue' ? 22 : 6;
    out.push(
      `<g><title>${esc(`${c.name} [${c.technology}] ${c.description}`)}</title>`,
      `<rect x="${x}" y="${y}" width="${W}" height="${H}" rx="${rx}" fill="${FILL[c.tag]}"/>`,
      `<text x="${x + W / 2}" y="${y + 24}" text-anchor="middle" font-size="13" font-weight="600" fill="#fff">${esc(clip(c.name, 26))}</text>`,
      `<text x="${x + W / 2}" y="${y + 42}" text-anchor="middle" font-size="10.5" fill="#eef">[${esc(clip(c.technology, 30))}]</text>`,
      '</g>',
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
