// One check of the lab: the invariant in words, its tags (active: it drives the system; additional task), the broken
// modes made to fail it, Run, the progress while it runs, and its last result: a badge, the summary, the counts and
// the evidence.
import type { CheckResult, CheckStatus, LabManifest } from '../../../../main/console/contract/console-api';
import { formatDuration, formatTime } from '../../../lib/format';
import { Badge, type Tone } from '../../../ui/badge';
import { selectPhase, useChecksStore } from '../store';
import { EvidenceTable } from './evidence-table';
import { withCode } from './inline-code';

type ManifestCheck = LabManifest['checks'][number];

export const STATUS_TONE: Record<CheckStatus, Tone> = { PASS: 'ok', FAIL: 'bad', SKIP: 'idle', ERROR: 'warn' };

const STATUS_WORDS: Record<CheckStatus, string> = {
  PASS: 'the invariant holds',
  FAIL: 'the invariant is broken',
  SKIP: 'could not be judged here',
  ERROR: 'the check itself failed',
};

export function CheckCard({
  check,
  lab,
  running,
  onRun,
}: {
  check: ManifestCheck;
  lab: LabManifest;
  /** a run goes on (this check's or another's): Run waits */
  running: boolean;
  onRun: (id: string) => void;
}) {
  const last = useChecksStore((s) => s.byId[check.id]?.last ?? null);
  const phase = useChecksStore(selectPhase(check.id));
  const progress = useChecksStore((s) => s.progress[check.id]);
  const brokenBy = lab.brokenModes.filter((m) => m.breaks.includes(check.id));
  const headingId = `check-title-${check.id}`;
  return (
    <article
      className={`check ${last !== null ? `check-${last.status.toLowerCase()}` : ''}`}
      data-testid={`check-${check.id}`}
      data-run={last?.runId ?? ''}
      aria-labelledby={headingId}
    >
      <div className="check-head">
        <div className="check-main">
          <h3 id={headingId}>
            {check.title}
            {check.active && (
              <span
                className="tag tag-active"
                data-testid={`check-active-${check.id}`}
                title="It drives the system while it runs: creates orders, stops or kills instances, stops a broker."
              >
                active
              </span>
            )}
            {check.additional === true && (
              <span
                className="tag tag-additional"
                data-testid={`check-additional-${check.id}`}
                title="This invariant belongs to the lab's additional task."
              >
                additional task
              </span>
            )}
          </h3>
          <p className="check-invariant">{withCode(check.invariant)}</p>
          {brokenBy.length > 0 && (
            <p className="sub check-broken-by">
              Made to fail by the broken {brokenBy.length === 1 ? 'mode' : 'modes'}{' '}
              {brokenBy.map((m, i) => (
                <span key={m.id}>
                  {i > 0 && ', '}
                  <em>{m.label}</em>
                </span>
              ))}
              .
            </p>
          )}
        </div>
        <div className="check-side">
          <CheckState phase={phase} last={last} id={check.id} />
          <button
            type="button"
            className="small"
            aria-label={`Run ${check.title}`}
            onClick={() => onRun(check.id)}
            disabled={running}
          >
            Run
          </button>
        </div>
      </div>
      {phase === 'running' && (
        <div className="check-progress" role="status" data-testid={`check-progress-${check.id}`}>
          {progress?.fraction != null ? (
            <progress max={1} value={progress.fraction} aria-label={`Progress of ${check.title}`} />
          ) : (
            <progress aria-label={`Progress of ${check.title}`} />
          )}
          <span className="sub">{progress?.message ?? 'running…'}</span>
        </div>
      )}
      {last !== null && <CheckOutcome result={last} noun={lab.entity.noun} stale={phase !== null} />}
    </article>
  );
}

function CheckState({ phase, last, id }: { phase: 'running' | 'queued' | null; last: CheckResult | null; id: string }) {
  if (phase === 'running') return <Badge state="running…" tone="info" testId={`check-status-${id}`} />;
  if (phase === 'queued') return <Badge state="queued" tone="idle" testId={`check-status-${id}`} />;
  if (last === null)
    return (
      <span className="sub" data-testid={`check-status-${id}`}>
        not run yet
      </span>
    );
  return (
    <Badge
      state={last.status}
      tone={STATUS_TONE[last.status]}
      testId={`check-status-${id}`}
      label={`${last.status}: ${STATUS_WORDS[last.status]}`}
    />
  );
}

/** `stale`: the check runs again, this is the result of the run before */
function CheckOutcome({ result, noun, stale }: { result: CheckResult; noun: string; stale: boolean }) {
  const counts = Object.entries(result.counts);
  return (
    <div className={`check-result ${stale ? 'check-result-stale' : ''}`}>
      <p className="check-summary" data-testid={`check-summary-${result.check}`}>
        {stale && <span className="sub">Last time ({result.status}): </span>}
        {withCode(result.summary)}
      </p>
      <div className="check-meta">
        {counts.length > 0 && (
          <ul className="counts" aria-label="Counts" data-testid={`check-counts-${result.check}`}>
            {counts.map(([name, n]) => (
              <li key={name} className={n > 0 && COUNTS_THAT_HURT.test(name) ? 'count-bad' : undefined}>
                <span className="count-name">{words(name)}</span> <span className="count-value">{n}</span>
              </li>
            ))}
          </ul>
        )}
        <span className="sub">
          {STATUS_WORDS[result.status]} · finished {formatTime(result.finishedAt)} · took{' '}
          {formatDuration(result.finishedAt - result.startedAt)}
        </span>
      </div>
      {result.evidence.length > 0 && (
        <details className="check-evidence" open={!stale && result.status !== 'PASS'}>
          <summary>
            Evidence ({result.evidence.length}
            {result.evidence.length >= 50 ? ', the first' : ''})
          </summary>
          <EvidenceTable check={result.check} evidence={result.evidence} noun={noun} />
        </details>
      )}
    </div>
  );
}

/** counts whose names say something went wrong (lost, out of order …) are red when above 0; duplicates are counted, not
 * wrong in themselves (at least once) */
const COUNTS_THAT_HURT = /lost|missing|out.?of.?order|gap|error|fail|unprocessed|stuck|extra|wrong|invalid|refused/i;

/** `outOfOrder` → `out of order` */
const words = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
