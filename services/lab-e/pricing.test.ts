import { describe, expect, it } from 'vitest';
import {
  balanceOf,
  drawInt,
  drawPrice,
  ledgerAmounts,
  managementIncome,
  planDayClose,
  priceInRange,
  splitJiraId,
} from './pricing.js';

const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('pricing', () => {
  it('draws integers over the whole inclusive range', () => {
    expect(drawInt(() => 0, 10, 20)).toBe(10);
    expect(drawInt(() => 0.999999, 10, 20)).toBe(20);
    expect(drawInt(() => 1, 10, 20)).toBe(20); // a random() that returns 1 stays in range
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(drawInt(Math.random, 10, 20));
    expect([...seen].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('a price is a fee in 10..20 and a reward in 20..40', () => {
    expect(drawPrice(seq(0, 0))).toEqual({ fee: 10, reward: 20 });
    expect(drawPrice(seq(0.9999, 0.9999))).toEqual({ fee: 20, reward: 40 });
    for (let i = 0; i < 500; i++) expect(priceInRange(drawPrice(Math.random))).toBe(true);
    expect(priceInRange({ fee: 9, reward: 30 })).toBe(false);
    expect(priceInRange({ fee: 15, reward: 41 })).toBe(false);
    expect(priceInRange({ fee: 15.5, reward: 30 })).toBe(false);
  });
});

describe('ledger', () => {
  it('a fee and a payout are debits, a reward a credit', () => {
    expect(ledgerAmounts('fee', 12)).toEqual({ debit: 12, credit: 0 });
    expect(ledgerAmounts('reward', 30)).toEqual({ debit: 0, credit: 30 });
    expect(ledgerAmounts('payout', 5)).toEqual({ debit: 5, credit: 0 });
    expect(() => ledgerAmounts('fee', -1)).toThrow(RangeError);
  });

  it('assign (fee) → reshuffle (fee) → complete (reward): balance and income from the rows', () => {
    const rows = [
      { kind: 'fee' as const, ...ledgerAmounts('fee', 15) },
      { kind: 'fee' as const, ...ledgerAmounts('fee', 15) },
      { kind: 'reward' as const, ...ledgerAmounts('reward', 33) },
    ];
    expect(balanceOf(rows)).toBe(3);
    expect(managementIncome(rows)).toBe(-3);
    expect(managementIncome([...rows, { kind: 'payout', ...ledgerAmounts('payout', 3) }])).toBe(-3);
  });
});

describe('day close', () => {
  const balances = [
    { account: 'a', balance: 25 },
    { account: 'b', balance: -12 },
    { account: 'c', balance: 0 },
  ];

  it('pays out positives and carries negatives over', () => {
    expect(planDayClose(balances)).toEqual({
      payouts: [{ account: 'a', amount: 25 }],
      carriedOver: [{ account: 'b', balance: -12 }],
      reset: [],
    });
  });

  it('no-carry-over (the broken mode) resets negatives instead', () => {
    expect(planDayClose(balances, { carryOver: false })).toEqual({
      payouts: [{ account: 'a', amount: 25 }],
      carriedOver: [],
      reset: [{ account: 'b', balance: -12 }],
    });
  });
});

describe('jira id in a v1 title', () => {
  it('splits "[POPUG-12] title", leaves other titles alone', () => {
    expect(splitJiraId('[POPUG-12] fix the beak')).toEqual({ title: 'fix the beak', jira_id: 'POPUG-12' });
    expect(splitJiraId('fix the beak')).toEqual({ title: 'fix the beak', jira_id: null });
    expect(splitJiraId('[POPUG-12]')).toEqual({ title: '[POPUG-12]', jira_id: 'POPUG-12' });
  });
});
