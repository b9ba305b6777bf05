// The record tail: the newest records of every partition merged in time order (newest on top), virtualised.
import { formatTime } from '../../../lib/format';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { rowPosition, VirtualList } from '../../../ui/virtual-list';
import { useThrottledStore } from '../../../lib/use-throttled-store';
import { TAIL_CAP, useTailStore, type TailState } from '../tail-store';

const tailRecords = (s: TailState) => s.records;

export function TailPanel() {
  const records = useThrottledStore(useTailStore, tailRecords, 250);
  const paused = useTailStore((s) => s.paused);
  const dropped = useTailStore((s) => s.dropped);
  const setPaused = useTailStore((s) => s.setPaused);
  const clear = useTailStore((s) => s.clear);
  return (
    <Panel
      title="Record tail"
      testId="tail-panel"
      hint={
        <>
          The newest {TAIL_CAP.toLocaleString('en')} records of all partitions, merged by time (newest on top). Each
          row: time, <Term term="partition" />, <Term term="offset" />, <Term term="key" /> and the value the service
          published.
        </>
      }
      actions={
        <>
          <span className="muted" data-testid="tail-count">
            {records.length} records{dropped > 0 ? ` · ${dropped} skipped while busy or paused` : ''}
          </span>
          <button type="button" className="small" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume tail' : 'Pause tail'}
          </button>
          <button type="button" className="small" onClick={clear}>
            Clear
          </button>
        </>
      }
    >
      {records.length === 0 ? (
        <EmptyState title="No records yet" testId="tail-empty">
          Records appear here as the lab&apos;s services publish them: start them on the Stack view.
        </EmptyState>
      ) : (
        <VirtualList
          items={records}
          newestFirst
          rowHeight={26}
          height={360}
          label="Records, newest first"
          testId="tail-list"
          getKey={rowPosition}
          header={
            <div className="tail-row tail-head" aria-hidden="true">
              <span>Time</span>
              <span>Partition</span>
              <span>Offset</span>
              <span>Key</span>
              <span>Value</span>
            </div>
          }
          renderRow={(r) => (
            <div className="tail-row" data-testid="tail-record">
              <span className="mono">{formatTime(r.timestamp)}</span>
              <span className={`pchip p${r.partition % 6}`}>p{r.partition}</span>
              <span className="mono">{r.offset}</span>
              <span className="mono">{r.key ?? '∅'}</span>
              <span className="mono ellipsis" title={r.value ?? ''}>
                {r.value ?? '∅'}
              </span>
            </div>
          )}
        />
      )}
    </Panel>
  );
}
