// The stack's components with their health, "Start local stack" with per-component progress, and the Kafka fault.
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ComponentName } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatDuration } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { COMPONENTS, useStackStore } from '../store';

const ROLE: Record<ComponentName, string> = {
  kafka: 'Event log: topic loms.order-events (2 partitions)',
  postgres: 'loms database: orders, stock, outbox',
  rabbitmq: 'Message broker (labs B and C)',
  mongodb: 'Read models (lab A)',
  redis: 'Cache and pub/sub (labs A and C)',
};

function useNow(active: boolean, everyMs = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs]);
  return now;
}

export function StackPanel({ onShowLogs }: { onShowLogs: (source: ComponentName) => void }) {
  const client = useClient();
  const { provider, op, beginOp, endOp } = useStackStore(
    useShallow((s) => ({ provider: s.provider, op: s.op, beginOp: s.beginOp, endOp: s.endOp })),
  );
  const healthyCount = useStackStore((s) => COMPONENTS.filter((c) => s.health[c]?.state === 'healthy').length);
  const running = op !== null && op.finishedAt === null;
  const now = useNow(running);

  const up = useAction('stack:up', async () => {
    beginOp('up', Date.now());
    try {
      const res = await client.request['stack:up']({});
      endOp({ error: null, millisToHealthy: res.millisToHealthy, health: res.health }, Date.now());
    } catch (err) {
      endOp({ error: err instanceof Error ? err.message : String(err) }, Date.now());
      throw err;
    }
  });
  const down = useAction('stack:down', async () => {
    beginOp('down', Date.now());
    try {
      await client.request['stack:down']({});
      const status = await client.request['stack:status']({});
      useStackStore.getState().applyStatus(status);
      endOp({ error: null }, Date.now());
    } catch (err) {
      endOp({ error: err instanceof Error ? err.message : String(err) }, Date.now());
      throw err;
    }
  });

  let summary: string;
  if (op === null)
    summary =
      healthyCount === COMPONENTS.length
        ? 'All components are healthy.'
        : 'The stack is not started from this window yet.';
  else if (running)
    summary = `${op.kind === 'up' ? 'Starting' : 'Stopping'} … ${formatDuration(now - op.startedAt)} so far`;
  else if (op.error !== null) summary = `${op.kind === 'up' ? 'Start' : 'Stop'} failed: ${op.error}`;
  else if (op.kind === 'up')
    summary = `All components healthy in ${formatDuration(op.millisToHealthy ?? (op.finishedAt ?? now) - op.startedAt)}.`;
  else summary = 'Stack stopped.';

  return (
    <Panel
      title="Stack"
      testId="stack-panel"
      hint={
        <>
          The servers the lab needs. <strong>Start local stack</strong> runs them on this machine
          {provider !== null ? ` (provider: ${provider})` : ''}; each one shows its <Term term="health" />.
        </>
      }
      actions={
        <>
          <button type="button" className="primary" onClick={() => void up.invoke()} disabled={running}>
            Start local stack
          </button>
          <button type="button" onClick={() => void down.invoke()} disabled={running}>
            Stop stack
          </button>
        </>
      }
    >
      <div className="stack-summary">
        <progress
          max={COMPONENTS.length}
          value={healthyCount}
          aria-label="Components healthy"
          data-testid="stack-progress"
        />
        <span data-testid="stack-summary" role="status" className={op?.error ? 'text-bad' : ''}>
          {healthyCount}/{COMPONENTS.length} healthy · {summary}
        </span>
      </div>
      <table className="table" aria-label="Stack components">
        <thead>
          <tr>
            <th>Component</th>
            <th>State</th>
            <th>Endpoint</th>
            <th>Detail</th>
            <th>Time to healthy</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {COMPONENTS.map((c) => (
            <ComponentRow key={c} name={c} now={now} onShowLogs={onShowLogs} />
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function ComponentRow({
  name,
  now,
  onShowLogs,
}: {
  name: ComponentName;
  now: number;
  onShowLogs: (c: ComponentName) => void;
}) {
  const client = useClient();
  const health = useStackStore((s) => s.health[name]);
  const progress = useStackStore((s) => s.progress[name]);
  const opStartedAt = useStackStore((s) => s.op?.startedAt ?? null);
  const stop = useAction(`stop ${name}`, () => client.request['stack:stop-component']({ component: name }));
  const start = useAction(`start ${name}`, () => client.request['stack:start-component']({ component: name }));
  const state = health?.state ?? 'stopped';
  let toHealthy = '—';
  if (progress?.healthyAt != null && opStartedAt !== null) toHealthy = formatDuration(progress.healthyAt - opStartedAt);
  else if (progress?.startingAt != null) toHealthy = `starting… ${formatDuration(now - progress.startingAt)}`;
  return (
    <tr data-testid={`component-${name}`}>
      <th scope="row">
        <div className="name">{name}</div>
        <div className="sub">{ROLE[name]}</div>
      </th>
      <td>
        <Badge state={state} testId={`health-${name}`} />
      </td>
      <td className="mono">{health?.endpoint || '—'}</td>
      <td className="detail">{health?.detail || '—'}</td>
      <td>{toHealthy}</td>
      <td className="row-actions">
        <button type="button" className="small" onClick={() => onShowLogs(name)} aria-label={`Logs of ${name}`}>
          Logs
        </button>
        {name === 'kafka' && (
          <>
            <button
              type="button"
              className="small danger"
              title="Fault: stop the Kafka broker. The outbox keeps the events until it is back."
              onClick={() => void stop.invoke()}
              disabled={stop.pending || state === 'stopped'}
            >
              Stop Kafka
            </button>
            <button
              type="button"
              className="small"
              onClick={() => void start.invoke()}
              disabled={start.pending || state === 'healthy'}
            >
              Start Kafka
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
