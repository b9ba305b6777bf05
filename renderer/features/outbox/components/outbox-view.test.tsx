// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxState } from '../../../../main/console/contract/console-api';
import { selectPending, useOutboxStore } from '../store';
import { OutboxView } from './outbox-view';

const state = (over: Partial<OutboxState> = {}): OutboxState => ({
  reachable: true,
  pending: 0,
  oldestPendingAgeMs: null,
  sentPerSec: 0,
  sentTotal: 0,
  at: Date.now(),
  detail: '',
  ...over,
});

afterEach(() => {
  cleanup();
  useOutboxStore.getState().reset();
});

describe('OutboxView', () => {
  it('shows one outbox as before, under the testids Lab D’s pages read', () => {
    useOutboxStore.getState().applySnapshot({
      seq: 1,
      state: state({ pending: 4, oldestPendingAgeMs: 2500, sentPerSec: 1.5, sentTotal: 20 }),
      outboxes: [
        {
          name: 'loms',
          table: 'outbox',
          seq: 1,
          state: state({ pending: 4, oldestPendingAgeMs: 2500, sentPerSec: 1.5, sentTotal: 20 }),
        },
      ],
    });
    render(<OutboxView />);
    expect(screen.getByRole('heading', { name: 'Outbox' })).toBeTruthy();
    expect(screen.getByTestId('outbox-pending').textContent).toBe('4');
    expect(screen.getByTestId('outbox-sent').textContent).toBe('20');
    expect(screen.getByTestId('outbox-oldest').textContent).not.toBe('—');
    expect(screen.getByRole('meter', { name: 'Outbox backlog' }).getAttribute('aria-valuenow')).toBe('4');
    expect(screen.getByText('database reachable')).toBeTruthy();
    // its numbers are the card of its one outbox
    expect(within(screen.getByTestId('outbox-card-loms')).getByTestId('outbox-pending').textContent).toBe('4');
    expect(screen.getByTestId('outbox-chart')).toBeTruthy();
  });

  it('shows the empty state before the first read', () => {
    render(<OutboxView />);
    expect(screen.getByTestId('outbox-empty')).toBeTruthy();
  });

  it('shows a card per outbox table with its name, table, backlog, oldest pending, rate and reachability', () => {
    useOutboxStore.getState().applySnapshot({
      seq: 2,
      state: state({ pending: 3, oldestPendingAgeMs: 1200, sentPerSec: 2 }),
      outboxes: [
        {
          name: 'orders',
          table: 'orders_outbox',
          seq: 2,
          state: state({ pending: 3, oldestPendingAgeMs: 1200, sentPerSec: 2 }),
        },
        {
          name: 'payments',
          table: 'payments_outbox',
          seq: 5,
          state: state({ reachable: false, pending: 7, detail: 'Postgres does not answer: ECONNREFUSED' }),
        },
      ],
    });
    render(<OutboxView />);
    const orders = within(screen.getByTestId('outbox-card-orders'));
    const payments = within(screen.getByTestId('outbox-card-payments'));
    expect(orders.getByText('orders_outbox')).toBeTruthy();
    expect(payments.getByText('payments_outbox')).toBeTruthy();
    expect(screen.getByTestId('outbox-card-orders-pending').textContent).toBe('3');
    expect(screen.getByTestId('outbox-card-payments-pending').textContent).toBe('7');
    expect(screen.getByTestId('outbox-card-orders-oldest').textContent).not.toBe('—');
    expect(screen.getByTestId('outbox-card-payments-oldest').textContent).toBe('—');
    expect(screen.getByTestId('outbox-card-orders-rate').textContent).toMatch(/2/);
    expect(screen.getByTestId('outbox-card-orders-reachable').textContent).toBe('database reachable');
    expect(screen.getByTestId('outbox-card-payments-reachable').textContent).toBe('database unreachable');
    expect(payments.getByText(/ECONNREFUSED/)).toBeTruthy();
    expect(screen.getByText('1 of 2 unreachable')).toBeTruthy();
    expect(screen.getByRole('meter', { name: 'Outbox backlog of payments' }).getAttribute('aria-valuenow')).toBe('7');
    // the single view's testids are not there to be confused with one card's
    expect(screen.queryByTestId('outbox-pending')).toBeNull();
    expect(selectPending(useOutboxStore.getState())).toBe(10);
  });

  it('updates one card from its named diff and says which outbox has no data yet', () => {
    useOutboxStore.getState().applySnapshot({
      seq: 1,
      state: state({ pending: 1 }),
      outboxes: [
        { name: 'orders', table: 'orders_outbox', seq: 1, state: state({ pending: 1 }) },
        { name: 'payments', table: 'payments_outbox', seq: 0, state: null },
      ],
    });
    render(<OutboxView />);
    expect(screen.getByTestId('outbox-card-payments-empty').textContent).toMatch(/payments_outbox/);
    expect(selectPending(useOutboxStore.getState())).toBe(1);
    act(() => {
      useOutboxStore.getState().applyDiff({ seq: 1, changes: { ...state({ pending: 6 }) }, outbox: 'payments' });
    });
    expect(screen.queryByTestId('outbox-card-payments-empty')).toBeNull();
    expect(screen.getByTestId('outbox-card-payments-pending').textContent).toBe('6');
    expect(screen.getByTestId('outbox-card-orders-pending').textContent).toBe('1');
    expect(selectPending(useOutboxStore.getState())).toBe(7);
  });
});
