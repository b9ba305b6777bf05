// The notifier: one member of a consumer group on the order-events topic. Every event becomes one JSON line on stdout
// (schema: NotifierLine in lab-d/schema.ts); its offset is resolved only after the line is written, and kafkajs commits
// only resolved offsets (after each batch, every second, every 100 events, and on disconnect). A record that is not a
// valid OrderEvent is an `error` line: counted, skipped (its offset is committed), the consumer keeps running.
import { Kafka, type Consumer, type KafkaMessage } from 'kafkajs';
import { hostname } from 'node:os';
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
}

export interface NotifierDeps {
  logger?: Logger;
  /** where the event/error/lifecycle lines go; stdout by default */
  out?: (line: NotifierLine) => void;
  /** called when the consumer crashed for good (kafkajs will not restart it) */
  onFatal?: (err: Error) => void;
}

export interface Notifier {
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
  const base = { ts: at.toISOString(), instance, topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null };
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
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
  });
  const sessionTimeout = config.sessionTimeoutMs ?? 10_000;
  let owned: TopicPartitions = {};
  const consumer: Consumer = kafka.consumer({
    groupId,
    partitionAssigners: [stickyAssigner(() => owned)],
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout, 10_000),
    heartbeatInterval: config.heartbeatIntervalMs ?? 1000,
    maxWaitTimeInMs: config.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
  });
  const now = (): string => new Date().toISOString();
  const lifecycle = (state: LifecycleLine['state'], extra: LifecycleExtra = {}): void =>
    out({ type: 'lifecycle', ts: now(), instance, state, group_id: groupId, ...extra });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    owned = payload.memberAssignment;
    lifecycle('joined', {
      member_id: payload.memberId,
      assignment: payload.memberAssignment,
      ...(payload.isLeader ? { detail: 'leader' } : {}),
    });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    lifecycle('crashed', { detail: `${payload.error.message}${payload.restart ? ' (restarting)' : ''}` });
    if (!payload.restart) deps.onFatal?.(payload.error);
  });

  function handle(partition: number, message: KafkaMessage): void {
    const line = recordToLine({ instance, topic, partition, message, errorsSoFar: stats.errors });
    if (line.type === 'error') stats.errors = line.errors_total;
    else stats.events++;
    out(line);
  }

  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let stopRequested = false;
  let wakeStop: (() => void) | undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeStop = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** The topic may not exist yet (the stack's init step or loms creates it): wait for it instead of failing. */
  async function subscribeWhenTopicExists(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: config.fromBeginning ?? true });
        return;
      } catch (err) {
        if (stopRequested || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
        if (attempt === 1) lifecycle('starting', { detail: `waiting for topic ${topic} to exist` });
        await pause(Math.min(500 * attempt, 3000));
        if (stopRequested) throw new Error('stopped while waiting for the topic');
      }
    }
  }

  return {
    instance,
    stats,
    start() {
      started ??= (async () => {
        lifecycle('starting', { detail: `topic ${topic}` });
        await consumer.connect();
        await subscribeWhenTopicExists();
        await consumer.run({
          eachBatchAutoResolve: false,
          autoCommit: true,
          autoCommitInterval: 1000,
          autoCommitThreshold: 100,
          eachBatch: async (payload) => {
            const { batch } = payload;
            for (const message of batch.messages) {
              if (!payload.isRunning() || payload.isStale()) break;
              handle(batch.partition, message);
              payload.resolveOffset(message.offset);
              await payload.commitOffsetsIfNecessary();
              await payload.heartbeat();
            }
          },
        });
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        lifecycle('stopping');
        stopRequested = true;
        wakeStop?.();
        await started?.catch(() => undefined);
        // disconnect() waits for the in-flight batch, commits the resolved offsets and leaves the group.
        const results = await Promise.allSettled([consumer.disconnect()]);
        const failed = results.find((r) => r.status === 'rejected');
        lifecycle('stopped', { detail: failed ? `disconnect failed: ${String(failed.reason)}` : `events ${stats.events}, errors ${stats.errors}` });
      })();
      return stopped;
    },
  };
}
