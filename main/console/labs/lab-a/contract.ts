// Lab A's own console requests, merged into the one contract (main/console/labs/contracts.ts): its Read model panel's
// consistency windows, MongoDB against Redis per presentation, and Replay. zod only.
import { z } from 'zod';
import { Empty, Millis, def } from '../../contract/define.js';

const Doc = z.record(z.string(), z.unknown());

export const LabAWindows = z.object({
  /** windows of the newest projected facts (ms from the command's acceptance to its MongoDB write) */
  count: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
  /** upper bounds (ms; null: above the last) and how many windows fell in each */
  buckets: z.array(z.object({ le: z.number().nullable(), count: z.number().int().nonnegative() })),
  /** check 1's bound */
  boundMs: z.number().int(),
});
export type LabAWindows = z.infer<typeof LabAWindows>;

export const LabARow = z.object({
  id: z.string(),
  mongo: Doc.nullable(),
  /** documents MongoDB holds for it (a correct projector keeps one) */
  mongoDocs: z.number().int().nonnegative(),
  /** the Redis copy (a string when it is not JSON) */
  redis: z.union([Doc, z.string()]).nullable(),
  same: z.boolean(),
  kind: z.enum(['only-redis', 'only-mongo', 'redis-newer', 'mongo-newer', 'fields', 'unreadable']).nullable(),
  fields: z.array(z.string()),
  detail: z.string(),
});
export type LabARow = z.infer<typeof LabARow>;

export const LabACompare = z.object({
  /** differences first, at most `limit` */
  rows: z.array(LabARow),
  total: z.number().int(),
  differ: z.number().int(),
  writeThrough: z.boolean(),
  at: Millis,
});
export type LabACompare = z.infer<typeof LabACompare>;

export const LabAReplay = z.object({
  before: z.object({ count: z.number().int(), digest: z.string() }),
  after: z.object({ count: z.number().int(), digest: z.string() }),
  same: z.boolean(),
  replayed: z.number().int(),
  ms: z.number().int(),
  instances: z.array(z.string()),
  changed: z.array(z.object({ id: z.string(), before: z.string(), after: z.string() })),
  changedCount: z.number().int(),
  summary: z.string(),
});
export type LabAReplay = z.infer<typeof LabAReplay>;

export const LAB_A_REQUESTS = {
  /** The consistency windows of the projected changes the console saw (its timeline facts): p50/p99/max, histogram. */
  'lab-a:windows': def(Empty, LabAWindows),
  /** MongoDB against Redis for every presentation (the newest document against the write-through copy). */
  'lab-a:compare': def(z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict(), LabACompare),
  /** Replay: stop the projector, reset its group to the earliest offsets, rebuild, compare digests before and after. */
  'lab-a:replay': def(Empty, LabAReplay),
} as const;

export const LAB_A_EVENTS = {} as const;
