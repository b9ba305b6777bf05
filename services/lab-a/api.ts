// Lab A's command side and read API, `presentations-api` (LABS.md, Lab A): a command is validated, given the next
// version of its presentation and produced to Kafka as an event; it is answered 202 only once Kafka acknowledged the
// event (acks all), 503 otherwise. The command side never writes MongoDB: the projector does (projector.ts).
//
// The command side's own state lives in Redis, one hash per presentation (`presentation-command:{id}`): `seq` (the last
// version handed out, HINCRBY, so that a version is never handed out twice, even when a timed-out send lands later),
// and what Kafka acknowledged last: `version`, `deleted`, `doc` (the fields, for a partial PUT). Commands on one id run
// one after another in this process, so that one presentation's events reach its partition in version order.
// With write-through on (WRITE_THROUGH=1) the API also writes the presentation to Redis `presentation:{id}` after
// the acknowledgement; GET by id then reads Redis first (header `X-Read-From: redis|mongo`). Lists read MongoDB.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Kafka, Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { createClient } from 'redis';
import { v7 as uuidv7 } from 'uuid';
import { AppError, toAppError } from '../shared/app-error.js';
import { createCoalescingSender } from '../shared/coalescing-sender.js';
import { createHttpServer, listen } from '../shared/http.js';
import { linkedSocketFactory } from '../shared/kafka-links.js';
import { kafkaLogCreator } from '../shared/kafka-log.js';
import { kafkaSecurityFromEnv } from '../shared/kafka-security-env.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { Runnable } from '../shared/service-entry.js';
import type { LabABrokenModeId } from './broken-modes.js';
import {
  DEFAULT_MONGODB_DB,
  PRESENTATION_EVENTS_PARTITIONS,
  PRESENTATION_EVENTS_TOPIC,
  PRESENTATIONS_COLLECTION,
  docOf,
  redisKeys,
  type ApiLine,
  type EventType,
  type PresentationDoc,
  type PresentationEvent,
  type PresentationFields,
} from './schema.js';
import { ensureTopic } from './topic.js';

export interface PresentationsApiConfig {
  /** 0 picks a free port */
  port: number;
  host?: string;
  /** the `instance` of every line */
  instance?: string;
  brokers: string[];
  topic?: string;
  partitions?: number;
  replicationFactor?: number | 'auto';
  mongoUrl: string;
  mongoDb?: string;
  redisUrl: string;
  redisPrefix?: string;
  writeThrough?: boolean;
  /** how long a command waits for Kafka's acknowledgement before it is answered 503 (default 5 s) */
  ackTimeoutMs?: number;
  /** broker address → the proxy to connect through instead (the console's link fault) */
  kafkaLinks?: ReadonlyMap<string, string>;
  brokenMode?: LabABrokenModeId;
}

export interface PresentationsApiDeps {
  logger?: Logger;
  /** where the accepted/refused/cached lines go; stdout by default */
  out?: (line: ApiLine) => void;
}

export interface PresentationsApi extends Runnable {
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  readonly url: string;
}

export function stdoutApiLine(line: ApiLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const FIELD_SCHEMAS = {
  title: { type: 'string', minLength: 1, maxLength: 300 },
  speaker: { type: 'string', minLength: 1, maxLength: 200 },
  conference: { type: 'string', minLength: 1, maxLength: 200 },
  duration_min: { type: 'integer', minimum: 1, maximum: 1440 },
  abstract: { type: 'string', maxLength: 10_000 },
} as const;
const FIELD_NAMES = Object.keys(FIELD_SCHEMAS) as (keyof PresentationFields)[];
const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: UUID } },
} as const;
const CREATE_BODY = {
  type: 'object',
  required: ['title', 'speaker', 'conference', 'duration_min'],
  additionalProperties: false,
  properties: FIELD_SCHEMAS,
} as const;
const UPDATE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: { ...FIELD_SCHEMAS, expected_version: { type: 'integer', minimum: 1 } },
} as const;
const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { speaker: { type: 'string' }, conference: { type: 'string' } },
} as const;

type CommandKind = 'create' | 'update' | 'delete';
const TYPE_OF: Record<CommandKind, EventType> = {
  create: 'PresentationCreated',
  update: 'PresentationUpdated',
  delete: 'PresentationDeleted',
};

/** The value of `promise`, or a TIMEOUT AppError after `ms` (the promise goes on; its result is then ignored). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AppError('TIMEOUT', `no answer from ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createPresentationsApi(
  config: PresentationsApiConfig,
  deps: PresentationsApiDeps = {},
): PresentationsApi {
  const logger = deps.logger ?? createLogger({ name: 'presentations-api' });
  const out = deps.out ?? stdoutApiLine;
  const instance = config.instance ?? 'presentations-api';
  const topic = config.topic ?? PRESENTATION_EVENTS_TOPIC;
  const mode = config.brokenMode;
  const writeThrough = config.writeThrough === true || mode === 'write-through-before-ack';
  const ackTimeoutMs = config.ackTimeoutMs ?? 5000;
  const keys = redisKeys(config.redisPrefix);
  const now = (): string => new Date().toISOString();

  const kafka = new Kafka({
    clientId: `lab-a-${instance}`,
    brokers: config.brokers,
    ...kafkaSecurityFromEnv(),
    connectionTimeout: 3000,
    requestTimeout: ackTimeoutMs,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    ...(config.kafkaLinks === undefined ? {} : { socketFactory: linkedSocketFactory(config.kafkaLinks) }),
  });
  // Not kafkajs' idempotent producer: that one wants unbounded retries, and a command must be answered within
  // ackTimeoutMs. A retry that writes an event twice is harmless: the projector applies a version once. One request
  // in flight keeps the order of one presentation's events.
  const producer: Producer = kafka.producer({
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 of the key, as the Java client: one presentation, one partition
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  // Commands that arrive while a send is in flight go together in the next one (one Produce request), each answered
  // with its own partition and offset; the topic's partitions are read when Kafka is connected.
  let partitionMetadata: PartitionMetadata[] = [];
  const sender = createCoalescingSender({
    producer,
    topic,
    acks: -1,
    timeoutMs: ackTimeoutMs,
    partitions: () => partitionMetadata,
  });
  const redis = createClient({
    url: config.redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 3000) },
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis: connection error'));
  const mongo = new MongoClient(config.mongoUrl, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
  const presentations = mongo
    .db(config.mongoDb ?? DEFAULT_MONGODB_DB)
    .collection<PresentationDoc>(PRESENTATIONS_COLLECTION);

  // --- Kafka, connected and the topic ensured lazily (a broker away at start is answered 503 until it is back)
  let connected: Promise<void> | undefined;
  const connect = (): Promise<void> =>
    (connected ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopic(
          admin,
          {
            topic,
            partitions: config.partitions ?? PRESENTATION_EVENTS_PARTITIONS,
            replicationFactor: config.replicationFactor ?? 'auto',
          },
          logger,
        );
        partitionMetadata = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await producer.connect();
    })().catch((err: unknown) => {
      connected = undefined;
      throw err;
    }));

  async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new AppError('DB_ERROR', `Redis is unavailable (${what}): ${toAppError(err).message}`, undefined, {
        cause: err,
      });
    }
  }

  async function writeCopy(doc: PresentationDoc, afterAck: boolean): Promise<void> {
    const key = keys.doc(doc.id);
    await redis.set(key, JSON.stringify(doc));
    out({ type: 'cached', ts: now(), instance, id: doc.id, version: doc.version, key, after_ack: afterAck });
  }

  // --- commands: one at a time per id
  const locks = new Map<string, Promise<unknown>>();
  function serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    locks.set(id, tail);
    void tail.then(() => {
      if (locks.get(id) === tail) locks.delete(id);
    });
    return next;
  }

  async function command(
    kind: CommandKind,
    id: string,
    change: Partial<PresentationFields>,
    expectedVersion?: number,
  ): Promise<{ id: string; version: number }> {
    return serially(id, async () => {
      const received = Date.now();
      const stateKey = keys.command(id);
      let fields: Partial<PresentationFields> = change;
      if (kind !== 'create') {
        const state = await redisCall('read the command state', () => redis.hGetAll(stateKey));
        const current = state.version === undefined ? undefined : Number(state.version);
        if (current === undefined) throw new AppError('NOT_FOUND', `no presentation ${id}`, { id });
        if (state.deleted === '1')
          throw new AppError('NOT_FOUND', `presentation ${id} was deleted (version ${current})`, {
            id,
            version: current,
          });
        if (expectedVersion !== undefined && expectedVersion !== current)
          throw new AppError(
            'CONFLICT',
            `expected_version: ${expectedVersion} is stale, presentation ${id} is at version ${current}`,
            { field: 'expected_version', expected_version: expectedVersion, current_version: current },
          );
        const before = JSON.parse(state.doc ?? '{}') as Partial<PresentationFields>;
        fields = kind === 'delete' ? {} : { ...before, ...change };
      }
      const version = await redisCall('hand out a version', () => redis.hIncrBy(stateKey, 'seq', 1));
      const type = TYPE_OF[kind];
      const event: PresentationEvent = {
        event_id: uuidv7(),
        type,
        occurred_at: new Date(received).toISOString(),
        aggregate_id: id,
        version,
        data: fields as PresentationEvent['data'],
      };
      const doc = docOf(event);
      // the broken mode: the copy is written before Kafka answered, so a refused command is in Redis all the same
      if (mode === 'write-through-before-ack') await redisCall('write-through', () => writeCopy(doc, false));
      const key = mode === 'null-key' ? null : id;
      let partition: number;
      let offset: string;
      try {
        ({ partition, offset } = await within(
          (async () => {
            await connect();
            return sender.send(
              { key, value: JSON.stringify(event), headers: { event_id: event.event_id, type } },
              received + ackTimeoutMs,
            );
          })(),
          ackTimeoutMs,
          'Kafka',
        ));
      } catch (err) {
        const reason = toAppError(err).message;
        const message = `Kafka did not take the event (${reason}): ${type} of ${id} was not accepted, try again`;
        out({
          type: 'refused',
          ts: now(),
          instance,
          id,
          version,
          event_type: type,
          code: 'KAFKA_UNAVAILABLE',
          message,
        });
        logger.warn({ id, version, type, err: reason }, 'command refused: Kafka did not acknowledge the event');
        throw new AppError('KAFKA_UNAVAILABLE', message, { id, version, event_type: type }, { cause: err });
      }
      try {
        await redis.hSet(stateKey, {
          version: String(version),
          deleted: kind === 'delete' ? '1' : '0',
          doc: JSON.stringify(fields),
        });
      } catch (err) {
        logger.error(
          { id, version, err: toAppError(err).message },
          'event acknowledged, but the command state was not saved',
        );
        throw new AppError(
          'DB_ERROR',
          `the event (version ${version}) is in Kafka, but Redis did not take the command state: ${toAppError(err).message}`,
          { id, version },
        );
      }
      out({
        type: 'accepted',
        ts: now(),
        instance,
        id,
        version,
        event_type: type,
        event_id: event.event_id,
        topic,
        partition,
        offset,
        key,
        occurred_at: event.occurred_at,
        ack_ms: Date.now() - received,
      });
      if (writeThrough && mode !== 'write-through-before-ack') {
        try {
          await writeCopy(doc, true);
        } catch (err) {
          logger.warn({ id, version, err: toAppError(err).message }, 'write-through: Redis did not take the copy');
        }
      }
      return { id, version };
    });
  }

  // --- reads
  async function readOne(id: string, reply: FastifyReply): Promise<Omit<PresentationDoc, 'deleted'>> {
    let doc: PresentationDoc | null = null;
    let from: 'redis' | 'mongo' = 'mongo';
    if (writeThrough) {
      // Redis away: the read falls back to MongoDB (the header says so)
      const cached = await redis.get(keys.doc(id)).catch((err: unknown) => {
        logger.warn({ id, err: toAppError(err).message }, 'write-through copy unreadable: reading MongoDB');
        return null;
      });
      if (cached !== null) {
        doc = JSON.parse(cached) as PresentationDoc;
        from = 'redis';
      }
    }
    if (doc === null) {
      try {
        doc = await presentations.findOne({ id }, { sort: { version: -1 }, projection: { _id: 0 } });
      } catch (err) {
        throw new AppError('DB_ERROR', `MongoDB is unavailable: ${toAppError(err).message}`, undefined, { cause: err });
      }
    }
    void reply.header('x-read-from', from);
    if (doc === null)
      throw new AppError('NOT_FOUND', `no presentation ${id} (yet: a new one is readable once projected)`, { id });
    if (doc.deleted) throw new AppError('NOT_FOUND', `presentation ${id} was deleted (version ${doc.version})`, { id });
    const { deleted: _deleted, ...rest } = doc;
    return rest;
  }

  function buildApp(): FastifyInstance {
    const app = createHttpServer({
      logger,
      // reject unknown fields (a typo such as `duration`) instead of dropping them, and no type coercion
      fastify: { ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } } },
    });
    app.post<{ Body: PresentationFields }>('/presentations', { schema: { body: CREATE_BODY } }, async (req, reply) => {
      const fields = pick(req.body);
      const result = await command('create', uuidv7(), fields);
      return reply.status(202).header('location', `/presentations/${result.id}`).send(result);
    });
    app.put<{ Params: { id: string }; Body: Partial<PresentationFields> & { expected_version?: number } }>(
      '/presentations/:id',
      { schema: { params: ID_PARAMS, body: UPDATE_BODY } },
      async (req, reply) => {
        const change = pick(req.body);
        if (Object.keys(change).length === 0)
          throw new AppError('INVALID_INPUT', `body: nothing to change, send one of ${FIELD_NAMES.join(', ')}`, {
            field: 'body',
          });
        const result = await command('update', req.params.id.toLowerCase(), change, req.body.expected_version);
        return reply.status(202).send(result);
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/presentations/:id',
      { schema: { params: ID_PARAMS } },
      async (req, reply) => reply.status(202).send(await command('delete', req.params.id.toLowerCase(), {})),
    );
    app.get<{ Params: { id: string } }>('/presentations/:id', { schema: { params: ID_PARAMS } }, (req, reply) =>
      readOne(req.params.id.toLowerCase(), reply),
    );
    app.get<{ Querystring: { speaker?: string; conference?: string } }>(
      '/presentations',
      { schema: { querystring: LIST_QUERY } },
      async (req, reply) => {
        const filter: Record<string, unknown> = { deleted: false };
        if (req.query.speaker !== undefined) filter.speaker = req.query.speaker;
        if (req.query.conference !== undefined) filter.conference = req.query.conference;
        try {
          const docs = await presentations
            .find(filter, { projection: { _id: 0, deleted: 0 } })
            .sort({ id: 1 })
            .limit(1000)
            .toArray();
          void reply.header('x-read-from', 'mongo');
          return docs;
        } catch (err) {
          throw new AppError('DB_ERROR', `MongoDB is unavailable: ${toAppError(err).message}`, undefined, {
            cause: err,
          });
        }
      },
    );
    app.get('/healthz', () => Promise.resolve({ ok: true }));
    return app;
  }

  let app: FastifyInstance | undefined;
  let started: Promise<{ port: number; url: string }> | undefined;
  let stopped: Promise<void> | undefined;
  let url = '';
  return {
    get url() {
      return url;
    },
    start() {
      started ??= (async () => {
        if (mode) logger.info({ brokenMode: mode }, `broken mode: ${mode}`);
        await Promise.all([redis.connect(), mongo.connect()]);
        // a broker that is away at start is not fatal: commands are answered 503 until it is back
        connect().catch((err: unknown) =>
          logger.warn({ err: toAppError(err).message }, 'Kafka is not reachable yet: commands are answered 503'),
        );
        app = buildApp();
        const bound = await listen(app, config.port, config.host ?? '127.0.0.1');
        url = bound.url;
        logger.info({ url, topic, writeThrough }, 'presentations-api listening');
        return bound;
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        await started?.catch(() => undefined);
        const server = app;
        if (server) {
          const force = setTimeout(() => server.server.closeAllConnections(), 2000);
          force.unref();
          server.server.closeIdleConnections();
          await server.close().catch(() => undefined);
          clearTimeout(force);
        }
        await Promise.allSettled([
          producer.disconnect(),
          redis.isOpen ? redis.quit() : Promise.resolve(),
          mongo.close(),
        ]);
        logger.info('presentations-api stopped');
      })();
      return stopped;
    },
  };
}

/** The presentation's own fields of a body (without expected_version). */
function pick(body: Partial<PresentationFields>): Partial<PresentationFields> {
  return Object.fromEntries(FIELD_NAMES.filter((n) => body[n] !== undefined).map((n) => [n, body[n]]));
}
