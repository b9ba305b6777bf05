// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SystemGraph } from '../../../main/console/contract/console-api';
import { ClientProvider } from '../../lib/client-context';
import { NavigationProvider } from '../../lib/navigation';
import { createFakeClient } from '../../test/fake-client';
import { info } from '../../test/fixtures';
import { useLabsStore } from '../labs/store';
import { SystemView } from './components/system-view';
import { drawnGraph, graphEdgeOf } from './graph';
import { useSystemStore } from './store';

const GRAPH: SystemGraph = {
  lab: 'lab-d',
  at: 1000,
  nodes: [
    {
      id: 'instance:loms',
      kind: 'instance',
      name: 'loms',
      sub: 'loms · running',
      component: null,
      service: 'loms',
      tone: 'ok',
      figures: [],
      marks: [],
      declared: true,
      backlog: null,
      view: 'stack',
    },
    {
      id: 'table:outbox',
      kind: 'table',
      name: 'outbox',
      sub: 'outbox table',
      component: 'postgres',
      service: null,
      tone: 'warn',
      figures: [{ label: 'pending', value: '7', tone: 'warn' }],
      marks: [],
      declared: true,
      backlog: 7,
      view: 'outbox',
    },
    {
      id: 'topic:loms.order-events',
      kind: 'topic',
      name: 'loms.order-events',
      sub: '2 partitions',
      component: 'kafka',
      service: null,
      tone: 'ok',
      figures: [{ label: 'in', value: '20/s' }],
      marks: [],
      declared: true,
      backlog: null,
      view: 'topics',
    },
    {
      id: 'instance:notifier-2',
      kind: 'instance',
      name: 'notifier-2',
      sub: 'notifier · killed',
      component: null,
      service: 'notifier',
      tone: 'bad',
      figures: [],
      marks: ['killed'],
      declared: true,
      backlog: null,
      view: 'stack',
    },
  ],
  edges: [
    {
      id: 'writes:instance:loms>table:outbox',
      source: 'instance:loms',
      target: 'table:outbox',
      kind: 'writes',
      label: 'commit',
      ratePerSec: null,
      link: { id: 'loms/postgres', state: 'cut', delayMs: 0 },
      tone: 'bad',
      declared: true,
    },
    {
      id: 'writes:instance:loms>topic:loms.order-events',
      source: 'instance:loms',
      target: 'topic:loms.order-events',
      kind: 'writes',
      label: 'relay',
      ratePerSec: 20,
      link: { id: 'loms/kafka', state: 'up', delayMs: 250 },
      tone: 'warn',
      declared: true,
    },
  ],
};

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useSystemStore.getState().reset();
  useLabsStore.setState({ labs: [], lab: null });
});

describe('the System view graph', () => {
  it('puts the rate and the link on the edge, the marks on the node', () => {
    const { nodes, edges } = drawnGraph(GRAPH);
    expect(nodes.find((n) => n.id === 'instance:notifier-2')).toMatchObject({ marks: ['killed'], tone: 'bad' });
    expect(edges[0]).toMatchObject({ figure: 'link cut', cut: true, active: false, tone: 'bad' });
    expect(edges[1]).toMatchObject({ figure: '20/s · +250 ms', cut: false, active: true, label: 'relay' });
    expect(graphEdgeOf({ ...GRAPH.edges[1]!, link: null, ratePerSec: 0 })).toMatchObject({
      figure: '0.0/s',
      active: false,
    });
  });
});

describe('SystemView', () => {
  it("draws the graph the console builds, opens a node's view, and exports the report with its progress", async () => {
    let resolveReport: (v: {
      runId: string;
      html: string;
      markdown: string;
      bytes: number;
      millis: number;
    }) => void = () => undefined;
    const client = createFakeClient({
      'system:graph': () => GRAPH,
      'report:export': () =>
        new Promise((resolve) => {
          resolveReport = resolve;
        }),
      'system:architecture': () => ({
        lab: 'lab-d',
        structurizr: 'workspace "Lab D" {}',
        mermaid: { context: 'flowchart LR', container: 'flowchart LR\n  a --> b', dynamic: null },
        entity: null,
      }),
    });
    const opened: string[] = [];
    render(
      <ClientProvider client={client}>
        <NavigationProvider navigate={(v) => opened.push(v)} focus={null}>
          <SystemView />
        </NavigationProvider>
      </ClientProvider>,
    );
    // jsdom has no layout engine: the graph shows as its table
    await waitFor(() => expect(screen.getByTestId('system-graph-table')).toBeTruthy());
    const cut = screen.getByTestId('topo-row-writes:instance:loms>table:outbox');
    expect(cut.textContent).toContain('instance loms');
    expect(cut.textContent).toContain('link cut');
    expect(cut.textContent).toContain('pending 7');
    expect(screen.getByTestId('system-graph-panel').textContent).toContain('4 nodes, 2 edges');

    fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    act(() => client.emit('report:progress', { runId: 'r', step: 'timelines 2/5', fraction: 0.4, done: false }));
    expect(screen.getByTestId('report-progress').textContent).toContain('timelines 2/5');
    await act(async () => {
      resolveReport({
        runId: 'r',
        html: '/data/exports/lab-d-report.html',
        markdown: '/data/exports/lab-d-report.md',
        bytes: 20480,
        millis: 120,
      });
      await Promise.resolve();
    });
    await waitFor(() =>
      expect(screen.getByTestId('report-written').textContent).toContain('/data/exports/lab-d-report.html'),
    );
    expect(screen.getByTestId('report-written').textContent).toContain('20.0 KiB in 120 ms');

    fireEvent.click(screen.getByRole('button', { name: 'Mermaid' }));
    await waitFor(() => expect(screen.getByTestId('system-mermaid').textContent).toContain('a --> b'));
    expect(opened).toEqual([]);
    expect(client.calls.filter((c) => c.name === 'system:graph').length).toBeGreaterThanOrEqual(1);
  });
});
