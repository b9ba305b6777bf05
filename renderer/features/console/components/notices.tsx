// Errors the console's background parts (observers, supervisor) or a failed action reported, until dismissed.
import { useEffect } from 'react';
import { formatTime } from '../../../lib/format';
import { useConsoleStore, type ConsoleNotice } from '../store';

/** A notice stays this long unless the same error repeats (then it is refreshed). */
export const NOTICE_TTL_MS = 15_000;

export function Notices() {
  const notices = useConsoleStore((s) => s.notices);
  const dismiss = useConsoleStore((s) => s.dismissNotice);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="region" aria-label="Errors">
      {notices.slice(0, 3).map((n) => (
        <Notice key={n.id} notice={n} onDismiss={() => dismiss(n.id)} />
      ))}
      {notices.length > 3 && <div className="sub">and {notices.length - 3} more</div>}
    </div>
  );
}

function Notice({ notice, onDismiss }: { notice: ConsoleNotice; onDismiss: () => void }) {
  useEffect(() => {
    const t = setTimeout(onDismiss, NOTICE_TTL_MS);
    return () => clearTimeout(t);
    // one timer per notice (onDismiss is a new function every render)
  }, [notice.id]);
  return (
    <div className="notice" role="alert" data-testid="notice">
      <div>
        <strong>{notice.source}</strong> · {notice.error.code} · <span className="sub">{formatTime(notice.at)}</span>
        <div>{notice.error.message}</div>
      </div>
      <button type="button" className="small" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
