// The shell: a sidebar of views (tabs) and the current view. Every view reads its own domain store.
import { useState } from 'react';
import { ConnectionBadge } from './features/console/components/connection-badge';
import { Notices } from './features/console/components/notices';
import { GroupsView } from './features/groups/components/groups-view';
import { useGroupsStore } from './features/groups/store';
import { OutboxView } from './features/outbox/components/outbox-view';
import { useOutboxStore } from './features/outbox/store';
import { StackView } from './features/stack/components/stack-view';
import { COMPONENTS, useStackStore } from './features/stack/store';
import { TimelineView } from './features/timeline/components/timeline-view';
import { useTimelineStore } from './features/timeline/store';
import { TopicsView } from './features/topics/components/topics-view';
import { useTopicsStore } from './features/topics/store';

export const VIEWS = [
  { id: 'stack', label: 'Stack', blurb: 'Start, stop, break' },
  { id: 'topics', label: 'Topics & partitions', blurb: 'Where events land' },
  { id: 'groups', label: 'Consumer groups', blurb: 'Who reads what' },
  { id: 'outbox', label: 'Outbox', blurb: 'Events waiting for Kafka' },
  { id: 'timeline', label: 'Timeline', blurb: 'One order, step by step' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

function NavCount({ view }: { view: ViewId }) {
  const healthy = useStackStore((s) => COMPONENTS.filter((c) => s.health[c]?.state === 'healthy').length);
  const partitions = useTopicsStore((s) => Object.keys(s.byId).length);
  const lag = useGroupsStore((s) => Object.values(s.byId).reduce((n, g) => n + g.totalLag, 0));
  const pending = useOutboxStore((s) => s.state?.pending ?? null);
  const orders = useTimelineStore((s) => s.byId.size);
  let text: string | null = null;
  if (view === 'stack') text = `${healthy}/${COMPONENTS.length}`;
  else if (view === 'topics') text = partitions > 0 ? `${partitions} p` : null;
  else if (view === 'groups') text = lag > 0 ? `lag ${lag}` : null;
  else if (view === 'outbox') text = pending !== null ? `${pending}` : null;
  else text = orders > 0 ? `${orders}` : null;
  return text === null ? null : <span className="nav-count">{text}</span>;
}

export function App({ initialView = 'stack' }: { initialView?: ViewId }) {
  const [view, setView] = useState<ViewId>(initialView);
  return (
    <div className="app">
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <span className="logo" aria-hidden="true">
              ◈
            </span>
            <div>
              <div className="brand-name">Eventscope</div>
              <div className="sub">Lab D · orders, outbox, notifiers</div>
            </div>
          </div>
          <nav role="tablist" aria-label="Views" aria-orientation="vertical">
            {VIEWS.map((v) => (
              <button
                key={v.id}
                type="button"
                role="tab"
                id={`tab-${v.id}`}
                aria-selected={view === v.id}
                aria-controls={`panel-${v.id}`}
                className={`nav-item ${view === v.id ? 'active' : ''}`}
                onClick={() => setView(v.id)}
              >
                <span className="nav-label">{v.label}</span>
                <span className="nav-blurb" aria-hidden="true">
                  {v.blurb}
                </span>
                <NavCount view={v.id} />
              </button>
            ))}
          </nav>
          <div className="sidebar-foot">
            <ConnectionBadge />
          </div>
        </div>
      </aside>
      <main className="main" role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
        <Notices />
        {view === 'stack' && <StackView />}
        {view === 'topics' && <TopicsView />}
        {view === 'groups' && <GroupsView />}
        {view === 'outbox' && <OutboxView />}
        {view === 'timeline' && <TimelineView />}
      </main>
    </div>
  );
}
