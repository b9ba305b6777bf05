// What Lab A's checks (and its own requests) share: the presentations API driven over HTTP, the read model read from
// MongoDB (newest document per presentation, every document digested) and Redis (the write-through copies), the
// projector group's committed offsets against the topic's end, and waiting on a condition within a deadline.
import { createHash } from 'node:crypto';
import { BSON, MongoClient, type Document } from 'mongodb';
import { createClient } from 'redis';
import type { Kafka } from 'kafkajs';
import { PRESENTATIONS_COLLECTION, redisKeys } from '../../../../../services/lab-a/schema.js';
import { canonical } from '../../../observe/mongo-observer.js';
import type { LabContext } from '../../types.js';
import type { LabASettings } from '../settings.js';
import { plural, until } from '../../../checks/kit.js';

export { plural, until };

export interface ApiAnswer {
  method: string;
  path: string;
  status: number;
  /** when the answer came (epoch ms) */
  at: number;
  id: string | null;
  version: number | null;
  error: string | null;
}

/** One command to the presentations API; a network error is status 0. */
export async function command(apiUrl: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  try {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(15_000),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const at = Date.now();
    const json = (await res.json().catch(() => ({}))) as {
      id?: unknown;
      version?: unknown;
      message?: unknown;
      details?: { id?: unknown; version?: unknown };
    };
    // a refusal names the presentation and the version it was given in its details
    const id = json.id ?? json.details?.id;
    const version = json.version ?? json.details?.version;
    return {
      method,
      path,
      status: res.status,
      at,
      id: typeof id === 'string' ? id : null,
      version: typeof version === 'number' ? version : null,
      error: res.status === 202 ? null : typeof json.message === 'string' ? json.message : `HTTP ${res.status}`,
    };
  } catch (err) {
    return { method, path, status: 0, at: Date.now(), id: null, version: null, error: (err as Error).message };
  }
}

export const newPresentation = (n: number) => ({
  title: `Eventscope check ${n}`,
  speaker: `Speaker ${n % 7}`,
  conference: 'Eventscope',
  duration_min: 30 + (n % 30),
});

/** A document as the read model compares it: without MongoDB's `_id`, keys sorted. */
export type ReadDoc = Record<string, unknown> & { id: string; version: number };

const plain = (doc: Document): ReadDoc => {
  const json = BSON.EJSON.serialize(doc, { relaxed: true });
  delete json._id;
  return canonical(json) as ReadDoc;
};

export interface MongoSide {
  /** per presentation: every document (a correct projector keeps one), the newest by version */
  byId: Map<string, { docs: number; versions: number[]; newest: ReadDoc; hash: string }>;
  count: number;
  /** sha256 over every document in _id order, `_id` left out (the console's MongoDB observer digests the same way) */
  digest: string;
}

/** Every document of the read model, read once. */
export async function readMongo(client: MongoClient, db: string): Promise<MongoSide> {
  const byId: MongoSide['byId'] = new Map();
  const hashes = new Map<string, ReturnType<typeof createHash>>();
  const all = createHash('sha256');
  let count = 0;
  for await (const raw of client.db(db).collection(PRESENTATIONS_COLLECTION).find({}).sort({ _id: 1 })) {
    const doc = plain(raw);
    const text = JSON.stringify(doc);
    all.update(text);
    all.update('\n');
    count++;
    const id = String(doc.id);
    const h = hashes.get(id) ?? createHash('sha256');
    h.update(text);
    hashes.set(id, h);
    const e = byId.get(id);
    if (e === undefined) byId.set(id, { docs: 1, versions: [doc.version], newest: doc, hash: '' });
    else {
      e.docs++;
      e.versions.push(doc.version);
      if (doc.version > e.newest.version) e.newest = doc;
    }
  }
  for (const [id, e] of byId) {
    e.versions.sort((a, b) => a - b);
    e.hash = hashes.get(id)!.digest('hex');
  }
  return { byId, count, digest: all.digest('hex') };
}

type Redis = ReturnType<typeof createClient>;

/** The write-through copies: key `presentation:{id}` → the document (unreadable JSON kept as text). */
export async function readRedis(client: Redis, redisPrefix: string): Promise<Map<string, ReadDoc | string>> {
  const prefix = redisKeys(redisPrefix).doc('');
  const keys: string[] = [];
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 500 })) keys.push(...batch);
  const out = new Map<string, ReadDoc | string>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const values = chunk.length === 0 ? [] : await client.mGet(chunk);
    chunk.forEach((key, j) => {
      const v = values[j];
      if (v === null || v === undefined) return;
      try {
        out.set(key.slice(prefix.length), canonical(JSON.parse(v)) as ReadDoc);
      } catch {
        out.set(key.slice(prefix.length), v);
      }
    });
  }
  return out;
}

/** MongoDB and Redis clients of their own on the stack, closed after `work`. */
export async function withStores<T>(
  ctx: LabContext,
  work: (s: { mongo: MongoClient; redis: Redis }) => Promise<T>,
): Promise<T> {
  const stack = ctx.endpoints();
  const mongo = new MongoClient(stack.mongodb.url, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
  const redis = createClient({ url: stack.redis.url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  redis.on('error', () => undefined);
  try {
    await Promise.all([mongo.connect(), redis.connect()]);
    return await work({ mongo, redis });
  } finally {
    await Promise.allSettled([mongo.close(), redis.isOpen ? redis.quit() : Promise.resolve()]);
  }
}

/** The topic's end offsets now, per partition. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The partitions whose committed offset of `group` is below `ends` (empty: the group has handled everything). */
export async function behind(
  kafka: Kafka,
  group: string,
  topic: string,
  ends: Map<number, number>,
): Promise<{ partition: number; committed: number; end: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const committed = new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return [...ends]
      .map(([partition, end]) => ({ partition, end, committed: Math.max(0, committed.get(partition) ?? 0) }))
      .filter((p) => p.end > 0 && p.committed < p.end);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface StoreNames {
  topic: string;
  group: string;
  settings: LabASettings;
}
