// The Checks view: every invariant of the selected lab as a check with Run and Run all, the progress of the run, a
// badge per result with its counts and evidence; below, the Break it panel (the lab's broken modes) to see a check go
// red for a real reason.
import type { LabManifest } from '../../../../main/console/contract/console-api';
import { LabSlot } from '../../../labs/lab-slot';
import { useClient } from '../../../lib/client-context';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { BreakItPanel } from '../../break-it/components/break-it-panel';
import { useLab } from '../../labs/store';
import { selectRunning, useChecksStore } from '../store';
import { CheckCard } from './check-card';
import '../checks.css';

export function ChecksView() {
  const lab = useLab();
  return (
    <div className="view" data-testid="view-checks">
      {lab === null ? <EmptyState title="No lab selected yet" /> : <LabChecks lab={lab} />}
      <LabSlot view="checks" />
      {lab !== null && lab.brokenModes.length > 0 && <BreakItPanel lab={lab} />}
    </div>
  );
}

function LabChecks({ lab }: { lab: LabManifest }) {
  const client = useClient();
  const running = useChecksStore(selectRunning);
  const runChecks = useChecksStore((s) => s.runChecks);
  const notice = useChecksStore((s) => s.notice);
  const dismiss = useChecksStore((s) => s.dismissNotice);
  const tally = useChecksStore((s) => tallyOf(s.byId, lab.checks));
  const anyActive = lab.checks.some((c) => c.active);
  return (
    <Panel
      title="Checks"
      testId="checks-panel"
      hint={
        <>
          Each check tests one invariant of the lab against what the brokers and tables really hold, and answers PASS or
          FAIL with counts and evidence you can open.
          {anyActive &&
            ' An active check drives the system while it runs (it creates orders, stops instances or a broker), so run it on a stack you do not mind disturbing.'}
          {lab.brokenModes.length > 0 && ' To see a check fail for a real reason, use Break it below.'}
        </>
      }
      actions={
        <>
          {tally !== '' && (
            <span className="muted" data-testid="checks-tally">
              {tally}
            </span>
          )}
          {running && (
            <span className="muted" role="status" data-testid="checks-running">
              a run goes on…
            </span>
          )}
          <button
            type="button"
            className="primary"
            onClick={() => void runChecks(client)}
            disabled={running || lab.checks.length === 0}
          >
            Run all
          </button>
        </>
      }
    >
      {notice !== null && (
        <div className="checks-notice" role="alert" data-testid="checks-notice">
          <span>{notice.message}</span>
          <button type="button" className="small" onClick={dismiss} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {lab.checks.length === 0 ? (
        <EmptyState title={`${lab.title} has no checks yet`} testId="checks-empty">
          Its invariants become checks here as the lab declares them.
        </EmptyState>
      ) : (
        <div className="checks">
          {lab.checks.map((c) => (
            <CheckCard key={c.id} check={c} lab={lab} running={running} onRun={(id) => void runChecks(client, [id])} />
          ))}
        </div>
      )}
    </Panel>
  );
}

/** "8 PASS · 1 FAIL · 2 not run" over the lab's checks; '' before any result */
function tallyOf(byId: ReturnType<typeof useChecksStore.getState>['byId'], checks: LabManifest['checks']): string {
  const n: Record<string, number> = {};
  let any = false;
  for (const c of checks) {
    const status = byId[c.id]?.last?.status ?? 'not run';
    if (status !== 'not run') any = true;
    n[status] = (n[status] ?? 0) + 1;
  }
  if (!any) return '';
  return ['PASS', 'FAIL', 'ERROR', 'SKIP', 'not run']
    .filter((s) => (n[s] ?? 0) > 0)
    .map((s) => `${n[s]} ${s}`)
    .join(' · ');
}
