// Reads a store value at most every `ms` milliseconds. The stores change on every batch (20 per second at 1 000
// events/s); a list nobody can read that fast re-renders a few times a second instead, which keeps every frame short.
import { useEffect, useState } from 'react';

interface ReadableStore<S> {
  getState(): S;
  subscribe(listener: () => void): () => void;
}

/** `selector` must be stable (a module-level function or a memoised one). */
export function useThrottledStore<S, T>(store: ReadableStore<S>, selector: (s: S) => T, ms: number): T {
  const [value, setValue] = useState(() => selector(store.getState()));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const flush = () => {
      timer = undefined;
      last = performance.now();
      setValue(selector(store.getState()));
    };
    flush();
    const unsubscribe = store.subscribe(() => {
      if (timer !== undefined) return;
      timer = setTimeout(flush, Math.max(0, last + ms - performance.now()));
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [store, selector, ms]);
  return value;
}
