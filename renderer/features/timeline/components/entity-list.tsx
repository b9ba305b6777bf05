// The recently updated entities, or the flagged ones: virtualised lists of summaries; a click opens the timeline.
import { useMemo, type CSSProperties } from 'react';
import type { LabManifest, TimelineSummary } from '../../../../main/console/contract/console-api';
import { useThrottledStore } from '../../../lib/use-throttled-store';
import { formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { rowPosition, VirtualList } from '../../../ui/virtual-list';
import { capitalize, plural, toneOfStatus } from '../../labs/manifest';
import { flaggedNewestFirst, newestFirst, useTimelineStore, type TimelineState } from '../store';

export const LIST_REFRESH_MS = 250;
const listHead = (s: TimelineState) => [s.version, s.byId.size, s.flagged.size] as const;

export function EntityList({
  kind,
  lab,
  onPick,
}: {
  kind: 'recent' | 'flagged';
  lab: LabManifest;
  onPick: (entity: string) => void;
}) {
  // a few times a second is as fast as anyone reads a list
  const [version, size, flaggedCount] = useThrottledStore(useTimelineStore, listHead, LIST_REFRESH_MS);
  const items = useMemo(() => {
    const s = useTimelineStore.getState();
    return kind === 'recent' ? newestFirst(s, 2000) : flaggedNewestFirst(s);
  }, [kind, version]);
  const nouns = plural(lab.entity.noun);
  const title = kind === 'recent' ? `Recent ${nouns}` : `Flagged ${nouns}`;
  return (
    <Panel
      title={title}
      testId={`entities-${kind}`}
      hint={
        kind === 'recent' ? (
          `${size.toLocaleString('en')} ${nouns} known; the 2 000 most recently updated, newest first.`
        ) : (
          <>
            {capitalize(nouns)} with a <Term term="flag" />: {flaggedCount} so far.
          </>
        )
      }
    >
      {items.length === 0 ? (
        <EmptyState title={kind === 'recent' ? `No ${nouns} yet` : 'Nothing flagged'} testId={`entities-${kind}-empty`}>
          {kind === 'recent'
            ? `Start the lab's services and load on the Stack view; each ${lab.entity.noun} appears here with its first fact.`
            : `Good: every ${lab.entity.noun} went through a valid status path, once, with no step missing.`}
        </EmptyState>
      ) : (
        <VirtualList
          items={items}
          rowHeight={30}
          height={320}
          label={title}
          getKey={rowPosition}
          renderRow={(s) => <EntityRow summary={s} lab={lab} onPick={onPick} />}
        />
      )}
    </Panel>
  );
}

function EntityRow({
  summary,
  lab,
  onPick,
}: {
  summary: TimelineSummary;
  lab: LabManifest;
  onPick: (id: string) => void;
}) {
  const last = summary.lastStatus;
  return (
    <button
      type="button"
      className="order-row"
      // the id column fits the lab's ids (a UUID is wider than an order number)
      style={{ '--id-width': `${lab.entity.idExample.length + 2}ch` } as CSSProperties}
      onClick={() => onPick(summary.entity)}
      data-testid="entity-row"
      data-last-status={last ?? ''}
      aria-label={`${capitalize(lab.entity.noun)} ${summary.entity}`}
    >
      <span className="mono order-id">#{summary.entity}</span>
      <span className="order-path">
        {summary.statuses.slice(0, -1).join(' → ')}
        {summary.statuses.length > 1 ? ' → ' : ''}
        {last !== null ? <span className={`status-word tone-${toneOfStatus(lab, last)}`}>{last}</span> : '—'}
      </span>
      <span>
        {summary.partition !== null ? (
          <span className={`pchip p${summary.partition % 6}`}>p{summary.partition}</span>
        ) : null}
      </span>
      {/* one line in a row of fixed height (the list is virtualised): the whole list on hover */}
      <span className="sub order-actors" title={summary.actors.join(', ')}>
        {summary.actors.join(', ')}
      </span>
      <span className="sub">{formatTime(summary.lastAt)}</span>
      <span>
        {summary.flags.map((f) => (
          <Badge key={f} state={f} tone="bad" />
        ))}
      </span>
    </button>
  );
}
