// One entity's timeline, fetched on demand (timeline:get) and again whenever its summary in the store changes: a row
// per status, a column per step of the lab's manifest (`entity.steps`), each fact with where it happened (a record's
// partition and offset, an AMQP delivery, a row, a document version) and who did it.
import { useEffect, useState } from 'react';
import type {
  EntityTimeline,
  FactWhere,
  LabManifest,
  TimelineFact,
} from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatDuration, formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { capitalize, toneOfStatus } from '../../labs/manifest';
import { useTimelineStore } from '../store';

/** the row of facts that carry no status */
const NO_STATUS = '';

export interface StatusRow {
  status: string;
  /** step id → its facts, in time order */
  byStep: Map<string, TimelineFact[]>;
}

/** Facts grouped by status, in the order the statuses first happened. */
export function rowsOf(facts: readonly TimelineFact[]): StatusRow[] {
  const rows = new Map<string, StatusRow>();
  for (const fact of facts) {
    const status = fact.status ?? NO_STATUS;
    let row = rows.get(status);
    if (row === undefined) rows.set(status, (row = { status, byStep: new Map() }));
    let list = row.byStep.get(fact.step);
    if (list === undefined) row.byStep.set(fact.step, (list = []));
    list.push(fact);
  }
  for (const row of rows.values()) for (const list of row.byStep.values()) list.sort((a, b) => a.at - b.at);
  return [...rows.values()];
}

/** The manifest's steps, then any step the facts name that the manifest does not (shown rather than dropped). */
export function columnsOf(lab: LabManifest, facts: readonly TimelineFact[]): { id: string; label: string }[] {
  const columns = [...lab.entity.steps];
  for (const f of facts) if (!columns.some((c) => c.id === f.step)) columns.push({ id: f.step, label: f.step });
  return columns;
}

export function EntityDetail({ entity, lab }: { entity: string; lab: LabManifest }) {
  const client = useClient();
  const summary = useTimelineStore((s) => s.byId.get(entity));
  const [timeline, setTimeline] = useState<EntityTimeline | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const noun = lab.entity.noun;
  useEffect(() => {
    let cancelled = false;
    client.request['timeline:get']({ lab: lab.id, entity }).then(
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
    // refetch when the entity's summary changes (a new fact arrived)
  }, [client, lab.id, entity, summary]);

  if (error !== null) return <p className="text-bad">Could not read the timeline: {error}</p>;
  if (timeline === undefined)
    return (
      <p className="muted">
        Loading {noun} {entity}…
      </p>
    );
  if (timeline === null)
    return (
      <EmptyState title={`No ${noun} ${entity} seen`} testId="timeline-not-found">
        The console only knows what it watched since it started (the newest 100 000). Check the id, or start the
        lab&apos;s services and load on the Stack view.
      </EmptyState>
    );

  const rows = rowsOf(timeline.steps);
  const columns = columnsOf(lab, timeline.steps);
  return (
    <div className="order-detail" data-testid="entity-detail">
      <div className="order-head">
        <h3>
          {capitalize(noun)} <span data-testid="timeline-entity-id">{timeline.entity}</span>
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
      {/* a lab with many kinds of step has a wide table: it scrolls, the page does not */}
      <div style={{ overflowX: 'auto' }}>
        <table className="table timeline" aria-label={`Timeline of ${noun} ${timeline.entity}`}>
          <thead>
            <tr>
              <th>Status</th>
              {columns.map((c, i) => (
                <th key={c.id}>
                  {i + 1}. {capitalize(c.label)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.status} data-testid="timeline-row" data-status={row.status}>
                <th scope="row">
                  {row.status === NO_STATUS ? (
                    <span className="muted">—</span>
                  ) : (
                    <Badge state={row.status} tone={toneOfStatus(lab, row.status)} testId="timeline-status" />
                  )}
                </th>
                {columns.map((c) => {
                  const facts = row.byStep.get(c.id) ?? [];
                  return (
                    <td key={c.id} data-step={c.id}>
                      {facts.length === 0 ? (
                        <span className="muted">not seen</span>
                      ) : (
                        facts.map((f, i) => <FactCell key={`${f.at}-${i}`} fact={f} />)
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function FactCell({ fact }: { fact: TimelineFact }) {
  return (
    <div className="fact" data-testid="timeline-fact">
      {fact.where !== null && <Where where={fact.where} at={fact.at} />}
      {fact.actor !== null && (
        <>
          <strong data-testid="step-actor">{fact.actor}</strong>{' '}
        </>
      )}
      <span className="sub">· {formatTime(fact.at)}</span>
      {fact.latencyMs !== null && <span className="sub"> (+{formatDuration(fact.latencyMs)})</span>}
    </div>
  );
}

function Where({ where, at }: { where: FactWhere; at: number }) {
  switch (where.kind) {
    case 'record':
      return (
        <span title={where.topic}>
          <span className={`pchip p${where.partition % 6}`} data-testid="step-partition">
            p{where.partition}
          </span>{' '}
          offset{' '}
          <span className="mono" data-testid="step-offset">
            {where.offset}
          </span>{' '}
        </span>
      );
    case 'amqp':
      return (
        <span>
          <span className="mono">{where.exchange}</span> → <span className="mono">{where.routingKey || '∅'}</span>
          {where.queue !== null && (
            <>
              {' '}
              → <span className="mono">{where.queue}</span>
            </>
          )}
          {where.redelivered === true && <Badge state="redelivered" tone="warn" />}{' '}
        </span>
      );
    case 'row':
      return (
        <span>
          <span className="mono">
            {where.table} #{where.id}
          </span>
          {where.sentAt !== undefined &&
            (where.sentAt === null ? (
              <span className="text-warn"> pending</span>
            ) : (
              <span className="sub">
                {' '}
                sent {formatTime(where.sentAt)} (+{formatDuration(where.sentAt - at)})
              </span>
            ))}{' '}
        </span>
      );
    case 'doc':
      return (
        <span>
          <span className="mono">{where.collection}</span> v{where.version}{' '}
        </span>
      );
  }
}
