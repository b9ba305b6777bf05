// Outbox: the backlog (rows committed but not yet published), the oldest pending age, the relay rate, and a chart.
import { useEffect, useState } from 'react';
import { formatDuration, formatRate, formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { LineChart } from '../../../ui/line-chart';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { LabSlot } from '../../../labs/lab-slot';
import { SAMPLE_WINDOW_MS, useOutboxStore } from '../store';

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

export function OutboxView() {
  const state = useOutboxStore((s) => s.state);
  const samples = useOutboxStore((s) => s.samples);
  const now = useTick(1000);
  const peak = samples.reduce((m, x) => Math.max(m, x.pending), 0);
  const scale = Math.max(10, peak, state?.pending ?? 0);
  const pending = state?.pending ?? 0;
  // the chart spans what is known, from one minute up to five
  const first = samples[0]?.at ?? now;
  const windowMs = Math.min(CHART_MAX_WINDOW_MS, Math.max(CHART_MIN_WINDOW_MS, now - first + 5_000));
  const minutes = Math.round(windowMs / 60_000);
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
        actions={
          state !== null ? (
            <Badge
              state={state.reachable ? 'database reachable' : 'database unreachable'}
              tone={state.reachable ? 'ok' : 'bad'}
            />
          ) : undefined
        }
      >
        {state === null ? (
          <EmptyState title="No outbox data yet" testId="outbox-empty">
            The console reads the outbox table in Postgres once the stack runs and the lab&apos;s service has created it
            (start the services on the Stack view).
          </EmptyState>
        ) : (
          <>
            <div className="stats">
              <div className="stat stat-wide">
                <div className="stat-label">
                  <Term term="backlog">Backlog (pending rows)</Term>
                </div>
                <div className={`stat-value ${pending > 0 ? 'text-warn' : ''}`} data-testid="outbox-pending">
                  {pending}
                </div>
                <div
                  className="gauge"
                  role="meter"
                  aria-label="Outbox backlog"
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
                <div className="stat-value" data-testid="outbox-oldest">
                  {state.oldestPendingAgeMs === null ? '—' : formatDuration(state.oldestPendingAgeMs)}
                </div>
              </div>
              <div className="stat">
                <div className="stat-label">
                  <Term term="relay">Relay rate</Term>
                </div>
                <div className="stat-value" data-testid="outbox-rate">
                  {formatRate(state.sentPerSec)}
                </div>
              </div>
              <div className="stat">
                <div className="stat-label">Sent in total</div>
                <div className="stat-value" data-testid="outbox-sent">
                  {state.sentTotal}
                </div>
              </div>
            </div>
            <LabSlot view="outbox" />
            {state.detail !== '' && <p className="sub">{state.detail}</p>}
            <p className="sub">Last read {formatTime(state.at)}</p>
          </>
        )}
      </Panel>
      <Panel
        title={windowMs < 120_000 ? `The last ${Math.round(windowMs / 1000)} seconds` : `The last ${minutes} minutes`}
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
