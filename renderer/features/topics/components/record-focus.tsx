// The Topics view opened at one record (a link in a check's evidence): that record and its neighbours on its partition,
// in offset order, read from the console's tail with topics:tail-page (history on demand, never kept in a store).
import { useEffect, useState } from 'react';
import type { TailRecord } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { formatTime } from '../../../lib/format';
import { useNavigate, type Focus } from '../../../lib/navigation';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import './record-focus.css';

const PAGE = 1000;
/** the console's tail keeps the newest 10 000 records */
const MAX_PAGES = 10;
const AROUND = 3;

type Found =
  { state: 'loading' } | { state: 'found'; records: TailRecord[] } | { state: 'absent' | 'error'; why: string };

export function RecordFocus({ focus }: { focus: Extract<Focus, { kind: 'record' }> }) {
  const client = useClient();
  const navigate = useNavigate();
  const [found, setFound] = useState<Found>({ state: 'loading' });
  const { topic, partition, offset } = focus;
  useEffect(() => {
    let live = true;
    const target = BigInt(offset);
    void (async () => {
      // newest first: page back until the target or an older offset shows up
      const seen: TailRecord[] = [];
      let before: number | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await client.request['topics:tail-page']({
          topic,
          partition,
          limit: PAGE,
          ...(before !== undefined ? { before } : {}),
        });
        seen.push(...res.records);
        const oldest = res.records[res.records.length - 1];
        if (res.nextBefore === null || oldest === undefined || BigInt(oldest.offset) <= target) break;
        before = res.nextBefore;
      }
      return seen;
    })().then(
      (seen) => {
        if (!live) return;
        const sorted = seen.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
        const at = sorted.findIndex((r) => BigInt(r.offset) === target);
        if (at < 0)
          setFound({
            state: 'absent',
            why:
              sorted.length === 0
                ? `The console's tail holds no record of ${topic} p${partition} now: it reads the topic while the stack runs.`
                : `The console's tail holds the newest records it has read; p${partition}@${offset} is not among them (older, or read while the tail was busy).`,
          });
        else setFound({ state: 'found', records: sorted.slice(Math.max(0, at - AROUND), at + AROUND + 1) });
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
      {found.state === 'loading' && <p className="muted">Reading the tail…</p>}
      {(found.state === 'absent' || found.state === 'error') && (
        <EmptyState title="Not in the tail" testId="record-focus-absent">
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
                  <td className="mono detail">{r.value ?? '∅'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
