// The message browser's pure parts: which records a filter keeps, where each partition's search starts and ends, and
// the merge of partitions in time order.
import type { BrowseFilter, BrowseFrom } from '../contract/browse.js';

export interface Candidate {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** The segments of a dotted path (`$.items[0].sku` → ['items', 0, 'sku']). */
export function pathSegments(path: string): (string | number)[] {
  const body = path.replace(/^\$\.?/, '');
  const out: (string | number)[] = [];
  for (const part of body.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (m === null) throw new Error(`not a dotted path: ${path}`);
    out.push(m[1]!);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

function at(value: unknown, segments: (string | number)[]): { found: boolean; value?: unknown } {
  let v = value;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return { found: false };
    if (typeof s === 'number' ? !Array.isArray(v) || s >= v.length : !Object.hasOwn(v, s)) return { found: false };
    v = (v as Record<string | number, unknown>)[s];
  }
  return { found: true, value: v };
}

/** A record test for a filter (undefined or empty = every record). */
export function matcher(filter: BrowseFilter | undefined): (c: Candidate) => boolean {
  if (filter === undefined) return () => true;
  const tests: ((c: Candidate) => boolean)[] = [];
  if (filter.key !== undefined) {
    const key = filter.key;
    tests.push((c) => c.key !== null && c.key.toString('utf8') === key);
  }
  if (filter.text !== undefined) {
    const text = filter.text.toLowerCase();
    tests.push((c) => c.value !== null && c.value.toString('utf8').toLowerCase().includes(text));
  }
  if (filter.jsonPath !== undefined && filter.equals !== undefined) {
    const segments = pathSegments(filter.jsonPath);
    const equals = filter.equals;
    let wanted: unknown = equals;
    try {
      wanted = JSON.parse(equals);
    } catch {
      // not JSON: compared as a string
    }
    const same = (v: unknown) =>
      typeof v === 'string' ? v === equals : JSON.stringify(v) === JSON.stringify(wanted) || String(v) === equals;
    tests.push((c) => {
      if (c.value === null) return false;
      let doc: unknown;
      try {
        doc = JSON.parse(c.value.toString('utf8'));
      } catch {
        return false;
      }
      const hit = at(doc, segments);
      return hit.found && same(hit.value);
    });
  }
  return (c) => tests.every((t) => t(c));
}

export interface PartitionRange {
  partition: number;
  /** first offset to read */
  from: number;
  /** one past the last offset to read */
  to: number;
}

/**
 * Each partition's range for a search: `newest` reads the last records (the last `limit` without a filter, else the
 * partition's share of the scan budget); `offset` and `timestamp` read forward from their start, at most the share.
 * `starts` are the offsets a timestamp resolved to (per partition); ranges never leave [low, high).
 */
export function rangesFor(
  from: BrowseFrom,
  offsets: { partition: number; low: number; high: number }[],
  opts: { limit: number; filtered: boolean; scanMax: number; starts?: Map<number, number> },
): PartitionRange[] {
  const share = Math.max(1, Math.floor(opts.scanMax / Math.max(1, offsets.length)));
  return offsets.map(({ partition, low, high }) => {
    const clamp = (o: number) => Math.min(Math.max(o, low), high);
    if (from.kind === 'newest') {
      const n = opts.filtered ? share : Math.min(opts.limit, share);
      return { partition, from: clamp(high - n), to: high };
    }
    const start = clamp(from.kind === 'offset' ? Number(from.offset) : (opts.starts?.get(partition) ?? high));
    return { partition, from: start, to: Math.min(high, start + share) };
  });
}

const byTime = (a: Candidate, b: Candidate) =>
  a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;

/**
 * The records a search returns, oldest first: for `newest` the newest `limit` of the matches, else the first `limit`
 * (merged across partitions by timestamp, then partition and offset).
 */
export function pick<T extends Candidate>(matches: T[], from: BrowseFrom, limit: number): T[] {
  const sorted = [...matches].sort(byTime);
  return from.kind === 'newest' ? sorted.slice(Math.max(0, sorted.length - limit)) : sorted.slice(0, limit);
}
