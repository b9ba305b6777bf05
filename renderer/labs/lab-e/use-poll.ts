// Runs `refresh` now and every `ms` while the component shows and `enabled` holds; never two at once.
import { useEffect, useRef } from 'react';

export function usePoll(refresh: () => Promise<unknown>, ms: number, enabled = true): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    if (!enabled) return undefined;
    let inFlight = false;
    const tick = () => {
      if (inFlight) return;
      inFlight = true;
      latest
        .current()
        .catch(() => undefined)
        .finally(() => {
          inFlight = false;
        });
    };
    tick();
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [ms, enabled]);
}
