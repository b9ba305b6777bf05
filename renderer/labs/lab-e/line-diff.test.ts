import { describe, expect, it } from 'vitest';
import { schemaLines, sideBySide } from './line-diff';

describe('the side-by-side line diff', () => {
  it('pairs equal lines, a changed line with its counterpart, and shows lines only one side has', () => {
    const rows = sideBySide(['a', 'b', 'c', 'd'], ['a', 'B', 'c', 'd', 'e']);
    expect(rows).toEqual([
      { kind: 'same', left: 'a', right: 'a' },
      { kind: 'changed', left: 'b', right: 'B' },
      { kind: 'same', left: 'c', right: 'c' },
      { kind: 'same', left: 'd', right: 'd' },
      { kind: 'added', left: null, right: 'e' },
    ]);
    expect(sideBySide(['x', 'y'], ['y'])).toEqual([
      { kind: 'removed', left: 'x', right: null },
      { kind: 'same', left: 'y', right: 'y' },
    ]);
  });

  it('diffs two schemas: the added field and the new pattern show, the rest is the same', () => {
    const v1 = { required: ['title'], properties: { title: { type: 'string', minLength: 1 } } };
    const v2 = {
      required: ['title'],
      properties: { title: { type: 'string', minLength: 1, pattern: '^[^\\[\\]]*$' }, jira_id: { type: 'string' } },
    };
    const rows = sideBySide(schemaLines(v1), schemaLines(v2));
    const changed = rows.filter((r) => r.kind !== 'same');
    // the new pattern and the new field, nothing else: a comma that appears after `"minLength": 1` is no change
    expect(changed.every((r) => r.kind === 'added')).toBe(true);
    expect(changed.map((r) => r.right?.trim())[0]).toBe('"pattern": "^[^\\\\[\\\\]]*$"');
    expect(rows.some((r) => r.kind === 'added' && r.right.includes('jira_id'))).toBe(true);
    // every line of both sides is there, in order
    expect(rows.flatMap((r) => (r.left === null ? [] : [r.left]))).toEqual(schemaLines(v1));
    expect(rows.flatMap((r) => (r.right === null ? [] : [r.right]))).toEqual(schemaLines(v2));
  });
});
