// Lab C, Consumer groups view: each consumer's inbox (payments reading orders-events, orders reading
// payments-events): rows received, processed, pending (received or waiting for funds), failed, the duplicates it
// rejected and the extra attempts it counted, its newest rows, and the backlog of the outbox it writes to.
import { Badge } from '../../ui/badge';
import { EmptyState } from '../../ui/empty-state';
import { Panel } from '../../ui/panel';
import { useLabCStore, type Inbox } from './store';
import './lab-c.css';

type Consumer = Inbox['consumers'][number];

const age = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export function InboxPanel() {
  const inbox = useLabCStore((s) => s.inbox);
  const problem = useLabCStore((s) => s.problem);
  return (
    <Panel
      title="Inbox"
      testId="inbox-panel"
      hint={
        <>
          Each consumer inserts an event&apos;s id into its inbox (unique) in the same transaction as the effect, so a
          redelivered or duplicated event is <strong>rejected</strong> instead of paying or applying twice. Its outbox
          is the other half: rows committed with the change, sent by the relay.
        </>
      }
    >
      {inbox === null ? (
        <EmptyState title={problem === null ? 'Reading the inboxes…' : 'The inboxes could not be read'}>
          {problem}
        </EmptyState>
      ) : (
        <div className="labc-inboxes">
          {inbox.consumers.map((c) => (
            <ConsumerCard key={c.service} c={c} />
          ))}
        </div>
      )}
    </Panel>
  );
}

function ConsumerCard({ c }: { c: Consumer }) {
  return (
    <div className="labc-inbox" data-testid={`inbox-${c.service}`}>
      <h3>
        {c.service} <span className="sub mono">{c.table}</span>{' '}
        <span className="sub">
          ← {c.topic} ({c.group})
        </span>
      </h3>
      {!c.reachable ? (
        <p className="muted">No database yet: start {c.service}.</p>
      ) : (
        <>
          <div className="stats">
            <Stat label="Received" value={c.received} testId={`inbox-${c.service}-received`} />
            <Stat
              label="Duplicates rejected"
              value={c.duplicatesRejected}
              sub={`${c.redeliveries} extra attempts (redeliveries, funds retries)`}
              testId={`inbox-${c.service}-duplicates`}
            />
            <Stat
              label="Pending"
              value={c.pending}
              sub={c.waiting > 0 ? `${c.waiting} waiting for funds` : 'received, not processed'}
              tone={c.pending > 0 ? 'warn' : undefined}
            />
            <Stat label="Failed" value={c.failed} tone={c.failed > 0 ? 'bad' : undefined} />
            <Stat
              label={`Outbox ${c.outbox.table}`}
              value={c.outbox.pending}
              sub={c.outbox.pending > 0 ? `oldest ${age(c.outbox.oldestPendingMs)}` : 'drained'}
              tone={c.outbox.pending > 0 ? 'warn' : undefined}
              testId={`outbox-${c.service}-pending`}
            />
          </div>
          {c.newest.length > 0 && (
            <table className="table labc-table" aria-label={`${c.service} inbox, newest`}>
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Event</th>
                  <th>Order</th>
                  <th>Record</th>
                  <th>Status</th>
                  <th className="num">Attempts</th>
                </tr>
              </thead>
              <tbody>
                {c.newest.map((r) => (
                  <tr key={r.eventId} title={r.lastError ?? undefined}>
                    <td className="mono">{new Date(r.receivedAt).toLocaleTimeString()}</td>
                    <td>{r.eventType}</td>
                    <td className="mono">{r.orderId ?? '—'}</td>
                    <td className="mono">
                      p{r.partition}@{r.offset}
                    </td>
                    <td>
                      <Badge
                        state={r.status}
                        tone={
                          r.status === 'processed'
                            ? 'ok'
                            : r.status === 'failed'
                              ? 'bad'
                              : r.status === 'waiting'
                                ? 'warn'
                                : 'info'
                        }
                      />
                    </td>
                    <td className="num">{r.attempts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

export function Stat({
  label,
  value,
  sub,
  tone,
  testId,
}: {
  label: string;
  value: string | number;
  sub?: string;
  tone?: 'warn' | 'bad' | 'ok';
  testId?: string;
}) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className={`stat-value ${tone === undefined ? '' : `text-${tone}`}`} data-testid={testId}>
        {value}
      </div>
      {sub !== undefined && <div className="sub">{sub}</div>}
    </div>
  );
}
