// Mirrors the selected lab's checks: the last result of each (checks:list, then checks:done), the run going on (the
// checks:run response, or the first checks:progress of a run another window started) and the progress of the check
// that runs. One setState per push. Lab-scoped: reset when another lab is selected; a result of another lab is ignored.
import { create } from 'zustand';
import type { CheckInfo, CheckResult, ConsoleClient } from '../../../main/console/contract/console-api';
import { errorMessage } from '../../lib/console-client';

export interface CheckProgress {
  runId: string;
  message: string;
  /** 0..1, null when the check cannot tell */
  fraction: number | null;
}

/** The run going on. `runId` null: a list said a check runs, no push of its run came yet; `checks` null: not known yet. */
export interface ChecksRun {
  runId: string | null;
  checks: string[] | null;
  /** the check that runs now */
  current: string | null;
}

export interface ChecksState {
  /** the lab whose checks these are (null: any, before the first console:info) */
  lab: string | null;
  byId: Record<string, CheckInfo>;
  run: ChecksRun | null;
  /** per check that runs now */
  progress: Record<string, CheckProgress>;
  /** what the last Run / Run all could not do (ALREADY_RUNNING: another run goes on) */
  notice: { code: string; message: string } | null;
  applyList: (checks: CheckInfo[]) => void;
  /** the checks:run response */
  applyRunStarted: (run: { runId: string; checks: string[] }) => void;
  applyProgress: (progress: { runId: string; check: string; message: string; fraction: number | null }) => void;
  applyDone: (result: CheckResult) => void;
  /** runs these checks (all the lab's when omitted); a refusal becomes the notice */
  runChecks: (client: ConsoleClient, checks?: string[]) => Promise<void>;
  dismissNotice: () => void;
  /** another lab was selected: forget the checks and results of the last one */
  reset: (lab: string | null) => void;
}

/** Every check of the run has a result of that run. */
const finished = (run: ChecksRun, byId: Record<string, CheckInfo>) =>
  run.runId !== null && run.checks !== null && run.checks.every((id) => byId[id]?.last?.runId === run.runId);

const newer = (a: CheckResult | null | undefined, b: CheckResult | null | undefined) =>
  (a?.finishedAt ?? -1) > (b?.finishedAt ?? -1);

export const createChecksStore = () =>
  create<ChecksState>()((set, get) => ({
    lab: null,
    byId: {},
    run: null,
    progress: {},
    notice: null,
    applyList: (checks) =>
      set((s) => {
        const byId: ChecksState['byId'] = {};
        for (const c of checks) {
          const held = s.byId[c.id]?.last;
          // a list fetched before a checks:done that already arrived must not take that result back
          byId[c.id] = newer(held, c.last) ? { ...c, last: held ?? null, running: false } : c;
        }
        const runningNow = checks.find((c) => c.running)?.id ?? null;
        let run = s.run;
        if (run === null && runningNow !== null) run = { runId: null, checks: null, current: runningNow };
        // a run known only from pushes is over when the console says nothing runs
        else if (run !== null && run.checks === null && runningNow === null) run = null;
        else if (run !== null && finished(run, byId)) run = null;
        return { byId, run };
      }),
    applyRunStarted: ({ runId, checks }) =>
      set((s) => {
        const current = s.run?.runId === runId ? s.run.current : null;
        const run: ChecksRun = { runId, checks, current };
        return { run: finished(run, s.byId) ? null : run, notice: null };
      }),
    applyProgress: ({ runId, check, message, fraction }) =>
      set((s) => {
        const run: ChecksRun =
          s.run?.runId === runId ? { ...s.run, current: check } : { runId, checks: null, current: check };
        // one check runs at a time: the progress of the one before is over
        return { run, progress: { [check]: { runId, message, fraction } } };
      }),
    applyDone: (result) =>
      set((s) => {
        if (s.lab !== null && result.lab !== s.lab) return {};
        const held = s.byId[result.check];
        const info: CheckInfo = held
          ? { ...held, running: false, last: result }
          : // a check the list has not named yet: what the result says of it
            {
              id: result.check,
              title: result.check,
              invariant: '',
              active: false,
              additional: false,
              running: false,
              last: result,
            };
        const byId = { ...s.byId, [result.check]: info };
        const progress = { ...s.progress };
        delete progress[result.check];
        let run = s.run;
        if (run !== null && run.runId === result.runId) {
          if (finished(run, byId)) run = null;
          else if (run.current === result.check) run = { ...run, current: null };
        }
        return { byId, progress, run };
      }),
    runChecks: async (client, checks) => {
      const lab = get().lab;
      try {
        const res = await client.request['checks:run'](checks === undefined ? {} : { checks });
        if (get().lab === lab) get().applyRunStarted(res);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const message =
          code === 'ALREADY_RUNNING'
            ? 'Checks are running already: wait for them to finish, then run again.'
            : errorMessage(err);
        set({ notice: { code: typeof code === 'string' ? code : 'INTERNAL', message } });
        if (code === 'ALREADY_RUNNING') {
          // learn which run goes on (another window started it) so that the buttons wait for it
          const list = await client.request['checks:list']({}).catch(() => undefined);
          if (list !== undefined && get().lab === lab) get().applyList(list.checks);
        }
      }
    },
    dismissNotice: () => set({ notice: null }),
    reset: (lab) => set({ lab, byId: {}, run: null, progress: {}, notice: null }),
  }));

export const useChecksStore = createChecksStore();

/** A run goes on: Run and Run all wait for it. */
export const selectRunning = (s: Pick<ChecksState, 'run'>) => s.run !== null;

/** What a check is doing now, for its row: running, queued in the run going on, or nothing. */
export function selectPhase(id: string) {
  return (s: Pick<ChecksState, 'run' | 'byId' | 'progress'>): 'running' | 'queued' | null => {
    if (s.progress[id] !== undefined || s.run?.current === id) return 'running';
    const run = s.run;
    if (run?.checks?.includes(id) === true && s.byId[id]?.last?.runId !== run.runId) return 'queued';
    return null;
  };
}

/** The sidebar's count: failures first, else passes of the checks that have a result. */
export function selectNavCount(s: Pick<ChecksState, 'byId' | 'run'>): string | null {
  if (s.run !== null) return 'running';
  let failed = 0;
  let passed = 0;
  let done = 0;
  for (const c of Object.values(s.byId)) {
    if (c.last === null) continue;
    done += 1;
    if (c.last.status === 'PASS') passed += 1;
    if (c.last.status === 'FAIL' || c.last.status === 'ERROR') failed += 1;
  }
  if (done === 0) return null;
  return failed > 0 ? `${failed} failing` : `${passed}/${done} pass`;
}
