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

describe('outbox store with two outboxes', () => {
  const two = (ordersPending: number, paymentsPending: number, seq = 1) => ({
    seq,
    state: state(1000, ordersPending),
    outboxes: [
      { name: 'orders', table: 'orders_outbox', seq, state: state(1000, ordersPending) },
      { name: 'payments', table: 'payments_outbox', seq: 4, state: state(1000, paymentsPending) },
    ],
  });

  it('keeps each outbox by name, the first also at the top', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot(two(1, 7));
    const s = store.getState();
    expect(s.names).toEqual(['orders', 'payments']);
    expect(s.byName.orders).toMatchObject({ table: 'orders_outbox', seq: 1, state: { pending: 1 } });
    expect(s.byName.payments).toMatchObject({ table: 'payments_outbox', seq: 4, state: { pending: 7 } });
    expect(s.state?.pending).toBe(1);
    expect(s.seq).toBe(1);
  });

  it('merges a named diff into its outbox only, with a seq per outbox', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot(two(1, 7));
    store.getState().applyDiff({ seq: 5, changes: { at: 2000, pending: 9 }, outbox: 'payments' });
    // the orders outbox's seq is 1: its 2 is the next, not a gap
    store.getState().applyDiff({ seq: 2, changes: { at: 2000, pending: 0 }, outbox: 'orders' });
    // stale for payments (it is at 5)
    store.getState().applyDiff({ seq: 3, changes: { at: 2500, pending: 100 }, outbox: 'payments' });
    const s = store.getState();
    expect(s.byName.payments?.state).toMatchObject({ pending: 9, at: 2000 });
    expect(s.byName.payments?.samples.map((x) => x.pending)).toEqual([7, 9]);
    expect(s.byName.orders?.state?.pending).toBe(0);
    expect(s.state?.pending).toBe(0);
    expect(s.needsResync).toBe(false);
  });

  it('asks for a snapshot on a gap in one outbox and on an outbox it does not know', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot(two(1, 7));
    store.getState().applyDiff({ seq: 7, changes: { at: 2000, pending: 3 }, outbox: 'payments' });
    expect(store.getState().needsResync).toBe(true);
    store.getState().applySnapshot(two(1, 3));
    expect(store.getState().needsResync).toBe(false);
    store.getState().applyDiff({ seq: 1, changes: { at: 3000, pending: 2 }, outbox: 'refunds' });
    expect(store.getState().names).toEqual(['orders', 'payments', 'refunds']);
    expect(store.getState().needsResync).toBe(true);
  });

  it('drops the outboxes a new snapshot does not name, and resets', () => {
    const store = createOutboxStore();
    store.getState().applySnapshot(two(1, 7));
    store.getState().applySnapshot({
      seq: 0,
      state: state(5000, 2),
      outboxes: [{ name: 'loms', table: 'outbox', seq: 0, state: state(5000, 2) }],
    });
    expect(store.getState().names).toEqual(['loms']);
    expect(Object.keys(store.getState().byName)).toEqual(['loms']);
    expect(store.getState().state?.pending).toBe(2);
    store.getState().reset();
    expect(store.getState()).toMatchObject({ names: [], byName: {}, state: null, seq: null, samples: [] });
  });

  it('gives the history to the outbox it names, and unnamed history to the first', () => {
    const store = createOutboxStore();
    store.getState().applyHistory([state(100, 4), state(200, 5)]);
    store.getState().applySnapshot(two(1, 7));
    store.getState().applyHistory([state(300, 8)], 'payments');
    const s = store.getState();
    expect(s.byName.orders?.samples.map((x) => x.at)).toEqual([100, 200, 1000]);
    expect(s.samples.map((x) => x.at)).toEqual([100, 200, 1000]);
    expect(s.byName.payments?.samples.map((x) => x.at)).toEqual([300, 1000]);
  });
});
