// What a lab plugs into the console with: a manifest (pure data, main/console/contract/manifest.ts) and a module (Node
// code). The console core never names a lab's topic, status or service; it asks the lab's module. A new lab adds its
// folder main/console/labs/<lab>/ and one line in main/console/labs/registry.ts.
import type { Logger } from '../../../services/shared/logger.js';
import type { StackEndpoints } from '../stack/types.js';
import type { Kafka } from 'kafkajs';
import type { ComponentName } from '../contract/manifest.js';
import type {
  Evidence,
  ServiceInstance,
  ServiceLogLine,
  FactWhere,
  LabManifest,
  LoadMix,
  ParsedRequestOf,
  RequestName,
  ResponseOf,
} from '../contract/console-api.js';
import type { LoadRun } from '../load/load-generator.js';
import type { LinkAccess } from '../faults/link-registry.js';

/** A record a fault produced. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

/** What a lab's code gets from the console: where the stack is, record faults, a logger. */
export interface LabContext {
  endpoints: () => StackEndpoints;
  records: {
    /** re-sends a record the console's tail has seen (the newest keyed JSON one, or the one at partition/offset) */
    duplicate(topic: string, source?: { partition: number; offset: string }): Promise<ProducedRecord>;
    /** sends a value that is not JSON */
    poison(topic: string, key?: string, value?: string): Promise<ProducedRecord>;
  };
  logger: Logger;
  /**
   * Stack faults a lab may run (its "restart the broker"): `restart` stops and starts only what the provider started
   * (the local stack's own RabbitMQ node; a shared server is refused with CONFLICT). Absent without stack control.
   */
  stack?: {
    restart?(component: ComponentName): Promise<void>;
    /** one node of a component of several (`kafka-2` of a Kafka cluster): Lab A's "stop kafka-2" */
    stopNode?(component: ComponentName, node: string): Promise<void>;
    startNode?(component: ComponentName, node: string): Promise<void>;
  };
  /** the selected lab's instances, for a lab's own requests that drive them (Lab A's replay); absent in tests' contexts */
  services?: Pick<CheckContext['services'], 'list' | 'start' | 'stop'>;
  /** a kafkajs client on the stack's brokers (own admins and consumers), as checks get; absent without a stack */
  kafka?: () => Kafka;
  /** the console's link faults: the proxies an instance's current run reaches a component through (faults/) */
  links?: LinkAccess;
}

/** A fact a lab's line parser or record scanner found, for the entity store. */
export interface Fact {
  entity: string;
  step: string;
  status: string | null;
  at: number;
  actor: string | null;
  where: FactWhere | null;
  latencyMs: number | null;
}

/** What one stdout line of an instance says, once the lab's module read it. */
export interface ParsedLine {
  /** event: it handled something; error: it could not (poison, failure); lifecycle: its own life */
  kind: 'event' | 'error' | 'lifecycle';
  facts?: Fact[];
  /** a consumer group member reporting a join (assignment, generation) or losing the broker (assignment null) */
  member?: { groupId: string; assignment: Record<string, number[]> | null; generationId: number | null };
}

/**
 * The hot path from the console's topic tail: reads one record's value bytes of one of the lab's topics and reports
 * the entity's published status through `out`, without JSON.parse and without allocating per record. False: not an
 * entity event (a poison record, another shape).
 */
export type RecordScanner = (value: Buffer, out: ScannedRecord) => boolean;

/** What a scanner reports of one record (the object is reused from record to record). */
export interface ScannedRecord {
  /** the entity id (ignored when `num` is set) */
  entity: string;
  /**
   * Optional fast path for numeric ids: the id as a positive integer (at most 15 digits) whose decimal string IS the
   * id (`String(num) === id`), so the store keys it by number and makes the string only when it shows the entity.
   * The store sets −1 before each call; a scanner that sets it need not set `entity`.
   */
  num?: number;
  status: number;
}

/** An outbox table the console watches (backlog, oldest pending, the committed facts of the timeline). */
export interface OutboxSpec {
  name: string;
  table: string;
  /** columns: the row id (bigserial), the entity id, the status (an expression over the row), created, sent */
  columns: { id: string; entity: string; status: string; createdAt: string; sentAt: string };
  /** the timeline step of a row */
  step: string;
  /** the database it is in (default: the lab's `databaseUrl`, else the stack's Postgres) */
  databaseUrl?(ctx: LabContext): string;
  /**
   * false: its rows give the timeline no facts (the lab's own lines already tell the same steps, so they would show
   * twice); the backlog is watched all the same. Default true.
   */
  timeline?: boolean;
}

export interface LabFault {
  id: string;
  run(ctx: LabContext, args: Record<string, string | number | boolean>): Promise<string>;
}

/** What a check may read and do. Broker-side facts first: records, committed offsets, groups, rows. */
export interface CheckContext extends Omit<LabContext, 'services' | 'kafka'> {
  /** a kafkajs client on the stack's brokers (checks make their own admin/consumers, unique group ids) */
  kafka(): Kafka;
  /** says where the check is (pushed as `checks:progress`) */
  progress(message: string, fraction?: number): void;
  /** aborted when the check's deadline passes or the console stops */
  signal: AbortSignal;
  /** when the deadline passes (epoch ms) */
  deadline: number;
  /** the selected lab's instances (active checks start, stop and kill them) */
  services: {
    list(): ServiceInstance[];
    start(instance: string, brokenMode?: string | null): Promise<ServiceInstance>;
    stop(instance: string): Promise<ServiceInstance>;
    kill(instance: string): Promise<ServiceInstance>;
    /** stdout lines of an instance's current and earlier runs, oldest first */
    logs(instance: string): ServiceLogLine[];
  };
  /** stop and start a broker (active checks); `restart`: only one the provider started (the local stack's own RabbitMQ
   * node, never a shared server), absent in contexts without stack control */
  stack: {
    stop(component: ComponentName): Promise<void>;
    start(component: ComponentName): Promise<void>;
    restart?(component: ComponentName): Promise<void>;
  };
}

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP' | 'ERROR';

export interface CheckOutcome {
  status: CheckStatus;
  summary: string;
  counts?: Record<string, number>;
  evidence?: Evidence[];
}

export interface Check {
  /** the id of a check in the manifest */
  id: string;
  /** how long it may take (default 60 s); past it, it ends ERROR */
  timeoutMs?: number;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export interface LoadDriver {
  /** one unit of load (an order created and then paid, …); resolves with the outcome id of the mix, or throws */
  unit(ctx: LabContext, outcome: string, run: LoadRun): Promise<string>;
}

export type LabRequestHandlers = {
  [C in RequestName]?: (ctx: LabContext, request: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
};

export interface LabModule {
  readonly manifest: LabManifest;
  /** the env of one instance's child process (besides LAB_BROKEN_MODE, LOG_LEVEL and the instance name) */
  env(ctx: LabContext, kind: string, instance: string): Record<string, string>;
  /** one stdout line of an instance → what it says (undefined: not a line of the lab's interface) */
  parseLine?(kind: string, instance: string, line: string): ParsedLine | undefined;
  /** topic → the scanner of its records (the lab's entity events) */
  scanners?: Readonly<Record<string, RecordScanner>>;
  /** the consumer group whose committed offsets say an event was handled (drives the missing-step flag) */
  handledBy?: { group: string; step: string };
  /** the outbox tables to watch (each may name its own database), and the database they are in by default */
  outboxes?: readonly OutboxSpec[];
  databaseUrl?(ctx: LabContext): string;
  faults?: readonly LabFault[];
  /** the invariants as checks (ids and words in the manifest's `checks`) */
  checks?: readonly Check[];
  load?: LoadDriver;
  /** the lab's own requests (`lab-d:relay-status`), named in main/console/labs/contracts.ts */
  requests?: LabRequestHandlers;
  /** how the supervisor runs one service kind (default: services/cli.ts `<lab>/<kind>`); fixtures and tests override */
  serviceArgs?(kind: string, repoRoot: string): string[];
  /** lets go of what the module holds itself (a link proxy); the console calls it when it stops */
  dispose?(): Promise<void>;
}

export type { LoadMix };
