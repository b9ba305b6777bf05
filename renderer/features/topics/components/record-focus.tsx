// The Topics view opened at one record (a link in a check's evidence): that record and its neighbours on its partition,
// in offset order, read from the broker with topics:browse (history on demand, never kept in a store).
import { useEffect, useState } from 'react';
import type { BrowsedRecord } from '../../../../main/console/contract/browse';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatTime } from '../../../lib/format';
import { useNavigate, type Focus } from '../../../lib/navigation';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { valueText } from '../browse-format';
import './record-focus.css';

const AROUND = 3;

type Found =
  { state: 'loading' } | { state: 'found'; records: BrowsedRecord[] } | { state: 'absent' | 'error'; why: string };

export function RecordFocus({ focus }: { focus: Extract<Focus, { kind: 'record' }> }) {
  const client = useClient();
  const navigate = useNavigate();
  const [found, setFound] = useState<Found>({ state: 'loading' });
  const { topic, partition, offset } = focus;
  useEffect(() => {
    let live = true;
    const from = BigInt(offset) > BigInt(AROUND) ? String(BigInt(offset) - BigInt(AROUND)) : '0';
    client.request['topics:browse']({
      topic,
      partition,
      from: { kind: 'offset', offset: from },
      limit: 2 * AROUND + 1,
    }).then(
      ({ records }) => {
        if (!live) return;
        const inOrder = [...records].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
        if (records.some((r) => r.offset === offset)) setFound({ state: 'found', records: inOrder });
        else
          setFound({
            state: 'absent',
            why:
              records.length === 0
                ? `${topic} p${partition} holds no record at or after offset ${from} now (deleted by retention, or the topic was recreated).`
                : `${topic} p${partition}@${offset} is no longer on the broker: the partition now starts at ${records[0]!.offset}.`,
          });
      },
      (err: unknown) => live && setFound({ state: 'error', why: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [client, topic, partition, offset]);
  return (
    <Panel
      title={
        <>
          Record <code>{topic}</code> p{partition}@{offset}
        </>
      }
      testId="record-focus"
      hint="Opened from a check's evidence: the record and its neighbours on the same partition, in offset order."
      actions={
        navigate !== null && (
          <button type="button" className="small" onClick={() => navigate('topics')}>
            Close
          </button>
        )
      }
    >
      {found.state === 'loading' && <p className="muted">Reading the partition…</p>}
      {(found.state === 'absent' || found.state === 'error') && (
        <EmptyState title="Not on the broker" testId="record-focus-absent">
          {found.why}
        </EmptyState>
      )}
      {found.state === 'found' && (
        <table className="table" aria-label={`Records around p${partition}@${offset}`}>
          <thead>
            <tr>
              <th className="num">Offset</th>
              <th>Time</th>
              <th>Key</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {found.records.map((r) => {
              const isIt = r.offset === offset;
              return (
                <tr
                  key={r.offset}
                  className={isIt ? 'focused-record' : undefined}
                  aria-current={isIt ? 'true' : undefined}
                  data-testid={isIt ? 'record-focus-target' : 'record-focus-neighbour'}
                >
                  <td className="num mono">{r.offset}</td>
                  <td className="mono">{formatTime(r.timestamp)}</td>
                  <td className="mono">{r.key ?? '∅'}</td>
                  <td className="mono detail">{valueText(r) ?? '∅'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
