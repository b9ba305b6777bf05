// The Electron side of the one client: wraps the preload's `window.eventscope` (an ElectronBridge) into a
// ConsoleClient whose requests reject with ConsoleClientError (code, message, details). Pure browser code.
import type {
  ConsoleClient,
  ConsoleClientError,
  ConsoleRequests,
  ElectronBridge,
  RequestName,
  RequestResult,
} from '../../main/console/contract/console-api';

declare global {
  interface Window {
    /** present only inside the Electron app (the preload exposes it) */
    eventscope?: ElectronBridge;
  }
}

export function createElectronClient(bridge: ElectronBridge): ConsoleClient {
  const request = new Proxy({} as ConsoleRequests, {
    get: (_target, name) => {
      if (typeof name !== 'string') return undefined;
      const fn = (
        bridge.request as unknown as Record<string, ((req: unknown) => Promise<RequestResult<RequestName>>) | undefined>
      )[name];
      return async (req: unknown) => {
        if (fn === undefined) {
          const err = new Error(`not a console request: ${name}`) as ConsoleClientError;
          err.code = 'INVALID_INPUT';
          throw err;
        }
        const result = await fn(req);
        if (result.ok) return result.response;
        const err = new Error(result.error.message) as ConsoleClientError;
        err.name = 'ConsoleClientError';
        err.code = result.error.code;
        if (result.error.details !== undefined) err.details = result.error.details;
        throw err;
      };
    },
  });
  return { request, subscribe: (name, listener) => bridge.subscribe(name, listener) };
}
