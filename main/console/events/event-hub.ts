// The console's push side: every part emits typed events here; a host (IPC or WebSocket) subscribes once and forwards.
// Batched events get their `seq` from a Batcher (one counter per event name).
import type { EventName, PayloadOf } from '../contract/console-api.js';
import { createFlushTimer } from './flush-timer.js';

export type AnyEvent = { [E in EventName]: { name: E; payload: PayloadOf<E> } }[EventName];
export type EventListener = (event: AnyEvent) => void;

export interface EventHub {
  emit<E extends EventName>(name: E, payload: PayloadOf<E>): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  listenerCount(): number;
}

export function createEventHub(onListenerError: (err: unknown, name: EventName) => void = () => undefined): EventHub {
  const listeners = new Set<EventListener>();
  return {
    emit(name, payload) {
      if (listeners.size === 0) return;
      const event = { name, payload } as AnyEvent;
      for (const l of listeners) {
        try {
          l(event);
        } catch (err) {
          onListenerError(err, name);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    listenerCount: () => listeners.size,
  };
}

/**
 * Collects items and flushes them every `intervalMs` (16–100 ms) as one push with the next sequence number.
 * `maxItems` bounds one push; what does not fit is counted in `dropped` (the client re-fetches history on demand).
 */
export interface Batcher<T> {
  add(item: T): void;
  /** the seq of the last flush (0 before any) */
  readonly seq: number;
  flush(): void;
  stop(): void;
}

export function createBatcher<T>(opts: {
  intervalMs: number;
  maxItems: number;
  onFlush: (seq: number, items: T[], dropped: number) => void;
}): Batcher<T> {
  const intervalMs = Math.min(100, Math.max(16, opts.intervalMs));
  let items: T[] = [];
  let dropped = 0;
  let seq = 0;
  const flush = () => {
    if (items.length === 0 && dropped === 0) return;
    const out = items;
    const d = dropped;
    items = [];
    dropped = 0;
    seq += 1;
    opts.onFlush(seq, out, d);
  };
  const timer = createFlushTimer(flush, intervalMs);
  return {
    add(item) {
      if (timer.stopped) return;
      if (items.length < opts.maxItems) items.push(item);
      else dropped += 1;
      timer.schedule();
    },
    get seq() {
      return seq;
    },
    flush: () => timer.flushNow(),
    stop: () => timer.stop(),
  };
}
