// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../lib/client-context';
import { createFakeClient, type FakeClient } from '../../test/fake-client';
import { instance } from '../../test/fixtures';
import { useServicesStore } from '../../features/service-instances/store';
import { LedgerPanel } from './ledger-panel';
import { useLabEStore, type CloseDay, type Ledger } from './store';

const ANN = '0198f3a2-0000-7000-8000-00000000000a';
const BOB = '0198f3a2-0000-7000-8000-00000000000b';
const row = (n: number, kind: 'fee' | 'reward' | 'payout', amount: number, balanceAfter: number) => ({
  transactionId: `0198f3a2-0000-7000-8000-0000000001${String(n).padStart(2, '0')}`,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  kind,
  task: kind === 'payout' ? null : '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a',
  taskTitle: kind === 'payout' ? null : 'Polish the beak',
  debit: kind === 'reward' ? 0 : amount,
  credit: kind === 'reward' ? amount : 0,
  balanceAfter,
  cycleId: 1,
});
const LEDGER: Ledger = {
  cycle: { id: 1, day: '2026-01-01' },
  income: { fees: 27, rewards: 31, managementIncome: -4 },
  workers: [
    {
      publicId: ANN,
      email: 'ann@popug.example',
      fullName: 'Ann',
      role: 'worker',
      balance: 16,
      ledgerSum: 16,
      rows: 2,
      ledger: [row(2, 'reward', 31, 16), row(1, 'fee', 15, -15)],
    },
    {
      publicId: BOB,
      email: 'bob@popug.example',
      fullName: 'Bob',
      role: 'worker',
      balance: -12,
      ledgerSum: -10,
      rows: 1,
      ledger: [row(3, 'fee', 12, -12)],
    },
  ],
  closed: [],
  mails: [],
};
const CLOSED: CloseDay = {
  cycleId: 1,
  day: '2026-01-01',
  nextCycleId: 2,
  managementIncome: -4,
  payouts: [{ account: ANN, email: 'ann@popug.example', amount: 16 }],
  carriedOver: [{ account: BOB, email: 'bob@popug.example', balance: -12 }],
  mails: [
    {
      account: ANN,
      to: 'ann@popug.example',
      subject: 'Your popug payout for 2026-01-01',
      body: 'You earned 16 on 2026-01-01; it has been paid out and your balance is 0.',
      at: new Date(Date.UTC(2026, 0, 1, 1)).toISOString(),
    },
  ],
};

let client: FakeClient;
function show() {
  render(
    <ClientProvider client={client}>
      <LedgerPanel />
    </ClientProvider>,
  );
}
const accounting = (state: 'running' | 'stopped') =>
  act(() =>
    useServicesStore.getState().applyList([instance('accounting', { lab: 'lab-e', kind: 'accounting', state })]),
  );

beforeEach(() => {
  useLabEStore.getState().reset();
  useServicesStore.getState().reset('lab-e');
  client = createFakeClient({ 'lab-e:ledger': () => LEDGER, 'lab-e:close-day': () => CLOSED });
});
afterEach(() => cleanup());

describe("Lab E's Ledger panel", () => {
  it('waits for accounting: no request while it does not run, and Close the day is off', () => {
    show();
    expect(screen.getByTestId('ledger-empty').textContent).toContain('Accounting is not running');
    expect(screen.getByRole('button', { name: 'Close the day' })).toHaveProperty('disabled', true);
    expect(client.calls).toEqual([]);
  });

  it("shows the day's income, each worker's balance against its ledger, and the audit log of the one picked", async () => {
    accounting('running');
    show();
    expect((await screen.findByTestId('ledger-income')).textContent).toBe('-4');
    expect(screen.getByTestId('ledger-day').textContent).toBe('2026-01-01');
    const workers = screen.getByRole('table', { name: 'Workers' });
    const bob = within(workers).getByTestId(`ledger-worker-${BOB}`);
    expect(bob.textContent).toContain('≠ balance');
    expect(within(workers).getByTestId(`ledger-worker-${ANN}`).textContent).not.toContain('≠');
    // the first worker with rows is open
    const audit = screen.getByRole('table', { name: 'Audit log of ann@popug.example' });
    expect(
      within(audit)
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.textContent),
    ).toEqual([
      expect.stringMatching(/reward.*Polish the beak.*\+31.*16/),
      expect.stringMatching(/fee.*Polish the beak.*-15.*-15/),
    ]);
    fireEvent.click(within(bob).getByRole('button', { name: 'bob@popug.example' }));
    expect(screen.getByRole('table', { name: 'Audit log of bob@popug.example' })).toBeTruthy();
  });

  it('closes the day: payouts, the negative balance carried over, and the mails', async () => {
    accounting('running');
    show();
    await screen.findByTestId('ledger-income');
    fireEvent.click(screen.getByRole('button', { name: 'Close the day' }));
    const result = await screen.findByTestId('ledger-close-result');
    expect(result.textContent).toContain('Day 2026-01-01 closed (cycle #1; #2 is open now): management income -4');
    expect(result.textContent).toContain('ann@popug.example: 16 paid, balance 0');
    expect(result.textContent).toContain('bob@popug.example: -12 stays for tomorrow');
    expect(within(screen.getByTestId('ledger-mails')).getByText('Your popug payout for 2026-01-01')).toBeTruthy();
    expect(client.calls.filter((c) => c.name === 'lab-e:close-day')).toHaveLength(1);
    // and reads the ledger again
    await waitFor(() => expect(client.calls.filter((c) => c.name === 'lab-e:ledger').length).toBeGreaterThan(1));
  });

  it('says why the ledger cannot be read', async () => {
    client.handlers['lab-e:ledger'] = () => {
      throw Object.assign(new Error("accounting's database is not there yet: start accounting first"), {
        code: 'DB_ERROR',
      });
    };
    accounting('running');
    show();
    expect(await screen.findByText(/start accounting first/)).toBeTruthy();
  });
});
