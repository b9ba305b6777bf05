// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyGraph } from './topology-graph';

afterEach(cleanup);

describe('TopologyGraph', () => {
  it('renders the graph as a table where nothing can be drawn (no ResizeObserver), with labels and figures', () => {
    render(
      <TopologyGraph
        label="a test graph"
        testId="g"
        nodes={[
          { id: 'x', kind: 'exchange', label: 'events' },
          { id: 'q', kind: 'queue', label: 'work', figures: [{ label: 'ready', value: '3' }] },
        ]}
        edges={[{ id: 'e', source: 'x', target: 'q', label: 'k.#', figure: '1.5/s' }]}
      />,
    );
    const table = screen.getByTestId('g-table');
    expect(within(table).getByText('a test graph')).toBeTruthy();
    const row = screen.getByTestId('topo-row-e');
    expect(row.textContent).toContain('exchange events');
    expect(row.textContent).toContain('k.# · 1.5/s');
    expect(row.textContent).toContain('queue work');
    expect(row.textContent).toContain('ready 3');
  });
});
