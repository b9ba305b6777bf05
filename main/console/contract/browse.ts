// The message browser's requests: a bounded search of one topic (newest N, from an offset, from a timestamp; one
// partition or all merged in time order; filtered by key, text or a JSON path) with its cost, and producing a record.
// zod only: this module is compiled into the DOM build too.
import { z } from 'zod';
import { Int64, Millis, TopicName, def } from './define.js';

/** The most records one search reads (over every partition it covers), as kafbat bounds its own. */
export const BROWSE_SCAN_MAX = 10_000;
/** The most records one search returns. */
export const BROWSE_LIMIT_MAX = 500;
/** Bytes of a value sent to the UI; the rest is cut (and the record says so). */
export const BROWSE_VALUE_MAX = 64 * 1024;

export const BrowseFrom = z.discriminatedUnion('kind', [
  /** the newest `limit` matches (of the newest records of each partition, within the scan budget) */
  z.object({ kind: z.literal('newest') }).strict(),
  /** the first `limit` matches from this offset on (in each partition searched) */
  z.object({ kind: z.literal('offset'), offset: Int64 }).strict(),
  /** the first `limit` matches from the first record at or after this time (ms since the epoch) */
  z.object({ kind: z.literal('timestamp'), timestamp: Millis }).strict(),
]);
export type BrowseFrom = z.infer<typeof BrowseFrom>;

export const BrowseFilter = z
  .object({
    /** the record's key, exactly */
    key: z.string().max(1024).optional(),
    /** text the value contains (case-insensitive) */
    text: z.string().min(1).max(1024).optional(),
    /** a dotted path into a JSON value (`$.order.status`, `items[0].sku`) ... */
    jsonPath: z
      .string()
      .max(256)
      .regex(
        /^(\$\.?)?[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/,
        'a dotted path such as $.order.status',
      )
      .optional(),
    /** ... whose value is this (a string as it is, anything else as JSON: `42`, `true`, `null`) */
    equals: z.string().max(1024).optional(),
  })
  .strict()
  .refine((f) => (f.jsonPath === undefined) === (f.equals === undefined), {
    message: 'jsonPath and equals go together',
    path: ['equals'],
  });
export type BrowseFilter = z.infer<typeof BrowseFilter>;

export const BrowseQuery = z
  .object({
    topic: TopicName,
    /** one partition, or every partition merged in time order when absent */
    partition: z.number().int().nonnegative().optional(),
    from: BrowseFrom,
    limit: z.number().int().min(1).max(BROWSE_LIMIT_MAX).default(100),
    filter: BrowseFilter.optional(),
  })
  .strict();
export type BrowseQuery = z.input<typeof BrowseQuery>;

export const BrowsedValue = z.object({
  /** the value's bytes (the first BROWSE_VALUE_MAX of them), base64 */
  base64: z.string(),
  /** the whole value's size in bytes */
  size: z.number().int().nonnegative(),
  truncated: z.boolean(),
});

export const BrowsedRecord = z.object({
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: Int64,
  /** ms since the epoch */
  timestamp: Millis,
  key: z.string().nullable(),
  value: BrowsedValue.nullable(),
  headers: z.record(z.string(), z.string()),
});
export type BrowsedRecord = z.infer<typeof BrowsedRecord>;

export const BrowseCost = z.object({
  /** records read from the broker inside the searched ranges */
  scanned: z.number().int().nonnegative(),
  /** bytes of keys and values read */
  bytes: z.number().int().nonnegative(),
  ms: z.number().int().nonnegative(),
  /** per partition: the offsets searched, [from, to) */
  ranges: z.array(z.object({ partition: z.number().int(), from: Int64, to: Int64 })),
  /** false when the search stopped at its scan budget or deadline before the end of a range */
  complete: z.boolean(),
  /** why it is not complete */
  note: z.string().nullable(),
});
export type BrowseCost = z.infer<typeof BrowseCost>;

export const ProduceRequest = z
  .object({
    topic: TopicName,
    /** the partition; absent = by key (the default partitioner) */
    partition: z.number().int().nonnegative().optional(),
    key: z
      .string()
      .max(64 * 1024)
      .optional(),
    value: z.string().max(1024 * 1024),
    headers: z.record(z.string().min(1).max(256), z.string().max(64 * 1024)).optional(),
  })
  .strict();
export type ProduceRequest = z.input<typeof ProduceRequest>;

export const BROWSE_REQUESTS = {
  /** A bounded search of one topic; records in time order (oldest first), with what it cost. */
  'topics:browse': def(BrowseQuery, z.object({ records: z.array(BrowsedRecord), cost: BrowseCost })),
  /** Produces one record; where it landed. */
  'topics:produce': def(
    ProduceRequest,
    z.object({ topic: z.string(), partition: z.number().int(), offset: Int64, timestamp: Millis }),
  ),
} as const;
