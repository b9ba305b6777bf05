// Lab A, Timeline view: the Read model panel. The consistency-window histogram (p50/p99/max of the projected changes'
// windows, the bound of check 1 marked), MongoDB against Redis per presentation side by side (differences first, the
// differing fields highlighted) and Replay (the projector stopped, its group reset to the earliest offsets, the read
// model rebuilt, the digests before and after compared).
import { useClient } from '../../lib/client-context';
import { useAction } from '../../lib/use-action';
import { Badge } from '../../ui/badge';
import { Panel } from '../../ui/panel';
import { useReadModelStore, type Compare, type Windows } from './read-model-store';
import './lab-a.css';

const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`);

function Histogram({ windows }: { windows: Windows }) {
  const top = Math.max(1, ...windows.buckets.map((b) => b.count));
  return (
    <div data-testid="window-histogram">
      <p>
        <span data-testid="window-stats">
          {windows.count} change(s): p50 {ms(windows.p50)}, p99 {ms(windows.p99)}, max {ms(windows.max)}
        </span>{' '}
        <span className="sub">(bound {windows.boundMs} ms)</span>
      </p>
      <table className="histogram">
        <tbody>
          {windows.buckets.map((b, i) => {
            const label = b.le === null ? `> ${windows.buckets[i - 1]?.le ?? 0} ms` : `≤ ${b.le} ms`;
            const over = b.le === null || b.le > windows.boundMs;
            return (
              <tr key={label} data-testid="window-bucket" className={over && b.count > 0 ? 'text-bad' : undefined}>
                <th scope="row">{label}</th>
                <td style={{ width: '100%' }}>
                  <div
                    aria-hidden
                    className={over ? 'bar over' : 'bar'}
                    style={{ width: `${(100 * b.count) / top}%`, minWidth: b.count > 0 ? 2 : 0 }}
                  />
                </td>
                <td>{b.count}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const FIELDS = ['version', 'title', 'speaker', 'conference', 'duration_min', 'deleted'] as const;

function cell(doc: Compare['rows'][number]['mongo'] | string | null, field: string) {
  if (doc === null) return '—';
  if (typeof doc === 'string') return field === 'version' ? doc.slice(0, 40) : '';
  const v = doc[field];
  return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

function SideBySide({ compare }: { compare: Compare }) {
  return (
    <div data-testid="read-model-compare">
      <p>
        <Badge
          state={compare.differ === 0 ? 'equal' : `${compare.differ} differ`}
          tone={compare.differ === 0 ? 'ok' : 'bad'}
          testId="compare-state"
        />{' '}
        {compare.total} presentation(s) in MongoDB or Redis
        {compare.writeThrough ? '' : ' (write-through is off: Redis holds no copies)'}
      </p>
      <table className="compare">
        <thead>
          <tr>
            <th rowSpan={2}>presentation</th>
            <th colSpan={FIELDS.length}>MongoDB</th>
            <th colSpan={FIELDS.length}>Redis</th>
            <th rowSpan={2}>difference</th>
          </tr>
          <tr>
            {[...FIELDS, ...FIELDS].map((f, i) => (
              <th key={`${f}-${i}`}>{f}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {compare.rows.map((r) => {
            const differs = (f: string) => !r.same && cell(r.mongo, f) !== cell(r.redis, f);
            return (
              <tr key={r.id} data-testid="compare-row" data-same={r.same} className={r.same ? undefined : 'text-bad'}>
                <td title={r.id}>{r.id.slice(-12)}</td>
                {FIELDS.map((f) => (
                  <td key={`m-${f}`} className={differs(f) ? 'diff' : undefined} data-diff={differs(f)}>
                    {cell(r.mongo, f)}
                  </td>
                ))}
                {FIELDS.map((f) => (
                  <td key={`r-${f}`} className={differs(f) ? 'diff' : undefined} data-diff={differs(f)}>
                    {cell(r.redis, f)}
                  </td>
                ))}
                <td>
                  {r.mongoDocs > 1 ? `${r.mongoDocs} documents in MongoDB; ` : ''}
                  {r.detail}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ReadModelPanel() {
  const client = useClient();
  const windows = useReadModelStore((s) => s.windows);
  const compare = useReadModelStore((s) => s.compare);
  const replay = useReadModelStore((s) => s.replay);
  const problem = useReadModelStore((s) => s.problem);
  const set = useReadModelStore((s) => s.set);
  const run = useAction('lab-a:replay', async () => {
    set({ replay: await client.request['lab-a:replay']({}) });
    set({ compare: await client.request['lab-a:compare']({}) });
  });
  return (
    <Panel
      title="Read model"
      testId="read-model-panel"
      className="read-model"
      hint="How long a change takes from its 202 to MongoDB, whether Redis holds what MongoDB holds, and whether a replay of the topic rebuilds the same read model."
      actions={
        <button type="button" className="small" onClick={() => void run.invoke()} disabled={run.pending}>
          {run.pending ? 'Replaying…' : 'Replay'}
        </button>
      }
    >
      {problem !== null && <p className="text-bad sub">{problem}</p>}
      {replay !== null && (
        <p data-testid="replay-result">
          <Badge
            state={replay.same ? 'same digest' : 'digest changed'}
            tone={replay.same ? 'ok' : 'bad'}
            testId="replay-state"
          />{' '}
          {replay.summary}
          <span className="sub">
            {' '}
            (before {replay.before.digest.slice(0, 12)}, after {replay.after.digest.slice(0, 12)}; {replay.ms} ms)
          </span>
        </p>
      )}
      <h3>Consistency window</h3>
      {windows === null || windows.count === 0 ? (
        <p className="sub">No change projected yet: send a few commands to the API.</p>
      ) : (
        <Histogram windows={windows} />
      )}
      <h3>MongoDB vs Redis</h3>
      {compare === null ? <p className="sub">Not read yet.</p> : <SideBySide compare={compare} />}
    </Panel>
  );
}
