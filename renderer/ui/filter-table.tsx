// A table of many rows (a cluster's 1 000 topics, its 500 groups): a filter box, a header, and only the rows in view in
// the DOM (VirtualList). Clicking a row selects it; the caller shows the selected row's detail.
import { useDeferredValue, useMemo, useState, type ReactNode } from 'react';
import { VirtualList } from './virtual-list';
import './filter-table.css';

export interface FilterColumn<T> {
  label: string;
  /** a CSS grid track, e.g. "minmax(200px, 1fr)" or "90px" */
  width: string;
  render: (item: T) => ReactNode;
  numeric?: boolean;
}

export function FilterTable<T>({
  items,
  columns,
  textOf,
  keyOf,
  label,
  testId,
  selected,
  onSelect,
  height = 320,
}: {
  items: readonly T[];
  columns: readonly FilterColumn<T>[];
  /** the text the filter matches (case-insensitive substring) */
  textOf: (item: T) => string;
  keyOf: (item: T) => string;
  label: string;
  testId: string;
  selected: string | null;
  onSelect: (key: string | null) => void;
  height?: number;
}) {
  const [filter, setFilter] = useState('');
  // typing stays responsive on 1 000 rows: the list follows the filter at the next idle moment
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const shown = useMemo(
    () => (deferred === '' ? items : items.filter((item) => textOf(item).toLowerCase().includes(deferred))),
    [items, deferred, textOf],
  );
  const grid = { gridTemplateColumns: columns.map((c) => c.width).join(' ') };
  return (
    <div className="filter-table" data-testid={testId}>
      <div className="filter-table-bar">
        <input
          type="search"
          placeholder="Filter…"
          aria-label={`Filter ${label.toLowerCase()}`}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          data-testid={`${testId}-filter`}
        />
        <span className="muted" data-testid={`${testId}-count`}>
          {shown.length === items.length ? `${items.length}` : `${shown.length} of ${items.length}`}
        </span>
      </div>
      <VirtualList
        items={shown}
        rowHeight={28}
        height={Math.min(height, 28 * Math.max(1, shown.length) + 2)}
        label={label}
        getKey={(item) => keyOf(item)}
        header={
          <div className="filter-table-row filter-table-head" style={grid} aria-hidden="true">
            {columns.map((c) => (
              <span key={c.label} className={c.numeric === true ? 'num' : undefined}>
                {c.label}
              </span>
            ))}
          </div>
        }
        renderRow={(item) => {
          const key = keyOf(item);
          return (
            <button
              type="button"
              className={`filter-table-row${key === selected ? ' selected' : ''}`}
              style={grid}
              aria-pressed={key === selected}
              onClick={() => onSelect(key === selected ? null : key)}
              data-testid={`${testId}-row`}
            >
              {columns.map((c) => (
                <span key={c.label} className={c.numeric === true ? 'num ellipsis' : 'ellipsis'}>
                  {c.render(item)}
                </span>
              ))}
            </button>
          );
        }}
      />
    </div>
  );
}
