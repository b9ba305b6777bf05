// Lab A's projector (LABS.md, Lab A): one member of the consumer group `presentation-projector` (a reconnecting group
// member, services/shared/kafka-group-member.ts) that applies `presentation.events` to MongoDB `presentations`,
// idempotently by version: a document is replaced only by an event with a newer version (one conditional upsert per
// event: `{_id, version < v}` with upsert, whose duplicate-key answer means "the document is as new or newer"). An event
// that is not newer is skipped and counted (a duplicate, a replay). A record that is not a presentation event is
// logged, counted and skipped. An offset is resolved only after its write, and kafkajs commits only resolved offsets.
// MongoDB being away does not skip anything: the write is retried (heartbeating) until it goes through or the member
// stops. One JSON line per record on stdout (schema.ts: projected, skipped, error, lifecycle).
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { toAppError } from '../shared/app-error.js';
import { createKafkaGroupMember } from '../shared/kafka-group-member.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { Runnable } from '../shared/service-entry.js';
import type { LabABrokenModeId } from './broken-modes.js';
import {
  DEFAULT_MONGODB_DB,
  PRESENTATION_EVENTS_TOPIC,
  PRESENTATIONS_COLLECTION,
  PROJECTOR_GROUP_ID,
  PresentationEvent,
  docOf,
  type PresentationDoc,
  type ProjectorLifecycleLine,
  type ProjectorLine,
} from './schema.js';

type LifecycleLine = z.infer<typeof ProjectorLifecycleLine>;
type LifecycleExtra = Omit<LifecycleLine, 'type' | 'ts' | 'instance' | 'state' | 'group_id'>;

export interface ProjectorConfig {
  brokers: string[];
  topic?: string;
  groupId?: string;
  /** defaults to hostname-pid */
  instance?: string;
  mongoUrl: string;
  mongoDb?: string;
  /** how long the group waits for a member that vanished (default 10 s) */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxWaitTimeMs?: number;
  stopTimeoutMs?: number;
  /** a new group starts at the beginning of the topic (default true) */
  fromBeginning?: boolean;
  brokenMode?: LabABrokenModeId;
  /** `slow-projector`: the pause before each batch (default 6 s) */
  slowMs?: number;
}

export interface ProjectorDeps {
  logger?: Logger;
  /** where the lines go; stdout by default */
  out?: (line: ProjectorLine) => void;
  onFatal?: (err: Error) => void;
}

export interface Projector extends Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly instance: string;
  readonly stats: { projected: number; skipped: number; errors: number };
}

export function stdoutProjectorLine(line: ProjectorLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

type StoredDoc = PresentationDoc & { _id: string };

/** Applies one event: 'applied', or 'stale' when the document is already at this version or newer. */
export async function applyEvent(
  collection: Collection<StoredDoc>,
  event: PresentationEvent,
  notIdempotent = false,
): Promise<'applied' | 'stale'> {
  const doc = docOf(event);
  if (notIdempotent) {
    // the broken mode: every event becomes one more document, whatever its version
    await (collection as unknown as Collection<PresentationDoc>).insertOne(doc);
    return 'applied';
  }
  try {
    const result = await collection.replaceOne({ _id: doc.id, version: { $lt: doc.version } }, doc, { upsert: true });
    return result.matchedCount + result.upsertedCount > 0 ? 'applied' : 'stale';
  } catch (err) {
    // the filter did not match an existing document (its version is not older), so the upsert collided with its _id
    if (err instanceof MongoServerError && err.code === 11000) return 'stale';
    throw err;
  }
}

export function createProjector(config: ProjectorConfig, deps: ProjectorDeps = {}): Projector {
  const logger = deps.logger ?? createLogger({ name: 'projector' });
  const out = deps.out ?? stdoutProjectorLine;
  const instance = config.instance ?? `${hostname()}-${process.pid}`;
  const groupId = config.groupId ?? PROJECTOR_GROUP_ID;
  const topic = config.topic ?? PRESENTATION_EVENTS_TOPIC;
  const mode = config.brokenMode;
  const slowMs = config.slowMs ?? 6000;
  const stats = { projected: 0, skipped: 0, errors: 0 };
  const now = (): string => new Date().toISOString();
  const lifecycle = (state: LifecycleLine['state'], extra: LifecycleExtra = {}): void =>
    out({ type: 'lifecycle', ts: now(), instance, state, group_id: groupId, ...extra });

  const mongo = new MongoClient(config.mongoUrl, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
  const collection = mongo.db(config.mongoDb ?? DEFAULT_MONGODB_DB).collection<StoredDoc>(PRESENTATIONS_COLLECTION);
  let stopping = false;

  /** resolves after `ms`, or sooner when the member stops */
  const pause = (ms: number, payload: EachBatchPayload): Promise<void> =>
    new Promise((resolve) => {
      const started = Date.now();
      const tick = (): void => {
        if (stopping || !payload.isRunning() || Date.now() - started >= ms) return resolve();
        setTimeout(tick, Math.min(100, ms));
      };
      tick();
    });

  /** One record → its write and line; false when the member must stop before it (the record comes again). */
  async function handle(payload: EachBatchPayload, message: KafkaMessage): Promise<boolean> {
    const { partition } = payload.batch;
    const base = {
      ts: now(),
      instance,
      topic: payload.batch.topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
    };
    let event: PresentationEvent;
    try {
      const parsed = PresentationEvent.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `not a presentation event: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`,
        );
      }
      event = parsed.data;
    } catch (err) {
      stats.errors++;
      const text = (err as Error).message;
      const message_ = err instanceof SyntaxError ? `malformed JSON: ${text}` : text;
      out({ type: 'error', ...base, code: 'POISON_MESSAGE', message: message_, errors_total: stats.errors });
      logger.warn({ partition, offset: message.offset, err: message_ }, 'poison record skipped');
      return true;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await applyEvent(collection, event, mode === 'projector-not-idempotent');
        const ids = {
          id: event.aggregate_id,
          version: event.version,
          event_type: event.type,
        };
        if (outcome === 'applied') {
          stats.projected++;
          out({
            type: 'projected',
            ...base,
            ts: now(),
            ...ids,
            event_id: event.event_id,
            window_ms: Date.now() - Date.parse(event.occurred_at),
          });
        } else {
          stats.skipped++;
          out({
            type: 'skipped',
            ...base,
            ts: now(),
            ...ids,
            reason: 'not newer than the document',
            skipped_total: stats.skipped,
          });
        }
        return true;
      } catch (err) {
        if (stopping || !payload.isRunning() || payload.isStale()) return false;
        const delay = Math.min(200 * 2 ** Math.min(attempt - 1, 5), 5000);
        logger.warn({ err: toAppError(err).message, attempt, retryInMs: delay }, 'MongoDB write failed: retrying');
        await payload.heartbeat().catch(() => undefined);
        await pause(delay, payload);
      }
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    // the broken mode: a long pause before every batch
    if (mode === 'slow-projector' && payload.batch.messages.length > 0) {
      await pause(slowMs, payload);
      await payload.heartbeat().catch(() => undefined);
    }
    for (const message of payload.batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      if (!(await handle(payload, message))) break;
      payload.resolveOffset(message.offset);
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
    }
  }

  const member = createKafkaGroupMember({
    brokers: config.brokers,
    clientId: `projector-${instance}`,
    groupId,
    topics: [topic],
    logger,
    eachBatch,
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    fromBeginning: config.fromBeginning ?? true,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxWaitTimeMs: config.maxWaitTimeMs,
    stopTimeoutMs: config.stopTimeoutMs,
    events: {
      starting: (detail) => lifecycle('starting', { detail }),
      joined: (join) =>
        lifecycle('joined', {
          ...(join.generationId === undefined ? {} : { generation_id: join.generationId }),
          member_id: join.memberId,
          assignment: join.assignment,
          ...(join.isLeader ? { detail: 'leader' } : {}),
        }),
      disconnected: (reason) => lifecycle('disconnected', { detail: reason }),
      reconnecting: (attempt, delay, reason) =>
        lifecycle('reconnecting', { attempt, retry_in_ms: delay, detail: reason }),
      crashed: (reason) => lifecycle('crashed', { detail: reason }),
      stopping: () => lifecycle('stopping'),
      stopped: ({ detail }) => {
        const counts = `projected ${stats.projected}, skipped ${stats.skipped}, errors ${stats.errors}`;
        lifecycle('stopped', { detail: detail === undefined ? counts : `${detail}; ${counts}` });
      },
    },
  });

  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    instance,
    stats,
    start() {
      started ??= (async () => {
        if (mode) logger.info({ brokenMode: mode }, `broken mode: ${mode}`);
        await mongo.connect();
        if (stopping) return;
        await member.start();
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        // member.stop() also ends a start() still waiting for its first join
        await member.stop();
        await started?.catch(() => undefined);
        await mongo.close().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
