// Drives the selected lab from the UI: starts units of load (an order created and then paid, a login, …) at a chosen
// rate with a random mix of outcomes, each unit done by the lab's load driver over loopback. Bounded: a count, a
// duration, a cap on units in flight; one run at a time.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../services/shared/app-error.js';
import type { LoadMix, LoadProgress } from '../contract/console-api.js';

/** What a lab's unit of load gets from the run. */
export interface LoadRun {
  random: () => number;
  fetch: typeof fetch;
}

export interface LoadDeps {
  onProgress: (progress: LoadProgress) => void;
  fetchImpl?: typeof fetch;
  random?: () => number;
  now?: () => number;
}

export interface LoadRequest {
  lab: string;
  rate: number;
  count: number;
  durationSec?: number | undefined;
  /** outcome id → weight (the lab manifest's `load.mix`) */
  mix: LoadMix;
  /** one unit with the chosen outcome; resolves with the outcome it reached, throws on an error */
  unit: (outcome: string, run: LoadRun) => Promise<string>;
}

export interface LoadGenerator {
  start(req: LoadRequest): LoadProgress;
  stop(): Promise<LoadProgress | null>;
  status(): LoadProgress | null;
  /** resolves when the current run has ended (tests) */
  done(): Promise<LoadProgress | null>;
}

const MAX_IN_FLIGHT = 64;
const PROGRESS_MS = 250;

export function createLoadGenerator(deps: LoadDeps): LoadGenerator {
  const doFetch = deps.fetchImpl ?? fetch;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  let progress: LoadProgress | null = null;
  let run: { stop: () => void; finished: Promise<void> } | undefined;

  const loadRun: LoadRun = { random, fetch: doFetch };

  const pick = (mix: LoadMix): string => {
    const entries = Object.entries(mix);
    const total = entries.reduce((n, [, w]) => n + w, 0);
    if (total <= 0) return entries[0]?.[0] ?? '';
    let r = random() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries.at(-1)![0];
  };

  const oneUnit = async (p: LoadProgress, req: LoadRequest) => {
    const outcome = await req.unit(pick(req.mix), loadRun);
    p.created += 1;
    p.outcomes[outcome] = (p.outcomes[outcome] ?? 0) + 1;
  };

  return {
    start(req) {
      if (progress?.running === true)
        throw new AppError('CONFLICT', 'a load run is already running; stop it first', { runId: progress.runId });
      const startedAt = now();
      const p: LoadProgress = {
        lab: req.lab,
        runId: randomUUID(),
        running: true,
        rate: req.rate,
        target: req.count,
        startedAt,
        elapsedMs: 0,
        created: 0,
        outcomes: {},
        errors: 0,
        lastError: null,
        endReason: null,
      };
      progress = p;
      const deadline = req.durationSec === undefined ? Infinity : startedAt + req.durationSec * 1000;
      const intervalMs = Math.max(5, Math.min(1000, 1000 / req.rate));
      let issued = 0;
      let inFlight = 0;
      let stopped = false;
      let tick: ReturnType<typeof setTimeout> | undefined;
      let lastPush = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const push = (force: boolean) => {
        const t = now();
        if (!force && t - lastPush < PROGRESS_MS) return;
        lastPush = t;
        p.elapsedMs = t - startedAt;
        deps.onProgress({ ...p, outcomes: { ...p.outcomes } });
      };
      const end = (reason: NonNullable<LoadProgress['endReason']>) => {
        if (!p.running) return;
        if (tick !== undefined) clearTimeout(tick);
        stopped = true;
        const settle = () => {
          if (inFlight > 0) return;
          p.running = false;
          p.endReason = reason;
          push(true);
          run = undefined;
          finish();
        };
        waitSettle = settle;
        settle();
      };
      let waitSettle: (() => void) | undefined;
      const step = () => {
        const t = now();
        if (t >= deadline) return end('duration');
        const due = Math.min(req.count, Math.floor(((t - startedAt) / 1000) * req.rate) + 1);
        while (!stopped && issued < due && inFlight < MAX_IN_FLIGHT) {
          issued += 1;
          inFlight += 1;
          oneUnit(p, req)
            .catch((err: unknown) => {
              p.errors += 1;
              p.lastError = (err as Error).message;
            })
            .finally(() => {
              inFlight -= 1;
              push(false);
              if (stopped) waitSettle?.();
              else if (issued >= req.count && inFlight === 0) end('done');
            });
        }
        push(false);
        if (!stopped && issued < req.count) tick = setTimeout(step, intervalMs);
      };
      run = { stop: () => end('stopped'), finished };
      step();
      return { ...p };
    },
    async stop() {
      const r = run;
      if (r === undefined) return progress === null ? null : { ...progress };
      r.stop();
      await r.finished;
      return progress === null ? null : { ...progress };
    },
    status: () =>
      progress === null
        ? null
        : { ...progress, elapsedMs: progress.running ? now() - progress.startedAt : progress.elapsedMs },
    async done() {
      await run?.finished;
      return progress === null ? null : { ...progress };
    },
  };
}
