// Dedupe by event id for consumers: a seen-store runs the work and marks the event id in ONE unit (a Postgres
// transaction in the lab services), so that a redelivered event whose work already committed is skipped, and an event
// whose work did not commit is done again. `Tx` is what the work gets to write its effect in that same unit.

export type OnceResult<T> = { duplicate: true } | { duplicate: false; value: T };

export interface SeenStore<Tx> {
  /** Runs `work` and marks (consumer, eventId) together; a mark already there gives `{duplicate: true}` and no work. */
  once<T>(consumer: string, eventId: string, work: (tx: Tx) => Promise<T>): Promise<OnceResult<T>>;
  /** Runs `work` in a unit without looking at or writing a mark (a consumer with dedupe turned off). */
  always<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** An in-memory seen-store (tests, and consumers whose effect lives in the process). Work sees `undefined`. */
export class MemorySeenStore implements SeenStore<undefined> {
  private readonly seen = new Set<string>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  async once<T>(consumer: string, eventId: string, work: (tx: undefined) => Promise<T>): Promise<OnceResult<T>> {
    const key = `${consumer}\u0000${eventId}`;
    // a second delivery of an id still being worked on waits for the first, like a row lock on the unique key
    while (this.inFlight.has(key)) await this.inFlight.get(key)?.catch(() => undefined);
    if (this.seen.has(key)) return { duplicate: true };
    const running = work(undefined);
    this.inFlight.set(key, running);
    try {
      const value = await running;
      this.seen.add(key);
      return { duplicate: false, value };
    } finally {
      this.inFlight.delete(key);
    }
  }

  always<T>(work: (tx: undefined) => Promise<T>): Promise<T> {
    return work(undefined);
  }

  has(consumer: string, eventId: string): boolean {
    return this.seen.has(`${consumer}\u0000${eventId}`);
  }
}
