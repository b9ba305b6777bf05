// The embedded Lab D services (loms, notifier-1..3): state, owned partitions, and the actions a lab needs.
import { useState } from 'react';
import type { ServiceInstanceName } from '../../../../main/console/contract/console-api';
import { useConsoleStore } from '../../console/store';
import { useTopicsStore } from '../../topics/store';
import { useClient } from '../../../lib/client-context';
import { formatTime } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { INSTANCES, ownedPartitions, useServicesStore } from '../store';

const ROLE: Record<ServiceInstanceName, string> = {
  loms: 'Order service: HTTP API, Postgres, outbox relay → Kafka',
  'notifier-1': 'Consumer group member: logs every order event',
  'notifier-2': 'Consumer group member: logs every order event',
  'notifier-3': 'Consumer group member: logs every order event',
};

export function ServicesPanel({ onShowLogs }: { onShowLogs: (instance: ServiceInstanceName) => void }) {
  const client = useClient();
  const topic = useConsoleStore((s) => s.info?.topics[0] ?? 'loms.order-events');
  const [phase, setPhase] = useState<string | null>(null);
  const startAll = useAction('start services', async () => {
    // loms first: it creates the topic; the notifiers join once it exists, one by one (the join order decides who
    // stays idle)
    try {
      for (const instance of INSTANCES) {
        const state = useServicesStore.getState().byName[instance]?.state;
        if (state === 'running' || state === 'starting') continue;
        if (instance !== 'loms') {
          setPhase(`waiting for loms to create ${topic}…`);
          await waitForTopic(topic, 60_000);
        }
        setPhase(`starting ${instance}…`);
        const res = await client.request['services:start']({ instance });
        useServicesStore.getState().applyState(res.instance);
      }
    } finally {
      setPhase(null);
    }
  });
  return (
    <Panel
      title="Lab D services"
      testId="services-panel"
      hint={
        <>
          loms writes orders and their events to Postgres; its relay publishes them to Kafka. Three notifiers form one{' '}
          <Term term="consumer group" />: the topic has 2 <Term term="partition">partitions</Term>, so one notifier
          stays <Term term="idle" />.
        </>
      }
      actions={
        <>
          {phase !== null && (
            <span className="muted" role="status" data-testid="services-phase">
              {phase}
            </span>
          )}
          <button type="button" className="primary" onClick={() => void startAll.invoke()} disabled={startAll.pending}>
            Start all services
          </button>
        </>
      }
    >
      <table className="table" aria-label="Services">
        <thead>
          <tr>
            <th>Instance</th>
            <th>State</th>
            <th>
              <Term term="partition">Partitions</Term>
            </th>
            <th>Events</th>
            <th>Since</th>
            <th>
              Actions (<Term term="stop">stop</Term> / <Term term="kill">kill</Term>)
            </th>
          </tr>
        </thead>
        <tbody>
          {INSTANCES.map((name) => (
            <ServiceRow key={name} name={name} onShowLogs={onShowLogs} />
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function useServiceAction(name: ServiceInstanceName, verb: 'start' | 'stop' | 'kill' | 'restart') {
  const client = useClient();
  const applyState = useServicesStore((s) => s.applyState);
  return useAction(`${verb} ${name}`, async () => {
    const res = await client.request[`services:${verb}`]({ instance: name });
    applyState(res.instance);
  });
}

function ServiceRow({ name, onShowLogs }: { name: ServiceInstanceName; onShowLogs: (i: ServiceInstanceName) => void }) {
  const inst = useServicesStore((s) => s.byName[name]);
  const start = useServiceAction(name, 'start');
  const stop = useServiceAction(name, 'stop');
  const kill = useServiceAction(name, 'kill');
  const restart = useServiceAction(name, 'restart');
  const busy = start.pending || stop.pending || kill.pending || restart.pending;
  const state = inst?.state ?? 'stopped';
  const alive = state === 'running' || state === 'starting';
  const owned = ownedPartitions(inst);
  let partitions = '—';
  if (inst?.kind === 'notifier' && alive)
    partitions = owned === null ? 'joining…' : owned.length === 0 ? 'idle' : owned.map((p) => `p${p}`).join(', ');
  let since = '—';
  if (alive && inst?.startedAt != null) since = `up since ${formatTime(inst.startedAt)}`;
  else if (state === 'exited' && inst?.exitedAt != null)
    since = `died ${formatTime(inst.exitedAt)}${inst.exitSignal ? ` (${inst.exitSignal})` : inst.exitCode !== null ? ` (exit ${inst.exitCode})` : ''}`;
  return (
    <tr data-testid={`service-${name}`}>
      <th scope="row">
        <div className="name">{name}</div>
        <div className="sub">{ROLE[name]}</div>
      </th>
      <td>
        <Badge state={state} testId={`service-state-${name}`} />
      </td>
      <td data-testid={`service-partitions-${name}`}>
        {partitions === 'idle' ? <Badge state="idle" tone="idle" /> : partitions}
      </td>
      <td className="num">
        {inst?.kind === 'notifier'
          ? `${inst.eventsProcessed}${inst.errors > 0 ? ` (${inst.errors} errors)` : ''}`
          : inst?.port
            ? `:${inst.port}`
            : '—'}
      </td>
      <td className="sub">{since}</td>
      <td className="row-actions">
        <button
          type="button"
          className="small"
          aria-label={`Start ${name}`}
          onClick={() => void start.invoke()}
          disabled={busy || alive}
        >
          Start
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Stop ${name}`}
          onClick={() => void stop.invoke()}
          disabled={busy || !alive}
        >
          Stop
        </button>
        <button
          type="button"
          className="small danger"
          aria-label={`Kill ${name}`}
          onClick={() => void kill.invoke()}
          disabled={busy || !alive}
        >
          Kill
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Restart ${name}`}
          onClick={() => void restart.invoke()}
          disabled={busy}
        >
          Restart
        </button>
        <button type="button" className="small" aria-label={`Logs of ${name}`} onClick={() => onShowLogs(name)}>
          Logs
        </button>
      </td>
    </tr>
  );
}

/** Resolves once the console has seen a partition of `topic` (or after `timeoutMs`: the notifier then says why). */
function waitForTopic(topic: string, timeoutMs: number): Promise<void> {
  const has = () => Object.values(useTopicsStore.getState().byId).some((p) => p.topic === topic);
  if (has()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = useTopicsStore.subscribe(() => {
      if (has()) done();
    });
    function done() {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    }
  });
}
