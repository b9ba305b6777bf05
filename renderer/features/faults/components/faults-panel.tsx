// The selected lab's faults (faults:list: its own and the core's), each with its optional arguments and a Run button;
// what a run did comes back as one sentence (faults:run). Killing or stopping an instance is in the services table,
// stopping a broker in the stack table.
import { useCallback, useEffect, useState } from 'react';
import type { FaultInfo } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { useAction } from '../../../lib/use-action';
import { Panel } from '../../../ui/panel';
import { useLabsStore } from '../../labs/store';

export function FaultsPanel() {
  const client = useClient();
  const lab = useLabsStore((s) => s.lab);
  const [faults, setFaults] = useState<FaultInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const res = await client.request['faults:list']({});
      setFaults(res.faults);
      setError(null);
    } catch (err) {
      setFaults(null);
      setError(errorMessage(err));
    }
  }, [client]);
  useEffect(() => {
    if (lab !== null) void load();
  }, [load, lab]);
  return (
    <Panel
      title="Faults"
      testId="faults-panel"
      hint="Break the system on purpose and watch the other views. Kill or stop an instance in the services table; stop a broker in the stack table."
    >
      {error !== null && (
        <p className="text-bad">
          Could not list the faults: {error}{' '}
          <button type="button" className="small" onClick={() => void load()}>
            Retry
          </button>
        </p>
      )}
      {faults === null && error === null && <p className="muted">Loading…</p>}
      {faults !== null && faults.length === 0 && <p className="muted">This lab has no faults of its own.</p>}
      {faults !== null && faults.length > 0 && (
        <ul className="faults" aria-label="Faults">
          {faults.map((f) => (
            <FaultRow key={f.id} fault={f} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

function FaultRow({ fault }: { fault: FaultInfo }) {
  const client = useClient();
  const [args, setArgs] = useState<Record<string, string>>({});
  const [result, setResult] = useState<string | null>(null);
  const run = useAction(`fault ${fault.id}`, async () => {
    setResult(null);
    // every argument is optional: the empty ones are left out
    const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v.trim() !== ''));
    const res = await client.request['faults:run'](
      Object.keys(given).length > 0 ? { fault: fault.id, args: given } : { fault: fault.id },
    );
    setResult(res.result);
  });
  const argNames = Object.entries(fault.args ?? {});
  return (
    <li className="fault" data-testid={`fault-${fault.id}`}>
      <div className="fault-head">
        <div>
          <strong>{fault.label}</strong>
          <div className="sub">{fault.description}</div>
        </div>
        <button
          type="button"
          className="small danger"
          onClick={() => void run.invoke()}
          disabled={run.pending}
          aria-label={fault.label}
        >
          Run
        </button>
      </div>
      {argNames.length > 0 && (
        <div className="fault-args">
          {argNames.map(([name, description]) => (
            <label key={name} className="inline" title={description}>
              {name}
              <input
                type="text"
                value={args[name] ?? ''}
                placeholder="optional"
                aria-label={`${fault.label}: ${name}`}
                onChange={(e) => setArgs({ ...args, [name]: e.target.value })}
              />
            </label>
          ))}
        </div>
      )}
      {result !== null && (
        <p className="fault-result" role="status" data-testid={`fault-result-${fault.id}`}>
          {result}
        </p>
      )}
      {run.error !== null && <p className="text-bad sub">{run.error}</p>}
    </li>
  );
}
