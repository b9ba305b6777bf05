// Lab E, Topics view: the schema registry (domains, events, versions), two versions of one event side by side with
// check-compat's verdict (compatible, or what breaks), and per topic how many events were validated, refused and
// dead-lettered, with the failures' errors.
import { useEffect, useMemo, useState } from 'react';
import { useClient } from '../../lib/client-context';
import { errorMessage } from '../../lib/console-client';
import { Badge } from '../../ui/badge';
import { EmptyState } from '../../ui/empty-state';
import { Panel } from '../../ui/panel';
import { useTopicsStore } from '../../features/topics/store';
import { schemaLines, sideBySide } from './line-diff';
import { useLabEStore, type Registry, type SchemaStats } from './store';
import { usePoll } from './use-poll';
import type { ResponseOf } from '../../../main/console/contract/console-api';
import './lab-e.css';

export const STATS_POLL_MS = 2000;

type SchemaEvent = Registry['events'][number];
type Compat = ResponseOf<'lab-e:schema-diff'>;
type TopicStats = SchemaStats['topics'][number];

export function SchemasPanel() {
  const client = useClient();
  const registry = useLabEStore((s) => s.registry);
  const set = useLabEStore((s) => s.set);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (registry !== null) return;
    client.request['lab-e:schemas']({}).then(
      (r) => set({ registry: r }),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [client, registry, set]);
  usePoll(async () => set({ stats: await client.request['lab-e:schema-stats']({}) }), STATS_POLL_MS);
  return (
    <Panel
      title="Schemas"
      testId="schemas-panel"
      hint={
        <>
          Every event is a versioned JSON Schema (
          <code>services/lab-e/schemas/&lt;domain&gt;/&lt;event&gt;/&lt;version&gt;.json</code>
          ). Producers validate before they send: an event that fails is refused and never sent. Consumers validate what
          they read and dead-letter what fails to <code>&lt;topic&gt;.dlq</code>, with the errors. A new version is
          compatible when every consumer of the previous one still accepts it: fields added as optional, enums widened.
        </>
      }
    >
      {registry === null ? (
        <EmptyState title={error === null ? 'Reading the registry…' : 'The registry could not be read'}>
          {error}
        </EmptyState>
      ) : (
        <RegistryAndDiff registry={registry} />
      )}
      <TopicStatsTable />
    </Panel>
  );
}

function RegistryAndDiff({ registry }: { registry: Registry }) {
  const firstPair = registry.events.find((e) => e.versions.length > 1) ?? registry.events[0];
  const [picked, setPicked] = useState<string | null>(firstPair?.event ?? null);
  const event = registry.events.find((e) => e.event === picked) ?? null;
  const domains = useMemo(() => [...new Set(registry.events.map((e) => e.domain))], [registry]);
  return (
    <div className="schemas">
      <div className="schemas-registry">
        <h3>Registry</h3>
        <table className="table" aria-label="Schema registry">
          <thead>
            <tr>
              <th>Event</th>
              <th>Versions</th>
              <th>Topic</th>
            </tr>
          </thead>
          {domains.map((d) => (
            <tbody key={d}>
              <tr className="schemas-domain">
                <th colSpan={3} scope="colgroup">
                  {d}
                </th>
              </tr>
              {registry.events
                .filter((e) => e.domain === d)
                .map((e) => (
                  <tr
                    key={e.event}
                    className={e.event === picked ? 'schemas-picked' : ''}
                    data-testid={`schema-event-${e.event}`}
                  >
                    <td>
                      <button
                        type="button"
                        className="linkish"
                        aria-pressed={e.event === picked}
                        onClick={() => setPicked(e.event)}
                      >
                        {e.event}
                      </button>
                    </td>
                    <td>{e.versions.map((v) => `v${v.version}`).join(' ')}</td>
                    <td className="mono">{e.topic}</td>
                  </tr>
                ))}
            </tbody>
          ))}
        </table>
      </div>
      <div className="schemas-diff">{event !== null && <VersionDiff key={event.event} event={event} />}</div>
    </div>
  );
}

function VersionDiff({ event }: { event: SchemaEvent }) {
  const client = useClient();
  const versions = event.versions.map((v) => v.version);
  const [from, setFrom] = useState(versions.at(-2) ?? versions[0] ?? 1);
  const [to, setTo] = useState(versions.at(-1) ?? 1);
  const [compat, setCompat] = useState<Compat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const two = versions.length > 1 && from !== to;
  useEffect(() => {
    setCompat(null);
    setError(null);
    if (!two) return;
    let live = true;
    client.request['lab-e:schema-diff']({ event: event.event, from, to }).then(
      (r) => live && setCompat(r),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [client, event.event, from, to, two]);
  const left = event.versions.find((v) => v.version === from);
  const right = event.versions.find((v) => v.version === to);
  const rows = useMemo(() => sideBySide(schemaLines(left?.data ?? {}), schemaLines(right?.data ?? {})), [left, right]);
  const picker = (label: string, value: number, onChange: (v: number) => void) => (
    <label>
      {label}{' '}
      <select aria-label={`${label} version`} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div data-testid="schema-diff">
      <h3>
        {event.event}: {versions.length > 1 ? 'compare two versions' : 'one version'}
      </h3>
      {versions.length > 1 ? (
        <div className="schemas-diff-head">
          {picker('From', from, setFrom)}
          {picker('To', to, setTo)}
          {from === to && <span className="muted">pick two different versions</span>}
          {compat !== null && (
            <Badge
              state={compat.compatible ? 'compatible' : 'breaking'}
              tone={compat.compatible ? 'ok' : 'bad'}
              testId="diff-verdict"
            />
          )}
          {error !== null && <span className="text-bad">{error}</span>}
        </div>
      ) : (
        <p className="hint">
          Only v{versions[0]} so far: there is nothing to compare. {left?.description}
        </p>
      )}
      {compat !== null && (
        <ul className="schemas-changes" aria-label="What changed" data-testid="diff-changes">
          {compat.changes.length === 0 && <li className="muted">No change to data.</li>}
          {compat.changes.map((c) => (
            <li key={`${c.path}-${c.kind}`} className={c.breaking ? 'text-bad' : 'text-ok'}>
              <span aria-hidden="true">{c.breaking ? '✗ ' : '✓ '}</span>
              {c.message}
              {c.breaking ? ' (breaking)' : ''}
            </li>
          ))}
        </ul>
      )}
      {compat !== null && (
        <p className="hint">
          {compat.compatible
            ? `A consumer of v${compat.from} accepts v${compat.to}: it can be rolled out in place.`
            : `A consumer of v${compat.from} may refuse v${compat.to}, so it is a new version that consumers handle side by side.`}
        </p>
      )}
      <div
        className={`schemas-sbs ${versions.length > 1 ? '' : 'single'}`}
        role="table"
        aria-label={`${event.event} v${from} and v${to}`}
      >
        <div className="schemas-sbs-row schemas-sbs-head" role="row">
          <div role="columnheader">{left?.file}</div>
          {versions.length > 1 && <div role="columnheader">{right?.file}</div>}
        </div>
        {(versions.length > 1 ? rows : rows.map((r) => ({ ...r, kind: 'same' as const }))).map((r, i) => (
          <div key={i} className={`schemas-sbs-row ${r.kind}`} role="row">
            <pre role="cell">{r.left ?? ''}</pre>
            {versions.length > 1 && <pre role="cell">{r.right ?? ''}</pre>}
          </div>
        ))}
      </div>
    </div>
  );
}

/** records on a topic as the broker says (log-end − log-start over its partitions); null when not seen */
function useStoredRecords(topic: string): number | null {
  return useTopicsStore((s) => {
    let n: number | null = null;
    for (const p of Object.values(s.byId))
      if (p.topic === topic) n = (n ?? 0) + Number(p.logEndOffset) - Number(p.logStartOffset);
    return n;
  });
}

function TopicStatsTable() {
  const stats = useLabEStore((s) => s.stats);
  const failures = useMemo(
    () =>
      (stats?.topics ?? [])
        .flatMap((t) => t.failures.map((f) => ({ ...f, topic: t.topic })))
        .sort((a, b) => b.at - a.at)
        .slice(0, 20),
    [stats],
  );
  return (
    <>
      <h3>Validation per topic</h3>
      {stats === null ? (
        <p className="muted">Reading the services&apos; counts…</p>
      ) : (
        <>
          <table className="table" aria-label="Validation per topic">
            <thead>
              <tr>
                <th>Topic</th>
                <th className="num" title="validated by their producer and sent">
                  Validated, sent
                </th>
                <th className="num" title="failed their schema at the producer: never sent">
                  Refused
                </th>
                <th title="validated by each consumer and handled">Consumed</th>
                <th className="num">Duplicates</th>
                <th className="num" title="failed their schema at a consumer: sent to the DLQ">
                  Dead-lettered
                </th>
                <th className="num" title="records on <topic>.dlq, as the broker says (all runs)">
                  On the DLQ topic
                </th>
              </tr>
            </thead>
            <tbody>
              {stats.topics.map((t) => (
                <TopicRow key={t.topic} t={t} />
              ))}
            </tbody>
          </table>
          <p className="sub">
            Counted from the services&apos; lines since the console started (
            {new Date(stats.since).toLocaleTimeString()}); the DLQ column is the broker&apos;s, over every run.
          </p>
          <h3>Failures</h3>
          {failures.length === 0 ? (
            <p className="muted" data-testid="schema-failures-empty">
              No event failed its schema yet. The Stack view&apos;s fault{' '}
              <em>Publish an event that fails its schema</em> sends one; the broken mode <em>skip-validation</em> makes
              tasks send them.
            </p>
          ) : (
            <table className="table" aria-label="Schema failures" data-testid="schema-failures">
              <thead>
                <tr>
                  <th>When</th>
                  <th>What</th>
                  <th>Event</th>
                  <th>Errors</th>
                  <th>Where</th>
                </tr>
              </thead>
              <tbody>
                {failures.map((f, i) => (
                  <tr key={i}>
                    <td className="mono">{new Date(f.at).toLocaleTimeString()}</td>
                    <td>
                      <Badge
                        state={
                          f.kind === 'refused' ? 'refused' : `dead-lettered${f.reason === null ? '' : ` (${f.reason})`}`
                        }
                        tone={f.kind === 'refused' ? 'warn' : 'bad'}
                      />{' '}
                      by {f.service}
                    </td>
                    <td>
                      {f.eventName ?? '(no event_name)'} v{f.eventVersion ?? '?'}
                      {f.entity !== null && <div className="sub mono">{f.entity}</div>}
                    </td>
                    <td className="detail">
                      {f.errors.map((e) => (
                        <div key={`${e.field}${e.message}`}>
                          <code>{e.field}</code>: {e.message}
                        </div>
                      ))}
                    </td>
                    <td className="mono sub">
                      {f.record === null
                        ? `not sent (would go to ${f.topic})`
                        : `${f.record.topic} p${f.record.partition}@${f.record.offset}`}
                      {f.dlq !== null && <div>→ {`${f.dlq.topic} p${f.dlq.partition}@${f.dlq.offset}`}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}

function TopicRow({ t }: { t: TopicStats }) {
  const onDlq = useStoredRecords(t.dlqTopic);
  const consumed = Object.entries(t.consumed);
  const dead = Object.values(t.deadLettered).reduce((n, x) => n + x, 0);
  return (
    <tr data-testid={`schema-stats-${t.topic}`}>
      <th scope="row" className="mono">
        {t.topic}
      </th>
      <td
        className="num"
        title={Object.entries(t.byEvent)
          .map(([k, n]) => `${k} ×${n}`)
          .join(', ')}
      >
        {t.produced}
      </td>
      <td className={`num ${t.refused > 0 ? 'text-warn' : ''}`}>{t.refused}</td>
      <td className="sub">{consumed.length === 0 ? '—' : consumed.map(([s, n]) => `${s} ${n}`).join(' · ')}</td>
      <td className="num">{t.duplicates}</td>
      <td
        className={`num ${dead > 0 ? 'text-bad' : ''}`}
        title={Object.entries(t.deadLettered)
          .map(([s, n]) => `${s} ×${n}`)
          .join(', ')}
      >
        {dead}
      </td>
      <td className="num">{onDlq ?? '—'}</td>
    </tr>
  );
}
