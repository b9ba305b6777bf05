// Resolves once a store's state satisfies `ready` (checked now and on every change), or after `timeoutMs` (false).

interface Subscribable<S> {
  getState(): S;
  subscribe(listener: (state: S) => void): () => void;
}

export function waitUntil<S>(store: Subscribable<S>, ready: (s: S) => boolean, timeoutMs: number): Promise<boolean> {
  if (ready(store.getState())) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const unsubscribe = store.subscribe((s) => {
      if (ready(s)) done(true);
    });
    function done(ok: boolean) {
      clearTimeout(timer);
      unsubscribe();
      resolve(ok);
    }
  });
}
