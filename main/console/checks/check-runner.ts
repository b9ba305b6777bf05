// Runs the selected lab's checks: one run at a time (its checks one after another, so that an active check that kills
// an instance or stops a broker never overlaps another), each with a deadline. Keeps the last result per check,
// pushes progress and results. A check that throws or overruns ends ERROR with its message; the runner lives on.
import { randomUUID } from 'node:crypto';
import { AppError, toAppError } from '../../../services/shared/app-error.js';
import type { Logger } from '../../../services/shared/logger.js';
import type { CheckInfo, CheckResult, Evidence } from '../contract/console-api.js';
import type { Check, CheckContext, CheckOutcome, LabModule } from '../labs/types.js';

const EVIDENCE_MAX = 50;
const DEFAULT_TIMEOUT_MS = 60_000;

export interface CheckRunnerDeps {
  /** the selected lab */
  lab: () => LabModule;
  /** the context of one check run (its signal, deadline and progress reporter are the runner's) */
  context: (extra: Pick<CheckContext, 'progress' | 'signal' | 'deadline'>) => CheckContext;
  onProgress: (runId: string, check: string, message: string, fraction: number | null) => void;
  onResult: (result: CheckResult) => void;
  logger: Logger;
  now?: () => number;
}

export interface CheckRunner {
  list(): CheckInfo[];
  /** starts a run of these checks (all of the lab's when omitted); resolves at once */
  run(ids?: readonly string[]): { runId: string; checks: string[]; done: Promise<CheckResult[]> };
  result(id: string): CheckResult | null;
  /** forgets the results (the lab changed) */
  reset(): void;
  /** aborts the running check and waits for the run to end */
  stop(): Promise<void>;
}

export function createCheckRunner(deps: CheckRunnerDeps): CheckRunner {
  const now = deps.now ?? Date.now;
  const results = new Map<string, CheckResult>();
  let running:
    { runId: string; current: string | undefined; abort: AbortController; done: Promise<unknown> } | undefined;

  const declared = (id: string) => {
    const m = deps.lab();
    const check = m.checks?.find((c) => c.id === id);
    const info = m.manifest.checks.find((c) => c.id === id);
    if (check === undefined || info === undefined) {
      const known = m.manifest.checks.map((c) => c.id);
      throw new AppError('INVALID_INPUT', `${m.manifest.id} has no check ${id} (known: ${known.join(', ')})`, {
        field: 'checks',
        known,
      });
    }
    return check;
  };

  const runOne = async (runId: string, check: Check, abort: AbortController): Promise<CheckResult> => {
    const lab = deps.lab().manifest.id;
    const startedAt = now();
    const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = startedAt + timeoutMs;
    const own = new AbortController();
    const onAbort = () => own.abort(abort.signal.reason);
    abort.signal.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new AppError('TIMEOUT', `the check did not finish within ${Math.round(timeoutMs / 1000)} s`);
        reject(e); // settles the race first; then the check is told to give up
        own.abort(e);
      }, timeoutMs);
    });
    let outcome: CheckOutcome;
    try {
      const ctx = deps.context({
        progress: (message, fraction) => deps.onProgress(runId, check.id, message, fraction ?? null),
        signal: own.signal,
        deadline,
      });
      outcome = await Promise.race([check.run(ctx), overrun]);
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'INTERNAL') deps.logger.error({ check: check.id, err: e.message, stack: e.stack }, 'check failed');
      outcome = { status: 'ERROR', summary: `${e.code}: ${e.message}` };
    } finally {
      clearTimeout(timer);
      abort.signal.removeEventListener('abort', onAbort);
      own.abort();
    }
    const evidence: Evidence[] = (outcome.evidence ?? []).slice(0, EVIDENCE_MAX);
    const result: CheckResult = {
      lab,
      check: check.id,
      runId,
      status: outcome.status,
      summary: outcome.summary,
      counts: outcome.counts ?? {},
      evidence,
      startedAt,
      finishedAt: now(),
    };
    results.set(check.id, result);
    deps.onResult(result);
    return result;
  };

  return {
    list() {
      const m = deps.lab();
      return m.manifest.checks.map((c) => ({
        id: c.id,
        title: c.title,
        invariant: c.invariant,
        active: c.active,
        additional: c.additional ?? false,
        running: running?.current === c.id,
        last: results.get(c.id) ?? null,
      }));
    },
    run(ids) {
      if (running !== undefined)
        throw new AppError('ALREADY_RUNNING', `checks are running (run ${running.runId}); wait for them or stop them`, {
          runId: running.runId,
        });
      const m = deps.lab();
      const wanted = ids ?? m.manifest.checks.map((c) => c.id);
      const checks = wanted.map(declared);
      const runId = randomUUID();
      const abort = new AbortController();
      const state = {
        runId,
        current: undefined as string | undefined,
        abort,
        done: Promise.resolve() as Promise<unknown>,
      };
      const done = (async () => {
        const out: CheckResult[] = [];
        try {
          for (const check of checks) {
            if (abort.signal.aborted) break;
            state.current = check.id;
            deps.onProgress(runId, check.id, 'started', 0);
            out.push(await runOne(runId, check, abort));
          }
        } finally {
          if (running === state) running = undefined;
        }
        return out;
      })();
      state.done = done;
      running = state;
      return { runId, checks: checks.map((c) => c.id), done };
    },
    result: (id) => results.get(id) ?? null,
    reset: () => results.clear(),
    async stop() {
      const r = running;
      if (r === undefined) return;
      r.abort.abort(new AppError('TIMEOUT', 'the console is stopping'));
      await r.done.catch(() => undefined);
    },
  };
}
