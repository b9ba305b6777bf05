// Accounting's rules as pure functions (unit-tested): the price of a task, the ledger row of each change, what a day
// close does to each balance, and the day's management income.
import { FEE_RANGE, REWARD_RANGE } from './schema.js';

export interface Price {
  fee: number;
  reward: number;
}

/** An integer in [min, max] from `random` in [0, 1). */
export function drawInt(random: () => number, min: number, max: number): number {
  const r = Math.min(Math.max(random(), 0), 0.999_999_999);
  return min + Math.floor(r * (max - min + 1));
}

/** fee 10..20, reward 20..40 (inclusive) */
export function drawPrice(random: () => number): Price {
  return {
    fee: drawInt(random, FEE_RANGE.min, FEE_RANGE.max),
    reward: drawInt(random, REWARD_RANGE.min, REWARD_RANGE.max),
  };
}

export function priceInRange(p: Price): boolean {
  return (
    Number.isInteger(p.fee) &&
    Number.isInteger(p.reward) &&
    p.fee >= FEE_RANGE.min &&
    p.fee <= FEE_RANGE.max &&
    p.reward >= REWARD_RANGE.min &&
    p.reward <= REWARD_RANGE.max
  );
}

export type LedgerKind = 'fee' | 'reward' | 'payout';

/** A fee is charged (debit), a reward paid in (credit), a payout takes the balance out (debit). */
export function ledgerAmounts(kind: LedgerKind, amount: number): { debit: number; credit: number } {
  if (!Number.isInteger(amount) || amount < 0)
    throw new RangeError(`ledger amount must be a non-negative integer: ${amount}`);
  return kind === 'reward' ? { debit: 0, credit: amount } : { debit: amount, credit: 0 };
}

/** Σ(credit − debit): what the balance must be */
export function balanceOf(rows: readonly { debit: number; credit: number }[]): number {
  return rows.reduce((sum, r) => sum + r.credit - r.debit, 0);
}

/** fees charged − rewards paid (payouts are the workers' own money leaving, not income) */
export function managementIncome(rows: readonly { kind: LedgerKind; debit: number; credit: number }[]): number {
  let income = 0;
  for (const r of rows) {
    if (r.kind === 'fee') income += r.debit;
    else if (r.kind === 'reward') income -= r.credit;
  }
  return income;
}

export interface ClosePlan {
  /** positive balances: paid out (a payout row, a payment, a mail), balance 0 */
  payouts: { account: string; amount: number }[];
  /** negative balances: left as they are, into the next day */
  carriedOver: { account: string; balance: number }[];
  /** broken mode `no-carry-over` only: negative balances set to 0 without a ledger row (the bug) */
  reset: { account: string; balance: number }[];
}

export function planDayClose(
  balances: readonly { account: string; balance: number }[],
  opts: { carryOver: boolean } = { carryOver: true },
): ClosePlan {
  const plan: ClosePlan = { payouts: [], carriedOver: [], reset: [] };
  for (const b of balances) {
    if (b.balance > 0) plan.payouts.push({ account: b.account, amount: b.balance });
    else if (b.balance < 0) (opts.carryOver ? plan.carriedOver : plan.reset).push(b);
  }
  return plan;
}

/** `title` of a v1 TaskCreated may carry the jira id: "[POPUG-12] fix the beak" → {jira_id, title} */
export function splitJiraId(title: string): { title: string; jira_id: string | null } {
  const m = /^\s*\[([^\]]+)\]\s*(.*)$/.exec(title);
  if (m === null) return { title, jira_id: null };
  return { title: m[2]!.trim() === '' ? title : m[2]!.trim(), jira_id: m[1]!.trim() };
}
