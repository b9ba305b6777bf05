// Lab A's interface, read by the console and by the tests: the topic, the event envelope, the read model's document,
// the Redis keys, and the JSON lines the presentations API and the projector print on stdout. One module, so that the
// services and the console cannot drift apart (LABS.md, Lab A).
import { z } from 'zod';
import { parseJsonLine } from '../shared/json-line.js';

export const PRESENTATION_EVENTS_TOPIC = 'presentation.events';
export const PRESENTATION_EVENTS_PARTITIONS = 3;
/** LABS.md asks for 2 (the seed's two brokers); the services default to min(2, brokers in the cluster) */
export const PRESENTATION_EVENTS_REPLICATION = 2;
export const PROJECTOR_GROUP_ID = 'presentation-projector';
export const PRESENTATIONS_COLLECTION = 'presentations';
export const DEFAULT_MONGODB_DB = 'lab_a';
export const API_DEFAULT_PORT = 8001;

export const EVENT_TYPES = ['PresentationCreated', 'PresentationUpdated', 'PresentationDeleted'] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** The fields a student sends (POST: all but `abstract` required; PUT: any of them). */
export const PresentationFields = z.object({
  title: z.string(),
  speaker: z.string(),
  conference: z.string(),
  duration_min: z.number().int(),
  abstract: z.string().optional(),
});
export type PresentationFields = z.infer<typeof PresentationFields>;

/**
 * The record value on `presentation.events` (JSON), key = the presentation id. `data` carries the presentation's whole
 * state after the change (Created, Updated) or nothing (Deleted), so that applying the newest version is enough and a
 * replay rebuilds the same state.
 */
export const PresentationEvent = z.object({
  event_id: z.string().min(1),
  type: EventType,
  /** ISO 8601, when the API accepted the command */
  occurred_at: z.iso.datetime({ offset: true }),
  aggregate_id: z.string().min(1),
  version: z.number().int().positive(),
  data: z.union([PresentationFields, z.object({}).strict()]),
});
export type PresentationEvent = z.infer<typeof PresentationEvent>;

/**
 * A presentation in the read model: MongoDB `presentations` (`_id` = `id`) and, with write-through on, Redis
 * `presentation:{id}` (the same fields, no `_id`). A delete leaves a tombstone (`deleted: true`, no fields) so that an
 * older event arriving later cannot bring the presentation back.
 */
export interface PresentationDoc extends Partial<PresentationFields> {
  id: string;
  version: number;
  deleted: boolean;
  /** the occurred_at of the event that made this version */
  updated_at: string;
}

/** The document an event leaves behind. */
export function docOf(event: PresentationEvent): PresentationDoc {
  const base = { id: event.aggregate_id, version: event.version, updated_at: event.occurred_at };
  if (event.type === 'PresentationDeleted') return { ...base, deleted: true };
  return { ...(event.data as PresentationFields), ...base, deleted: false };
}

/** Redis keys; `prefix` keeps tests and several lab runs on one server apart ('' by default). */
export const redisKeys = (prefix = '') => ({
  /** the write-through copy of the read model (JSON of a PresentationDoc) */
  doc: (id: string) => `${prefix}presentation:${id}`,
  /** the command side's state of one presentation: a hash {seq, version, deleted, doc} */
  command: (id: string) => `${prefix}presentation-command:${id}`,
});

// --- stdout lines (one JSON object per line)

const base = {
  ts: z.iso.datetime({ offset: true }),
  instance: z.string(),
};

/** presentations-api: Kafka acknowledged the event, the command was answered 202 */
export const ApiAcceptedLine = z.object({
  type: z.literal('accepted'),
  ...base,
  id: z.string(),
  version: z.number().int(),
  event_type: EventType,
  event_id: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  /** the record's key (null in the broken mode null-key) */
  key: z.string().nullable(),
  occurred_at: z.string(),
  /** from receiving the command to the acknowledgement */
  ack_ms: z.number(),
});
/** presentations-api: Kafka did not take the event, the command was answered 503 */
export const ApiRefusedLine = z.object({
  type: z.literal('refused'),
  ...base,
  id: z.string(),
  version: z.number().int(),
  event_type: EventType,
  code: z.string(),
  message: z.string(),
});
/** presentations-api: the write-through copy was written to Redis */
export const ApiCachedLine = z.object({
  type: z.literal('cached'),
  ...base,
  id: z.string(),
  version: z.number().int(),
  key: z.string(),
  /** false in the broken mode write-through-before-ack: written before Kafka answered */
  after_ack: z.boolean(),
});
export const ApiLine = z.discriminatedUnion('type', [ApiAcceptedLine, ApiRefusedLine, ApiCachedLine]);
export type ApiLine = z.infer<typeof ApiLine>;

const recordBase = {
  ...base,
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  key: z.string().nullable(),
};
/** projector: the event was applied to MongoDB */
export const ProjectedLine = z.object({
  type: z.literal('projected'),
  ...recordBase,
  id: z.string(),
  version: z.number().int(),
  event_type: EventType,
  event_id: z.string(),
  /** from the event's occurred_at (the API's acceptance) to the write: the consistency window */
  window_ms: z.number(),
});
/** projector: the event's version is not newer than the document's: skipped (a duplicate, a replay) */
export const SkippedLine = z.object({
  type: z.literal('skipped'),
  ...recordBase,
  id: z.string(),
  version: z.number().int(),
  event_type: EventType,
  reason: z.string(),
  skipped_total: z.number().int(),
});
/** projector: a record that is not a presentation event: logged, counted, skipped (its offset is committed) */
export const ProjectorErrorLine = z.object({
  type: z.literal('error'),
  ...recordBase,
  code: z.literal('POISON_MESSAGE'),
  message: z.string(),
  errors_total: z.number().int(),
});
export const PROJECTOR_LIFECYCLE_STATES = [
  'starting',
  'joined',
  'disconnected',
  'reconnecting',
  'crashed',
  'stopping',
  'stopped',
] as const;
export const ProjectorLifecycleLine = z.object({
  type: z.literal('lifecycle'),
  ...base,
  state: z.enum(PROJECTOR_LIFECYCLE_STATES),
  group_id: z.string(),
  generation_id: z.number().int().optional(),
  member_id: z.string().optional(),
  assignment: z.record(z.string(), z.array(z.number().int())).optional(),
  attempt: z.number().int().optional(),
  retry_in_ms: z.number().int().optional(),
  detail: z.string().optional(),
});
export const ProjectorLine = z.discriminatedUnion('type', [
  ProjectedLine,
  SkippedLine,
  ProjectorErrorLine,
  ProjectorLifecycleLine,
]);
export type ProjectorLine = z.infer<typeof ProjectorLine>;

export const parseApiLine = (line: string): ApiLine | undefined => parseJsonLine(ApiLine, line);
export const parseProjectorLine = (line: string): ProjectorLine | undefined => parseJsonLine(ProjectorLine, line);
