import { describe, expect, it } from 'vitest';
import { checkAll, checkPair, checkVersion, compareSchemas } from './check-compat.js';

const base = {
  type: 'object',
  required: ['public_id', 'title'],
  properties: {
    public_id: { type: 'string', format: 'uuid' },
    title: { type: 'string' },
    status: { type: 'string', enum: ['open', 'done'] },
    points: { type: 'integer', minimum: 0 },
  },
};
const withData = (data: object, version: number) => ({
  properties: { event_version: { const: version }, data },
});
const clone = <T>(v: T): T => structuredClone(v);
const breaking = (changes: ReturnType<typeof compareSchemas>) => changes.filter((c) => c.breaking).map((c) => c.kind);

describe('compareSchemas', () => {
  it('an identical schema has no change', () => {
    expect(compareSchemas(base, clone(base))).toEqual([]);
  });

  it('an optional field added is compatible', () => {
    const next = clone(base) as typeof base & { properties: Record<string, unknown> };
    next.properties.jira_id = { type: 'string' };
    const changes = compareSchemas(base, next);
    expect(changes).toEqual([
      { path: 'data.jira_id', kind: 'field-added', breaking: false, message: 'data.jira_id: optional field added' },
    ]);
  });

  it('a field added as required is breaking', () => {
    const next = clone(base) as typeof base & { properties: Record<string, unknown> };
    next.properties.jira_id = { type: 'string' };
    next.required = [...base.required, 'jira_id'];
    expect(breaking(compareSchemas(base, next))).toEqual(['required-added']);
  });

  it('an enum widened is compatible, narrowed is breaking', () => {
    const wider = clone(base);
    wider.properties.status.enum = ['open', 'done', 'archived'];
    expect(breaking(compareSchemas(base, wider))).toEqual([]);
    expect(compareSchemas(base, wider)[0]?.kind).toBe('enum-widened');
    const narrower = clone(base);
    narrower.properties.status.enum = ['open'];
    const changes = compareSchemas(base, narrower);
    expect(breaking(changes)).toEqual(['enum-narrowed']);
    expect(changes[0]?.message).toContain('"done"');
  });

  it('a required field removed is breaking and names the field', () => {
    const next = clone(base) as { properties: Record<string, unknown>; required: string[] };
    delete next.properties.title;
    next.required = ['public_id'];
    const changes = compareSchemas(base, next);
    expect(breaking(changes)).toEqual(['field-removed']);
    expect(changes[0]?.path).toBe('data.title');
  });

  it('a required field renamed is reported as a rename (breaking)', () => {
    const next = clone(base) as { properties: Record<string, unknown>; required: string[] };
    delete next.properties.title;
    next.properties.name = { type: 'string' };
    next.required = ['public_id', 'name'];
    const changes = compareSchemas(base, next);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'field-renamed', breaking: true, path: 'data.title' });
    expect(changes[0]?.message).toContain('renamed to name');
  });

  it('a changed type is breaking', () => {
    const next = clone(base) as { properties: Record<string, { type: unknown }> };
    next.properties.points!.type = 'string';
    const changes = compareSchemas(base, next);
    expect(changes.map((c) => [c.path, c.kind, c.breaking])).toEqual([['data.points', 'type-changed', true]]);
    expect(changes[0]?.message).toBe('data.points: type changed from integer to string');
  });

  it('a field that is no longer required is breaking; an optional one removed is not', () => {
    const loose = clone(base);
    loose.required = ['public_id'];
    expect(breaking(compareSchemas(base, loose))).toEqual(['required-removed']);
    const fewer = clone(base) as { properties: Record<string, unknown> };
    delete fewer.properties.points;
    expect(breaking(compareSchemas(base, fewer))).toEqual([]);
  });

  it('tightened constraints and a closed object are breaking, loosened ones are not', () => {
    const tight = clone(base) as typeof base & { additionalProperties?: boolean };
    tight.properties.points.minimum = 5;
    (tight.properties.title as Record<string, unknown>).pattern = '^[a-z]+$';
    tight.additionalProperties = false;
    expect(breaking(compareSchemas(base, tight)).sort()).toEqual(
      ['closed', 'constraint-tightened', 'constraint-tightened'].sort(),
    );
    expect(breaking(compareSchemas(tight, base))).toEqual([]);
  });

  it('walks nested objects and arrays', () => {
    const prev = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
      },
    };
    const next = structuredClone(prev);
    next.properties.items.items.properties.sku.type = 'integer';
    expect(compareSchemas(prev, next).map((c) => c.path)).toEqual(['data.items[].sku']);
  });
});

describe('the registry’s own versions', () => {
  it('TaskCreated v2 is a breaking change of v1 (the title may not carry the jira id), with jira_id added as optional', () => {
    const r = checkVersion('TaskCreated', 2);
    expect(r).toBeDefined();
    expect(r!.compatible).toBe(false);
    expect(r!.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'data.jira_id', kind: 'field-added', breaking: false }),
        expect.objectContaining({ path: 'data.title', kind: 'constraint-tightened', breaking: true }),
      ]),
    );
  });

  it('checkAll covers every event with more than one version; a first version has nothing to compare', () => {
    expect(checkAll().map((r) => `${r.event}:${r.from}->${r.to}`)).toEqual(['TaskCreated:1->2']);
    expect(checkVersion('TaskCreated', 1)).toBeUndefined();
  });

  it('checkPair compares only the data part of whole event schemas', () => {
    const r = checkPair('X', 1, withData(base, 1), 2, withData(base, 2));
    expect(r).toEqual({ event: 'X', from: 1, to: 2, compatible: true, changes: [] });
  });
});
