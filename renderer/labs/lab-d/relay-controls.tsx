// Lab D, Outbox view: pause / resume the loms outbox relay (a fault: rows stay pending while it is paused).
import { useClient } from '../../lib/client-context';
import { useAction } from '../../lib/use-action';
import { Badge } from '../../ui/badge';
import { Term } from '../../ui/term';
import { useRelayStore } from './relay-store';

export function RelayControls() {
  const client = useClient();
  const relay = useRelayStore((s) => s.relay);
  const setRelay = useRelayStore((s) => s.setRelay);
  const pause = useAction('lab-d:relay-pause', async () => setRelay(await client.request['lab-d:relay-pause']({})));
  const resume = useAction('lab-d:relay-resume', async () => setRelay(await client.request['lab-d:relay-resume']({})));
  return (
    <div className="relay" data-testid="relay-controls">
      <span>
        <Term term="relay">Outbox relay</Term>:{' '}
        {relay === null ? (
          <Badge state="unknown (loms not running)" tone="idle" testId="relay-state" />
        ) : (
          <Badge state={relay.paused ? 'paused' : 'running'} tone={relay.paused ? 'warn' : 'ok'} testId="relay-state" />
        )}
      </span>
      <button
        type="button"
        className="small"
        onClick={() => void pause.invoke()}
        disabled={relay === null || relay.paused || pause.pending}
      >
        Pause relay
      </button>
      <button
        type="button"
        className="small"
        onClick={() => void resume.invoke()}
        disabled={relay === null || !relay.paused || resume.pending}
      >
        Resume relay
      </button>
      {relay?.last_error ? (
        // the relay keeps its last error after it recovered: red only while rows wait
        <span className={relay.pending > 0 ? 'text-bad sub' : 'sub'}>
          {relay.pending > 0 ? 'last error' : 'earlier error (recovered)'}: {relay.last_error}
        </span>
      ) : null}
    </div>
  );
}
