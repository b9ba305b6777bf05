// The recently updated orders, or the flagged ones: virtualised lists of summaries; a click opens the timeline.
import { useMemo } from 'react';
import type { TimelineSummary } from '../../../../main/console/contract/console-api';
import { useThrottledStore } from '../../../lib/use-throttled-store';
import { formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { rowPosition, VirtualList } from '../../../ui/virtual-list';
import { flaggedNewestFirst, newestFirst, useTimelineStore, type TimelineState } from '../store';

export const LIST_REFRESH_MS = 250;
const listHead = (s: TimelineState) => [s.version, s.byId.size, s.flagged.size] as const;

export function OrderList({ kind, onPick }: { kind: 'recent' | 'flagged'; onPick: (orderId: string) => void }) {
  // a few times a second is as fast as anyone reads a list
  const [version, size, flaggedCount] = useThrottledStore(useTimelineStore, listHead, LIST_REFRESH_MS);
  const items = useMemo(() => {
    const s = useTimelineStore.getState();
    return kind === 'recent' ? newestFirst(s, 2000) : flaggedNewestFirst(s);
  }, [kind, version]);
  const title = kind === 'recent' ? 'Recent orders' : 'Flagged orders';
  return (
    <Panel
      title={title}
      testId={`orders-${kind}`}
      hint={
        kind === 'recent' ? (
          `${size.toLocaleString('en')} orders known; the 2 000 most recently updated, newest first.`
        ) : (
          <>
            Orders with a <Term term="flag" />: {flaggedCount} so far.
          </>
        )
      }
    >
      {items.length === 0 ? (
        <EmptyState title={kind === 'recent' ? 'No orders yet' : 'Nothing flagged'} testId={`orders-${kind}-empty`}>
          {kind === 'recent'
            ? 'Create orders on the Stack view; each appears here once loms commits it.'
            : 'Good: every order went through a valid status path, once, with no step missing.'}
        </EmptyState>
      ) : (
        <VirtualList
          items={items}
          rowHeight={30}
          height={320}
          label={title}
          getKey={rowPosition}
          renderRow={(s) => <OrderRow summary={s} onPick={onPick} />}
        />
      )}
    </Panel>
  );
}

function OrderRow({ summary, onPick }: { summary: TimelineSummary; onPick: (id: string) => void }) {
  return (
    <button
      type="button"
      className="order-row"
      onClick={() => onPick(summary.orderId)}
      data-testid="order-row"
      aria-label={`Order ${summary.orderId}`}
    >
      <span className="mono order-id">#{summary.orderId}</span>
      <span className="order-path">{summary.statuses.join(' → ') || '—'}</span>
      <span>
        {summary.partition !== null ? (
          <span className={`pchip p${summary.partition % 6}`}>p{summary.partition}</span>
        ) : null}
      </span>
      <span className="sub">{summary.instances.join(', ')}</span>
      <span className="sub">{formatTime(summary.lastAt)}</span>
      <span>
        {summary.flags.map((f) => (
          <Badge key={f} state={f} tone="bad" />
        ))}
      </span>
    </button>
  );
}
