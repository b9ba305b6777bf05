// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { InboxPanel } from './inbox-panel';
import { MoneyPanel } from './money-panel';
import { useLabCStore, type Inbox, type Money } from './store';

const ORDER = '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a';
const consumer = (service: 'payments' | 'orders', over: Partial<Inbox['consumers'][number]> = {}) => ({
  service,
  table: `${service}_inbox`,
  group: `${service}-service-group`,
  topic: service === 'payments' ? 'orders-events' : 'payments-events',
  reachable: true,
  received: 12,
  processed: 10,
  pending: 1,
  waiting: 1,
  failed: 1,
  duplicatesRejected: 3,
  redeliveries: 2,
  newest: [
    {
      eventId: '0198f3a2-0000-7000-8000-000000000001',
      eventType: 'order.created',
      orderId: ORDER,
      status: 'waiting',
      attempts: 2,
      topic: 'orders-events',
      partition: 1,
      offset: '41',
      lastError: 'insufficient funds so far',
      receivedAt: Date.UTC(2026, 0, 1),
    },
  ],
  outbox: { table: `${service}_outbox`, pending: 0, oldestPendingMs: null },
  ...over,
});

afterEach(() => {
  cleanup();
  useLabCStore.getState().reset();
});

describe('Lab C panels', () => {
  it('Inbox: per consumer received, duplicates rejected, pending, failed, its newest rows and its outbox', () => {
    useLabCStore.getState().set({
      inbox: {
        consumers: [
          consumer('payments'),
          consumer('orders', {
            reachable: false,
            received: 0,
            newest: [],
            outbox: { table: 'orders_outbox', pending: 4, oldestPendingMs: 2500 },
          }),
        ],
      },
    });
    render(<InboxPanel />);
    const payments = screen.getByTestId('inbox-payments');
    expect(within(payments).getByTestId('inbox-payments-received').textContent).toBe('12');
    expect(within(payments).getByTestId('inbox-payments-duplicates').textContent).toBe('3');
    expect(within(payments).getByText('1 waiting for funds')).toBeTruthy();
    expect(within(payments).getByText('p1@41')).toBeTruthy();
    expect(within(payments).getByText('drained')).toBeTruthy();
    expect(within(screen.getByTestId('inbox-orders')).getByText('No database yet: start orders.')).toBeTruthy();
  });

  it('Money: totals, the conservation sum and the accounts that do not add up first', () => {
    const money: Money = {
      reachable: true,
      accounts: 2,
      balances: 600,
      topups: 2000,
      paid: 1000,
      completedPayments: 2,
      failedPayments: 1,
      conservation: -400,
      unbalanced: 1,
      list: [
        {
          userId: 'user-bad',
          balance: 100,
          topups: 1000,
          paid: 500,
          payments: 1,
          failed: 0,
          ledger: 100,
          ok: false,
          updatedAt: 2,
        },
        {
          userId: 'user-ok',
          balance: 500,
          topups: 1000,
          paid: 500,
          payments: 1,
          failed: 1,
          ledger: 500,
          ok: true,
          updatedAt: 1,
        },
      ],
    };
    useLabCStore.getState().set({ money });
    render(<MoneyPanel />);
    expect(screen.getByTestId('money-accounts').textContent).toBe('2');
    expect(screen.getByTestId('money-conservation').textContent).toBe('-400.00');
    expect(screen.getByText('1 accounts do not add up')).toBeTruthy();
    const rows = within(screen.getByRole('table', { name: 'Accounts' })).getAllByRole('row');
    expect(rows[1]!.textContent).toContain('user-bad');
    expect(within(rows[1]!).getByText('≠')).toBeTruthy();
    expect(within(rows[2]!).getByText('adds up')).toBeTruthy();
  });

  it('Money: payments without a database yet', () => {
    useLabCStore.getState().set({
      money: {
        reachable: false,
        accounts: 0,
        balances: 0,
        topups: 0,
        paid: 0,
        completedPayments: 0,
        failedPayments: 0,
        conservation: 0,
        unbalanced: 0,
        list: [],
      },
    });
    render(<MoneyPanel />);
    expect(screen.getByTestId('money-empty')).toBeTruthy();
  });
});
