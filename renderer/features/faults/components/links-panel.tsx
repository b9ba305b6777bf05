// Link faults: every link of the selected lab's instances to the brokers and databases they use (made when an instance
// starts from the console), grouped by instance, each with its state, delay, throttle and traffic, and Cut / Delay
// (ms + jitter) / Throttle / Restore. A cut link's row is marked red, a delayed or throttled one amber. The list is
// read again on every links:changed push and once a second for the counters.
import { useCallback, useEffect, useState } from 'react';
import type { LinkView } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { useAction } from '../../../lib/use-action';
import { Badge } from '../../../ui/badge';
import { Panel } from '../../../ui/panel';
import { useLabsStore } from '../../labs/store';
import './links-panel.css';

const POLL_MS = 1000;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** What is wrong with a link, in a word or two (null: nothing). */
export function faultOf(l: LinkView): { word: string; tone: 'bad' | 'warn' } | null {
  if (l.state === 'cut') return { word: 'cut', tone: 'bad' };
  const parts: string[] = [];
  if (l.delayMs > 0 || l.jitterMs > 0) parts.push(`+${l.delayMs}${l.jitterMs > 0 ? `±${l.jitterMs}` : ''} ms`);
  if (l.throttleBytesPerSec !== null) parts.push(`${formatBytes(l.throttleBytesPerSec)}/s`);
  return parts.length === 0 ? null : { word: parts.join(' · '), tone: 'warn' };
}

export function LinksPanel() {
  const client = useClient();
  const lab = useLabsStore((s) => s.lab);
  const [links, setLinks] = useState<LinkView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const res = await client.request['links:list']({});
      setLinks(res.links);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [client]);
  useEffect(() => {
    if (lab === null) return;
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    const off = client.subscribe('links:changed', () => void load());
    return () => {
      clearInterval(timer);
      off();
    };
  }, [client, load, lab]);
  const sorted = [...(links ?? [])].sort(
    (a, b) => a.instance.localeCompare(b.instance) || a.component.localeCompare(b.component),
  );
  return (
    <Panel
      title="Links"
      testId="links-panel"
      hint="Each instance reaches every broker and database through a proxy of the console's: cut, delay or throttle one instance's link without stopping the shared server."
    >
      {error !== null && <p className="text-bad">Could not list the links: {error}</p>}
      {links === null && error === null && <p className="muted">Loading…</p>}
      {links !== null && links.length === 0 && (
        <p className="muted">No links yet: start an instance from the services table and its links appear here.</p>
      )}
      {sorted.length > 0 && (
        <table className="table links-table" aria-label="Links">
          <thead>
            <tr>
              <th>Instance</th>
              <th>Link</th>
              <th>State</th>
              <th>Connections</th>
              <th>Traffic ↑ / ↓</th>
              <th>Fault</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((l, i) => (
              <LinkRow key={l.id} link={l} first={i === 0 || sorted[i - 1]!.instance !== l.instance} onDone={load} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function LinkRow({ link, first, onDone }: { link: LinkView; first: boolean; onDone: () => Promise<void> }) {
  const client = useClient();
  const [delay, setDelay] = useState('200');
  const [jitter, setJitter] = useState('0');
  const [rate, setRate] = useState('65536');
  const [result, setResult] = useState<string | null>(null);
  const act = useAction(`link ${link.id}`, async (run: () => Promise<{ result: string }>) => {
    const r = await run();
    setResult(r.result);
    await onDone();
  });
  const fault = faultOf(link);
  const id = link.id;
  const testId = `link-${id.replace('/', '-')}`;
  const num = (s: string) => Math.max(0, Math.round(Number(s) || 0));
  return (
    <tr
      className={`link-row ${first ? 'link-first' : ''} ${link.state === 'cut' ? 'link-cut' : fault !== null ? 'link-slow' : ''}`}
      data-testid={testId}
      data-state={link.state}
    >
      <td>{first ? <strong>{link.instance}</strong> : null}</td>
      <td>
        <div>
          {link.component} <span className="muted">→ {link.target}</span>
        </div>
        <div className="sub">
          via {link.hops.map((h) => h.listen).join(', ')}
          {!link.inUse && ' · not in use (instance stopped)'}
        </div>
      </td>
      <td>
        <Badge state={link.state} tone={link.state === 'cut' ? 'bad' : 'ok'} testId={`${testId}-state`} />
        {fault !== null && link.state !== 'cut' && (
          <>
            {' '}
            <Badge state={fault.word} tone="warn" testId={`${testId}-fault`} />
          </>
        )}
      </td>
      <td className="num">
        {link.open}
        {link.refused > 0 && <span className="sub text-bad"> · {link.refused} refused</span>}
      </td>
      <td className="num">
        {formatBytes(link.bytesUp)} / {formatBytes(link.bytesDown)}
      </td>
      <td>
        <div className="link-actions">
          {link.state === 'cut' ? (
            <button
              type="button"
              className="small"
              disabled={act.pending}
              aria-label={`Restore ${id}`}
              onClick={() => void act.invoke(() => client.request['links:restore']({ link: id }))}
            >
              Restore
            </button>
          ) : (
            <button
              type="button"
              className="small danger"
              disabled={act.pending}
              aria-label={`Cut ${id}`}
              onClick={() => void act.invoke(() => client.request['links:cut']({ link: id }))}
            >
              Cut
            </button>
          )}
          <label className="inline">
            <input
              type="number"
              min={0}
              value={delay}
              aria-label={`Delay of ${id} (ms)`}
              onChange={(e) => setDelay(e.target.value)}
            />
            ±
            <input
              type="number"
              min={0}
              value={jitter}
              aria-label={`Jitter of ${id} (ms)`}
              onChange={(e) => setJitter(e.target.value)}
            />
            ms
          </label>
          <button
            type="button"
            className="small"
            disabled={act.pending}
            aria-label={`Delay ${id}`}
            onClick={() =>
              void act.invoke(() =>
                client.request['links:delay']({ link: id, delayMs: num(delay), jitterMs: num(jitter) }),
              )
            }
          >
            Delay
          </button>
          <label className="inline">
            <input
              type="number"
              min={64}
              value={rate}
              aria-label={`Throttle of ${id} (B/s)`}
              onChange={(e) => setRate(e.target.value)}
            />
            B/s
          </label>
          <button
            type="button"
            className="small"
            disabled={act.pending}
            aria-label={`Throttle ${id}`}
            onClick={() =>
              void act.invoke(() =>
                client.request['links:throttle']({ link: id, bytesPerSec: Math.max(64, num(rate)) }),
              )
            }
          >
            Throttle
          </button>
          {(fault !== null || link.state === 'cut') && link.state !== 'cut' && (
            <button
              type="button"
              className="small"
              disabled={act.pending}
              aria-label={`Restore ${id}`}
              onClick={() => void act.invoke(() => client.request['links:restore']({ link: id }))}
            >
              Restore
            </button>
          )}
        </div>
        {result !== null && (
          <div className="sub" role="status" data-testid={`${testId}-result`}>
            {result}
          </div>
        )}
      </td>
    </tr>
  );
}
