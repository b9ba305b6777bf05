// The generic read-model observers against the MongoDB-wire server and Redis: the MongoDB observer pushes a
// collection's count and newest documents when they change (not per poll) and digests a collection the same whatever
// the insertion order, differently after a change; the Redis observer lists keys by prefix (a `*` in it is literal),
// pushes when a key appears and reads values of any type on demand.
import { MongoClient } from 'mongodb';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMongoObserver, type CollectionState } from '../../main/console/observe/mongo-observer.js';
import { createRedisObserver, type RedisPrefixState } from '../../main/console/observe/redis-observer.js';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { endpoints, uniqueName } from './support/index.js';

const { logger } = createMemoryLogger('observers');

interface Doc {
  _id: string;
  id: string;
  version: number;
  title?: string;
}

describe('read-model observers', () => {
  const dbA = uniqueName('es_obs_a', '_');
  const dbB = uniqueName('es_obs_b', '_');
  const prefix = `${uniqueName('obs')}:*:`;
  let mongo: MongoClient;
  const redis = createClient({ url: endpoints().redis.url });

  beforeAll(async () => {
    mongo = new MongoClient(endpoints().mongodb.url, { serverSelectionTimeoutMS: 5000 });
    await Promise.all([mongo.connect(), redis.connect()]);
  });

  afterAll(async () => {
    for (const db of [dbA, dbB])
      await mongo
        ?.db(db)
        .dropDatabase()
        .catch(() => undefined);
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix.replace('*', '\\*')}*` })) keys.push(...batch);
    if (keys.length > 0) await redis.del(keys);
    await Promise.allSettled([mongo?.close(), redis.quit()]);
  });

  it('MongoDB: count and newest pushed on change; a digest independent of insertion order', async () => {
    const docs = [1, 2, 3].map((n) => ({ _id: `p${n}`, id: `p${n}`, version: n, title: `t${n}` }));
    await mongo.db(dbA).collection<Doc>('presentations').insertMany(docs);
    await mongo
      .db(dbB)
      .collection<Doc>('presentations')
      .insertMany([...docs].reverse());
    const diffs: CollectionState[][] = [];
    const observer = createMongoObserver({
      client: mongo,
      collections: [{ db: dbA, collection: 'presentations', newestBy: 'version', newest: 2 }],
      logger,
      pollIntervalMs: 100,
      onDiff: (_seq, changed) => diffs.push(changed),
    });
    observer.start();
    try {
      await waitFor(() => diffs.length >= 1 || undefined, { timeoutMs: 5000, what: 'the first push' });
      expect(diffs[0]).toEqual([expect.objectContaining({ db: dbA, count: 3, newest: [docs[2], docs[1]] })]);
      await observer.pollNow();
      await observer.pollNow();
      expect(diffs).toHaveLength(1); // nothing changed: nothing pushed

      const a = await observer.digest(dbA, 'presentations');
      const b = await observer.digest(dbB, 'presentations');
      expect(a).toMatchObject({ count: 3 });
      expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(b.digest).toBe(a.digest);

      await mongo
        .db(dbA)
        .collection<Doc>('presentations')
        .updateOne({ _id: 'p2' }, { $set: { title: 'x' } });
      expect((await observer.digest(dbA, 'presentations')).digest).not.toBe(a.digest);
      await mongo.db(dbA).collection<Doc>('presentations').insertOne({ _id: 'p4', id: 'p4', version: 4 });
      const pushed = await waitFor(() => diffs.flat().find((d) => d.count === 4), {
        timeoutMs: 5000,
        what: 'the push of the new document',
      });
      expect(pushed.newest).toEqual([{ _id: 'p4', id: 'p4', version: 4 }, docs[2]]);
    } finally {
      await observer.stop();
    }
  });

  it('Redis: keys by prefix pushed on change, values of any type on demand', async () => {
    await redis.set(`${prefix}p1`, '{"version":1}');
    await redis.hSet(`${prefix}p2`, { version: '2', deleted: '0' });
    // a key the prefix would match if its `*` were a wildcard
    const other = `${prefix.replace('*', 'x')}p9`;
    await redis.set(other, 'not mine');
    const diffs: RedisPrefixState[][] = [];
    const observer = createRedisObserver({
      client: redis,
      prefixes: [prefix],
      logger,
      pollIntervalMs: 100,
      onDiff: (_seq, changed) => diffs.push(changed),
    });
    observer.start();
    try {
      await waitFor(() => diffs.length >= 1 || undefined, { timeoutMs: 5000, what: 'the first push' });
      expect(diffs[0]).toEqual([
        expect.objectContaining({ prefix, count: 2, truncated: false, keys: [`${prefix}p1`, `${prefix}p2`] }),
      ]);
      await observer.pollNow();
      expect(diffs).toHaveLength(1);
      await redis.set(`${prefix}p3`, 'three');
      await waitFor(() => diffs.length >= 2 || undefined, { timeoutMs: 5000, what: 'the push of the new key' });
      expect(diffs[1]?.[0]).toMatchObject({ count: 3 });
      expect(await observer.value(`${prefix}p1`)).toEqual({
        key: `${prefix}p1`,
        type: 'string',
        value: '{"version":1}',
      });
      expect(await observer.value(`${prefix}p2`)).toEqual({
        key: `${prefix}p2`,
        type: 'hash',
        value: { version: '2', deleted: '0' },
      });
      expect(await observer.value(`${prefix}none`)).toEqual({ key: `${prefix}none`, type: 'none' });
    } finally {
      await observer.stop();
      await redis.del(other);
    }
  });
});
