// Polls the MongoDB collections a lab names (a read model): per collection the document count and the newest
// documents, pushed when they change (never a snapshot per poll). A digest of a whole collection (sha256 over its
// documents in _id order, keys sorted, the fields named left out) is computed on demand, for comparisons such as a
// replay's before and after or MongoDB against Redis. A failing poll is said once, and once when it works again.
import { createHash } from 'node:crypto';
import { BSON, type Document, type MongoClient } from 'mongodb';
import type { Logger } from '../../../services/shared/logger.js';
import { createPollLoop } from './poll-loop.js';

export interface MongoCollectionSpec {
  db: string;
  collection: string;
  /** the field whose descending order puts the newest documents first (default `_id`) */
  newestBy?: string;
  /** how many newest documents to keep (default 10) */
  newest?: number;
  /** fields left out of the digest (default: `_id`) */
  digestOmit?: readonly string[];
}

export interface CollectionState {
  db: string;
  collection: string;
  count: number;
  /** newest first, as relaxed extended JSON (ObjectId and dates as JSON) */
  newest: Record<string, unknown>[];
  at: number;
}

export interface CollectionDigest {
  db: string;
  collection: string;
  count: number;
  /** sha256, hex */
  digest: string;
}

export interface MongoObserverDeps {
  client: MongoClient;
  collections: readonly MongoCollectionSpec[];
  logger: Logger;
  pollIntervalMs: number;
  /** the collections whose count or newest documents changed */
  onDiff: (seq: number, changed: CollectionState[]) => void;
  /** a message while polling fails, null once it works again */
  onProblem?: (message: string | null) => void;
  now?: () => number;
}

export interface MongoObserver {
  start(): void;
  stop(): Promise<void>;
  setPollInterval(ms: number): void;
  pollNow(): Promise<void>;
  snapshot(): { seq: number; collections: CollectionState[] };
  /** the digest of one collection (every document, on demand) */
  digest(db: string, collection: string): Promise<CollectionDigest>;
}

/** A value with its object keys sorted, recursively: the same documents give the same text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, canonical(obj[k])]),
    );
  }
  return value;
}

const toJson = (doc: Document): Record<string, unknown> => BSON.EJSON.serialize(doc, { relaxed: true });

export function createMongoObserver(deps: MongoObserverDeps): MongoObserver {
  const now = deps.now ?? Date.now;
  const key = (db: string, collection: string) => `${db}.${collection}`;
  const specs = new Map(deps.collections.map((s) => [key(s.db, s.collection), s]));
  const states = new Map<string, { state: CollectionState; text: string }>();
  let seq = 0;
  let problem: string | null = null;

  const say = (message: string | null): void => {
    if (message === problem) return;
    if (message === null) deps.logger.info('mongodb observer: polling works again');
    else if (problem === null) deps.logger.warn({ err: message }, 'mongodb observer: polling failed');
    problem = message;
    deps.onProblem?.(message);
  };

  async function read(spec: MongoCollectionSpec): Promise<CollectionState> {
    const col = deps.client.db(spec.db).collection(spec.collection);
    const by = spec.newestBy ?? '_id';
    const [count, newest] = await Promise.all([
      col.estimatedDocumentCount().catch(() => col.countDocuments()),
      col
        .find({})
        .sort({ [by]: -1 })
        .limit(spec.newest ?? 10)
        .toArray(),
    ]);
    return { db: spec.db, collection: spec.collection, count, newest: newest.map(toJson), at: now() };
  }

  async function poll(): Promise<void> {
    const changed: CollectionState[] = [];
    try {
      for (const [k, spec] of specs) {
        const state = await read(spec);
        const text = JSON.stringify([state.count, state.newest]);
        if (states.get(k)?.text === text) continue;
        states.set(k, { state, text });
        changed.push(state);
      }
      say(null);
    } catch (err) {
      say((err as Error).message);
    }
    if (changed.length > 0) deps.onDiff(++seq, changed);
  }

  const loop = createPollLoop(poll, deps.pollIntervalMs);
  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    setPollInterval: (ms) => loop.setInterval(ms),
    pollNow: () => loop.pollNow(),
    snapshot: () => ({ seq, collections: [...states.values()].map((s) => s.state) }),
    async digest(db, collection) {
      const omit = new Set(specs.get(key(db, collection))?.digestOmit ?? ['_id']);
      const hash = createHash('sha256');
      let count = 0;
      const cursor = deps.client.db(db).collection(collection).find({}).sort({ _id: 1 });
      for await (const doc of cursor) {
        const json = toJson(doc);
        for (const field of omit) delete json[field];
        hash.update(JSON.stringify(canonical(json)));
        hash.update('\n');
        count++;
      }
      return { db, collection, count, digest: hash.digest('hex') };
    },
  };
}
