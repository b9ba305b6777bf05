// The logs of one component or service instance. History is fetched on demand; a service's live lines come from the
// services store (a bounded buffer).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ComponentName, ServiceInstanceName, ServiceLogLine } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatTime } from '../../../lib/format';
import { Panel } from '../../../ui/panel';
import { VirtualList } from '../../../ui/virtual-list';
import { useThrottledStore } from '../../../lib/use-throttled-store';
import { INSTANCES, useServicesStore, type ServicesState } from '../../service-instances/store';
import { COMPONENTS } from '../store';
import { readableLine, type ReadableLine } from './log-line';

export type LogSource = ComponentName | ServiceInstanceName;

const isInstance = (s: LogSource): s is ServiceInstanceName => (INSTANCES as readonly string[]).includes(s);
const EMPTY: ServiceLogLine[] = [];

interface Row extends ReadableLine {
  key: string;
  at: number | null;
}

export function LogsPanel({ source, onSource }: { source: LogSource; onSource: (s: LogSource) => void }) {
  const client = useClient();
  const [history, setHistory] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const selectLive = useCallback(
    (s: ServicesState) => (isInstance(source) ? (s.logs[source] ?? EMPTY) : EMPTY),
    [source],
  );
  const live = useThrottledStore(useServicesStore, selectLive, 250);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      if (isInstance(source)) {
        const res = await client.request['services:logs']({ instance: source, lines: 500 });
        setHistory(res.lines.map((l, i) => ({ key: `h${i}`, at: l.at, ...readableLine(l.text, l) })));
      } else {
        const res = await client.request['stack:logs']({ component: source, lines: 500 });
        setHistory(res.lines.map((text, i) => ({ key: `h${i}`, at: null, ...readableLine(text) })));
      }
    } catch (err) {
      setHistory([]);
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [client, source]);

  useEffect(() => {
    void load();
  }, [load]);

  const rows = useMemo(() => {
    // live lines newer than the fetched history follow it
    const lastAt = history.length > 0 ? (history[history.length - 1]?.at ?? 0) : 0;
    const fresh = live
      .filter((l) => l.at > (lastAt ?? 0))
      .map((l, i) => ({ key: `l${l.at}-${i}`, at: l.at, ...readableLine(l.text, l) }));
    return history.concat(fresh);
  }, [history, live]);

  return (
    <Panel
      title="Logs"
      testId="logs-panel"
      hint="The newest 500 lines. A notifier writes one line per processed event: instance, partition (p0), offset (@12), order and status."
      actions={
        <>
          <label className="inline">
            Show logs of{' '}
            <select value={source} onChange={(e) => onSource(e.target.value as LogSource)} aria-label="Log source">
              <optgroup label="Services">
                {INSTANCES.map((i) => (
                  <option key={i} value={i}>
                    {i}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Stack">
                {COMPONENTS.map((c) => (
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
