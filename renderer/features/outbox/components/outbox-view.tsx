// Outbox: the backlog (rows committed but not yet published), the oldest pending age, the relay rate, and a chart.
// A lab with several outbox tables (Lab C: orders and payments, each in its service's database) gets one card per
// table (`outbox-card-<name>`) and a chart of each one's backlog; a lab with one keeps the single panel.
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { OutboxState } from '../../../../main/console/contract/console-api';
import { formatDuration, formatRate, formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { LineChart } from '../../../ui/line-chart';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { LabSlot } from '../../../labs/lab-slot';
import { SAMPLE_WINDOW_MS, useOutboxStore, type OutboxEntry } from '../store';

const CHART_MAX_WINDOW_MS = 5 * 60_000;
const CHART_MIN_WINDOW_MS = 60_000;

function useTick(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** one colour per outbox in the chart of several */
const LINES = ['line-pending', 'line-sent', 'line-third'] as const;

/** the chart spans what is known, from one minute up to five */
function chartWindow(first: number, now: number) {
  const windowMs = Math.min(CHART_MAX_WINDOW_MS, Math.max(CHART_MIN_WINDOW_MS, now - first + 5_000));
  const minutes = Math.round(windowMs / 60_000);
  return {
    windowMs,
    title: windowMs < 120_000 ? `The last ${Math.round(windowMs / 1000)} seconds` : `The last ${minutes} minutes`,
  };
}

/** the gauge's scale: the peak of the samples, at least 10 */
const scaleOf = (samples: OutboxState[], pending: number) =>
  Math.max(
    10,
    pending,
    samples.reduce((m, x) => Math.max(m, x.pending), 0),
  );

/**
 * The numbers of one outbox: backlog with its gauge, oldest pending, relay rate, sent in total. `ids` prefixes the
 * testids (`outbox` → `outbox-pending`, `outbox-card-orders` → `outbox-card-orders-pending`).
 */
function OutboxStats({
  state,
  samples,
  ids,
  gaugeLabel,
  testId,
}: {
  state: OutboxState;
  samples: OutboxState[];
  ids: string;
  gaugeLabel: string;
  testId?: string;
}) {
  const pending = state.pending;
  const scale = scaleOf(samples, pending);
  return (
    <div className="stats" data-testid={testId}>
      <div className="stat stat-wide">
        <div className="stat-label">
          <Term term="backlog">Backlog (pending rows)</Term>
        </div>
        <div className={`stat-value ${pending > 0 ? 'text-warn' : ''}`} data-testid={`${ids}-pending`}>
          {pending}
        </div>
        <div
          className="gauge"
          role="meter"
          aria-label={gaugeLabel}
          aria-valuemin={0}
          aria-valuemax={scale}
          aria-valuenow={pending}
        >
          <div
            className={`gauge-fill ${pending > 0 ? 'warn' : ''}`}
            style={{ width: `${Math.min(100, (pending / scale) * 100)}%` }}
          />
        </div>
        <div className="sub">
          scale 0–{scale} (peak of the last {Math.round(SAMPLE_WINDOW_MS / 60_000)} min)
        </div>
      </div>
      <div className="stat">
        <div className="stat-label">
          <Term term="oldest pending" />
        </div>
        <div className="stat-value" data-testid={`${ids}-oldest`}>
          {state.oldestPendingAgeMs === null ? '—' : formatDuration(state.oldestPendingAgeMs)}
        </div>
      </div>
      <div className="stat">
        <div className="stat-label">
          <Term term="relay">Relay rate</Term>
        </div>
        <div className="stat-value" data-testid={`${ids}-rate`}>
          {formatRate(state.sentPerSec)}
        </div>
      </div>
      <div className="stat">
        <div className="stat-label">Sent in total</div>
        <div className="stat-value" data-testid={`${ids}-sent`}>
          {state.sentTotal}
        </div>
      </div>
    </div>
  );
}

const reachableBadge = (state: OutboxState, testId?: string) => (
  <Badge
    state={state.reachable ? 'database reachable' : 'database unreachable'}
    tone={state.reachable ? 'ok' : 'bad'}
    testId={testId}
  />
);

export function OutboxView() {
  const names = useOutboxStore(useShallow((s) => s.names));
  return names.length > 1 ? <OutboxesView names={names} /> : <SingleOutboxView name={names[0]} />;
}

/** a lab with one outbox table (Lab D's loms) */
function SingleOutboxView({ name }: { name: string | undefined }) {
  const state = useOutboxStore((s) => s.state);
  const samples = useOutboxStore((s) => s.samples);
  const now = useTick(1000);
  const { windowMs, title } = chartWindow(samples[0]?.at ?? now, now);
  return (
    <div className="view" data-testid="view-outbox">
      <Panel
        title="Outbox"
        testId="outbox-panel"
        hint={
          <>
            The <Term term="outbox" /> is how the lab&apos;s service avoids losing events. Its <Term term="backlog" />{' '}
            grows while the broker is down or the relay is paused, and drains when they are back.
          </>
        }
        actions={state !== null ? reachableBadge(state) : undefined}
      >
        {state === null ? (
          <EmptyState title="No outbox data yet" testId="outbox-empty">
            The console reads the outbox table in Postgres once the stack runs and the lab&apos;s service has created it
            (start the services on the Stack view).
          </EmptyState>
        ) : (
          <>
            <OutboxStats
              state={state}
              samples={samples}
              ids="outbox"
              gaugeLabel="Outbox backlog"
              testId={name === undefined || name === '' ? undefined : `outbox-card-${name}`}
            />
            <LabSlot view="outbox" />
            {state.detail !== '' && <p className="sub">{state.detail}</p>}
            <p className="sub">Last read {formatTime(state.at)}</p>
          </>
        )}
      </Panel>
      <Panel
        title={title}
        hint="Pending rows (orange) and rows sent per second (blue), one sample per poll. Stop Kafka or pause the relay and watch the orange line climb."
      >
        <LineChart
          label="Outbox backlog and relay rate over the last minutes"
          testId="outbox-chart"
          width={1000}
          height={220}
          windowMs={windowMs}
          now={now}
          series={[
            { name: 'pending', className: 'line-pending', points: samples.map((x) => ({ t: x.at, v: x.pending })) },
            { name: 'sent/s', className: 'line-sent', points: samples.map((x) => ({ t: x.at, v: x.sentPerSec })) },
          ]}
        />
        <p className="legend">
          <span className="swatch line-pending" /> pending <span className="swatch line-sent" /> sent/s
        </p>
      </Panel>
    </div>
  );
}

/** a lab with several outbox tables (Lab C: orders and payments): a card each, and each one's backlog in the chart */
function OutboxesView({ names }: { names: string[] }) {
  const byName = useOutboxStore((s) => s.byName);
  const entries = names.map((n) => byName[n]).filter((e): e is OutboxEntry => e !== undefined);
  const now = useTick(1000);
  const first = entries.reduce((m, e) => Math.min(m, e.samples[0]?.at ?? now), now);
  const { windowMs, title } = chartWindow(first, now);
  const known = entries.filter((e) => e.state !== null);
  const unreachable = known.filter((e) => e.state?.reachable === false).length;
  return (
    <div className="view" data-testid="view-outbox">
      <Panel
        title="Outboxes"
        testId="outbox-panel"
        hint={
          <>
            Each service writes its events to an <Term term="outbox" /> table in its own database, in the same
            transaction as the change; its relay publishes them. A <Term term="backlog" /> grows while the broker is
            down or the relay is paused, and drains when they are back.
          </>
        }
        actions={
          known.length > 0 ? (
            <Badge
              state={unreachable === 0 ? 'databases reachable' : `${unreachable} of ${known.length} unreachable`}
              tone={unreachable === 0 ? 'ok' : 'bad'}
            />
          ) : undefined
        }
      >
        <div className="outbox-cards">
          {entries.map((e) => (
            <OutboxCard key={e.name} entry={e} />
          ))}
        </div>
        <LabSlot view="outbox" />
      </Panel>
      <Panel
        title={title}
        hint="Pending rows of each outbox, one sample per poll. Stop Kafka and watch the lines climb; they drain when it is back."
      >
        <LineChart
          label="Backlog of each outbox over the last minutes"
          testId="outbox-chart"
          width={1000}
          height={220}
          windowMs={windowMs}
          now={now}
          series={entries.map((e, i) => ({
            name: `${e.name} pending`,
            className: LINES[i % LINES.length]!,
            points: e.samples.map((x) => ({ t: x.at, v: x.pending })),
          }))}
        />
        <p className="legend">
          {entries.map((e, i) => (
            <span key={e.name}>
              <span className={`swatch ${LINES[i % LINES.length]!}`} /> {e.name} pending{' '}
            </span>
          ))}
        </p>
      </Panel>
    </div>
  );
}

function OutboxCard({ entry }: { entry: OutboxEntry }) {
  const ids = `outbox-card-${entry.name}`;
  const { state } = entry;
  return (
    <section className="outbox-card" data-testid={ids} aria-label={`Outbox ${entry.name}`}>
      <h3>
        {entry.name} {entry.table !== '' && <span className="sub mono">{entry.table}</span>}{' '}
        {state !== null && reachableBadge(state, `${ids}-reachable`)}
      </h3>
      {state === null ? (
        <p className="muted" data-testid={`${ids}-empty`}>
          No data yet: the console reads {entry.table === '' ? 'this outbox' : entry.table} once its service has created
          it (start the services on the Stack view).
        </p>
      ) : (
        <>
          <OutboxStats state={state} samples={entry.samples} ids={ids} gaugeLabel={`Outbox backlog of ${entry.name}`} />
          {state.detail !== '' && <p className="sub">{state.detail}</p>}
          <p className="sub">Last read {formatTime(state.at)}</p>
        </>
      )}
    </section>
  );
}
