// One order's timeline, fetched on demand (timeline:get) and again whenever its summary in the store changes.
import { useEffect, useState } from 'react';
import type { OrderTimeline, TimelineStep } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatDuration, formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { Term } from '../../../ui/term';
import { useTimelineStore } from '../store';

type Committed = Extract<TimelineStep, { kind: 'committed' }>;
type Published = Extract<TimelineStep, { kind: 'published' }>;
type Processed = Extract<TimelineStep, { kind: 'processed' }>;

interface StatusRow {
  status: string;
  committed: Committed[];
  published: Published[];
  processed: Processed[];
}

/** Steps grouped by status, in the order the statuses first happened. */
export function rowsOf(steps: TimelineStep[]): StatusRow[] {
  const rows = new Map<string, StatusRow>();
  for (const step of steps) {
    let row = rows.get(step.status);
    if (row === undefined)
      rows.set(step.status, (row = { status: step.status, committed: [], published: [], processed: [] }));
    if (step.kind === 'committed') row.committed.push(step);
    else if (step.kind === 'published') row.published.push(step);
    else row.processed.push(step);
  }
  return [...rows.values()];
}

export function OrderDetail({ orderId }: { orderId: string }) {
  const client = useClient();
  const summary = useTimelineStore((s) => s.byId.get(orderId));
  const [timeline, setTimeline] = useState<OrderTimeline | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    client.request['timeline:get']({ orderId }).then(
      (res) => {
        if (cancelled) return;
        setTimeline(res.timeline);
        setError(null);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
    // refetch when the order's summary changes (a new step arrived)
  }, [client, orderId, summary]);

  if (error !== null) return <p className="text-bad">Could not read the timeline: {error}</p>;
  if (timeline === undefined) return <p className="muted">Loading order {orderId}…</p>;
  if (timeline === null)
    return (
      <EmptyState title={`No order ${orderId} seen`} testId="timeline-not-found">
        The console only knows the orders it watched since it started (the newest 100 000). Check the id, or create
        orders on the Stack view.
      </EmptyState>
    );

  const rows = rowsOf(timeline.steps);
  return (
    <div className="order-detail" data-testid="order-detail">
      <div className="order-head">
        <h3>
          Order <span data-testid="timeline-order-id">{timeline.orderId}</span>
        </h3>
        <span className="status-path" data-testid="timeline-path">
          {timeline.statuses.join(' → ') || 'no event published yet'}
        </span>
        {timeline.partition !== null && (
          <span className={`pchip p${timeline.partition % 6}`}>p{timeline.partition}</span>
        )}
        {timeline.flags.length === 0 ? (
          <Badge state="no flags" tone="ok" />
        ) : (
          timeline.flags.map((f) => <Badge key={f} state={f} tone="bad" />)
        )}
      </div>
      {timeline.flagReasons.length > 0 && (
        <ul className="flag-reasons" aria-label="Why it is flagged">
          {timeline.flagReasons.map((r) => (
            <li key={r.flag}>
              <strong>{r.flag}</strong>: {r.reason}
            </li>
          ))}
        </ul>
      )}
      <table className="table timeline" aria-label={`Timeline of order ${timeline.orderId}`}>
        <thead>
          <tr>
            <th>Status</th>
            <th>1. DB commit (outbox row)</th>
            <th>
              2. <Term term="relay">Relay</Term> sent
            </th>
            <th>3. Kafka record</th>
            <th>4. Notifier processed</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.status} data-testid="timeline-row" data-status={row.status}>
              <th scope="row">
                <span className="status" data-testid="timeline-status">
                  {row.status}
                </span>
              </th>
              <td>
                {row.committed.length === 0 ? (
                  <span className="muted">not seen</span>
                ) : (
                  row.committed.map((c) => (
                    <div key={c.outboxId}>
                      {formatTime(c.at)} · row #{c.outboxId}
                    </div>
                  ))
                )}
              </td>
              <td>
                {row.committed.map((c) => (
                  <div key={c.outboxId}>
                    {c.sentAt !== null ? (
                      `${formatTime(c.sentAt)} (+${formatDuration(c.sentAt - c.at)})`
                    ) : row.published[0] !== undefined ? (
                      // the console saw the record on Kafka before it read the row's sent_at
                      <span title="the outbox row's sent_at was not read yet; the record is on Kafka">
                        sent (on Kafka {formatTime(row.published[0].at)})
                      </span>
                    ) : (
                      <span className="text-warn">pending</span>
                    )}
                  </div>
                ))}
              </td>
              <td>
                {row.published.length === 0 ? (
                  <span className="muted">not on the topic yet</span>
                ) : (
                  row.published.map((p) => (
                    <div key={`${p.partition}-${p.offset}`}>
                      <span className={`pchip p${p.partition % 6}`} data-testid="step-partition">
                        p{p.partition}
                      </span>{' '}
                      offset{' '}
                      <span className="mono" data-testid="step-offset">
                        {p.offset}
                      </span>{' '}
                      · {formatTime(p.at)}
                    </div>
                  ))
                )}
              </td>
              <td>
                {row.processed.length === 0 ? (
                  <span className="muted">not processed yet</span>
                ) : (
                  row.processed.map((p, i) => (
                    <div key={`${p.instance}-${p.offset}-${i}`}>
                      <strong data-testid="step-instance">{p.instance}</strong> · {formatTime(p.at)}
                      {p.latencyMs !== null && (
                        <span className="sub"> ({formatDuration(p.latencyMs)} after commit)</span>
                      )}
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
