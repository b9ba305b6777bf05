// Lab E's checks as data: one per invariant of LABS.md, every broken mode names the check of its invariant, every check
// is named by a broken mode (so the matrix can show each one fail), and the record helpers read what the checks judge.
import { describe, expect, it } from 'vitest';
import { BROKEN_MODES } from '../../../../../services/lab-e/broken-modes.js';
import { labEManifest } from '../manifest.js';
import { LAB_E_CHECK_LIST, checkIdsOf } from './catalog.js';
import { consoleEvent, eventOf, schemaErrors, transactionsOf, type LabERecord } from './support.js';

const record = (json: Record<string, unknown> | null, topic = 'tasks-lifecycle'): LabERecord => ({
  topic,
  partition: 0,
  offset: 7,
  key: 'k',
  timestamp: 0,
  injected: null,
  headers: {},
  raw: JSON.stringify(json),
  json,
});

describe('Lab E checks catalog', () => {
  it('has one check per invariant 1–8, each named by exactly the broken modes of its invariant', () => {
    expect(LAB_E_CHECK_LIST.map((c) => c.title.split(' · ')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    const m = labEManifest();
    expect(m.checks).toEqual(LAB_E_CHECK_LIST);
    expect(m.views).toContain('checks');
    for (const mode of BROKEN_MODES)
      expect(m.brokenModes.find((b) => b.id === mode.id)?.breaks).toEqual(checkIdsOf(mode.invariants));
    expect(new Set(m.brokenModes.flatMap((b) => b.breaks))).toEqual(new Set(LAB_E_CHECK_LIST.map((c) => c.id)));
    expect(() => checkIdsOf([9])).toThrow(/no invariant 9/);
  });

  it('lists the faults the checks share', () => {
    expect(labEManifest().faults.map((f) => f.id)).toEqual(
      expect.arrayContaining(['replay-topic', 'assigned-before-created', 'invalid-event']),
    );
  });
});

describe('Lab E check records', () => {
  const task = '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a';
  const worker = '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7b';

  it('a valid TaskAssigned has no schema errors; skip-validation’s `assignee_id` names the missing field', () => {
    const ok = consoleEvent('TaskAssigned', 1, { public_id: task, assignee_public_id: worker, reason: 'created' });
    expect(schemaErrors(record(ok))).toEqual([]);
    const bad = consoleEvent('TaskAssigned', 1, { public_id: task, assignee_id: worker, reason: 'created' });
    expect(schemaErrors(record(bad)).map((e) => e.field)).toContain('data.assignee_public_id');
    expect(schemaErrors(record(null))).toEqual([{ field: '(event)', message: 'not a JSON object', keyword: 'json' }]);
    expect(eventOf(record(bad))).toMatchObject({ name: 'TaskAssigned', version: 1, data: { public_id: task } });
  });

  it('reads TransactionApplied events and nothing else', () => {
    const tx = consoleEvent('TransactionApplied', 1, {
      transaction_id: task,
      account_public_id: worker,
      task_public_id: task,
      kind: 'fee',
      debit: 14,
      credit: 0,
      balance_after: -14,
      cycle_id: 1,
    });
    const other = consoleEvent('PaymentMade', 1, { account_public_id: worker, amount: 3 });
    expect(transactionsOf([record(tx, 'transactions'), record(other, 'transactions')])).toMatchObject([
      { account: worker, task, kind: 'fee', debit: 14, credit: 0 },
    ]);
  });
});
