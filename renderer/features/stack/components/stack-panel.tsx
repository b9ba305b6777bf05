// The components the selected lab needs (its manifest) with their health, "Start local stack" with per-component
// progress, and the fault of stopping / starting one component.
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ComponentHealth, ComponentName, LabManifest } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatDuration } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { useLab } from '../../labs/store';
import { useStackStore } from '../store';
import './stack-panel.css';

const LABEL: Record<ComponentName, string> = {
  kafka: 'Kafka',
  postgres: 'Postgres',
  rabbitmq: 'RabbitMQ',
  mongodb: 'MongoDB',
  redis: 'Redis',
};

const NO_COMPONENTS: readonly ComponentName[] = [];

/** What a component is for in the selected lab: its kind, and the lab's topics or exchanges on it. */
export function componentRole(name: ComponentName, lab: LabManifest | null): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  switch (name) {
    case 'kafka': {
      const topics = lab?.topics ?? [];
      return topics.length === 0
        ? 'Event log'
        : `Event log: ${topics.map((t) => `${t.name} (${count(t.partitions, 'partition')})`).join(', ')}`;
    }
    case 'rabbitmq': {
      const exchanges = lab?.exchanges ?? [];
      return exchanges.length === 0
        ? 'Message broker'
        : `Message broker: ${exchanges.map((e) => `${e.name} (${e.type}, ${count(e.queues.length, 'queue')})`).join(', ')}`;
    }
    case 'postgres':
      return 'Database of the services (and their outbox / inbox tables)';
    case 'mongodb':
      return 'Document store: read models';
    case 'redis':
      return 'Cache and pub/sub';
  }
}

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
  const lab = useLab();
  const components = lab?.components ?? NO_COMPONENTS;
  const healthyCount = useStackStore((s) => components.filter((c) => s.health[c]?.state === 'healthy').length);
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
      const ticket = useStackStore.getState().askStatus();
      const status = await client.request['stack:status']({});
      useStackStore.getState().applyStatus(status, ticket);
      endOp({ error: null }, Date.now());
    } catch (err) {
      endOp({ error: err instanceof Error ? err.message : String(err) }, Date.now());
      throw err;
    }
  });

  let summary: string;
  if (op === null)
    summary =
      components.length > 0 && healthyCount === components.length
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
          The servers {lab !== null ? lab.title : 'the lab'} needs. <strong>Start local stack</strong> runs them on this
          machine
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
          max={Math.max(1, components.length)}
          value={healthyCount}
          aria-label="Components healthy"
          data-testid="stack-progress"
        />
        <span data-testid="stack-summary" role="status" className={op?.error ? 'text-bad' : ''}>
          {healthyCount}/{components.length} healthy · {summary}
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
          {components.map((c) => (
            <ComponentRow key={c} name={c} role={componentRole(c, lab)} now={now} onShowLogs={onShowLogs} />
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function ComponentRow({
  name,
  role,
  now,
  onShowLogs,
}: {
  name: ComponentName;
  role: string;
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
        <div className="sub">{role}</div>
      </th>
      <td>
        <Badge state={state} testId={`health-${name}`} />
      </td>
      <td className="mono">{health?.endpoint || '—'}</td>
      <td className="detail">
        {health?.detail || '—'}
        {health?.nodes !== undefined && <NodeList component={name} nodes={health.nodes} />}
      </td>
      <td>{toHealthy}</td>
      <td className="row-actions">
        <button type="button" className="small" onClick={() => onShowLogs(name)} aria-label={`Logs of ${name}`}>
          Logs
        </button>
        <button
          type="button"
          className="small danger"
          title={`Fault: stop ${LABEL[name]}. Watch what the services do while it is gone, and when it is back.`}
          onClick={() => void stop.invoke()}
          disabled={stop.pending || state === 'stopped'}
        >
          Stop {LABEL[name]}
        </button>
        <button
          type="button"
          className="small"
          onClick={() => void start.invoke()}
          disabled={start.pending || state === 'healthy'}
        >
          Start {LABEL[name]}
        </button>
      </td>
    </tr>
  );
}

type NodeHealth = NonNullable<ComponentHealth['nodes']>[number];

/** The nodes of a component of several (a Kafka cluster): each one's health, and stop/start as a fault. */
function NodeList({ component, nodes }: { component: ComponentName; nodes: NodeHealth[] }) {
  return (
    <ul className="node-list" aria-label={`Nodes of ${component}`}>
      {nodes.map((n) => (
        <NodeRow key={n.name} component={component} node={n} />
      ))}
    </ul>
  );
}

function NodeRow({ component, node }: { component: ComponentName; node: NodeHealth }) {
  const client = useClient();
  const stop = useAction(`stop ${node.name}`, () => client.request['stack:stop-node']({ component, node: node.name }));
  const start = useAction(`start ${node.name}`, () =>
    client.request['stack:start-node']({ component, node: node.name }),
  );
  return (
    <li data-testid={`node-${node.name}`} title={node.detail}>
      <Badge state={node.state} testId={`health-${node.name}`} /> <span className="mono">{node.name}</span>{' '}
      <span className="sub">{node.endpoint}</span>{' '}
      <button
        type="button"
        className="small danger"
        onClick={() => void stop.invoke()}
        disabled={stop.pending || node.state === 'stopped'}
        aria-label={`Stop ${node.name}`}
      >
        Stop
      </button>{' '}
      <button
        type="button"
        className="small"
        onClick={() => void start.invoke()}
        disabled={start.pending || node.state === 'healthy'}
        aria-label={`Start ${node.name}`}
      >
        Start
      </button>
    </li>
  );
}
