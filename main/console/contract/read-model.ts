// The read-model observers' part of the console contract: the MongoDB collections and Redis key prefixes a lab names in
// its manifest (`readModels`), what the observers report of them (per collection the count and newest documents, per
// prefix the key count and first keys), their pushes, and what is read on demand (a collection's digest, one key's
// value). Merged into console-api.ts. zod only: compiled into the DOM build too.
import { z } from 'zod';
import { Empty, Millis, Seq, def, event } from './define.js';

export const ReadModelCollection = z.object({
  db: z.string(),
  collection: z.string(),
  count: z.number().int().nonnegative(),
  /** the newest documents (by the manifest's `newestBy`), as relaxed extended JSON */
  newest: z.array(z.record(z.string(), z.unknown())),
  at: Millis,
});
export type ReadModelCollection = z.infer<typeof ReadModelCollection>;

export const ReadModelPrefix = z.object({
  prefix: z.string(),
  /** keys matching the prefix (up to the observer's scan bound) */
  count: z.number().int().nonnegative(),
  /** the scan stopped at its bound: there may be more */
  truncated: z.boolean(),
  /** the first keys in lexical order */
  keys: z.array(z.string()),
  at: Millis,
});
export type ReadModelPrefix = z.infer<typeof ReadModelPrefix>;

export const ReadModelDigest = z.object({
  db: z.string(),
  collection: z.string(),
  count: z.number().int().nonnegative(),
  /** sha256 (hex) over the documents in _id order, keys sorted, `_id` left out */
  digest: z.string(),
});
export type ReadModelDigest = z.infer<typeof ReadModelDigest>;

export const RedisKeyValue = z.discriminatedUnion('type', [
  z.object({ key: z.string(), type: z.literal('none') }),
  z.object({ key: z.string(), type: z.literal('string'), value: z.string() }),
  z.object({ key: z.string(), type: z.literal('hash'), value: z.record(z.string(), z.string()) }),
  z.object({ key: z.string(), type: z.literal('list'), value: z.array(z.string()) }),
  z.object({ key: z.string(), type: z.literal('set'), value: z.array(z.string()) }),
  z.object({ key: z.string(), type: z.literal('other'), redisType: z.string() }),
]);
export type RedisKeyValue = z.infer<typeof RedisKeyValue>;

/** One observer's state: null problem while its polls work. */
const Side = <T extends z.ZodType>(item: T) =>
  z.object({ seq: Seq, observing: z.boolean(), problem: z.string().nullable(), items: z.array(item) });

export const ReadModelSnapshot = z.object({
  mongodb: Side(ReadModelCollection),
  redis: Side(ReadModelPrefix),
});
export type ReadModelSnapshot = z.infer<typeof ReadModelSnapshot>;

export const READ_MODEL_REQUESTS = {
  /** The selected lab's read models now (MongoDB collections, Redis prefixes), each side with the `seq` of its last
   * push included; empty and `observing: false` while the lab names none or the component is not healthy. */
  'readmodel:snapshot': def(Empty, ReadModelSnapshot),
  /** The digest of one collection the lab names (`db` omitted: the lab's). */
  'readmodel:digest': def(
    z.object({ db: z.string().min(1).max(64).optional(), collection: z.string().min(1).max(120) }).strict(),
    ReadModelDigest,
  ),
  /** One Redis key's value (a key under a prefix the lab names). */
  'readmodel:value': def(z.object({ key: z.string().min(1).max(1024) }).strict(), RedisKeyValue),
} as const;

export const READ_MODEL_EVENTS = {
  /** MongoDB collections whose count or newest documents changed (whole state per collection). */
  'readmodel:mongodb-diff': event(z.object({ seq: Seq, changed: z.array(ReadModelCollection) })),
  /** Redis prefixes whose keys changed (whole state per prefix). */
  'readmodel:redis-diff': event(z.object({ seq: Seq, changed: z.array(ReadModelPrefix) })),
} as const;
