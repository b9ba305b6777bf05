// A coloured state word (healthy, running, idle …).
export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

const TONES: Record<string, Tone> = {
  healthy: 'ok',
  running: 'ok',
  Stable: 'ok',
  starting: 'warn',
  stopping: 'warn',
  PreparingRebalance: 'warn',
  CompletingRebalance: 'warn',
  unhealthy: 'bad',
  exited: 'bad',
  Dead: 'bad',
  stopped: 'idle',
  Empty: 'idle',
};

export function toneOf(state: string): Tone {
  return TONES[state] ?? 'info';
}

export function Badge({ state, tone, testId, label }: { state: string; tone?: Tone; testId?: string; label?: string }) {
  return (
    <span className={`badge badge-${tone ?? toneOf(state)}`} data-testid={testId} aria-label={label}>
      {state}
    </span>
  );
}
