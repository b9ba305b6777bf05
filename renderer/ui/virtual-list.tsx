// A virtualised list: only the rows in view are in the DOM, so 5 000 tail records or 100 000 orders stay cheap.
import { useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

/**
 * Key rows by their position: a live list whose content shifts on every refresh then updates the text of the rows in
 * view instead of removing and inserting DOM nodes.
 */
export const rowPosition = (_item: unknown, index: number) => index;

export function VirtualList<T>({
  items,
  rowHeight,
  height,
  renderRow,
  getKey,
  label,
  testId,
  header,
  newestFirst = false,
}: {
  items: readonly T[];
  /** show `items` last to first without copying them (a buffer kept oldest first) */
  newestFirst?: boolean;
  rowHeight: number;
  height: number;
  renderRow: (item: T, index: number) => ReactNode;
  getKey: (item: T, index: number) => string | number;
  label: string;
  testId?: string;
  header?: ReactNode;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const at = (i: number) => items[newestFirst ? items.length - 1 - i : i] as T;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 4,
    getItemKey: (i) => getKey(at(i), i),
    // jsdom (unit tests) has no layout: render a first screenful anyway
    initialRect: { width: 800, height },
  });
  return (
    <div className="vlist" data-testid={testId}>
      {header}
      <div ref={scrollRef} className="vlist-scroll" style={{ height }} role="list" aria-label={label}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((row) => (
            <div
              key={row.key}
              role="listitem"
              className="vlist-row"
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: rowHeight,
                transform: `translateY(${row.start}px)`,
              }}
            >
              {renderRow(at(row.index), row.index)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
