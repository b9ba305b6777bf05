// Drives Lab D from the UI: creates orders at a chosen rate over loopback HTTP with a random mix of what happens next
// (pay, cancel, a failed create, nothing). Bounded: a count, a duration, a cap on requests in flight; one run at a time.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../services/shared/app-error.js';
import type { LoadMix, LoadProgress } from '../contract/console-api.js';

export interface LoadDeps {
  lomsBaseUrl: () => string;
  onProgress: (progress: LoadProgress) => void;
  fetchImpl?: typeof fetch;
  random?: () => number;
  now?: () => number;
}

export interface LoadRequest {
  rate: number;
  count: number;
  durationSec?: number | undefined;
  mix?: LoadMix | undefined;
}

export interface LoadGenerator {
  start(req: LoadRequest): LoadProgress;
  stop(): Promise<LoadProgress | null>;
  status(): LoadProgress | null;
  /** resolves when the current run has ended (tests) */
  done(): Promise<LoadProgress | null>;
}

export const DEFAULT_MIX: LoadMix = { pay: 5, cancel: 2, failed: 1, none: 2 };
/** skus with plenty of stock (course seed) and one whose stock is fully reserved (a create fails: new → failed) */
const STOCKED = ['139275865', '1625903'];
const NO_STOCK = '139819069';
const MAX_IN_FLIGHT = 64;
const PROGRESS_MS = 250;

export function createLoadGenerator(deps: LoadDeps): LoadGenerator {
  const doFetch = deps.fetchImpl ?? fetch;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  let progress: LoadProgress | null = null;
  let run: { stop: () => void; finished: Promise<void> } | undefined;

  const post = async (path: string, body: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await doFetch(`${deps.lomsBaseUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json: unknown = await res.json().catch(() => undefined);
    return { status: res.status, json };
  };

  const pick = (mix: LoadMix): keyof LoadMix => {
    const total = mix.pay + mix.cancel + mix.failed + mix.none;
    if (total <= 0) return 'none';
    let r = random() * total;
    for (const k of ['pay', 'cancel', 'failed', 'none'] as const) {
      r -= mix[k];
      if (r < 0) return k;
    }
    return 'none';
  };

  const oneOrder = async (p: LoadProgress, what: keyof LoadMix) => {
    const failed = what === 'failed';
    const sku = failed ? NO_STOCK : STOCKED[Math.floor(random() * STOCKED.length)]!;
    const created = await post('/order/create', {
      userId: String(1000 + Math.floor(random() * 50)),
      items: [{ sku, count: 1 }],
    });
    const orderId = (created.json as { orderId?: unknown } | undefined)?.orderId;
    if (failed) {
      if (created.status === 400) {
        p.created += 1;
        p.failed += 1;
        return;
      }
      throw new Error(`create for a sku without stock answered ${created.status}`);
    }
    if (created.status !== 200 || typeof orderId !== 'string')
      throw new Error(`create answered ${created.status}: ${JSON.stringify(created.json)}`);
    p.created += 1;
    if (what === 'pay' || what === 'cancel') {
      const r = await post(what === 'pay' ? '/order/pay' : '/order/cancel', { orderId });
      if (r.status !== 200) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.json)}`);
      if (what === 'pay') p.paid += 1;
      else p.cancelled += 1;
    }
  };

  return {
    start(req) {
      if (progress?.running === true)
        throw new AppError('CONFLICT', 'a load run is already running; stop it first', { runId: progress.runId });
      const mix = req.mix ?? DEFAULT_MIX;
      const startedAt = now();
      const p: LoadProgress = {
        runId: randomUUID(),
        running: true,
        rate: req.rate,
        target: req.count,
        startedAt,
        elapsedMs: 0,
        created: 0,
        paid: 0,
        cancelled: 0,
        failed: 0,
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
        deps.onProgress({ ...p });
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
          oneOrder(p, pick(mix))
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
