// A tiny in-memory ConsoleClient for unit tests: canned responses per request, recorded calls, and `emit` to push.
import type {
  ConsoleClient,
  ConsoleRequests,
  EventName,
  PayloadOf,
  RequestName,
  ResponseOf,
} from '../../main/console/contract/console-api';

export type Handlers = { [C in RequestName]?: (req: unknown) => ResponseOf<C> | Promise<ResponseOf<C>> };

export interface FakeClient extends ConsoleClient {
  calls: { name: RequestName; req: unknown }[];
  emit<E extends EventName>(name: E, payload: PayloadOf<E>): void;
  handlers: Handlers;
}

export function createFakeClient(handlers: Handlers = {}): FakeClient {
  const listeners = new Map<string, Set<(p: never) => void>>();
  const calls: FakeClient['calls'] = [];
  const request = new Proxy({} as ConsoleRequests, {
    get:
      (_t, name) =>
      (req: unknown): Promise<unknown> => {
        calls.push({ name: name as RequestName, req });
        const h = fake.handlers[name as RequestName] as ((r: unknown) => unknown) | undefined;
        if (h === undefined) {
          const err = new Error(`no fake for ${String(name)}`) as Error & { code: string };
          err.code = 'NOT_FOUND';
          return Promise.reject(err);
        }
        try {
          return Promise.resolve(h(req));
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
  });
  const fake: FakeClient = {
    request,
    calls,
    handlers,
    subscribe(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) listeners.set(name, (set = new Set()));
      const l = listener as (p: never) => void;
      set.add(l);
      return () => set.delete(l);
    },
    emit(name, payload) {
      for (const l of listeners.get(name) ?? []) l(payload as never);
    },
  };
  return fake;
}
