// A poll that runs every `intervalMs` after the previous one ended (never two at once), for the console's observers.
export interface PollLoop {
  start(): void;
  /** Stops the timer and waits for a poll in flight. */
  stop(): Promise<void>;
  setInterval(ms: number): void;
  /** Polls at once (after a poll in flight), e.g. right after an action whose effect the user waits for. */
  pollNow(): Promise<void>;
}

/** `poll` must not reject: it reports its own failures (the loop goes on either way). */
export function createPollLoop(poll: () => Promise<void>, intervalMs: number): PollLoop {
  let interval = intervalMs;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;

  const loop = () => {
    if (!running) return;
    inFlight = poll().finally(() => {
      inFlight = undefined;
      if (running) timer = setTimeout(loop, interval);
    });
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    setInterval(ms) {
      interval = ms;
    },
    async pollNow() {
      if (inFlight !== undefined) await inFlight;
      await poll();
    },
  };
}
