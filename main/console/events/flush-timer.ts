// One pending flush at a time: the first change schedules it, `flushNow` runs it at once, `stop` cancels it for good.
// The event hub's batchers, the tail buffer and the timeline store push batched this way.

export interface FlushTimer {
  readonly stopped: boolean;
  /** run `flush` after the delay unless a run is already scheduled; nothing once stopped */
  schedule(): void;
  /** cancel the scheduled run and flush now */
  flushNow(): void;
  stop(): void;
}

export function createFlushTimer(flush: () => void, delayMs: number): FlushTimer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = () => {
    timer = undefined;
    flush();
  };
  return {
    get stopped() {
      return stopped;
    },
    schedule() {
      if (!stopped) timer ??= setTimeout(run, delayMs);
    },
    flushNow() {
      if (timer !== undefined) clearTimeout(timer);
      run();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
