// The notifier: one member of a consumer group on the order-events topic. Every event becomes one JSON line on stdout
// (schema: NotifierLine in lab-d/schema.ts); its offset is resolved only after the line is written, and kafkajs commits
// only resolved offsets (after each batch, every second, every 100 events, and on disconnect). A record that is not a
// valid OrderEvent is an `error` line: counted, skipped (its offset is committed), the consumer keeps running.
//
// Broker outages: the notifier restarts its consumer, not kafkajs. kafkajs' own restart is off (`restartOnFailure` says
// no): it gives up for good on some failures a broker outage causes (see reconnect.ts) and restarts without a cap. A
// consumer that failed because the broker is away is replaced by a fresh one after a capped backoff (1 s, 2 s, 4 s … 10 s),
// forever: `disconnected` when the broker is lost, `reconnecting` before each attempt, `joined` when it is back, and
// consumption resumes from the committed offsets (events processed but not committed yet when the broker went away come
// again: at least once). Any other failure (bad configuration, a bug) is `crashed` and ends the notifier (onFatal).
// stop() does not wait for a broker that is away: after stopTimeoutMs it gives up on the clean leave.
//
// Generation id: kafkajs' GROUP_JOIN event does not carry it, and the consumer-group object that holds it is private to
// kafkajs' consumer (no reference to it is reachable). Its public HEARTBEAT event does (`groupGenerationId`), once the
// coordinator accepted this member's heartbeat in the new generation. So the `joined` line is printed at the first
// heartbeat after the join, with the generation; a batch that arrives before it heartbeats first (waiting at most one
// heartbeat interval), so that the join still comes before the events. A join superseded (or not confirmed within a
// few seconds) is printed without it.
import { Kafka, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { hostname } from 'node:os';
import { describeFailure, isBrokerUnavailable, reconnectDelayMs } from './reconnect.js';
import { stickyAssigner, type TopicPartitions } from './sticky-assigner.js';
import { kafkaLogCreator } from '../shared/kafka-log.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { z } from 'zod';
import {
  NOTIFIER_GROUP_ID,
  ORDER_EVENTS_TOPIC,
  OrderEvent,
  type NotifierErrorLine as NotifierErrorLineSchema,
  type NotifierEventLine,
  type NotifierLifecycleLine,
  type NotifierLine,
} from '../lab-d/schema.js';

type LifecycleLine = z.infer<typeof NotifierLifecycleLine>;
type NotifierErrorLine = z.infer<typeof NotifierErrorLineSchema>;
type LifecycleExtra = Omit<LifecycleLine, 'type' | 'ts' | 'instance' | 'state' | 'group_id'>;

export interface NotifierConfig {
  brokers: string[];
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
}

/**
 * kafkajs' retries within one consumer, pinned (kafkajs picks other ones when NODE_ENV=test): up to about 9 s of
 * attempts before a consumer gives up on an unreachable broker and the notifier reports `disconnected` (often sooner:
 * kafkajs stops retrying a fetch at once when no broker is connected).
 */
const KAFKA_RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 5 } as const;

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
  const kafka = new Kafka({
    clientId: `notifier-${instance}`,
    brokers: config.brokers,
    connectionTimeout: 3000,
    retry: KAFKA_RETRY,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
  });
  const sessionTimeout = config.sessionTimeoutMs ?? 10_000;
  const heartbeatInterval = config.heartbeatIntervalMs ?? 1000;
  const maxWaitTimeInMs = config.maxWaitTimeMs ?? 500;
  const reconnectInitialMs = config.reconnectInitialMs ?? 1000;
  const reconnectMaxMs = config.reconnectMaxMs ?? 10_000;
  const stopTimeoutMs = config.stopTimeoutMs ?? 3000;
  /** what this member owns: kept across reconnects, so that the sticky assigner gives it the same partitions back */
  let owned: TopicPartitions = {};
  const newConsumer = (): Consumer =>
    kafka.consumer({
      groupId,
      partitionAssigners: [stickyAssigner(() => owned)],
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 10_000),
      heartbeatInterval,
      maxWaitTimeInMs,
      allowAutoTopicCreation: false,
      retry: { ...KAFKA_RETRY, restartOnFailure: () => Promise.resolve(false) },
    });
  const now = (): string => new Date().toISOString();
  const lifecycle = (state: LifecycleLine['state'], extra: LifecycleExtra = {}): void =>
    out({ type: 'lifecycle', ts: now(), instance, state, group_id: groupId, ...extra });

  let stopRequested = false;
  const wakers = new Set<() => void>();
  const stopSignal = new Promise<void>((resolve) => wakers.add(resolve));
  const signalStop = (): void => {
    for (const wake of wakers) wake();
    wakers.clear();
  };
  /** resolves after `ms`, or at once when stop() is called */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stopRequested) return resolve();
      const wake = (): void => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });

  // --- joins: printed with their generation (see the top of this file)
  let pendingJoin: { memberId: string; extra: LifecycleExtra; timer: ReturnType<typeof setTimeout> } | undefined;
  const announceJoin = (generationId?: number): void => {
    const join = pendingJoin;
    if (join === undefined) return;
    pendingJoin = undefined;
    clearTimeout(join.timer);
    lifecycle('joined', { ...(generationId === undefined ? {} : { generation_id: generationId }), ...join.extra });
  };
  /** A batch before the join's first heartbeat: heartbeat first (kafkajs sends one once heartbeatInterval has passed since the last). */
  async function confirmJoin(payload: EachBatchPayload): Promise<void> {
    const deadline = Date.now() + heartbeatInterval + 250;
    while (pendingJoin !== undefined && payload.isRunning() && !stopRequested && Date.now() < deadline) {
      await payload.heartbeat();
      if (pendingJoin !== undefined) await pause(50);
    }
    announceJoin();
  }

  /** when the broker was lost (undefined while connected), and the reconnect attempts that failed since */
  let lostAt: number | undefined;
  let failedAttempts = 0;
  let markStarted: () => void = () => undefined;

  /** Listens to one consumer; resolves with the error it crashed with (kafkajs has disconnected it by then). */
  function watch(consumer: Consumer): Promise<Error> {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      announceJoin(); // the previous join, superseded before it was confirmed
      owned = payload.memberAssignment;
      const notes: string[] = [];
      if (payload.isLeader) notes.push('leader');
      if (lostAt !== undefined)
        notes.push(`reconnected ${((Date.now() - lostAt) / 1000).toFixed(1)} s after losing the broker`);
      lostAt = undefined;
      failedAttempts = 0;
      const timer = setTimeout(() => announceJoin(), heartbeatInterval + maxWaitTimeInMs + 2000);
      timer.unref();
      pendingJoin = {
        memberId: payload.memberId,
        timer,
        extra: {
          member_id: payload.memberId,
          assignment: payload.memberAssignment,
          ...(notes.length > 0 ? { detail: notes.join('; ') } : {}),
        },
      };
      markStarted();
    });
    consumer.on(consumer.events.HEARTBEAT, ({ payload }) => {
      if (pendingJoin?.memberId === payload.memberId) announceJoin(payload.groupGenerationId);
    });
    return new Promise((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error));
    });
  }

  function handle(partition: number, message: KafkaMessage): void {
    const line = recordToLine({ instance, topic, partition, message, errorsSoFar: stats.errors });
    if (line.type === 'error') stats.errors = line.errors_total;
    else stats.events++;
    out(line);
  }

  const runConfig: ConsumerRunConfig = {
    eachBatchAutoResolve: false,
    autoCommit: true,
    autoCommitInterval: 1000,
    autoCommitThreshold: 100,
    eachBatch: async (payload) => {
      if (pendingJoin !== undefined) await confirmJoin(payload);
      const { batch } = payload;
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        handle(batch.partition, message);
        payload.resolveOffset(message.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    },
  };

  /** The topic may not exist yet (the stack's init step or loms creates it): wait for it instead of failing. */
  async function subscribeWhenTopicExists(consumer: Consumer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: config.fromBeginning ?? true });
        return;
      } catch (err) {
        if (stopRequested || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
        if (attempt === 1) lifecycle('starting', { detail: `waiting for topic ${topic} to exist` });
        await pause(Math.min(500 * attempt, 3000));
        if (stopRequested) return;
      }
    }
  }

  /** the consumer of the current session, and its start (connect, subscribe, join) */
  let current: { consumer: Consumer; starting: Promise<void> } | undefined;

  /** One consumer from connect to crash (→ the error) or stop (→ undefined). */
  async function session(): Promise<{ error: unknown } | undefined> {
    const consumer = newConsumer();
    const crashed = watch(consumer);
    const starting = (async () => {
      await consumer.connect();
      if (!stopRequested) await subscribeWhenTopicExists(consumer);
      if (!stopRequested) await consumer.run(runConfig);
    })();
    current = { consumer, starting };
    try {
      await starting;
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      return stopRequested ? undefined : { error };
    }
    if (stopRequested) {
      // stop() may have given up waiting for this start (a broker that was away): make sure nothing is left running
      await consumer.disconnect().catch(() => undefined);
      return undefined;
    }
    return Promise.race([crashed.then((error) => ({ error })), stopSignal.then(() => undefined)]);
  }

  /** Sessions until stop(), through any number of broker outages; rejects on a failure that is not the broker being away. */
  async function run(): Promise<void> {
    while (!stopRequested) {
      const end = await session();
      if (end === undefined || stopRequested) return;
      announceJoin();
      if (!isBrokerUnavailable(end.error)) throw end.error;
      const reason = describeFailure(end.error);
      if (lostAt === undefined) {
        lostAt = Date.now();
        logger.warn({ err: reason }, 'lost the Kafka broker: reconnecting until it is back');
        lifecycle('disconnected', { detail: reason });
      }
      failedAttempts++;
      const delay = reconnectDelayMs(failedAttempts, reconnectInitialMs, reconnectMaxMs);
      lifecycle('reconnecting', { attempt: failedAttempts, retry_in_ms: delay, detail: reason });
      await pause(delay);
    }
  }

  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    instance,
    stats,
    start() {
      started ??= new Promise<void>((resolve, reject) => {
        let running = false;
        markStarted = () => {
          running = true;
          resolve();
        };
        lifecycle('starting', { detail: `topic ${topic}` });
        run().then(
          () => resolve(),
          (err: unknown) => {
            announceJoin();
            const error = err instanceof Error ? err : new Error(String(err));
            logger.error(
              { err: describeFailure(err), stack: error.stack },
              'the consumer failed for a reason other than the broker being away',
            );
            lifecycle('crashed', { detail: describeFailure(err) });
            if (running) deps.onFatal?.(error);
            else reject(error);
          },
        );
      });
      return started;
    },
    stop() {
      stopped ??= (async () => {
        announceJoin();
        lifecycle('stopping');
        stopRequested = true;
        signalStop();
        markStarted();
        const deadline = Date.now() + stopTimeoutMs;
        let detail = `events ${stats.events}, errors ${stats.errors}`;
        const last = current;
        if (last !== undefined) {
          // A consumer in the middle of its start is disconnected once that step is over (a disconnect in the middle of a
          // join leaves the member behind), unless a broker that is away keeps it there past the deadline.
          await within(
            last.starting.catch(() => undefined),
            deadline - Date.now(),
          );
          // disconnect() waits for the in-flight batch, commits the resolved offsets and leaves the group.
          const left = await within(
            last.consumer.disconnect().then(
              () => 'ok',
              (err: unknown) => `disconnect failed: ${describeFailure(err)}`,
            ),
            Math.max(deadline - Date.now(), 500),
          );
          if (left === undefined)
            detail = `no clean leave within ${stopTimeoutMs} ms (the broker does not answer): uncommitted events come again; ${detail}`;
          else if (left !== 'ok') detail = `${left}; ${detail}`;
        }
        lifecycle('stopped', { detail });
      })();
      return stopped;
    },
  };
}

/** The value of `promise`, or undefined when it did not settle within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(ms, 0));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
