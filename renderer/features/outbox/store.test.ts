import { describe, expect, it } from 'vitest';
import type { OutboxState } from '../../../main/console/contract/console-api';
import { createOutboxStore, SAMPLE_WINDOW_MS } from './store';

const state = (at: number, pending: number): OutboxState => ({
  reachable: true,
  pending,
  oldestPendingAgeMs: pending > 0 ? 100 : null,
  sentPerSec: 1,
  sentTotal: 10,
  at,
  detail: '',
});

describe('outbox store', () => {
  it('merges diffs into the last state and records one sample per diff', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot({ seq: 1, state: state(1000, 0) });
    store.getState().applyDiff({ seq: 2, changes: { at: 2000, pending: 5, oldestPendingAgeMs: 800 } });
    store.getState().applyDiff({ seq: 2, changes: { at: 2500, pending: 99 } });
    expect(store.getState().state).toMatchObject({ pending: 5, oldestPendingAgeMs: 800, sentTotal: 10, at: 2000 });
    expect(store.getState().samples.map((s) => s.pending)).toEqual([0, 5]);
  });

  it('keeps only the last minutes of samples', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot({ seq: 0, state: state(0, 0) });
    for (let i = 1; i <= 700; i += 1) store.getState().applyDiff({ seq: i, changes: { at: i * 1000, pending: i } });
    const samples = store.getState().samples;
    expect(samples[samples.length - 1]?.at).toBe(700_000);
    expect(samples[0]!.at).toBeGreaterThanOrEqual(700_000 - SAMPLE_WINDOW_MS);
  });

  it('merges fetched history with the live samples by time', () => {
    const store = createOutboxStore();
    store.getState().applyDiff({ seq: 1, changes: { at: 5000, pending: 2 } });
    store.getState().applyHistory([state(1000, 0), state(3000, 1)]);
    expect(store.getState().samples.map((s) => s.at)).toEqual([1000, 3000, 5000]);
  });
});
