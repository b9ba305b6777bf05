// Topics & partitions: per partition leader, replicas and ISR (under-replicated and offline partitions highlighted),
// offsets, rate and share of keys; the live tail merged across partitions.
import { memo, useMemo, useState } from 'react';
import { LabSlot } from '../../../labs/lab-slot';
import { useLab } from '../../labs/store';
import type { LabManifest } from '../../../../main/console/contract/console-api';
import { formatRate } from '../../../lib/format';
import { useFocus } from '../../../lib/navigation';
import { EmptyState } from '../../../ui/empty-state';
import { FilterTable, type FilterColumn } from '../../../ui/filter-table';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { replicationOf, useTopicsStore, type TopicView } from '../store';
import { RecordFocus } from './record-focus';
import { BrowserPanel } from './browser-panel';
import { TailPanel } from './tail-panel';
import './topics-view.css';

const NO_TOPICS: LabTopic[] = [];
type LabTopic = LabManifest['topics'][number];

export function TopicsView() {
  const topics = useTopicsStore((s) => s.topics);
  const labTopics = useLab()?.topics ?? NO_TOPICS;
  const watched = useMemo(() => labTopics.map((t) => t.name), [labTopics]);
  const first = labTopics[0];
  // the lab's topics first; other topics on the broker (another lab, a test) folded away
  const primary = topics.filter((t) => watched.includes(t.topic));
  const others = topics.filter((t) => !primary.includes(t));
  // opened at one record (a check's evidence links here)
  const focus = useFocus('record');
  return (
    <div className="view" data-testid="view-topics">
      {focus !== null && <RecordFocus key={`${focus.topic}/${focus.partition}@${focus.offset}`} focus={focus} />}
      {topics.length === 0 ? (
        <Panel title="Topics & partitions">
          <EmptyState title="No topics yet" testId="topics-empty">
            The console reads Kafka once the stack runs. Start it on the Stack view
            {first !== undefined ? (
              <>
                ; the lab&apos;s services create <code>{first.name}</code> with {first.partitions} partitions.
              </>
            ) : (
              '.'
            )}
          </EmptyState>
        </Panel>
      ) : (
        primary.map((t) => (
          <TopicPanel key={t.topic} view={t} keyIs={labTopics.find((l) => l.name === t.topic)?.key ?? null} />
        ))
      )}
      {topics.length > 0 && primary.length === 0 && (
        <Panel title="Topics & partitions">
          <EmptyState title={`No ${watched.join(', ')} yet`} testId="topics-empty">
            The lab&apos;s services create it when they start: start them on the Stack view.
          </EmptyState>
        </Panel>
      )}
      {others.length > 0 && (
        <details className="panel others" data-testid="other-topics">
          <summary>Other topics on this broker ({others.length})</summary>
          <OtherTopics topics={others} />
        </details>
      )}
      <LabSlot view="topics" />
      <TailPanel />
      {topics.length > 0 && (
        <BrowserPanel
          topics={[...primary, ...others].map((t) => ({ topic: t.topic, partitions: t.partitions.length }))}
          {...(primary[0] !== undefined ? { initialTopic: primary[0].topic } : {})}
        />
      )}
    </div>
  );
}

const OTHER_COLUMNS: FilterColumn<TopicView>[] = [
  { label: 'Topic', width: 'minmax(220px, 1fr)', render: (t) => <code>{t.topic}</code> },
  { label: 'Partitions', width: '90px', numeric: true, render: (t) => t.partitions.length },
  { label: 'Records', width: '110px', numeric: true, render: (t) => storedOf(t) },
  {
    label: 'Rate',
    width: '90px',
    numeric: true,
    render: (t) => formatRate(t.partitions.reduce((n, p) => n + p.msgsPerSec, 0)),
  },
  {
    label: 'Replication',
    width: '150px',
    render: (t) => {
      const health = t.partitions.map(replicationOf);
      const offline = health.filter((h) => h === 'offline').length;
      const under = health.filter((h) => h === 'under-replicated').length;
      if (offline > 0) return <span className="badge badge-bad">{offline} offline</span>;
      if (under > 0) return <span className="badge badge-warn">{under} under-replicated</span>;
      return <span className="muted">in sync</span>;
    },
  },
];

const storedOf = (view: TopicView) =>
  view.partitions.reduce((n, p) => n + (Number(p.logEndOffset) - Number(p.logStartOffset)), 0);

/** The topics of no lab (a course cluster may have a thousand): one filterable row each, the chosen one in full. */
function OtherTopics({ topics }: { topics: TopicView[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const open = selected === null ? undefined : topics.find((t) => t.topic === selected);
  return (
    <>
      <FilterTable
        items={topics}
        columns={OTHER_COLUMNS}
        textOf={topicText}
        keyOf={topicText}
        label="Other topics"
        testId="other-topics-table"
        selected={selected}
        onSelect={setSelected}
      />
      {open !== undefined && <TopicPanel view={open} keyIs={null} />}
    </>
  );
}
const topicText = (t: TopicView) => t.topic;

/**
 * `keyIs`: what the record key is on this topic (the lab's manifest), null for a topic of no lab. Memoised: the store
 * keeps an untouched topic's view the same object, so a diff re-renders only the topics it changed.
 */
const TopicPanel = memo(function TopicPanel({ view, keyIs }: { view: TopicView; keyIs: string | null }) {
  const stored = storedOf(view);
  const health = view.partitions.map(replicationOf);
  const offline = health.filter((h) => h === 'offline').length;
  const under = health.filter((h) => h === 'under-replicated').length;
  const factor = Math.max(0, ...view.partitions.map((p) => p.replicas.length));
  return (
    <Panel
      title={
        <>
          Topic <code>{view.topic}</code>
        </>
      }
      testId={`topic-${view.topic}`}
      hint={
        <>
          {view.partitions.length} <Term term="partition">partitions</Term>, {stored} records stored. The record{' '}
          <Term term="key" />
          {keyIs !== null ? ` (the ${keyIs})` : ''} decides the partition, so all events with one key stay in order on
          one partition.
          {factor > 1 && (
            <>
              {' '}
              <Term term="replication factor" /> {factor}: each partition has a <Term term="leader" /> and {factor - 1}{' '}
              follower{factor > 2 ? 's' : ''}; the <Term term="ISR" /> are the replicas that are caught up.
            </>
          )}
          {(offline > 0 || under > 0) && (
            <span className="replication-alert" data-testid={`replication-alert-${view.topic}`}>
              {' '}
              {offline > 0 && <span className="badge badge-bad">{offline} offline</span>}
              {offline > 0 && under > 0 && ' '}
              {under > 0 && <span className="badge badge-warn">{under} under-replicated</span>}
            </span>
          )}
        </>
      }
    >
      <table className="table" aria-label={`Partitions of ${view.topic}`}>
        <thead>
          <tr>
            <th>Partition</th>
            <th>
              <Term term="leader">Leader</Term>
            </th>
            <th>Replicas</th>
            <th>
              <Term term="ISR" />
            </th>
            <th className="num">
              <Term term="log-start" />
            </th>
            <th className="num">
              <Term term="log-end" />
            </th>
            <th className="num">Records</th>
            <th className="num">
              <Term term="rate">Rate</Term>
            </th>
            <th>
              <Term term="share of keys" />
            </th>
          </tr>
        </thead>
        <tbody>
          {view.partitions.map((p, i) => {
            const share = view.totalKeys > 0 ? p.keysSeen / view.totalKeys : 0;
            const replication = health[i] ?? 'ok';
            return (
              <tr
                key={p.id}
                data-testid={`partition-${p.topic}-${p.partition}`}
                data-replication={replication}
                className={replication === 'ok' ? undefined : `partition-${replication}`}
              >
                <th scope="row">p{p.partition}</th>
                <td data-testid={`leader-${p.topic}-${p.partition}`}>
                  {p.leader ?? <span className="badge badge-bad">none: offline</span>}
                </td>
                <td className="mono">{p.replicas.length > 0 ? p.replicas.join(', ') : '—'}</td>
                <td className="mono" data-testid={`isr-${p.topic}-${p.partition}`}>
                  {p.isr.length > 0 ? p.isr.join(', ') : '—'}
                  {replication === 'under-replicated' && (
                    <span className="sub">
                      {' '}
                      ({p.isr.length} of {p.replicas.length} in sync)
                    </span>
                  )}
                </td>
                <td className="num mono">{p.logStartOffset}</td>
                <td className="num mono" data-testid={`log-end-${p.topic}-${p.partition}`}>
                  {p.logEndOffset}
                </td>
                <td className="num">{Number(p.logEndOffset) - Number(p.logStartOffset)}</td>
                <td className="num">{formatRate(p.msgsPerSec)}</td>
                <td className="share">
                  <div
                    className="bar"
                    role="meter"
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(share * 100)}
                    aria-label={`Share of keys on p${p.partition}`}
                  >
                    <div className="bar-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
                  </div>
                  <span className="share-label">
                    {Math.round(share * 100)}% · {p.keysSeen} keys
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {view.totalKeys > 0 && view.partitions.length > 1 && (
        <p className="hint">
          An even spread is {Math.round(100 / view.partitions.length)}% each; with a hashed key it stays close to that
          as keys grow.
        </p>
      )}
    </Panel>
  );
});
