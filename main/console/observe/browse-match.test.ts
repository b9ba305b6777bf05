import { describe, expect, it } from 'vitest';
import { BrowseFilter } from '../contract/browse.js';
import { matcher, pathSegments, pick, rangesFor, type Candidate } from './browse-match.js';

const rec = (partition: number, offset: number, timestamp: number, key: string | null, value: string | null) =>
  ({
    partition,
    offset,
    timestamp,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
  }) satisfies Candidate;

describe('browse filters', () => {
  it('reads a dotted path with array indexes', () => {
    expect(pathSegments('$.order.items[0].sku')).toEqual(['order', 'items', 0, 'sku']);
    expect(pathSegments('status')).toEqual(['status']);
    expect(pathSegments('$.a[2][1]')).toEqual(['a', 2, 1]);
  });

  it('keeps records by key, by text (case-insensitive) and by a JSON path = value', () => {
    const a = rec(0, 1, 10, 'order-1', '{"status":"Paid","total":42,"items":[{"sku":"x"}],"ok":true}');
    const b = rec(0, 2, 11, 'order-2', '{"status":"new","total":7}');
    const c = rec(1, 1, 12, null, 'not json at all');
    expect([a, b, c].filter(matcher({ key: 'order-2' }))).toEqual([b]);
    expect([a, b, c].filter(matcher({ text: 'PAID' }))).toEqual([a]);
    expect([a, b, c].filter(matcher({ text: 'json' }))).toEqual([c]);
    expect([a, b, c].filter(matcher({ jsonPath: '$.status', equals: 'new' }))).toEqual([b]);
    expect([a, b, c].filter(matcher({ jsonPath: '$.total', equals: '42' }))).toEqual([a]);
    expect([a, b, c].filter(matcher({ jsonPath: 'items[0].sku', equals: 'x' }))).toEqual([a]);
    expect([a, b, c].filter(matcher({ jsonPath: '$.ok', equals: 'true' }))).toEqual([a]);
    expect([a, b, c].filter(matcher({ jsonPath: '$.missing', equals: 'null' }))).toEqual([]);
    expect([a, b, c].filter(matcher({ key: 'order-1', text: 'new' }))).toEqual([]);
    expect([a, b, c].filter(matcher(undefined))).toEqual([a, b, c]);
  });

  it('refuses a JSON path without a value, and a path that is not dotted, naming the field', () => {
    const half = BrowseFilter.safeParse({ jsonPath: '$.a' });
    expect(half.success).toBe(false);
    expect(half.error?.issues[0]?.path).toEqual(['equals']);
    const bad = BrowseFilter.safeParse({ jsonPath: '$..a[?(@.x)]', equals: '1' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['jsonPath']);
  });
});

describe('browse ranges', () => {
  const offsets = [
    { partition: 0, low: 0, high: 50_000 },
    { partition: 1, low: 40, high: 60 },
  ];

  it('newest without a filter reads the last `limit` of each partition', () => {
    expect(rangesFor({ kind: 'newest' }, offsets, { limit: 30, filtered: false, scanMax: 10_000 })).toEqual([
      { partition: 0, from: 49_970, to: 50_000 },
      { partition: 1, from: 40, to: 60 },
    ]);
  });

  it('newest with a filter reads each partition’s share of the scan budget', () => {
    expect(rangesFor({ kind: 'newest' }, offsets, { limit: 30, filtered: true, scanMax: 10_000 })).toEqual([
      { partition: 0, from: 45_000, to: 50_000 },
      { partition: 1, from: 40, to: 60 },
    ]);
  });

  it('from an offset or a timestamp reads forward, clamped to the log and bounded by the share', () => {
    expect(rangesFor({ kind: 'offset', offset: '10' }, offsets, { limit: 5, filtered: false, scanMax: 100 })).toEqual([
      { partition: 0, from: 10, to: 60 },
      { partition: 1, from: 40, to: 60 },
    ]);
    const starts = new Map([
      [0, 49_990],
      [1, Number.MAX_SAFE_INTEGER],
    ]);
    expect(
      rangesFor({ kind: 'timestamp', timestamp: 5 }, offsets, { limit: 5, filtered: false, scanMax: 100, starts }),
    ).toEqual([
      { partition: 0, from: 49_990, to: 50_000 },
      { partition: 1, from: 60, to: 60 },
    ]);
  });
});

describe('browse merge', () => {
  const rs = [
    rec(0, 0, 30, null, null),
    rec(1, 0, 10, null, null),
    rec(0, 1, 40, null, null),
    rec(1, 1, 20, null, null),
  ];
  it('merges partitions in time order: the newest `limit` for newest, else the first', () => {
    expect(pick(rs, { kind: 'newest' }, 2).map((r) => r.timestamp)).toEqual([30, 40]);
    expect(pick(rs, { kind: 'offset', offset: '0' }, 3).map((r) => r.timestamp)).toEqual([10, 20, 30]);
  });
});
