// The notifier: one member of a consumer group on the order-events topic (a reconnecting group member,
// services/shared/kafka-group-member.ts). Every event becomes one JSON line on stdout (schema: NotifierLine in
// lab-d/schema.ts); its offset is resolved only after the line is written, and kafkajs commits only resolved offsets
// (after each batch, every second, every 100 events, and on disconnect). A record that is not a valid OrderEvent is an
// `error` line: counted, skipped (its offset is committed), the consumer keeps running.
//
// The member's life is printed as `lifecycle` lines: `starting`, `joined` (assignment, generation), `disconnected` when
// the broker is lost, `reconnecting` before each new consumer (1 s, 2 s, 4 s … 10 s, forever), `joined` again when it is
// back (consumption resumes from the committed offsets: at least once), `crashed` for any other failure (it ends the
// notifier, onFatal), `stopping` / `stopped`. stop() does not wait for a broker that is away: after stopTimeoutMs it
// gives up on the clean leave.
import { type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { AppError } from '../../shared/app-error.js';
import { createKafkaGroupMember } from '../../shared/kafka-group-member.js';
import { linkedSocketFactory } from '../../shared/kafka-links.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import {
  NOTIFIER_GROUP_ID,
  ORDER_EVENTS_TOPIC,
  OrderEvent,
  type NotifierErrorLine as NotifierErrorLineSchema,
  type NotifierEventLine,
  type NotifierLifecycleLine,
  type NotifierLine,
} from '../schema.js';
import type { LabDBrokenModeId } from '../broken-modes.js';

type LifecycleLine = z.infer<typeof NotifierLifecycleLine>;
type NotifierErrorLine = z.infer<typeof NotifierErrorLineSchema>;
type LifecycleExtra = Omit<LifecycleLine, 'type' | 'ts' | 'instance' | 'state' | 'group_id'>;

export interface NotifierConfig {
  brokers: string[];
  /** broker address → link proxy (KAFKA_LINKS): it connects through the console's link proxies */
  kafkaLinks?: ReadonlyMap<string, string>;
  groupId?: string;
  /** defaults to hostname-pid */
  instance?: string;
  topic?: string;
  /**
   * How long the group waits for a member that vanished without leaving (SIGKILL) before it rebalances. kafkajs' default
   * is 30 s; 10 s keeps the lab's kill demo short and is still far above a heartbeat.
   */
  sessionTimeoutMs?: number;
  /** kafkajs default 3 s; 1 s so that members learn about a rebalance (SIGTERM of a peer) quickly */
  heartbeatIntervalMs?: number;
  /** how long an idle fetch waits on the broker; bounds how fast an idle member notices a rebalance */
  maxWaitTimeMs?: number;
  /** a new group starts at the beginning of the topic (every event is logged at least once) */
  fromBeginning?: boolean;
  /** the wait before the first reconnect after the broker was lost, doubled per failed attempt up to reconnectMaxMs (1 s → 10 s) */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /**
   * How long stop() waits for a clean leave (the batch in flight, the last commit, LeaveGroup); default 3 s. A broker that
   * is away takes neither the commit nor the leave: the consumer is then given up on, its uncommitted events come again.
   */
  stopTimeoutMs?: number;
  /** one of Lab D's broken modes for the notifier (broken-modes.ts); undefined: the correct service */
  brokenMode?: LabDBrokenModeId;
  /** `commit-before-process`: how long processing one record takes (default 300 ms, the window a kill loses) */
  slowProcessingMs?: number;
}

/** Whether `err` (or one of its causes) is the poison record of `crash-on-poison`. */
function isPoisonCrash(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 10; depth++) {
    if ((e as { code?: unknown }).code === 'POISON_MESSAGE') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface NotifierDeps {
  logger?: Logger;
  /** where the event/error/lifecycle lines go; stdout by default */
  out?: (line: NotifierLine) => void;
  /** called when the consumer failed for a reason other than the broker being away (after start() resolved) */
  onFatal?: (err: Error) => void;
}

export interface Notifier {
  /** resolves once the member first joined the group (or stop() was called); rejects on a fatal failure before that */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly instance: string;
  readonly stats: { events: number; errors: number };
}

export function stdoutLine(line: NotifierLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** One record → its stdout line: an `event`, or an `error` (POISON_MESSAGE) for bad JSON / a value that is not an OrderEvent. */
export function recordToLine(args: {
  instance: string;
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>;
  errorsSoFar: number;
  now?: Date;
}): NotifierEventLine | NotifierErrorLine {
  const { instance, topic, partition, message } = args;
  const at = args.now ?? new Date();
  const base = {
    ts: at.toISOString(),
    instance,
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
  };
  let problem: string;
  try {
    const parsed = OrderEvent.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
    if (parsed.success) {
      const event = parsed.data;
      return {
        type: 'event',
        ...base,
        order_id: event.order_id,
        status: event.status,
        moment: event.moment,
        ...(event.event_id ? { event_id: event.event_id } : {}),
        latency_ms: at.getTime() - Date.parse(event.moment),
      };
    }
    const issue = parsed.error.issues[0];
    problem = `not an order event: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`;
  } catch (err) {
    problem = `malformed JSON: ${(err as Error).message}`;
  }
  return { type: 'error', ...base, code: 'POISON_MESSAGE', message: problem, errors_total: args.errorsSoFar + 1 };
}

export function createNotifier(config: NotifierConfig, deps: NotifierDeps = {}): Notifier {
  const logger = deps.logger ?? createLogger({ name: 'notifier' });
  const out = deps.out ?? stdoutLine;
  const instance = config.instance ?? `${hostname()}-${process.pid}`;
  const groupId = config.groupId ?? NOTIFIER_GROUP_ID;
  const topic = config.topic ?? ORDER_EVENTS_TOPIC;
  const stats = { events: 0, errors: 0 };
  const now = (): string => new Date().toISOString();
  const lifecycle = (state: LifecycleLine['state'], extra: LifecycleExtra = {}): void =>
    out({ type: 'lifecycle', ts: now(), instance, state, group_id: groupId, ...extra });

  const mode = config.brokenMode;
  const slowMs = config.slowProcessingMs ?? 300;

  function handle(partition: number, message: KafkaMessage): void {
    const line = recordToLine({ instance, topic, partition, message, errorsSoFar: stats.errors });
    if (line.type === 'error' && mode === 'crash-on-poison') {
      // the broken mode: no error line, no skip; the consumer crashes on the record and restarts on it
      throw Object.assign(
        new AppError('POISON_MESSAGE', `crashed on partition ${partition} offset ${message.offset}: ${line.message}`),
        { retriable: false }, // kafkajs' runner would retry the batch first; crash at once
      );
    }
    if (line.type === 'error') stats.errors = line.errors_total;
    else stats.events++;
    out(line);
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (mode === 'commit-before-process') {
      // the broken mode: the whole batch is committed as it arrives, then processed slowly; a kill meanwhile loses it
      const last = batch.messages.at(-1);
      if (last === undefined) return;
      await payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
          },
        ],
      });
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        await new Promise((resolve) => setTimeout(resolve, slowMs));
        handle(batch.partition, message);
        payload.resolveOffset(message.offset);
        await payload.heartbeat();
      }
      return;
    }
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      handle(batch.partition, message);
      payload.resolveOffset(message.offset);
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
    }
  }

  const member = createKafkaGroupMember({
    brokers: config.brokers,
    clientId: `notifier-${instance}`,
    ...(config.kafkaLinks === undefined ? {} : { kafka: { socketFactory: linkedSocketFactory(config.kafkaLinks) } }),
    groupId,
    topics: [topic],
    logger,
    eachBatch,
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    fromBeginning: config.fromBeginning ?? true,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxWaitTimeMs: config.maxWaitTimeMs,
    reconnectInitialMs: config.reconnectInitialMs,
    reconnectMaxMs: config.reconnectMaxMs,
    stopTimeoutMs: config.stopTimeoutMs,
    // the broken modes that live in the group member
    ...(mode === 'crash-on-poison' ? { restartOn: isPoisonCrash } : {}),
    ...(mode === 'no-graceful-shutdown' ? { leaveOnStop: false } : {}),
    events: {
      starting: (detail) => lifecycle('starting', { detail }),
      joined: (join) => {
        const notes: string[] = [];
        if (join.isLeader) notes.push('leader');
        if (join.reconnectedAfterMs !== undefined)
          notes.push(`reconnected ${(join.reconnectedAfterMs / 1000).toFixed(1)} s after losing the broker`);
        lifecycle('joined', {
          ...(join.generationId === undefined ? {} : { generation_id: join.generationId }),
          member_id: join.memberId,
          assignment: join.assignment,
          ...(notes.length > 0 ? { detail: notes.join('; ') } : {}),
        });
      },
      disconnected: (reason) => lifecycle('disconnected', { detail: reason }),
      reconnecting: (attempt, delay, reason) =>
        lifecycle('reconnecting', { attempt, retry_in_ms: delay, detail: reason }),
      crashed: (reason) => lifecycle('crashed', { detail: reason }),
      restarting: (attempt, delay, reason) =>
        lifecycle('crashed', { attempt, retry_in_ms: delay, detail: `${reason}; restarting the consumer (${mode})` }),
      stopping: () => lifecycle('stopping'),
      stopped: ({ detail }) => {
        const counts = `events ${stats.events}, errors ${stats.errors}`;
        lifecycle('stopped', { detail: detail === undefined ? counts : `${detail}; ${counts}` });
      },
    },
  });

  let announced = false;
  return {
    instance,
    stats,
    start: () => {
      if (mode && !announced) logger.info({ brokenMode: mode }, `broken mode: ${mode}`);
      announced = true;
      return member.start();
    },
    stop: () => member.stop(),
  };
}
