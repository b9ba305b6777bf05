// The message browser: a bounded search of one topic (newest, from an offset, from a time; one partition or all merged
// in time order; filtered by key, text or a JSON path) with its cost, a record's value as JSON, text or hex with its
// headers, export as JSON Lines or CSV, and producing a record (or producing a shown one again).
import { useState, type FormEvent } from 'react';
import type { BrowsedRecord, BrowseCost, BrowseQuery } from '../../../../main/console/contract/browse';
import { useClient } from '../../../lib/client-context';
import { formatTime } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { rowPosition, VirtualList } from '../../../ui/virtual-list';
import { parseHeaders, showValue, toCsv, toJsonLines, valueText, type ValueView } from '../browse-format';
import './browser-panel.css';

export interface BrowsableTopic {
  topic: string;
  partitions: number;
}

type FromKind = 'newest' | 'offset' | 'timestamp';

interface Draft {
  topic: string;
  partition: string; // '' = all
  from: FromKind;
  offset: string;
  time: string; // datetime-local
  limit: string;
  key: string;
  text: string;
  jsonPath: string;
  equals: string;
}

interface ProduceDraft {
  topic: string;
  partition: string; // '' = by key
  key: string;
  value: string;
  headers: string;
}

/** The query a draft asks for, or the field that is wrong. */
export function queryOf(d: Draft): { query: BrowseQuery } | { error: string } {
  if (d.topic === '') return { error: 'topic: choose a topic' };
  const limit = Number(d.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return { error: 'limit: a whole number from 1 to 500' };
  let from: BrowseQuery['from'];
  if (d.from === 'offset') {
    if (!/^\d+$/.test(d.offset.trim())) return { error: 'offset: a whole number (0 or more)' };
    from = { kind: 'offset', offset: d.offset.trim() };
  } else if (d.from === 'timestamp') {
    const ms = Date.parse(d.time);
    if (Number.isNaN(ms)) return { error: 'time: choose a date and time' };
    from = { kind: 'timestamp', timestamp: ms };
  } else from = { kind: 'newest' };
  if ((d.jsonPath.trim() === '') !== (d.equals === ''))
    return { error: 'JSON path: give both a path and the value it must have' };
  const filter = {
    ...(d.key !== '' ? { key: d.key } : {}),
    ...(d.text !== '' ? { text: d.text } : {}),
    ...(d.jsonPath.trim() !== '' ? { jsonPath: d.jsonPath.trim(), equals: d.equals } : {}),
  };
  return {
    query: {
      topic: d.topic,
      ...(d.partition !== '' ? { partition: Number(d.partition) } : {}),
      from,
      limit,
      ...(Object.keys(filter).length > 0 ? { filter } : {}),
    },
  };
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const kb = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`);

export function BrowserPanel({ topics, initialTopic }: { topics: readonly BrowsableTopic[]; initialTopic?: string }) {
  const client = useClient();
  const [draft, setDraft] = useState<Draft>({
    topic: initialTopic ?? topics[0]?.topic ?? '',
    partition: '',
    from: 'newest',
    offset: '0',
    time: '',
    limit: '100',
    key: '',
    text: '',
    jsonPath: '',
    equals: '',
  });
  const [result, setResult] = useState<{ records: BrowsedRecord[]; cost: BrowseCost } | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [selected, setSelected] = useState<BrowsedRecord | null>(null);
  const [view, setView] = useState<ValueView>('json');
  const [produce, setProduce] = useState<ProduceDraft | null>(null);
  const [produced, setProduced] = useState<string | null>(null);
  const search = useAction('browse', (q: BrowseQuery) => client.request['topics:browse'](q));
  const send = useAction('produce', (r: Parameters<(typeof client.request)['topics:produce']>[0]) =>
    client.request['topics:produce'](r),
  );
  const topic = topics.find((t) => t.topic === draft.topic);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const run = async (d: Draft) => {
    const q = queryOf(d);
    if ('error' in q) return setFormError(q.error);
    setFormError(null);
    const res = await search.invoke(q.query);
    if (res !== undefined) {
      setResult(res);
      setSelected(res.records.at(-1) ?? null);
    }
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void run(draft);
  };
  const onProduce = async (e: FormEvent) => {
    e.preventDefault();
    if (produce === null) return;
    const h = parseHeaders(produce.headers);
    if ('error' in h) return setProduced(h.error);
    const res = await send.invoke({
      topic: produce.topic,
      ...(produce.partition !== '' ? { partition: Number(produce.partition) } : {}),
      ...(produce.key !== '' ? { key: produce.key } : {}),
      value: produce.value,
      ...(Object.keys(h.headers).length > 0 ? { headers: h.headers } : {}),
    });
    if (res === undefined) return;
    setProduced(`produced to ${res.topic} p${res.partition}@${res.offset}`);
    const found: Draft = {
      ...draft,
      topic: res.topic,
      partition: String(res.partition),
      from: 'offset',
      offset: res.offset,
      key: '',
      text: '',
      jsonPath: '',
      equals: '',
    };
    setDraft(found);
    await run(found);
  };
  const again = (r: BrowsedRecord) => {
    setProduced(null);
    setProduce({
      topic: r.topic,
      partition: String(r.partition),
      key: r.key ?? '',
      value: valueText(r) ?? '',
      headers: Object.entries(r.headers)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    });
  };

  return (
    <Panel
      title="Message browser"
      testId="browser-panel"
      hint={
        <>
          Search one <Term term="topic" />: the newest records, from an <Term term="offset" />, or from a time; one{' '}
          <Term term="partition" /> or all merged by time. Each search reads at most 10 000 records and shows what it
          cost.
        </>
      }
      actions={
        <button
          type="button"
          className="small"
          onClick={() => {
            setProduced(null);
            setProduce({ topic: draft.topic, partition: '', key: '', value: '', headers: '' });
          }}
        >
          Produce a record…
        </button>
      }
    >
      <form className="browse-form" onSubmit={onSubmit} aria-label="Search a topic">
        <label>
          Topic
          <select value={draft.topic} onChange={(e) => set({ topic: e.target.value, partition: '' })}>
            {topics.map((t) => (
              <option key={t.topic} value={t.topic}>
                {t.topic}
              </option>
            ))}
          </select>
        </label>
        <label>
          Partition
          <select value={draft.partition} onChange={(e) => set({ partition: e.target.value })}>
            <option value="">all, merged by time</option>
            {Array.from({ length: topic?.partitions ?? 0 }, (_, p) => (
              <option key={p} value={String(p)}>
                p{p}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <select value={draft.from} onChange={(e) => set({ from: e.target.value as FromKind })}>
            <option value="newest">the newest</option>
            <option value="offset">an offset</option>
            <option value="timestamp">a time</option>
          </select>
        </label>
        {draft.from === 'offset' && (
          <label>
            Offset
            <input value={draft.offset} inputMode="numeric" onChange={(e) => set({ offset: e.target.value })} />
          </label>
        )}
        {draft.from === 'timestamp' && (
          <label>
            Time
            <input type="datetime-local" step="1" value={draft.time} onChange={(e) => set({ time: e.target.value })} />
          </label>
        )}
        <label>
          Records
          <input type="number" min={1} max={500} value={draft.limit} onChange={(e) => set({ limit: e.target.value })} />
        </label>
        <label>
          Key is
          <input value={draft.key} placeholder="any" onChange={(e) => set({ key: e.target.value })} />
        </label>
        <label>
          Value contains
          <input value={draft.text} placeholder="any text" onChange={(e) => set({ text: e.target.value })} />
        </label>
        <label>
          JSON path
          <input value={draft.jsonPath} placeholder="$.status" onChange={(e) => set({ jsonPath: e.target.value })} />
        </label>
        <label>
          equals
          <input value={draft.equals} placeholder="a value" onChange={(e) => set({ equals: e.target.value })} />
        </label>
        <div className="form-actions">
          <button type="submit" disabled={search.pending || topics.length === 0}>
            {search.pending ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      {(formError ?? search.error) !== null && (
        <p className="browse-error" role="alert" data-testid="browse-error">
          {formError ?? search.error}
        </p>
      )}
      {result !== null && (
        <>
          <div className="browse-cost" data-testid="browse-cost">
            <span>
              {result.records.length} of {result.cost.scanned.toLocaleString('en')} records scanned ·{' '}
              {kb(result.cost.bytes)} · {result.cost.ms} ms
            </span>
            {result.cost.note !== null && <span className="muted"> · {result.cost.note}</span>}
            <span className="browse-export">
              <button
                type="button"
                className="small"
                disabled={result.records.length === 0}
                onClick={() => download(`${draft.topic}.jsonl`, 'application/x-ndjson', toJsonLines(result.records))}
              >
                Export JSON Lines
              </button>
              <button
                type="button"
                className="small"
                disabled={result.records.length === 0}
                onClick={() => download(`${draft.topic}.csv`, 'text/csv', toCsv(result.records))}
              >
                Export CSV
              </button>
            </span>
          </div>
          {result.records.length === 0 ? (
            <EmptyState title="No record matches" testId="browse-empty">
              Nothing in the searched ranges matched: widen the filter, or search from an older offset or time.
            </EmptyState>
          ) : (
            <VirtualList
              items={result.records}
              newestFirst
              rowHeight={26}
              height={Math.min(300, 26 * result.records.length + 4)}
              label="Found records, newest first"
              testId="browse-list"
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
                <button
                  type="button"
                  className={`tail-row browse-row${selected === r ? ' selected' : ''}`}
                  data-testid="browse-record"
                  aria-pressed={selected === r}
                  onClick={() => setSelected(r)}
                >
                  <span className="mono">{formatTime(r.timestamp)}</span>
                  <span className={`pchip p${r.partition % 6}`}>p{r.partition}</span>
                  <span className="mono">{r.offset}</span>
                  <span className="mono">{r.key ?? '∅'}</span>
                  <span className="mono ellipsis">{valueText(r)?.slice(0, 300) ?? '∅'}</span>
                </button>
              )}
            />
          )}
          {selected !== null && (
            <div className="browse-detail" data-testid="browse-detail">
              <div className="browse-detail-head">
                <strong>
                  p{selected.partition}@{selected.offset}
                </strong>
                <span className="muted">
                  {new Date(selected.timestamp).toISOString()} · key <code>{selected.key ?? '∅'}</code> ·{' '}
                  {selected.value === null ? 'null value' : kb(selected.value.size)}
                  {selected.value?.truncated ? ' (cut to 64 KB)' : ''}
                </span>
                <span className="seg" role="group" aria-label="Show the value as">
                  {(['json', 'text', 'hex'] as const).map((v) => (
                    <button
                      key={v}
                      type="button"
                      className="small"
                      aria-pressed={view === v}
                      onClick={() => setView(v)}
                    >
                      {v === 'json' ? 'JSON' : v === 'text' ? 'Text' : 'Hex'}
                    </button>
                  ))}
                </span>
                <button type="button" className="small" onClick={() => again(selected)}>
                  Produce again…
                </button>
              </div>
              <pre className={`browse-value ${view}`} data-testid="browse-value">
                {showValue(selected, view)}
              </pre>
              {Object.keys(selected.headers).length > 0 && (
                <table className="table compact" aria-label="Headers">
                  <thead>
                    <tr>
                      <th>Header</th>
                      <th>Value</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(selected.headers).map(([k, v]) => (
                      <tr key={k}>
                        <td className="mono">{k}</td>
                        <td className="mono">{v}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          )}
        </>
      )}
      {produce !== null && (
        <form className="produce-form" onSubmit={(e) => void onProduce(e)} aria-label="Produce a record">
          <h3>Produce a record</h3>
          <label>
            Topic
            <select value={produce.topic} onChange={(e) => setProduce({ ...produce, topic: e.target.value })}>
              {topics.map((t) => (
                <option key={t.topic} value={t.topic}>
                  {t.topic}
                </option>
              ))}
            </select>
          </label>
          <label>
            Partition
            <select value={produce.partition} onChange={(e) => setProduce({ ...produce, partition: e.target.value })}>
              <option value="">by key</option>
              {Array.from({ length: topics.find((t) => t.topic === produce.topic)?.partitions ?? 0 }, (_, p) => (
                <option key={p} value={String(p)}>
                  p{p}
                </option>
              ))}
            </select>
          </label>
          <label>
            Key
            <input
              value={produce.key}
              placeholder="none"
              onChange={(e) => setProduce({ ...produce, key: e.target.value })}
            />
          </label>
          <label className="wide">
            Value
            <textarea
              rows={4}
              value={produce.value}
              onChange={(e) => setProduce({ ...produce, value: e.target.value })}
            />
          </label>
          <label className="wide">
            Headers (name=value, one per line)
            <textarea
              rows={2}
              value={produce.headers}
              onChange={(e) => setProduce({ ...produce, headers: e.target.value })}
            />
          </label>
          <div className="form-actions">
            <button type="submit" disabled={send.pending}>
              {send.pending ? 'Producing…' : 'Produce'}
            </button>
            <button type="button" className="small" onClick={() => setProduce(null)}>
              Close
            </button>
            {produced !== null && (
              <span className="muted" role="status" data-testid="produce-result">
                {produced}
              </span>
            )}
          </div>
        </form>
      )}
    </Panel>
  );
}
