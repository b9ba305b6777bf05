// The console API: one contract for every request the renderer can make and every event the console pushes.
// zod only (this module is compiled into the DOM build too): no node imports, no side effects.
//
// - A request is `{ request, response }`, named `domain:verb`. The host (Electron IPC or the WebSocket bridge) validates
//   the request against its schema; anything else is refused with an INVALID_INPUT error and changes nothing.
// - A pushed event is `{ payload }`, named `domain:event`. Batched and diff pushes carry `seq`, a per-event counter that
//   grows by one per push; the matching `*:snapshot` request returns the `seq` it includes, so a client applies only
//   diffs with a greater `seq` (and re-fetches the snapshot when it sees a gap).
// - Errors cross as `{ code, message, details }` (ConsoleError).
// - Int64 values (Kafka offsets, order ids) travel as decimal strings; times as epoch milliseconds (numbers).
//
// No channel string is written anywhere else: hosts and clients derive everything from `REQUESTS` and `EVENTS`.
import { z } from 'zod';
import { APP_ERROR_CODES } from '../../../services/shared/app-error.js';
import { LAB_EVENTS, LAB_REQUESTS } from '../labs/contracts.js';
import { BROWSE_REQUESTS } from './browse.js';
import { PROFILE_REQUESTS } from './profiles.js';
import { Empty, Int64, Millis, Seq, Slug, TopicName, def, event } from './define.js';
import { ComponentName, LabManifest } from './manifest.js';
import { RABBITMQ_EVENTS, RABBITMQ_REQUESTS } from './rabbitmq.js';
import { READ_MODEL_EVENTS, READ_MODEL_REQUESTS } from './read-model.js';
import { LINK_EVENTS, LINK_REQUESTS } from './links.js';
import { LAG_HISTORY_REQUESTS } from './lag-history.js';
import { SYSTEM_EVENTS, SYSTEM_REQUESTS } from './system.js';

export { ComponentName, LabManifest } from './manifest.js';
export type {
  ManifestBrokenMode,
  ManifestEntity,
  ManifestFault,
  ManifestLoad,
  ManifestReadModels,
  ManifestService,
  Tone,
  ViewId,
} from './manifest.js';
export { VIEW_IDS } from './manifest.js';
export * from './rabbitmq.js';
export * from './read-model.js';
export * from './links.js';
export * from './lag-history.js';
export * from './system.js';

// ---------------------------------------------------------------------------------------------------------------------
// Shared shapes

/** The typed error every failed request resolves to (the host never leaks a stack). */
export const ConsoleError = z.object({
  code: z.enum(APP_ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ConsoleError = z.infer<typeof ConsoleError>;

export const ComponentHealth = z.object({
  name: ComponentName,
  state: z.enum(['starting', 'healthy', 'unhealthy', 'stopped']),
  endpoint: z.string(),
  detail: z.string(),
  /** a component of several nodes (a Kafka cluster of 2 or 3): each node's health; absent for one server */
  nodes: z
    .array(
      z.object({
        name: z.string(),
        state: z.enum(['starting', 'healthy', 'unhealthy', 'stopped']),
        endpoint: z.string(),
        detail: z.string(),
      }),
    )
    .optional(),
});
export type ComponentHealth = z.infer<typeof ComponentHealth>;
export const ProviderKind = z.enum(['docker', 'local', 'external']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/** An embedded service instance of the selected lab (the lab's manifest declares them: `notifier-2`). */
export const ServiceInstanceName = Slug;
export type ServiceInstanceName = z.infer<typeof ServiceInstanceName>;

export const ServiceInstance = z.object({
  instance: ServiceInstanceName,
  lab: Slug,
  /** the service it runs (`notifier`) */
  kind: Slug,
  /** stopped: never started or exited cleanly; exited: died (killed, crashed); stopping: SIGTERM sent, not yet gone */
  state: z.enum(['stopped', 'starting', 'running', 'stopping', 'exited']),
  pid: z.number().int().nullable(),
  startedAt: Millis.nullable(),
  exitedAt: Millis.nullable(),
  exitCode: z.number().int().nullable(),
  /** 'SIGKILL' after a kill, 'SIGTERM' after a stop */
  exitSignal: z.string().nullable(),
  /** the broken mode this run was started in (LAB_BROKEN_MODE), null when it runs correct */
  brokenMode: z.string().nullable(),
  /** a consumer group member: partitions owned after its last join, e.g. {"loms.order-events":[0]} ({} = idle) */
  assignment: z.record(z.string(), z.array(z.number().int())).nullable(),
  /** a consumer group member: the group generation of its last join */
  generationId: z.number().int().nullable(),
  /** events processed / errors (poison records, failures) it reported since this process started */
  eventsProcessed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** the HTTP port of a service that serves one */
  port: z.number().int().nullable(),
});
export type ServiceInstance = z.infer<typeof ServiceInstance>;

export const ServiceLogLine = z.object({
  instance: ServiceInstanceName,
  stream: z.enum(['stdout', 'stderr']),
  /** when the console read it */
  at: Millis,
  text: z.string(),
  /** what the line is, when it is a structured line: a notifier event/error/lifecycle line, or a pino log line */
  kind: z.enum(['event', 'error', 'lifecycle', 'log', 'text']),
  /** pino level name for `log` lines */
  level: z.string().optional(),
});
export type ServiceLogLine = z.infer<typeof ServiceLogLine>;

/** One partition of one topic. id = `${topic}/${partition}`. */
export const PartitionState = z.object({
  id: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  /** the leader's broker id; null: no leader (the partition is offline) */
  leader: z.number().int().nullable(),
  /** the brokers that hold a replica (the replication factor is its length) */
  replicas: z.array(z.number().int()),
  /** the in-sync replicas: fewer than `replicas` is an under-replicated partition */
  isr: z.array(z.number().int()),
  logStartOffset: Int64,
  logEndOffset: Int64,
  /** records appended per second over the last poll interval */
  msgsPerSec: z.number().nonnegative(),
  /** distinct keys the console's tail has seen on this partition (the "share of keys" histogram) */
  keysSeen: z.number().int().nonnegative(),
});
export type PartitionState = z.infer<typeof PartitionState>;

export const GroupMember = z.object({
  memberId: z.string(),
  clientId: z.string(),
  clientHost: z.string(),
  /** decoded from the member assignment: topic -> partitions. Empty = an idle member. */
  assignment: z.record(z.string(), z.array(z.number().int())),
});
export type GroupMember = z.infer<typeof GroupMember>;

export const GroupPartitionLag = z.object({
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  /** null: the group never committed on this partition */
  committedOffset: Int64.nullable(),
  logEndOffset: Int64,
  lag: z.number().int().nonnegative(),
  /** lag expressed in time: (log-end − committed) / recent produce rate; null when unknown or lag is 0 */
  lagSeconds: z.number().nonnegative().nullable(),
  /** memberId that owns it now, null when unassigned */
  ownerMemberId: z.string().nullable(),
});
export type GroupPartitionLag = z.infer<typeof GroupPartitionLag>;

/** A change of the group's assignment as the observer saw it. */
export const Rebalance = z.object({
  groupId: z.string(),
  /** the generation after the change when known (from the notifier's join lines), otherwise null */
  generationId: z.number().int().nullable(),
  at: Millis,
  membersBefore: z.array(z.string()),
  membersAfter: z.array(z.string()),
  /** each partition whose owner changed: from → to (clientId of the member; null = nobody) */
  moves: z.array(
    z.object({
      topic: z.string(),
      partition: z.number().int(),
      from: z.string().nullable(),
      to: z.string().nullable(),
    }),
  ),
});
export type Rebalance = z.infer<typeof Rebalance>;

export const GroupState = z.object({
  groupId: z.string(),
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead, Unknown */
  state: z.string(),
  protocol: z.string(),
  members: z.array(GroupMember),
  partitions: z.array(GroupPartitionLag),
  totalLag: z.number().int().nonnegative(),
});
export type GroupState = z.infer<typeof GroupState>;

export const OutboxState = z.object({
  /** false while Postgres or the outbox table is unreachable (then the numbers are the last known) */
  reachable: z.boolean(),
  pending: z.number().int().nonnegative(),
  /** age of the oldest row with sent_at IS NULL; null when nothing is pending */
  oldestPendingAgeMs: Millis.nullable(),
  sentPerSec: z.number().nonnegative(),
  sentTotal: z.number().int().nonnegative(),
  at: Millis,
  detail: z.string(),
});
export type OutboxState = z.infer<typeof OutboxState>;

/** One outbox table of the lab (a lab may have several, each in its own database), with its own `seq`. */
export const OutboxInfo = z.object({
  /** the lab's name for it (`loms`, `orders`): the `outbox` of its `outbox:diff` pushes */
  name: z.string().min(1),
  table: z.string().min(1),
  seq: Seq,
  state: OutboxState.nullable(),
});
export type OutboxInfo = z.infer<typeof OutboxInfo>;

/** One record of the tail (merged across partitions in time order). `value` is the UTF-8 text, truncated to 4 KiB. */
export const TailRecord = z.object({
  /** the console's ingest index, strictly increasing; the cursor of topics:tail-page */
  idx: z.number().int().nonnegative(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: Int64,
  key: z.string().nullable(),
  value: z.string().nullable(),
  /** record timestamp (ms) */
  timestamp: Millis,
});
export type TailRecord = z.infer<typeof TailRecord>;

export const TimelineFlag = z.enum([
  /** the statuses in offset order are not a valid path of the lab's status graph */
  'out-of-order',
  /** the same (status, offset) was handled more than once, or the same status was published twice */
  'duplicate',
  /** published but never handled, once the handling group's lag is 0 */
  'missing-step',
  /** a status in between was never published (e.g. `paid` without `awaiting payment`) */
  'gap',
]);
export type TimelineFlag = z.infer<typeof TimelineFlag>;

/** Where a fact happened: a Kafka record, an AMQP delivery, a table row, a document version. */
export const FactWhere = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('record'), topic: z.string(), partition: z.number().int(), offset: Int64 }),
  z.object({
    kind: z.literal('amqp'),
    exchange: z.string(),
    routingKey: z.string(),
    queue: z.string().nullable(),
    redelivered: z.boolean().nullable(),
  }),
  /** a row; `sentAt` for an outbox row: null while pending */
  z.object({ kind: z.literal('row'), table: z.string(), id: z.string(), sentAt: Millis.nullable().optional() }),
  z.object({ kind: z.literal('doc'), collection: z.string(), version: z.number().int() }),
]);
export type FactWhere = z.infer<typeof FactWhere>;

/** One fact of an entity's timeline: a step (one of the manifest's `entity.steps`) of one status, with where and who. */
export const TimelineFact = z.object({
  step: z.string(),
  status: z.string().nullable(),
  at: Millis,
  /** the instance that did it (`notifier-2`), when one did */
  actor: z.string().nullable(),
  where: FactWhere.nullable(),
  /** from the commit to this fact, when the lab knows it */
  latencyMs: z.number().nullable(),
});
export type TimelineFact = z.infer<typeof TimelineFact>;

export const TimelineSummary = z.object({
  lab: Slug,
  entity: z.string(),
  /** statuses as published, in offset order (or as committed, before anything was published) */
  statuses: z.array(z.string()),
  lastStatus: z.string().nullable(),
  firstAt: Millis,
  lastAt: Millis,
  partition: z.number().int().nullable(),
  /** instances that handled its events */
  actors: z.array(z.string()),
  flags: z.array(TimelineFlag),
});
export type TimelineSummary = z.infer<typeof TimelineSummary>;

export const EntityTimeline = TimelineSummary.extend({
  steps: z.array(TimelineFact),
  /** a sentence per flag, for a first-time reader */
  flagReasons: z.array(z.object({ flag: TimelineFlag, reason: z.string() })),
});
export type EntityTimeline = z.infer<typeof EntityTimeline>;

/** Relative weights of what happens to each unit of load, by the ids of the lab manifest's `load.mix`. */
export const LoadMix = z.record(Slug, z.number().nonnegative());
export type LoadMix = z.infer<typeof LoadMix>;

export const LoadProgress = z.object({
  lab: Slug,
  runId: z.string(),
  running: z.boolean(),
  rate: z.number(),
  target: z.number().int(),
  startedAt: Millis,
  elapsedMs: Millis,
  /** units started (orders created, …) */
  created: z.number().int().nonnegative(),
  /** what happened to them, by the id of the mix outcome each reached (pay, cancel, failed, …) */
  outcomes: z.record(z.string(), z.number().int().nonnegative()),
  /** HTTP or network errors (not an expected refusal such as the 400 of a failed order) */
  errors: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  /** why it stopped: done (count reached), duration, stopped (user), error */
  endReason: z.enum(['done', 'duration', 'stopped', 'error']).nullable(),
});
export type LoadProgress = z.infer<typeof LoadProgress>;

export const CheckStatus = z.enum(['PASS', 'FAIL', 'SKIP', 'ERROR']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One piece of evidence: where it was read (a record, a row, a log line, a queue, an offset, an HTTP answer). */
export const Evidence = z.object({
  source: z.enum(['record', 'row', 'log', 'queue', 'offset', 'http', 'group']),
  /** where exactly: `loms.order-events p1@73`, `outbox #12`, `notifier-2 line 40`, `POST /order/create` */
  ref: z.string(),
  detail: z.string(),
  /** the entity it is about, when there is one (opens its timeline) */
  entity: z.string().optional(),
  /** the record it is about (opens the tail at that offset) */
  record: z.object({ topic: z.string(), partition: z.number().int(), offset: Int64 }).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const CheckResult = z.object({
  lab: Slug,
  check: Slug,
  runId: z.string(),
  status: CheckStatus,
  /** one or two sentences: what was checked and what was found */
  summary: z.string(),
  /** lost, duplicated, out of order, checked, … */
  counts: z.record(z.string(), z.number()),
  /** the first counterexamples (a FAIL) or what was looked at (a PASS), at most 50 */
  evidence: z.array(Evidence),
  startedAt: Millis,
  finishedAt: Millis,
});
export type CheckResult = z.infer<typeof CheckResult>;

export const CheckInfo = z.object({
  id: Slug,
  title: z.string(),
  invariant: z.string(),
  active: z.boolean(),
  additional: z.boolean(),
  /** running now */
  running: z.boolean(),
  last: CheckResult.nullable(),
});
export type CheckInfo = z.infer<typeof CheckInfo>;

/** A fault the selected lab (or the core) offers, with where it comes from. */
export const FaultInfo = z.object({
  id: Slug,
  label: z.string(),
  description: z.string(),
  args: z.record(z.string(), z.string()).optional(),
});
export type FaultInfo = z.infer<typeof FaultInfo>;

// ---------------------------------------------------------------------------------------------------------------------
// Requests: `domain:verb` → { request, response }

const InstanceRequest = z.object({ instance: ServiceInstanceName }).strict();
const InstanceResponse = z.object({ instance: ServiceInstance });

const ConsoleInfo = z.object({
  mode: z.enum(['electron', 'web']),
  version: z.string(),
  provider: ProviderKind.nullable(),
  pollIntervalMs: z.number().int(),
  observerGroupId: z.string(),
  topics: z.array(z.string()),
  timelineCap: z.number().int(),
  /** every lab the console can run (the lab picker), and the selected one */
  labs: z.array(LabManifest),
  lab: Slug,
});
export type ConsoleInfo = z.infer<typeof ConsoleInfo>;

const CORE_REQUESTS = {
  /** What the console is: mode, provider, poll interval, the observer's own group id (hide it), the labs. */
  'console:info': def(Empty, ConsoleInfo),
  /** Selects the lab to run: stops the running lab's services and load first, clears the timeline. */
  'labs:select': def(z.object({ lab: Slug }).strict(), ConsoleInfo),

  /** Starts the stack with the chosen provider; resolves when every component is healthy. Progress: `stack:health`. */
  'stack:up': def(Empty, z.object({ health: z.array(ComponentHealth), millisToHealthy: Millis })),
  /** Stops what the provider started (and the embedded services first). */
  'stack:down': def(Empty, Empty),
  /** Current health of every component and which provider runs. */
  'stack:status': def(Empty, z.object({ provider: ProviderKind.nullable(), health: z.array(ComponentHealth) })),
  /** The last lines of one component's log (history on demand). */
  'stack:logs': def(
    z.object({ component: ComponentName, lines: z.number().int().min(1).max(5000).optional() }).strict(),
    z.object({ lines: z.array(z.string()) }),
  ),
  /** Fault: stop one component (e.g. the Kafka broker) through the provider. */
  'stack:stop-component': def(z.object({ component: ComponentName }).strict(), Empty),
  /** Fault undone: start one component again. */
  'stack:start-component': def(z.object({ component: ComponentName }).strict(), Empty),
  /** Fault: stop and start one component the provider started (the local stack's own RabbitMQ node; never a shared
   * server: CONFLICT). */
  'stack:restart-component': def(z.object({ component: ComponentName }).strict(), Empty),
  /** Fault: stop one node of a component of several (`kafka-2` of the local Kafka cluster). */
  'stack:stop-node': def(z.object({ component: ComponentName, node: z.string().min(1).max(40) }).strict(), Empty),
  /** Fault undone: start that node again; resolves when the cluster reports it. */
  'stack:start-node': def(z.object({ component: ComponentName, node: z.string().min(1).max(40) }).strict(), Empty),

  /** The selected lab's service instances (as its manifest declares them) and their state. */
  'services:list': def(Empty, z.object({ instances: z.array(ServiceInstance) })),
  /**
   * Starts one instance (no-op when it runs), correct or in one of the lab's broken modes for its kind (an unknown
   * mode is refused with the known ones).
   */
  'services:start': def(
    z.object({ instance: ServiceInstanceName, brokenMode: Slug.nullable().optional() }).strict(),
    InstanceResponse,
  ),
  /** Graceful stop: SIGTERM, the notifier leaves its group cleanly. Resolves when the process is gone. */
  'services:stop': def(InstanceRequest, InstanceResponse),
  /** Fault: SIGKILL. Nothing restarts it; the group rebalances after the session timeout. */
  'services:kill': def(InstanceRequest, InstanceResponse),
  /** Stop (SIGTERM) then start; `brokenMode` as for services:start (omitted: the mode it ran in; null: correct). */
  'services:restart': def(
    z.object({ instance: ServiceInstanceName, brokenMode: Slug.nullable().optional() }).strict(),
    InstanceResponse,
  ),
  /** The last captured log lines of one instance (history on demand; live lines come as `services:log`). */
  'services:logs': def(
    z.object({ instance: ServiceInstanceName, lines: z.number().int().min(1).max(5000).optional() }).strict(),
    z.object({ lines: z.array(ServiceLogLine) }),
  ),

  /** The selected lab's checks (its invariants), each with its last result. */
  'checks:list': def(Empty, z.object({ checks: z.array(CheckInfo) })),
  /**
   * Runs checks of the selected lab (all when `checks` is omitted), one after another; resolves at once with the run
   * id. Progress: `checks:progress`; each result: `checks:done`. A second run while one runs: ALREADY_RUNNING.
   */
  'checks:run': def(
    z.object({ checks: z.array(Slug).min(1).max(50).optional() }).strict(),
    z.object({ runId: z.string(), checks: z.array(Slug) }),
  ),
  /** The last result of one check (null: never run). */
  'checks:result': def(z.object({ check: Slug }).strict(), z.object({ result: CheckResult.nullable() })),

  /** The faults of the selected lab: its own and the core's (stop/start a broker, duplicate/poison a record). */
  'faults:list': def(Empty, z.object({ faults: z.array(FaultInfo) })),
  /** Runs one fault of the selected lab; `result` says what it did in one sentence. */
  'faults:run': def(
    z
      .object({
        fault: Slug,
        args: z.record(z.string(), z.union([z.string().max(4096), z.number(), z.boolean()])).optional(),
      })
      .strict(),
    z.object({ result: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
  ),

  /**
   * Fault: produce a raw record. `duplicate` re-sends an existing record's key and value (the one at partition/offset,
   * or the newest record the tail has seen on the topic); `poison` sends a value that is not JSON (key optional).
   */
  'kafka:produce-raw': def(
    z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('duplicate'),
          topic: TopicName,
          source: z.object({ partition: z.number().int().nonnegative(), offset: Int64 }).strict().optional(),
        })
        .strict(),
      z
        .object({
          kind: z.literal('poison'),
          topic: TopicName,
          key: z.string().max(256).optional(),
          value: z.string().max(4096).optional(),
        })
        .strict(),
    ]),
    z.object({ topic: z.string(), partition: z.number().int(), offset: Int64, key: z.string().nullable() }),
  ),
  /** Topics and partitions now, with the `seq` of the last `kafka:snapshot-diff` included. */
  'kafka:snapshot': def(Empty, z.object({ seq: Seq, partitions: z.array(PartitionState) })),
  /** Consumer groups now (the observer's own group excluded), with the `seq` of the last `groups:diff` included. */
  'groups:snapshot': def(Empty, z.object({ seq: Seq, groups: z.array(GroupState) })),
  /** Rebalance history (newest first, bounded to 200 per group). */
  'groups:rebalances': def(
    z.object({ groupId: z.string().optional(), limit: z.number().int().min(1).max(200).optional() }).strict(),
    z.object({ rebalances: z.array(Rebalance) }),
  ),
  /**
   * The outboxes now: `seq` and `state` are the lab's first outbox's (with the `seq` of its last `outbox:diff`
   * included), `outboxes` every one of them in the lab's order (absent from a console that has only one).
   */
  'outbox:snapshot': def(
    Empty,
    z.object({ seq: Seq, state: OutboxState.nullable(), outboxes: z.array(OutboxInfo).optional() }),
  ),
  /**
   * Samples of an outbox over the last minutes (one per poll, bounded to 10 minutes), oldest first: the one `name`d,
   * else the lab's first (a name the lab does not have is INVALID_INPUT).
   */
  'outbox:history': def(
    z.object({ sinceMs: Millis.optional(), name: z.string().min(1).optional() }).strict(),
    z.object({ samples: z.array(OutboxState) }),
  ),
  ...RABBITMQ_REQUESTS,
  ...READ_MODEL_REQUESTS,
  ...LINK_REQUESTS,
  ...LAG_HISTORY_REQUESTS,
  ...SYSTEM_REQUESTS,
  /** Sets how often the observers poll (Kafka offsets/groups, RabbitMQ's management API and the outbox). */
  'observe:set-interval': def(
    z.object({ pollIntervalMs: z.number().int().min(100).max(60_000) }).strict(),
    z.object({ pollIntervalMs: z.number().int() }),
  ),

  /**
   * A page of the tail, merged across partitions in time order, newest first: records with idx < `before` (omit for
   * the newest), optionally one topic / partition / key. The tail keeps the newest 10 000 records.
   */
  'topics:tail-page': def(
    z
      .object({
        topic: z.string().optional(),
        partition: z.number().int().nonnegative().optional(),
        key: z.string().optional(),
        before: z.number().int().nonnegative().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    z.object({ records: z.array(TailRecord), nextBefore: z.number().int().nullable() }),
  ),

  /** One entity's timeline (an id as the lab's manifest `entity.idPattern` gives it), with flags. */
  'timeline:get': def(
    z.object({ lab: Slug, entity: z.string().min(1).max(200) }).strict(),
    z.object({ timeline: EntityTimeline.nullable() }),
  ),
  /** Flagged entities of the selected lab, newest first. */
  'timeline:flagged': def(
    z.object({ flag: TimelineFlag.optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    z.object({ items: z.array(TimelineSummary), total: z.number().int() }),
  ),
  /** The most recently updated entities, newest first (optionally those whose id starts with `prefix`). */
  'timeline:recent': def(
    z.object({ prefix: z.string().max(200).optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    z.object({ items: z.array(TimelineSummary), size: z.number().int(), cap: z.number().int() }),
  ),

  /**
   * Starts the lab's load at `rate`/s until `count` units or `durationSec` (one run at a time), with the mix of what
   * happens to each (ids of the manifest's `load.mix`). Progress: `load:progress`.
   */
  'load:start': def(
    z
      .object({
        lab: Slug,
        rate: z.number().min(0.1).max(2000),
        count: z.number().int().min(1).max(100_000),
        durationSec: z.number().int().min(1).max(3600).optional(),
        mix: LoadMix.optional(),
      })
      .strict(),
    LoadProgress,
  ),
  /** Stops the running load (no-op when none runs); returns the last progress. */
  'load:stop': def(Empty, z.object({ progress: LoadProgress.nullable() })),
  /** The current or last load run. */
  'load:status': def(Empty, z.object({ progress: LoadProgress.nullable() })),
} as const;

/** Every request: the core's and each lab's own (`lab-d:relay-status`), merged. */
export const REQUESTS = { ...CORE_REQUESTS, ...BROWSE_REQUESTS, ...PROFILE_REQUESTS, ...LAB_REQUESTS } as const;

// ---------------------------------------------------------------------------------------------------------------------
// Pushed events: `domain:event` → { payload }

const CORE_EVENTS = {
  /** One component's health changed (also the progress while `stack:up` runs). */
  'stack:health': event(z.object({ health: ComponentHealth })),
  /** One service instance changed state (started, joined with an assignment, stopped, killed …). */
  'services:state': event(z.object({ instance: ServiceInstance })),
  /** Captured log lines of the services, batched. */
  'services:log': event(z.object({ seq: Seq, lines: z.array(ServiceLogLine) })),
  /** Partitions that changed since the last push (upserted by id) and ids that disappeared. */
  'kafka:snapshot-diff': event(z.object({ seq: Seq, upsert: z.array(PartitionState), removed: z.array(z.string()) })),
  /** Groups that changed (whole group state, upserted by groupId), groups that disappeared, new rebalances. */
  'groups:diff': event(
    z.object({ seq: Seq, upsert: z.array(GroupState), removed: z.array(z.string()), rebalances: z.array(Rebalance) }),
  ),
  ...RABBITMQ_EVENTS,
  ...READ_MODEL_EVENTS,
  ...LINK_EVENTS,
  ...SYSTEM_EVENTS,
  /**
   * The fields of one outbox that changed (merge into its last state); `at` always present; `outbox` names it (absent:
   * the lab's first). `seq` counts per outbox.
   */
  'outbox:diff': event(
    z.object({ seq: Seq, changes: OutboxState.partial().extend({ at: Millis }), outbox: z.string().min(1).optional() }),
  ),
  /** Entities whose timeline changed in the last batch window (16–100 ms), as summaries; details via timeline:get. */
  'timeline:batch': event(
    z.object({ seq: Seq, updated: z.array(TimelineSummary), evicted: z.number().int(), size: z.number().int() }),
  ),
  /** New tail records in the last batch window, oldest first (bounded to 500 per push; the rest via topics:tail-page). */
  'tail:batch': event(z.object({ seq: Seq, records: z.array(TailRecord), dropped: z.number().int() })),
  /** Load run progress (about every 250 ms while running, and once at the end). */
  'load:progress': event(z.object({ progress: LoadProgress })),
  /** A background part (an observer, the supervisor) hit an error the user should see. */
  'console:error': event(z.object({ source: z.string(), error: ConsoleError, at: Millis })),
  /** A background part that reported an error works again (the topic tail rejoined, Kafka answers): its errors are over. */
  'console:recovered': event(z.object({ source: z.string(), at: Millis })),
  /** A check's progress while it runs (`fraction` 0..1 when it can tell). */
  'checks:progress': event(
    z.object({ runId: z.string(), check: Slug, message: z.string(), fraction: z.number().min(0).max(1).nullable() }),
  ),
  /** A check finished, with its result. */
  'checks:done': event(z.object({ result: CheckResult })),
  /** The selected lab changed (labs:select): the renderer resets its lab state. */
  'labs:selected': event(z.object({ lab: Slug })),
} as const;

export const EVENTS = { ...CORE_EVENTS, ...LAB_EVENTS } as const;

// ---------------------------------------------------------------------------------------------------------------------
// Inferred types

export type Requests = typeof REQUESTS;
export type Events = typeof EVENTS;
export type RequestName = keyof Requests;
export type EventName = keyof Events;
export type RequestOf<C extends RequestName> = z.input<Requests[C]['request']>;
export type ParsedRequestOf<C extends RequestName> = z.output<Requests[C]['request']>;
export type ResponseOf<C extends RequestName> = z.output<Requests[C]['response']>;
export type PayloadOf<E extends EventName> = z.output<Events[E]['payload']>;

export const REQUEST_NAMES = Object.keys(REQUESTS) as RequestName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(REQUESTS, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}

export type Unsubscribe = () => void;

/** A request function per contract name: `client.request['stack:up']({})`. Rejects with a ConsoleError. */
export type ConsoleRequests = { readonly [C in RequestName]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/**
 * The one client the renderer uses. The Electron preload (window.eventscope) and the WebSocket client
 * (renderer/lib/ws-client.ts) both satisfy it.
 * - `request[name](req)`: invoke by contract name; resolves with the response, rejects with a ConsoleError-shaped Error
 *   (`err.code`, `err.message`, `err.details`) – see `ConsoleClientError`.
 * - `subscribe(name, listener)`: pushed events; returns the unsubscribe function.
 */
export interface ConsoleClient {
  readonly request: ConsoleRequests;
  subscribe<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe;
}

/** What a client's request promise rejects with. */
export interface ConsoleClientError extends Error {
  code: ConsoleError['code'];
  details?: Record<string, unknown>;
}

/** What a host answers to one request: the response, or the typed error (never a thrown stack). */
export type RequestResult<C extends RequestName> =
  { ok: true; response: ResponseOf<C> } | { ok: false; error: ConsoleError };

/**
 * What the Electron preload exposes as `window.eventscope` (contextBridge): one named function per contract request,
 * resolving to a RequestResult (an Error's fields do not survive the context bridge, so errors come back as values),
 * and `subscribe`. renderer/lib/electron-client.ts turns it into a ConsoleClient.
 */
export interface ElectronBridge {
  readonly request: { readonly [C in RequestName]: (request: RequestOf<C>) => Promise<RequestResult<C>> };
  subscribe<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe;
}

// ---------------------------------------------------------------------------------------------------------------------
// Transport framing (the hosts and clients share it; still no channel string outside this module)

/** The Electron IPC channel of a request or of the event stream (used by main/electron only). */
export const ipcChannel = {
  request: (name: RequestName) => `eventscope:request:${String(name)}`,
  events: 'eventscope:events',
} as const;

/** WebSocket: what a client sends. The token goes in the URL (`?token=`) or as the first message `{type:'auth'}`. */
export const WsClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(200) }).strict(),
  z
    .object({ type: z.literal('request'), id: z.number().int().nonnegative(), name: z.string(), request: z.unknown() })
    .strict(),
]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

/** WebSocket: what the server sends. `ready` after a successful auth; `response` per request id; `event` per push. */
export type WsServerMessage =
  | { type: 'ready' }
  | { type: 'response'; id: number; ok: true; response: unknown }
  | { type: 'response'; id: number; ok: false; error: ConsoleError }
  | { type: 'event'; name: EventName; payload: unknown };

/** WebSocket close code when the token is missing or wrong. */
export const WS_CLOSE_UNAUTHORIZED = 4401;
/** The WebSocket path of the bridge. */
export const WS_PATH = '/console';
