// Lab A test harness: the presentations API and the projector in-process (the library entries) on a topic, a MongoDB
// database and a Redis key prefix of their own, their stdout lines kept in memory, and the read model's digest.
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient, type Collection } from 'mongodb';
import { createClient } from 'redis';
import {
  createPresentationsApi,
  type PresentationsApi,
  type PresentationsApiConfig,
} from '../../../services/lab-a/api.js';
import { createProjector, type Projector, type ProjectorConfig } from '../../../services/lab-a/projector.js';
import {
  PRESENTATIONS_COLLECTION,
  redisKeys,
  type ApiLine,
  type PresentationDoc,
  type ProjectorLine,
} from '../../../services/lab-a/schema.js';
import { createLogger, createMemoryLogger } from '../../../services/shared/logger.js';
import type { CheckContext } from '../../../main/console/labs/types.js';
import { waitFor } from '../../../services/shared/wait.js';
import { endpoints, uniqueName } from '../support/index.js';

export { waitFor };

const quiet = (name: string) => createLogger({ name, level: process.env.LAB_A_LOG_LEVEL ?? 'silent' });

/** Quiet kafkajs clients for the test side. */
export function testKafka(clientId = 'lab-a-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: endpoints().kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
}

/** The names of one test's world: topic, database, Redis prefix, group. */
export interface LabANames {
  topic: string;
  db: string;
  prefix: string;
  group: string;
}

export function labANames(prefix: string): LabANames {
  return {
    topic: uniqueName(`lab-a-${prefix}`),
    db: uniqueName(`es_lab_a_${prefix}`, '_').slice(0, 60),
    prefix: `${uniqueName(`lab-a-${prefix}`)}:`,
    group: uniqueName(`lab-a-${prefix}-projector`),
  };
}

export interface ApiFixture {
  api: PresentationsApi;
  url: string;
  lines: ApiLine[];
  http(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; readFrom: string | null }>;
}

export async function startApi(names: LabANames, config: Partial<PresentationsApiConfig> = {}): Promise<ApiFixture> {
  const lines: ApiLine[] = [];
  const api = createPresentationsApi(
    {
      port: 0,
      brokers: endpoints().kafka.brokers,
      topic: names.topic,
      mongoUrl: endpoints().mongodb.url,
      mongoDb: names.db,
      redisUrl: endpoints().redis.url,
      redisPrefix: names.prefix,
      ackTimeoutMs: 3000,
      ...config,
    },
    { logger: quiet('presentations-api-test'), out: (l) => lines.push(l) },
  );
  const { url } = await api.start();
  return {
    api,
    url,
    lines,
    async http(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : {
              headers: { 'content-type': 'application/json' },
              body: typeof body === 'string' ? body : JSON.stringify(body),
            }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, body: parsed, readFrom: res.headers.get('x-read-from') };
    },
  };
}

export interface ProjectorFixture {
  projector: Projector;
  lines: ProjectorLine[];
}

/** A projector that has joined its group (short session timeout: a test's leftover member goes quickly). */
export async function startProjector(
  names: LabANames,
  config: Partial<ProjectorConfig> = {},
): Promise<ProjectorFixture> {
  const lines: ProjectorLine[] = [];
  const projector = createProjector(
    {
      brokers: endpoints().kafka.brokers,
      topic: names.topic,
      groupId: names.group,
      instance: uniqueName('projector'),
      mongoUrl: endpoints().mongodb.url,
      mongoDb: names.db,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 200,
      stopTimeoutMs: 3000,
      ...config,
    },
    { logger: quiet('projector-test'), out: (l) => lines.push(l) },
  );
  await projector.start();
  return { projector, lines };
}

/** Creates the topic (3 partitions, RF 1) and waits for its leaders, for tests that produce before an API runs. */
export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
    await waitFor(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = topics[0]?.partitions ?? [];
        return (found.length === partitions && found.every((p) => p.leader >= 0)) || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: `leaders of ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Sends raw values to the topic (key = the presentation id, or none). */
export async function produce(topic: string, messages: { key: string | null; value: string }[]): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** MongoDB and Redis clients for the assertions. */
export interface Stores {
  mongo: MongoClient;
  redis: ReturnType<typeof createClient>;
  collection(db: string): Collection<PresentationDoc & { _id: unknown }>;
  /** the documents of a database, without _id, sorted by id then version: a digest to compare */
  digest(db: string): Promise<string>;
  redisDoc(names: LabANames, id: string): Promise<PresentationDoc | null>;
  close(): Promise<void>;
}

export async function connectStores(): Promise<Stores> {
  const mongo = new MongoClient(endpoints().mongodb.url, { serverSelectionTimeoutMS: 5000 });
  const redis = createClient({ url: endpoints().redis.url });
  redis.on('error', () => undefined);
  await Promise.all([mongo.connect(), redis.connect()]);
  const collection = (db: string) =>
    mongo.db(db).collection<PresentationDoc & { _id: unknown }>(PRESENTATIONS_COLLECTION);
  return {
    mongo,
    redis,
    collection,
    async digest(db) {
      const docs = await collection(db)
        .find({}, { projection: { _id: 0 } })
        .toArray();
      docs.sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version);
      return JSON.stringify(
        docs.map((d) => Object.fromEntries(Object.entries(d).sort(([x], [y]) => x.localeCompare(y)))),
      );
    },
    async redisDoc(names, id) {
      const v = await redis.get(redisKeys(names.prefix).doc(id));
      return v === null ? null : (JSON.parse(v) as PresentationDoc);
    },
    async close() {
      await Promise.allSettled([mongo.close(), redis.quit()]);
    },
  };
}

/** Drops the test's database, Redis keys, topics (its own and `<topic>-…`) and groups. */
export async function cleanUp(stores: Stores, names: LabANames): Promise<void> {
  const admin = testKafka().admin();
  await admin
    .connect()
    .then(async () => {
      const topics = (await admin.listTopics()).filter((t) => t === names.topic || t.startsWith(`${names.topic}-`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(names.group));
      if (groups.length > 0) await admin.deleteGroups(groups);
    })
    .catch(() => undefined)
    .finally(() => admin.disconnect().catch(() => undefined));
  await stores.mongo
    .db(names.db)
    .dropDatabase()
    .catch(() => undefined);
  const keys: string[] = [];
  for await (const batch of stores.redis.scanIterator({ MATCH: `${names.prefix}*`, COUNT: 500 })) keys.push(...batch);
  if (keys.length > 0) await stores.redis.del(keys);
}

/** A port on 127.0.0.1 with nothing listening (a Kafka that is away). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A check context with Kafka only (for the checks that read the topic), deadline `timeoutMs` from now. */
export function kafkaCheckContext(timeoutMs = 60_000): CheckContext {
  const kafka = testKafka('lab-a-checks');
  return {
    kafka: () => kafka,
    progress: () => undefined,
    signal: new AbortController().signal,
    deadline: Date.now() + timeoutMs,
    logger: createMemoryLogger('checks').logger,
  } as unknown as CheckContext;
}
