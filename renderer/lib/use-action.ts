// Runs a user action (a console request) with a pending flag; a failure becomes a visible notice.
import { useCallback, useState } from 'react';
import { errorMessage } from './console-client';
import { useConsoleStore } from '../features/console/store';
import type { ConsoleError } from '../../main/console/contract/console-api';

export function useAction<A extends unknown[], R>(source: string, run: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pushNotice = useConsoleStore((s) => s.pushNotice);
  const invoke = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(null);
      try {
        return await run(...args);
      } catch (err) {
        const message = errorMessage(err);
        setError(message);
        const code = (err as { code?: unknown }).code;
        pushNotice({
          source,
          at: Date.now(),
          error: { code: typeof code === 'string' ? (code as ConsoleError['code']) : 'INTERNAL', message },
        });
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [run, source, pushNotice],
  );
  return { invoke, pending, error };
}
