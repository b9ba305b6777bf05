// The shell: the lab picker, a sidebar of the selected lab's views (tabs, from its manifest) and the current view.
// Every view reads its own domain store; a view the manifest names but the renderer has no component for is not
// offered. A view opens another at one thing (a record, an entity) through lib/navigation.
import { startTransition, useCallback, useState, type ComponentType } from 'react';
import type { LabManifest, ViewId } from '../main/console/contract/console-api';
import { ChecksView } from './features/checks/components/checks-view';
import { selectNavCount, useChecksStore } from './features/checks/store';
import { ConnectionBadge } from './features/console/components/connection-badge';
import { Notices } from './features/console/components/notices';
import { GroupsView } from './features/groups/components/groups-view';
import { useGroupsStore } from './features/groups/store';
import { LabPicker } from './features/labs/components/lab-picker';
import { useLab } from './features/labs/store';
import { OutboxView } from './features/outbox/components/outbox-view';
import { selectPending, useOutboxStore } from './features/outbox/store';
import { QueuesView } from './features/queues/components/queues-view';
import { useQueuesStore } from './features/queues/store';
import { StackView } from './features/stack/components/stack-view';
import { SystemView } from './features/system/components/system-view';
import { useStackStore } from './features/stack/store';
import { TimelineView } from './features/timeline/components/timeline-view';
import { useTimelineStore } from './features/timeline/store';
import { TopicsView } from './features/topics/components/topics-view';
import { useTopicsStore } from './features/topics/store';
import { NavigationProvider, type Focus } from './lib/navigation';

interface ViewDef {
  label: string;
  /** one line under the label; `noun` is the lab's entity */
  blurb: (noun: string) => string;
  component: ComponentType;
}

/** The generic views the renderer has; the manifest's `views` picks which of them a lab shows, in its order. */
export const VIEWS: Partial<Record<ViewId, ViewDef>> = {
  stack: { label: 'Stack', blurb: () => 'Start, stop, break', component: StackView },
  system: { label: 'System', blurb: () => 'The lab as a live graph, its report', component: SystemView },
  topics: { label: 'Topics & partitions', blurb: () => 'Where events land', component: TopicsView },
  groups: { label: 'Consumer groups', blurb: () => 'Who reads what', component: GroupsView },
  queues: { label: 'Queues', blurb: () => 'Exchanges, queues, consumers', component: QueuesView },
  outbox: { label: 'Outbox', blurb: () => 'Events waiting for the broker', component: OutboxView },
  timeline: { label: 'Timeline', blurb: (noun) => `One ${noun}, step by step`, component: TimelineView },
  checks: { label: 'Checks', blurb: () => 'Invariants: PASS or FAIL', component: ChecksView },
};

/** Before the first console:info only the Stack view is there. */
const BEFORE_INFO: readonly ViewId[] = ['stack'];

/**
 * The manifest's views; a lab that declares checks or broken modes has the Checks view even where `views` omits it, and
 * every lab has the System view (its graph is built from any manifest), after the Stack view.
 */
function viewsOf(lab: LabManifest | null): readonly ViewId[] {
  if (lab === null) return BEFORE_INFO;
  const hasChecks = lab.checks.length > 0 || lab.brokenModes.length > 0;
  const views: ViewId[] = hasChecks && !lab.views.includes('checks') ? [...lab.views, 'checks'] : [...lab.views];
  if (!views.includes('system')) views.splice(views[0] === 'stack' ? 1 : 0, 0, 'system');
  return views;
}

/** messages held (ready + unacked) in the lab's queues (in every queue when its manifest names none) */
function sumMessages(queues: Record<string, { name: string; messages: number }>, lab: LabManifest | null): number {
  const names = new Set((lab?.exchanges ?? []).flatMap((x) => x.queues));
  return Object.values(queues).reduce((n, q) => (names.size === 0 || names.has(q.name) ? n + q.messages : n), 0);
}

function NavCount({ view }: { view: ViewId }) {
  const lab = useLab();
  const components = lab?.components;
  const healthy = useStackStore((s) => (components ?? []).filter((c) => s.health[c]?.state === 'healthy').length);
  const partitions = useTopicsStore((s) => s.partitionCount);
  const lag = useGroupsStore((s) => Object.values(s.byId).reduce((n, g) => n + g.totalLag, 0));
  const pending = useOutboxStore(selectPending);
  const entities = useTimelineStore((s) => s.byId.size);
  const queued = useQueuesStore((s) => (view === 'queues' ? sumMessages(s.queues, lab) : null));
  const checks = useChecksStore(selectNavCount);
  let text: string | null = null;
  if (view === 'stack') text = components !== undefined ? `${healthy}/${components.length}` : null;
  else if (view === 'topics') text = partitions > 0 ? `${partitions} p` : null;
  else if (view === 'groups') text = lag > 0 ? `lag ${lag}` : null;
  else if (view === 'queues') text = queued !== null && queued > 0 ? `${queued} msg` : null;
  else if (view === 'outbox') text = pending !== null ? `${pending}` : null;
  else if (view === 'timeline') text = entities > 0 ? `${entities}` : null;
  else if (view === 'checks') text = checks;
  return text === null ? null : <span className="nav-count">{text}</span>;
}

export function App({ initialView = 'stack' }: { initialView?: ViewId }) {
  // the view and what it was opened at (a link in another view); `opened` counts the opens, so a view opened again at
  // another thing starts afresh
  const [nav, setNav] = useState<{ view: ViewId; focus: Focus | null; opened: number }>({
    view: initialView,
    focus: null,
    opened: 0,
  });
  // a transition: a view with a big cluster in it renders in slices, the page answering between them
  const setView = (view: ViewId) => startTransition(() => setNav((n) => ({ view, focus: null, opened: n.opened })));
  const navigate = useCallback(
    (view: ViewId, focus?: Focus) => setNav((n) => ({ view, focus: focus ?? null, opened: n.opened + 1 })),
    [],
  );
  const chosen = nav.view;
  const lab = useLab();
  // A lab switch starts the view afresh (its key changes); the first lab arriving does not: a view opened while the
  // labs were still loading keeps what it holds (CI: a Connect dialog opened then was gone when console:info came).
  const labId = lab?.id ?? null;
  const [switches, setSwitches] = useState({ lab: labId, count: 0 });
  if (switches.lab !== labId)
    setSwitches({ lab: labId, count: switches.lab === null ? switches.count : switches.count + 1 });
  const offered = viewsOf(lab).filter((v) => VIEWS[v] !== undefined);
  // a view the selected lab does not offer (after a switch) falls back to its first one
  const view = offered.includes(chosen) ? chosen : (offered[0] ?? 'stack');
  const View = VIEWS[view]?.component ?? StackView;
  const noun = lab?.entity.noun ?? 'entity';
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
              <div className="sub">labs on asynchronous architecture</div>
            </div>
          </div>
          <LabPicker />
          <nav role="tablist" aria-label="Views" aria-orientation="vertical">
            {offered.map((id) => {
              const def = VIEWS[id] as ViewDef;
              return (
                <button
                  key={id}
                  type="button"
                  role="tab"
                  id={`tab-${id}`}
                  aria-selected={view === id}
                  aria-controls={`panel-${id}`}
                  className={`nav-item ${view === id ? 'active' : ''}`}
                  onClick={() => setView(id)}
                >
                  <span className="nav-label">{def.label}</span>
                  <span className="nav-blurb" aria-hidden="true">
                    {def.blurb(noun)}
                  </span>
                  <NavCount view={id} />
                </button>
              );
            })}
          </nav>
          <div className="sidebar-foot">
            <ConnectionBadge />
          </div>
        </div>
      </aside>
      <main className="main" role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
        <Notices />
        <NavigationProvider navigate={navigate} focus={view === chosen ? nav.focus : null}>
          <View key={`${switches.count}#${nav.opened}`} />
        </NavigationProvider>
      </main>
    </div>
  );
}
