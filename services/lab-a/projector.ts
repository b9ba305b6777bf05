// Lab A's projector (LABS.md, Lab A): one member of the consumer group `presentation-projector` (a reconnecting group
// member, services/shared/kafka-group-member.ts) that applies `presentation.events` to MongoDB `presentations`,
// idempotently by version: a document is replaced only by an event with a newer version (a conditional upsert per
// event: `{_id, version < v}` with upsert, whose duplicate-key answer means "the document is as new or newer"). A
// batch's events go to MongoDB together, up to 500 in one unordered bulk write when their ids differ (a presentation's
// later events in the next bulk write, so its versions are applied in order). An event
// that is not newer is skipped and counted (a duplicate, a replay). A record that is not a presentation event is
// logged, counted and skipped. An offset is resolved only after its write, and kafkajs commits only resolved offsets.
// MongoDB being away does not skip anything: the write is retried (heartbeating) until it goes through or the member
// stops. One JSON line per record on stdout (schema.ts: projected, skipped, error, lifecycle).
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { MongoBulkWriteError, MongoClient, MongoServerError, type Collection, type WriteError } from 'mongodb';
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
): Promise<Outcome> {
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

type Outcome = 'applied' | 'stale';
/** records written to MongoDB together at most */
const CHUNK = 500;

/**
 * Applies events as `applyEvent` does, in as few requests as the ids allow: one unordered bulk write per round, a round
 * holding each id once (a presentation's events in the order given, one round after another). The outcome of each
 * event, or undefined for one whose write failed otherwise than as "not newer" (to be tried again).
 */
export async function applyEvents(
  collection: Collection<StoredDoc>,
  events: readonly PresentationEvent[],
): Promise<(Outcome | undefined)[]> {
  const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(events.length).fill(undefined);
  const rounds: number[][] = [];
  const roundOf = new Map<string, number>();
  events.forEach((event, i) => {
    const r = roundOf.get(event.aggregate_id) ?? 0;
    roundOf.set(event.aggregate_id, r + 1);
    (rounds[r] ??= []).push(i);
  });
  for (const round of rounds) {
    const failed = new Set<number>();
    try {
      await collection.bulkWrite(
        round.map((i) => {
          const doc = docOf(events[i] as PresentationEvent);
          return {
            replaceOne: { filter: { _id: doc.id, version: { $lt: doc.version } }, replacement: doc, upsert: true },
          };
        }),
        { ordered: false },
      );
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors: WriteError[] = ([] as WriteError[]).concat(err.writeErrors);
      if (errors.length === 0) throw err;
      for (const e of errors) {
        const i = round[e.index];
        if (i === undefined) continue;
        // a duplicate _id: the filter did not match the existing document, which is as new or newer
        if (e.code === 11000) outcomes[i] = 'stale';
        else failed.add(i);
      }
    }
    for (const i of round) if (outcomes[i] === undefined && !failed.has(i)) outcomes[i] = 'applied';
    // a later event of an id waits for its earlier one
    if (failed.size > 0) return outcomes;
  }
  return outcomes;
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

  type Base = { ts: string; instance: string; topic: string; partition: number; offset: string; key: string | null };

  /** A record's event, or undefined when it is poison (logged, counted and skipped here). */
  function parse(base: Base, message: KafkaMessage): PresentationEvent | undefined {
    try {
      const parsed = PresentationEvent.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `not a presentation event: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`,
        );
      }
      return parsed.data;
    } catch (err) {
      stats.errors++;
      const text = (err as Error).message;
      const message_ = err instanceof SyntaxError ? `malformed JSON: ${text}` : text;
      out({ type: 'error', ...base, code: 'POISON_MESSAGE', message: message_, errors_total: stats.errors });
      logger.warn({ partition: base.partition, offset: base.offset, err: message_ }, 'poison record skipped');
      return undefined;
    }
  }

  /** The line of an event written (or found not newer). */
  function report(base: Base, event: PresentationEvent, outcome: Outcome): void {
    const ids = { id: event.aggregate_id, version: event.version, event_type: event.type };
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
  }

  /**
   * Writes a chunk of a batch's events, retried (heartbeating) while MongoDB fails; false when the member must stop
   * first (the records come again).
   */
  async function write(payload: EachBatchPayload, events: PresentationEvent[]): Promise<Outcome[] | undefined> {
    const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(events.length).fill(undefined);
    for (let attempt = 1; ; attempt++) {
      const todo = outcomes.flatMap((o, i) => (o === undefined ? [i] : []));
      if (todo.length === 0) return outcomes as Outcome[];
      try {
        if (mode === 'projector-not-idempotent') {
          for (const i of todo) outcomes[i] = await applyEvent(collection, events[i] as PresentationEvent, true);
        } else {
          const done = await applyEvents(
            collection,
            todo.map((i) => events[i] as PresentationEvent),
          );
          done.forEach((o, k) => (outcomes[todo[k] as number] = o));
          if (done.some((o) => o === undefined)) throw new Error('some writes failed');
        }
      } catch (err) {
        if (stopping || !payload.isRunning() || payload.isStale()) return undefined;
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
    const { topic: batchTopic, partition, messages } = payload.batch;
    for (let from = 0; from < messages.length; from += CHUNK) {
      if (!payload.isRunning() || payload.isStale()) break;
      const chunk = messages.slice(from, from + CHUNK).map((message) => {
        const base: Base = {
          ts: now(),
          instance,
          topic: batchTopic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
        };
        return { message, base, event: parse(base, message) };
      });
      const valid = chunk.filter((c): c is typeof c & { event: PresentationEvent } => c.event !== undefined);
      const outcomes =
        valid.length === 0
          ? []
          : await write(
              payload,
              valid.map((c) => c.event),
            );
      if (outcomes === undefined) break;
      valid.forEach((c, i) => report(c.base, c.event, outcomes[i] as Outcome));
      payload.resolveOffset((chunk[chunk.length - 1] as (typeof chunk)[number]).message.offset);
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
