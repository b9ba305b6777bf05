import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../schema.js';
import { canTransition, checkPath, isTerminal } from './status-machine.js';

describe('status machine', () => {
  it('allows exactly the lab transitions', () => {
    const allowed = new Set([
      'none>new',
      'new>awaiting payment',
      'new>failed',
      'awaiting payment>paid',
      'awaiting payment>cancelled',
    ]);
    for (const from of ['none', ...ORDER_STATUSES] as const) {
      for (const to of ORDER_STATUSES) {
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(allowed.has(`${from}>${to}`));
      }
    }
  });

  it('knows the terminal statuses', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['failed', 'paid', 'cancelled']);
  });

  it('accepts the four lab sequences', () => {
    expect(checkPath(['new', 'awaiting payment']).valid).toBe(true);
    expect(checkPath(['new', 'failed']).valid).toBe(true);
    expect(checkPath(['new', 'awaiting payment', 'paid']).valid).toBe(true);
    expect(checkPath(['new', 'awaiting payment', 'cancelled']).valid).toBe(true);
  });

  it('rejects overtaking and skipped statuses, naming the first bad index', () => {
    expect(checkPath(['awaiting payment', 'new'])).toMatchObject({ valid: false, badIndex: 0 });
    expect(checkPath(['new', 'paid'])).toMatchObject({ valid: false, badIndex: 1 });
    expect(checkPath(['new', 'awaiting payment', 'paid', 'cancelled'])).toMatchObject({ valid: false, badIndex: 3 });
  });

  it('accepts redelivered statuses only when asked to', () => {
    const seq = ['new', 'awaiting payment', 'new', 'awaiting payment', 'paid'] as const;
    expect(checkPath(seq).valid).toBe(false);
    expect(checkPath(seq, { allowDuplicates: true }).valid).toBe(true);
    expect(checkPath(['new', 'paid', 'awaiting payment'], { allowDuplicates: true }).valid).toBe(false);
  });
});
