// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { layoutFromStyle } from '../test/layout';
import { FilterTable, type FilterColumn } from './filter-table';

afterEach(cleanup);

layoutFromStyle();

interface Row {
  name: string;
  n: number;
}
const ROWS: Row[] = Array.from({ length: 1000 }, (_, i) => ({ name: `topic-${String(i).padStart(4, '0')}`, n: i }));
const COLUMNS: FilterColumn<Row>[] = [
  { label: 'Name', width: '1fr', render: (r) => r.name },
  { label: 'N', width: '60px', numeric: true, render: (r) => r.n },
];
const nameOf = (r: Row) => r.name;

function Harness() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <>
      <FilterTable
        items={ROWS}
        columns={COLUMNS}
        textOf={nameOf}
        keyOf={nameOf}
        label="Rows"
        testId="t"
        selected={selected}
        onSelect={setSelected}
      />
      <output data-testid="selected">{selected ?? 'none'}</output>
    </>
  );
}

describe('FilterTable', () => {
  it('puts only a screenful of 1 000 rows in the DOM', () => {
    render(<Harness />);
    const rows = screen.getAllByTestId('t-row');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(30);
    expect(screen.getByTestId('t-count').textContent).toBe('1000');
  });

  it('filters by a case-insensitive substring and says how many of all match', () => {
    render(<Harness />);
    fireEvent.change(screen.getByTestId('t-filter'), { target: { value: 'TOPIC-099' } });
    expect(screen.getByTestId('t-count').textContent).toBe('10 of 1000');
    expect(screen.getAllByTestId('t-row').map((r) => r.textContent)).toContain('topic-0995995');
  });

  it('selects a row on click and deselects it on a second click', () => {
    render(<Harness />);
    const first = screen.getAllByTestId('t-row')[0]!;
    fireEvent.click(first);
    expect(screen.getByTestId('selected').textContent).toBe('topic-0000');
    expect(first.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getAllByTestId('t-row')[0]!);
    expect(screen.getByTestId('selected').textContent).toBe('none');
  });
});
