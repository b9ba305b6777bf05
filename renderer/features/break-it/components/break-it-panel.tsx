// Break it: the selected lab's broken modes, each a classic student bug put into one of our services on purpose. Per
// mode: the bug in one sentence, the service it applies to, the checks it must make fail (with their last result), and
// per instance of that service "Restart <instance> in this mode" (one picker where a mode has many instances); an
// instance that runs a mode has "Back to correct".
import type {
  LabManifest,
  ManifestBrokenMode,
  ServiceInstanceName,
} from '../../../../main/console/contract/console-api';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useClient } from '../../../lib/client-context';
import { useAction } from '../../../lib/use-action';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { STATUS_TONE } from '../../checks/components/check-card';
import { withCode } from '../../checks/components/inline-code';
import { useChecksStore } from '../../checks/store';
import { useServicesStore } from '../../service-instances/store';
import '../break-it.css';

export function BreakItPanel({ lab }: { lab: LabManifest }) {
  return (
    <Panel
      title="Break it"
      testId="break-it-panel"
      hint={
        <>
          Each broken mode is a classic bug put into one of the lab&apos;s services on purpose. Restart an instance in a
          mode, make the situation happen (the check does it for an active one), and run the checks it names: they must
          go red, with evidence that points at the bug. &quot;Back to correct&quot; restarts it as it should be.
        </>
      }
    >
      <div className="break-modes">
        {lab.brokenModes.map((m) => (
          <BrokenModeCard key={m.id} mode={m} lab={lab} />
        ))}
      </div>
    </Panel>
  );
}

function BrokenModeCard({ mode, lab }: { mode: ManifestBrokenMode; lab: LabManifest }) {
  const instances = lab.services.filter((s) => mode.services.includes(s.kind)).flatMap((s) => s.instances);
  const engaged = useServicesStore((s) =>
    instances.some((i) => s.byName[i]?.brokenMode === mode.id && isAlive(s.byName[i]?.state)),
  );
  return (
    <article
      className={`break-mode ${engaged ? 'break-mode-on' : ''}`}
      data-testid={`broken-mode-${mode.id}`}
      aria-labelledby={`broken-mode-title-${mode.id}`}
    >
      <h3 id={`broken-mode-title-${mode.id}`}>
        {mode.label}
        <span className="sub break-mode-id">{mode.id}</span>
      </h3>
      <p className="break-bug">{withCode(mode.bug)}</p>
      <dl className="break-facts">
        <dt>Applies to</dt>
        <dd>{mode.services.join(', ')}</dd>
        <dt>Must make fail</dt>
        <dd>
          {mode.breaks.length === 0 ? (
            <span className="muted">no check yet</span>
          ) : (
            mode.breaks.map((id, i) => (
              <span key={id}>
                {i > 0 && ', '}
                <BrokenCheck id={id} lab={lab} />
              </span>
            ))
          )}
        </dd>
      </dl>
      <div className="break-actions">
        {instances.length <= MAX_BUTTONS ? (
          instances.map((name) => <InstanceInMode key={name} name={name} mode={mode} modes={lab.brokenModes} />)
        ) : (
          <ManyInstances instances={instances} mode={mode} modes={lab.brokenModes} />
        )}
      </div>
    </article>
  );
}

/** A check a mode must break, with its last result. */
function BrokenCheck({ id, lab }: { id: string; lab: LabManifest }) {
  const status = useChecksStore((s) => s.byId[id]?.last?.status ?? null);
  const title = lab.checks.find((c) => c.id === id)?.title ?? id;
  return (
    <>
      {title}
      {status !== null && (
        <>
          {' '}
          <Badge state={status} tone={STATUS_TONE[status]} />
        </>
      )}
    </>
  );
}

const isAlive = (state: string | undefined) => state === 'running' || state === 'starting';

/** up to this many instances a mode has a button per instance; beyond, one picker */
const MAX_BUTTONS = 3;

/** services:restart of one instance in a mode (null: correct) */
function useRestart(name: ServiceInstanceName) {
  const client = useClient();
  const setBusy = useServicesStore((s) => s.setBusy);
  const applyState = useServicesStore((s) => s.applyState);
  return useAction(`restart ${name}`, async (brokenMode: string | null) => {
    setBusy(name, 'restart');
    try {
      const res = await client.request['services:restart']({ instance: name, brokenMode });
      applyState(res.instance);
    } finally {
      setBusy(name, null);
    }
  });
}

/** A mode of many instances (a lab where most services share it): pick one; those that run it have their own row. */
function ManyInstances({
  instances,
  mode,
  modes,
}: {
  instances: ServiceInstanceName[];
  mode: ManifestBrokenMode;
  modes: readonly ManifestBrokenMode[];
}) {
  const [picked, setPicked] = useState(instances[0] as ServiceInstanceName);
  const engaged = useServicesStore(
    useShallow((s) => instances.filter((i) => s.byName[i]?.brokenMode === mode.id && isAlive(s.byName[i]?.state))),
  );
  const restart = useRestart(picked);
  const alive = useServicesStore((s) => isAlive(s.byName[picked]?.state));
  const busy = useServicesStore((s) => s.busy[picked] !== undefined);
  return (
    <>
      {engaged.map((name) => (
        <InstanceInMode key={name} name={name} mode={mode} modes={modes} />
      ))}
      <div className="break-instance">
        <select aria-label={`Instance to run ${mode.label}`} value={picked} onChange={(e) => setPicked(e.target.value)}>
          {instances.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="small"
          onClick={() => void restart.invoke(mode.id)}
          disabled={restart.pending || busy || engaged.includes(picked)}
        >
          {alive ? 'Restart' : 'Start'} {picked} in this mode
        </button>
      </div>
    </>
  );
}

function InstanceInMode({
  name,
  mode,
  modes,
}: {
  name: ServiceInstanceName;
  mode: ManifestBrokenMode;
  /** all the lab's modes (to name the one an instance runs) */
  modes: readonly ManifestBrokenMode[];
}) {
  const inst = useServicesStore((s) => s.byName[name]);
  const busy = useServicesStore((s) => s.busy[name] !== undefined);
  const restart = useRestart(name);
  const alive = isAlive(inst?.state);
  const inThisMode = alive && inst?.brokenMode === mode.id;
  const pending = restart.pending || busy;
  return (
    <div className="break-instance" data-testid={`break-${mode.id}-${name}`}>
      {inThisMode ? (
        <>
          <Badge state={`${name} runs this mode`} tone="bad" testId={`break-engaged-${mode.id}-${name}`} />
          <button
            type="button"
            className="small"
            onClick={() => void restart.invoke(null)}
            disabled={pending}
            aria-label={`Restart ${name} correct`}
          >
            Back to correct
          </button>
        </>
      ) : (
        <button
          type="button"
          className="small"
          onClick={() => void restart.invoke(mode.id)}
          disabled={pending}
          title={alive ? `Stops ${name} (SIGTERM) and starts it in ${mode.id}` : `Starts ${name} in ${mode.id}`}
        >
          {alive ? 'Restart' : 'Start'} {name} in this mode
        </button>
      )}
      {alive && inst?.brokenMode != null && !inThisMode && (
        <span className="sub">(runs {modes.find((m) => m.id === inst.brokenMode)?.label ?? inst.brokenMode} now)</span>
      )}
    </div>
  );
}
