// The lab's load from the UI (its manifest's `load`): a rate, a count, and the mix of what happens to each unit.
import { useState } from 'react';
import type { LoadMix, LoadProgress, ManifestLoad } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatDuration } from '../../../lib/format';
import { useAction } from '../../../lib/use-action';
import { Panel } from '../../../ui/panel';
import { capitalize } from '../../labs/manifest';
import { useLoadStore } from '../store';

const defaultMix = (load: ManifestLoad): LoadMix => Object.fromEntries(load.mix.map((m) => [m.id, m.weight]));

/** The outcomes of a run by the mix's labels (an outcome the mix does not name keeps its id). */
export function outcomeText(load: ManifestLoad, progress: LoadProgress): string {
  return Object.entries(progress.outcomes)
    .map(([id, n]) => `${load.mix.find((m) => m.id === id)?.label ?? id} ${n}`)
    .join(' · ');
}

export function LoadPanel({ load, lab }: { load: ManifestLoad; lab: string }) {
  const client = useClient();
  const progress = useLoadStore((s) => s.progress);
  const applyProgress = useLoadStore((s) => s.applyProgress);
  const [rate, setRate] = useState(load.defaultRate);
  const [count, setCount] = useState(50);
  const [mix, setMix] = useState<LoadMix>(() => defaultMix(load));
  const start = useAction('load:start', async () => {
    applyProgress(await client.request['load:start']({ lab, rate, count, mix }));
  });
  const stop = useAction('load:stop', async () => {
    const res = await client.request['load:stop']({});
    if (res.progress !== null) applyProgress(res.progress);
  });
  const running = progress?.running === true;
  const mixValid = Object.values(mix).some((v) => v > 0);
  const unit = load.unit;
  const outcomes = progress !== null ? outcomeText(load, progress) : '';
  return (
    <Panel
      title={`Create ${unit}`}
      testId="load-panel"
      hint={`Sends real requests to the lab's services, as a client would, at the rate you set (up to ${load.maxRate}/s).`}
    >
      <form
        className="load-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start.invoke();
        }}
      >
        <label>
          Rate ({unit}/s)
          <input
            type="number"
            min={0.1}
            max={load.maxRate}
            step={0.1}
            value={rate}
            onChange={(e) => setRate(Number(e.target.value))}
          />
        </label>
        <label>
          Number of {unit}
          <input
            type="number"
            min={1}
            max={100000}
            step={1}
            value={count}
            onChange={(e) => setCount(Math.floor(Number(e.target.value)))}
          />
        </label>
        {load.mix.length > 0 && (
          <fieldset className="mix">
            <legend>What happens to each of the {unit} (weights)</legend>
            {load.mix.map(({ id, label }) => (
              <label key={id}>
                {capitalize(label)}
                <input
                  type="number"
                  min={0}
                  max={100}
                  value={mix[id] ?? 0}
                  aria-label={`${capitalize(label)} weight`}
                  data-testid={`load-mix-${id}`}
                  onChange={(e) => setMix({ ...mix, [id]: Math.max(0, Number(e.target.value)) })}
                />
              </label>
            ))}
          </fieldset>
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            disabled={
              running ||
              start.pending ||
              (load.mix.length > 0 && !mixValid) ||
              !(rate > 0 && rate <= load.maxRate) ||
              !(count > 0)
            }
          >
            Create {unit}
          </button>
          <button type="button" onClick={() => void stop.invoke()} disabled={!running}>
            Stop
          </button>
        </div>
      </form>
      {progress === null ? (
        <p className="muted" data-testid="load-status">
          Nothing created yet. Start the stack and the services, then press Create {unit}.
        </p>
      ) : (
        <div className="load-progress">
          <progress max={progress.target} value={progress.created} aria-label={`${capitalize(unit)} created`} />
          <p data-testid="load-status" role="status">
            {running ? 'Running' : `Finished (${progress.endReason ?? 'stopped'})`}:{' '}
            <strong data-testid="load-created">{progress.created}</strong>/{progress.target} created at {progress.rate}
            /s in {formatDuration(progress.elapsedMs)}
            {outcomes !== '' && <span data-testid="load-outcomes"> · {outcomes}</span>}
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
