// The logs of one component or service instance. History is fetched on demand; a service's live lines come from the
// services store (a bounded buffer).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ComponentName, ServiceLogLine } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatTime } from '../../../lib/format';
import { Panel } from '../../../ui/panel';
import { VirtualList } from '../../../ui/virtual-list';
import { useThrottledStore } from '../../../lib/use-throttled-store';
import { instancesOf } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { useServicesStore, type ServicesState } from '../../service-instances/store';
import { labUi } from '../../../labs/registry';
import { readableLine, type ReadableLine } from './log-line';

/** a service instance of the lab (ServiceInstanceName) or a stack component (ComponentName) */
export type LogSource = string;

const EMPTY: ServiceLogLine[] = [];
const NO_COMPONENTS: readonly ComponentName[] = [];

interface Row extends ReadableLine {
  key: string;
  at: number | null;
}

export function LogsPanel({ source, onSource }: { source: LogSource; onSource: (s: LogSource) => void }) {
  const client = useClient();
  const lab = useLab();
  const instances = instancesOf(lab);
  const components = lab?.components ?? NO_COMPONENTS;
  // an instance of the lab, else a stack component (the lab's instances and the component names never overlap)
  const instance = instances.includes(source);
  const reader = labUi(lab?.id ?? null).readLine;
  const [history, setHistory] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const selectLive = useCallback(
    (s: ServicesState) => (instance ? (s.logs[source] ?? EMPTY) : EMPTY),
    [source, instance],
  );
  const live = useThrottledStore(useServicesStore, selectLive, 250);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      if (instance) {
        const res = await client.request['services:logs']({ instance: source, lines: 500 });
        setHistory(res.lines.map((l, i) => ({ key: `h${i}`, at: l.at, ...readableLine(l.text, l, reader) })));
      } else {
        const res = await client.request['stack:logs']({ component: source as ComponentName, lines: 500 });
        setHistory(res.lines.map((text, i) => ({ key: `h${i}`, at: null, ...readableLine(text, undefined, reader) })));
      }
    } catch (err) {
      setHistory([]);
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [client, source, instance, reader]);

  useEffect(() => {
    void load();
  }, [load]);

  const rows = useMemo(() => {
    // live lines newer than the fetched history follow it
    const lastAt = history.length > 0 ? (history[history.length - 1]?.at ?? 0) : 0;
    const fresh = live
      .filter((l) => l.at > (lastAt ?? 0))
      .map((l, i) => ({ key: `l${l.at}-${i}`, at: l.at, ...readableLine(l.text, l, reader) }));
    return history.concat(fresh);
  }, [history, live, reader]);

  return (
    <Panel
      title="Logs"
      testId="logs-panel"
      hint="The newest 500 lines of one service instance or stack component. A service's event lines say what it handled and where (partition p0, offset @12)."
      actions={
        <>
          <label className="inline">
            Show logs of{' '}
            <select value={source} onChange={(e) => onSource(e.target.value)} aria-label="Log source">
              <optgroup label="Services">
                {instances.map((i) => (
                  <option key={i} value={i}>
                    {i}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Stack">
                {components.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </optgroup>
            </select>
          </label>
          <button type="button" className="small" onClick={() => void load()} disabled={loading}>
            Refresh
          </button>
        </>
      }
    >
      {error !== null && <p className="text-bad">Could not read the logs: {error}</p>}
      {rows.length === 0 && error === null ? (
        <p className="muted">{loading ? 'Loading…' : `No log lines from ${source} yet.`}</p>
      ) : (
        <VirtualList
          items={rows}
          rowHeight={22}
          height={260}
          label={`Log lines of ${source}`}
          testId="log-lines"
          getKey={(r) => r.key}
          renderRow={(r) => (
            <div className={`log-line log-${r.tone}`}>
              <span className="log-time">{r.at !== null ? formatTime(r.at) : ''}</span>
              <span className="log-level">{r.level}</span>
              <span className="log-text" title={r.text}>
                {r.text}
              </span>
            </div>
          )}
        />
      )}
    </Panel>
  );
}
