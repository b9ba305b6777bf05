// Create orders from the UI: a rate, a count, and what happens to each order (pay, cancel, fail, leave awaiting).
import { useState } from 'react';
import type { LoadMix } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatDuration } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { Panel } from '../../../ui/panel';
import { useLoadStore } from '../store';

const MIX_LABELS: { key: keyof LoadMix; label: string; tip: string }[] = [
  { key: 'pay', label: 'Pay', tip: 'new → awaiting payment → paid' },
  { key: 'cancel', label: 'Cancel', tip: 'new → awaiting payment → cancelled' },
  { key: 'failed', label: 'Fail', tip: 'a sku without stock: new → failed (loms answers 400)' },
  { key: 'none', label: 'Leave unpaid', tip: 'stays awaiting payment' },
];

export function LoadPanel() {
  const client = useClient();
  const progress = useLoadStore((s) => s.progress);
  const applyProgress = useLoadStore((s) => s.applyProgress);
  const [rate, setRate] = useState(10);
  const [count, setCount] = useState(50);
  const [mix, setMix] = useState<LoadMix>({ pay: 70, cancel: 15, failed: 10, none: 5 });
  const start = useAction('load:start', async () => {
    applyProgress(await client.request['load:start']({ rate, count, mix }));
  });
  const stop = useAction('load:stop', async () => {
    const res = await client.request['load:stop']({});
    if (res.progress !== null) applyProgress(res.progress);
  });
  const running = progress?.running === true;
  const mixValid = Object.values(mix).some((v) => v > 0);
  return (
    <Panel
      title="Create orders"
      testId="load-panel"
      hint="Sends real HTTP requests to loms (POST /order/create, then /order/pay or /order/cancel), as a shop would."
    >
      <form
        className="load-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start.invoke();
        }}
      >
        <label>
          Rate (orders/s)
          <input
            type="number"
            min={0.1}
            max={500}
            step={0.1}
            value={rate}
            onChange={(e) => setRate(Number(e.target.value))}
          />
        </label>
        <label>
          Number of orders
          <input
            type="number"
            min={1}
            max={100000}
            step={1}
            value={count}
            onChange={(e) => setCount(Math.floor(Number(e.target.value)))}
          />
        </label>
        <fieldset className="mix">
          <legend>What happens to each order (weights)</legend>
          {MIX_LABELS.map(({ key, label, tip }) => (
            <label key={key} title={tip}>
              {label}
              <input
                type="number"
                min={0}
                max={100}
                value={mix[key]}
                aria-label={`${label} weight`}
                onChange={(e) => setMix({ ...mix, [key]: Math.max(0, Number(e.target.value)) })}
              />
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            disabled={running || start.pending || !mixValid || !(rate > 0) || !(count > 0)}
          >
            Create orders
          </button>
          <button type="button" onClick={() => void stop.invoke()} disabled={!running}>
            Stop
          </button>
        </div>
      </form>
      {progress === null ? (
        <p className="muted" data-testid="load-status">
          No orders created yet. Start the stack and the services, then press Create orders.
        </p>
      ) : (
        <div className="load-progress">
          <progress max={progress.target} value={progress.created} aria-label="Orders created" />
          <p data-testid="load-status" role="status">
            {running ? 'Running' : `Finished (${progress.endReason ?? 'stopped'})`}:{' '}
            <strong data-testid="load-created">{progress.created}</strong>/{progress.target} created at {progress.rate}
            /s in {formatDuration(progress.elapsedMs)} · paid {progress.paid} · cancelled {progress.cancelled} · failed{' '}
            {progress.failed}
            {progress.errors > 0 && (
              <span className="text-bad">
                {' '}
                · {progress.errors} errors{progress.lastError ? ` (last: ${progress.lastError})` : ''}
              </span>
            )}
          </p>
        </div>
      )}
    </Panel>
  );
}
