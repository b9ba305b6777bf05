// System: the running lab drawn as one graph (instances, topics, consumer groups, exchanges, queues, tables,
// collections) with the live rate on each edge and the backlog or lag on each node, a killed instance and a cut or
// delayed link marked; a click on a node opens its view. Below it the lab's architecture as code (Structurizr DSL,
// Mermaid) and the lab report export. The graph comes from the console (system:graph, polled while the view is open).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Architecture, ViewId } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatTime } from '../../../lib/format';
import { useNavigate } from '../../../lib/navigation';
import { useAction } from '../../../lib/use-action';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { TopologyGraph } from '../../../ui/topology-graph';
import { useLab } from '../../labs/store';
import { drawnGraph } from '../graph';
import { useSystemStore } from '../store';
import '../system.css';

/** How often the view asks for the graph (the observers poll about once a second). */
export const SYSTEM_POLL_MS = 1000;

function useSystemGraph() {
  const client = useClient();
  const setGraph = useSystemStore((s) => s.setGraph);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      client.request['system:graph']({})
        .then((g) => {
          if (stopped) return;
          setGraph(g);
          setError(null);
        })
        .catch((err: unknown) => {
          if (!stopped) setError(err instanceof Error ? err.message : String(err));
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(poll, SYSTEM_POLL_MS);
        });
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, setGraph]);
  return error;
}

function Legend() {
  return (
    <p className="system-legend" data-testid="system-legend">
      <span className="sys-key sys-ok">running / flowing</span>
      <span className="sys-key sys-warn">lag, backlog, broken mode or a delayed link</span>
      <span className="sys-key sys-bad">killed, cut link, offline</span>
      <span className="sys-key sys-idle">stopped or idle</span>
      <span className="sys-key sys-unexpected">not in the lab&apos;s manifest</span>
    </p>
  );
}

function ArchitecturePanel() {
  const client = useClient();
  const [arch, setArch] = useState<Architecture | null>(null);
  const [shown, setShown] = useState<'structurizr' | 'mermaid'>('structurizr');
  const load = useAction('architecture', () => client.request['system:architecture']({}));
  const run = useCallback(
    (which: 'structurizr' | 'mermaid') => {
      setShown(which);
      void load.invoke().then((a) => {
        if (a !== undefined) setArch(a);
      });
    },
    [load],
  );
  const text =
    arch === null
      ? ''
      : shown === 'structurizr'
        ? arch.structurizr
        : [arch.mermaid.context, arch.mermaid.container, arch.mermaid.dynamic ?? ''].join('\n');
  return (
    <Panel
      title="Architecture as code"
      hint="The running lab as a Structurizr workspace (context, containers and one entity's path) and as Mermaid: paste it into your lab report's model."
      actions={
        <>
          <button type="button" onClick={() => run('structurizr')} disabled={load.pending}>
            Structurizr DSL
          </button>
          <button type="button" onClick={() => run('mermaid')} disabled={load.pending}>
            Mermaid
          </button>
        </>
      }
      testId="system-architecture"
    >
      {arch === null ? (
        <p className="hint">Press a button to export the architecture as the console sees it now.</p>
      ) : (
        <>
          <p className="hint">
            {arch.entity === null
              ? 'No entity has a timeline yet, so there is no dynamic view.'
              : `The dynamic view follows ${arch.entity}.`}{' '}
            <a
              href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
              download={`${arch.lab}.${shown === 'structurizr' ? 'dsl' : 'mmd'}`}
            >
              Download
            </a>
          </p>
          <pre className="system-code" data-testid={`system-${shown}`}>
            {text}
          </pre>
        </>
      )}
    </Panel>
  );
}

function ReportPanel() {
  const client = useClient();
  const progress = useSystemStore((s) => s.progress);
  const report = useSystemStore((s) => s.report);
  const applyProgress = useSystemStore((s) => s.applyProgress);
  const setReport = useSystemStore((s) => s.setReport);
  useEffect(() => client.subscribe('report:progress', applyProgress), [client, applyProgress]);
  const write = useAction('report', () => client.request['report:export']({}));
  const exportReport = () =>
    void write.invoke().then((r) => {
      if (r !== undefined) setReport({ html: r.html, markdown: r.markdown, bytes: r.bytes, millis: r.millis });
    });
  return (
    <Panel
      title="Lab report"
      hint="One HTML file that opens offline and a Markdown file: the lab and its seed, the stack, the architecture, every check's last result with its evidence, the broken modes you tried, chosen timelines."
      actions={
        <button type="button" className="primary" onClick={exportReport} disabled={write.pending}>
          {write.pending ? 'Writing…' : 'Export report'}
        </button>
      }
      testId="system-report"
    >
      {write.pending && progress !== null && !progress.done && (
        <div className="system-progress" data-testid="report-progress">
          <progress value={progress.fraction} max={1} aria-label="Report progress" /> {progress.step}
        </div>
      )}
      {report !== null && (
        <dl className="system-written" data-testid="report-written">
          <dt>HTML</dt>
          <dd>
            <code>{report.html}</code>
          </dd>
          <dt>Markdown</dt>
          <dd>
            <code>{report.markdown}</code>
          </dd>
          <dt>written</dt>
          <dd>
            {(report.bytes / 1024).toFixed(1)} KiB in {report.millis} ms
          </dd>
        </dl>
      )}
      {write.error !== null && <p className="error">{write.error}</p>}
    </Panel>
  );
}

export function SystemView() {
  const lab = useLab();
  const graph = useSystemStore((s) => s.graph);
  const reset = useSystemStore((s) => s.reset);
  const navigate = useNavigate();
  const error = useSystemGraph();
  useEffect(() => reset, [reset]);
  const { nodes, edges } = useMemo(() => drawnGraph(graph), [graph]);
  const views = useMemo(() => new Map((graph?.nodes ?? []).map((n) => [n.id, n.view])), [graph]);
  const offered = useMemo(() => new Set<ViewId>([...(lab?.views ?? []), 'checks', 'stack']), [lab]);
  const open = useCallback(
    (id: string) => {
      const v = views.get(id);
      if (v !== undefined && v !== null && navigate !== null && offered.has(v)) navigate(v);
    },
    [views, navigate, offered],
  );
  const unexpected = (graph?.nodes ?? []).filter((n) => !n.declared).length;
  return (
    <div className="view" data-testid="view-system">
      <header className="view-head">
        <h1>System</h1>
        <p className="hint">
          {lab === null ? 'The running lab' : lab.title} as a graph: who writes where, who reads what, and how much is
          waiting. Click a node to open its view.
        </p>
      </header>
      <Panel
        title="The running system"
        hint={
          graph === null
            ? 'Asking the console…'
            : `${graph.nodes.length} nodes, ${graph.edges.length} edges${unexpected > 0 ? `, ${unexpected} not in the lab's manifest` : ''} · ${formatTime(graph.at)}`
        }
        testId="system-graph-panel"
      >
        {error !== null && <p className="error">The console did not answer: {error}</p>}
        {graph !== null && graph.nodes.length === 0 ? (
          <EmptyState title="Nothing to draw yet">
            Start the stack and the lab&apos;s services on the Stack view.
          </EmptyState>
        ) : (
          <TopologyGraph
            nodes={nodes}
            edges={edges}
            label={`${lab?.title ?? 'the lab'}: services, topics, groups, queues, tables`}
            testId="system-graph"
            onNodeClick={open}
            layerGap={210}
          />
        )}
        <Legend />
      </Panel>
      <ReportPanel />
      <ArchitecturePanel />
    </div>
  );
}
