// The selected lab's service instances (its manifest's services): state, owned partitions, the broken mode a run was
// started in, and the actions a lab needs (start, optionally in a broken mode; stop; kill; restart; logs).
import { useState } from 'react';
import type { LabManifest, ManifestService, ServiceInstanceName } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatTime } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { waitUntil } from '../../../lib/wait-until';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { startOrder } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { useTopicsStore } from '../../topics/store';
import { ownedPartitions, useServicesStore } from '../store';

/** how long "Start all" waits for what a service starts after (its `after` kinds running, the lab's topics created) */
const AFTER_TIMEOUT_MS = 60_000;

export function ServicesPanel({ onShowLogs }: { onShowLogs: (instance: ServiceInstanceName) => void }) {
  const client = useClient();
  const lab = useLab();
  const [phase, setPhase] = useState<string | null>(null);
  const startAll = useAction('start services', async () => {
    if (lab === null) return;
    // in `after` order, one instance at a time (for a consumer group the join order decides who stays idle)
    try {
      for (const service of startOrder(lab.services)) {
        if ((service.after ?? []).length > 0) await waitForAfter(lab, service, setPhase);
        for (const instance of service.instances) {
          const state = useServicesStore.getState().byName[instance]?.state;
          if (state === 'running' || state === 'starting') continue;
          setPhase(`starting ${instance}…`);
          const res = await client.request['services:start']({ instance });
          useServicesStore.getState().applyState(res.instance);
        }
      }
    } finally {
      setPhase(null);
    }
  });
  if (lab === null)
    return (
      <Panel title="Services" testId="services-panel">
        <p className="muted">Waiting for the console to say which lab runs…</p>
      </Panel>
    );
  return (
    <Panel
      title={`${lab.title} services`}
      testId="services-panel"
      hint={
        <>
          The console runs the lab&apos;s services as child processes. <Term term="stop">Stop</Term> lets one finish and
          leave; <Term term="kill">kill</Term> makes it die at once. Nothing restarts a dead one by itself.
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
          {lab.services.flatMap((service) =>
            service.instances.map((name) => (
              <ServiceRow key={name} name={name} service={service} lab={lab} onShowLogs={onShowLogs} />
            )),
          )}
        </tbody>
      </table>
    </Panel>
  );
}

/** Waits until every instance of the kinds `service` starts after runs and the lab's topics exist (they create them). */
async function waitForAfter(lab: LabManifest, service: ManifestService, setPhase: (p: string) => void): Promise<void> {
  const after = lab.services.filter((s) => service.after?.includes(s.kind));
  const names = after.flatMap((s) => s.instances);
  if (names.length > 0) {
    setPhase(`waiting for ${names.join(', ')} to run…`);
    await waitUntil(useServicesStore, (s) => names.every((n) => s.byName[n]?.state === 'running'), AFTER_TIMEOUT_MS);
  }
  const topics = lab.topics.map((t) => t.name);
  if (topics.length > 0) {
    setPhase(`waiting for ${after.map((s) => s.kind).join(', ') || 'the lab'} to create ${topics.join(', ')}…`);
    // after the timeout the instance starts anyway (and says why it cannot consume)
    await waitUntil(
      useTopicsStore,
      (s) => topics.every((t) => Object.values(s.byId).some((p) => p.topic === t)),
      AFTER_TIMEOUT_MS,
    );
  }
}

function useServiceAction(name: ServiceInstanceName, verb: 'stop' | 'kill') {
  const client = useClient();
  const applyState = useServicesStore((s) => s.applyState);
  return useAction(`${verb} ${name}`, async () => {
    const res = await client.request[`services:${verb}`]({ instance: name });
    applyState(res.instance);
  });
}

/** `mode` undefined: the kind has no broken modes (omitted: a restart keeps the mode it ran in); null: correct. */
function useStartAction(name: ServiceInstanceName, verb: 'start' | 'restart', mode: string | null | undefined) {
  const client = useClient();
  const applyState = useServicesStore((s) => s.applyState);
  return useAction(`${verb} ${name}`, async () => {
    const req = mode === undefined ? { instance: name } : { instance: name, brokenMode: mode };
    const res = await client.request[`services:${verb}`](req);
    applyState(res.instance);
  });
}

function ServiceRow({
  name,
  service,
  lab,
  onShowLogs,
}: {
  name: ServiceInstanceName;
  service: ManifestService;
  lab: LabManifest;
  onShowLogs: (i: ServiceInstanceName) => void;
}) {
  const inst = useServicesStore((s) => s.byName[name]);
  const modes = lab.brokenModes.filter((m) => m.services.includes(service.kind));
  const [mode, setMode] = useState<string | null>(null);
  const start = useStartAction(name, 'start', modes.length > 0 ? mode : undefined);
  const restart = useStartAction(name, 'restart', modes.length > 0 ? mode : undefined);
  const stop = useServiceAction(name, 'stop');
  const kill = useServiceAction(name, 'kill');
  const busy = start.pending || stop.pending || kill.pending || restart.pending;
  const state = inst?.state ?? 'stopped';
  const alive = state === 'running' || state === 'starting';
  const owned = ownedPartitions(inst);
  // a consumer group member: it reported an assignment, or it may join one (the lab has groups, it serves no port)
  const member = (inst?.assignment ?? null) !== null || (lab.groups.length > 0 && service.port === undefined);
  let partitions = '—';
  if (alive && member)
    partitions = owned === null ? 'joining…' : owned.length === 0 ? 'idle' : owned.map((p) => `p${p}`).join(', ');
  let since = '—';
  if (alive && inst?.startedAt != null) since = `up since ${formatTime(inst.startedAt)}`;
  else if (state === 'exited' && inst?.exitedAt != null)
    since = `died ${formatTime(inst.exitedAt)}${inst.exitSignal ? ` (${inst.exitSignal})` : inst.exitCode !== null ? ` (exit ${inst.exitCode})` : ''}`;
  const brokenLabel = modes.find((m) => m.id === inst?.brokenMode)?.label;
  return (
    <tr data-testid={`service-${name}`}>
      <th scope="row">
        <div className="name">{name}</div>
        <div className="sub">{service.role}</div>
      </th>
      <td>
        <Badge state={state} testId={`service-state-${name}`} />
        {inst?.brokenMode != null && alive && (
          <Badge
            state={`broken: ${inst.brokenMode}`}
            tone="bad"
            testId={`service-broken-${name}`}
            label={brokenLabel !== undefined ? `broken: ${brokenLabel}` : undefined}
          />
        )}
      </td>
      <td data-testid={`service-partitions-${name}`}>
        {partitions === 'idle' ? <Badge state="idle" tone="idle" /> : partitions}
      </td>
      <td className="num">
        {inst === undefined
          ? '—'
          : service.port !== undefined
            ? `:${inst.port ?? service.port}`
            : `${inst.eventsProcessed}${inst.errors > 0 ? ` (${inst.errors} errors)` : ''}`}
      </td>
      <td className="sub">{since}</td>
      <td className="row-actions">
        {modes.length > 0 && (
          <select
            aria-label={`Mode of ${name}`}
            value={mode ?? ''}
            onChange={(e) => setMode(e.target.value === '' ? null : e.target.value)}
            title={modes.find((m) => m.id === mode)?.bug ?? 'the correct service'}
          >
            <option value="">correct</option>
            {modes.map((m) => (
              <option key={m.id} value={m.id}>
                broken: {m.label}
              </option>
            ))}
          </select>
        )}
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
