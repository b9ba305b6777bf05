// A reconnecting member of a Kafka consumer group, for any lab's consumers: it runs an eachBatch handler on its topics,
// survives broker outages by replacing its consumer (forever, with a capped backoff), keeps its partitions across
// reconnects (a sticky assigner), reports its life through callbacks (starting, joined with the group generation,
// disconnected, reconnecting, restarting, crashed, stopping, stopped) and stops cleanly (the batch in flight, the last
// commit, LeaveGroup) within a deadline even when the broker is away.
//
// kafkajs' own restart is off (`restartOnFailure` says no): it restarts only when the root cause is marked retriable, so a
// broker that is still away when the restarted consumer looks for its group coordinator ends in
// KafkaJSGroupCoordinatorNotFound (non-retriable) and kafkajs gives up for good; it also restarts without a cap. A consumer
// that failed because the broker is away is replaced by a fresh one after 1 s, 2 s, 4 s … 10 s, and consumption resumes
// from the committed offsets (at least once). Any other failure (bad configuration, a bug) is `crashed`: start() rejects
// when it happens before the first join, onFatal is called after it; `restartOn` names failures to restart on anyway.
//
// Generation id: kafkajs' GROUP_JOIN event does not carry it, and the consumer-group object that holds it is private to
// kafkajs' consumer. Its public HEARTBEAT event does (`groupGenerationId`), once the coordinator accepted this member's
// heartbeat in the new generation. So `joined` is reported at the first heartbeat after the join, with the generation; a
// batch that arrives before it heartbeats first (waiting at most one heartbeat interval), so that the join still comes
// before the batch. A join superseded (or not confirmed within a few seconds) is reported without it.
import {
  Kafka,
  type Consumer,
  type ConsumerRunConfig,
  type EachBatchPayload,
  type KafkaConfig,
  type PartitionAssigner,
} from 'kafkajs';
import { kafkaLogCreator } from './kafka-log.js';
import { kafkaSecurityFromEnv } from './kafka-security-env.js';
import type { Logger } from './logger.js';
import { stickyAssigner, type TopicPartitions } from './sticky-assigner.js';

export interface GroupJoin {
  memberId: string;
  isLeader: boolean;
  assignment: TopicPartitions;
  /** absent when the join was superseded (or not confirmed) before a heartbeat carried it */
  generationId?: number;
  /** set on the first join after the broker was lost: how long it was away */
  reconnectedAfterMs?: number;
}

/** What the member reports; every callback is optional. */
export interface GroupMemberEvents {
  /** connecting (again), or waiting for a topic to exist */
  starting?(detail: string): void;
  joined?(join: GroupJoin): void;
  /** the broker was lost (once per outage) */
  disconnected?(reason: string): void;
  /** the next attempt to reach the broker, `attempt` 1, 2, … in `delayMs` */
  reconnecting?(attempt: number, delayMs: number, reason: string): void;
  /** a failure `restartOn` accepted: a fresh consumer in `delayMs` */
  restarting?(attempt: number, delayMs: number, reason: string): void;
  /** a failure that ends the member */
  crashed?(reason: string, error: Error): void;
  stopping?(): void;
  /** `clean`: the member left the group and committed; otherwise `detail` says why not */
  stopped?(outcome: { clean: boolean; detail?: string }): void;
}

export interface KafkaGroupMemberOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  logger: Logger;
  eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /** kafkajs run options besides the handler; default: resolve offsets by hand, auto commit every 1 s / 100 offsets */
  run?: Omit<ConsumerRunConfig, 'eachBatch' | 'eachMessage'>;
  events?: GroupMemberEvents;
  /** a failure after the first join that is not the broker being away (the member has stopped by then) */
  onFatal?: (err: Error) => void;
  /** a new group starts at the beginning of the topics (default true) */
  fromBeginning?: boolean;
  /** how long the group waits for a member that vanished (kafkajs' default is 30 s; default here 10 s) */
  sessionTimeoutMs?: number;
  /** default 1 s, so that members learn about a rebalance quickly */
  heartbeatIntervalMs?: number;
  /** how long an idle fetch waits on the broker (default 500 ms); bounds how fast an idle member notices a rebalance */
  maxWaitTimeMs?: number;
  /** the wait before the first reconnect, doubled per failed attempt up to reconnectMaxMs (1 s → 10 s) */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** how long stop() waits for a clean leave (default 3 s); a broker that is away takes neither the commit nor the leave */
  stopTimeoutMs?: number;
  /** failures to replace the consumer on, besides the broker being away (default: none) */
  restartOn?: (err: unknown) => boolean;
  /**
   * false: stop() lets go at once, without the last commit and without LeaveGroup, as a killed process does (the group
   * waits a session timeout for it). Meant for a process about to exit. Default true.
   */
  leaveOnStop?: boolean;
  /** partition assigners (default: sticky, keeping what this member owns across rebalances and reconnects) */
  partitionAssigners?: (owned: () => TopicPartitions) => PartitionAssigner[];
  /** more kafkajs client options (ssl, sasl, socketFactory, …) */
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'retry'>;
}

export interface KafkaGroupMember {
  /** resolves once the member first joined the group (or stop() was called); rejects on a fatal failure before that */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * kafkajs' retries within one consumer, pinned (kafkajs picks other ones when NODE_ENV=test): up to about 9 s of
 * attempts before a consumer gives up on an unreachable broker and the member reports `disconnected` (often sooner:
 * kafkajs stops retrying a fetch at once when no broker is connected).
 */
const KAFKA_RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 5 } as const;

/** kafkajs errors that say a broker could not be reached or did not answer */
const BROKER_AWAY = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  // kafkajs ran out of retries on errors it considers retriable
  'KafkaJSNumberOfRetriesExceeded',
]);

/** group-membership errors (kafkajs marks them non-retriable) that a fresh member simply does not have */
const MEMBERSHIP = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/** socket errors that are not (yet) wrapped in a kafkajs error */
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** The error and its causes (kafkajs wraps: KafkaJSNonRetriableError → KafkaJSNumberOfRetriesExceeded → KafkaJSConnectionError). */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let e: unknown = err;
  while (e !== null && typeof e === 'object' && out.length < 10 && !out.includes(e)) {
    out.push(e);
    e = (e as ErrorLike).cause;
  }
  return out;
}

/**
 * True when a consumer failure only means the broker (or the group coordinator) is not reachable right now: the notifier
 * then keeps trying. False for everything else, e.g. a SASL failure, INVALID_SESSION_TIMEOUT, GROUP_AUTHORIZATION_FAILED,
 * "brokers array is empty", or a TypeError: those end the notifier. A broker address that does not resolve counts as
 * away (kafkajs reports it as a connection error, like a DNS outage).
 */
export function isBrokerUnavailable(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      (typeof e.name === 'string' && BROKER_AWAY.has(e.name)) ||
      (typeof e.type === 'string' && MEMBERSHIP.has(e.type)) ||
      (typeof e.code === 'string' && SOCKET.has(e.code)) ||
      // kafkajs' own retriable errors (protocol errors like NOT_COORDINATOR_FOR_GROUP, LEADER_NOT_AVAILABLE, …)
      (e.retriable === true && typeof e.name === 'string' && e.name.startsWith('KafkaJS')),
  );
}

/** The wait before reconnect attempt `attempt` (1, 2, …): initial, doubling, capped at max. */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(initialMs * 2 ** exponent, maxMs);
}

/** The message of an error and its root cause, for a lifecycle line. */
export function describeFailure(err: unknown): string {
  const messageOf = (e: unknown): string => {
    if (e instanceof Error) return e.message;
    const message = (e as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : typeof e === 'string' ? e : (JSON.stringify(e) ?? 'unknown error');
  };
  const all = chain(err);
  const top = messageOf(err);
  const root = all.length > 1 ? messageOf(all[all.length - 1]) : top;
  return root === top ? top : `${top} (${root})`;
}

export function createKafkaGroupMember(opts: KafkaGroupMemberOptions): KafkaGroupMember {
  const { logger, groupId, topics } = opts;
  const events = opts.events ?? {};
  const kafka = new Kafka({
    connectionTimeout: 3000,
    ...kafkaSecurityFromEnv(),
    ...opts.kafka,
    clientId: opts.clientId,
    brokers: opts.brokers,
    retry: KAFKA_RETRY,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
  });
  const sessionTimeout = opts.sessionTimeoutMs ?? 10_000;
  const heartbeatInterval = opts.heartbeatIntervalMs ?? 1000;
  const maxWaitTimeInMs = opts.maxWaitTimeMs ?? 500;
  const reconnectInitialMs = opts.reconnectInitialMs ?? 1000;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 10_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 3000;
  /** what this member owns: kept across reconnects, so that the sticky assigner gives it the same partitions back */
  let owned: TopicPartitions = {};
  const assigners = opts.partitionAssigners?.(() => owned) ?? [stickyAssigner(() => owned)];
  const newConsumer = (): Consumer =>
    kafka.consumer({
      groupId,
      partitionAssigners: assigners,
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 10_000),
      heartbeatInterval,
      maxWaitTimeInMs,
      allowAutoTopicCreation: false,
      retry: { ...KAFKA_RETRY, restartOnFailure: () => Promise.resolve(false) },
    });

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

  // --- joins: reported with their generation (see the top of this file)
  let pendingJoin: { join: GroupJoin; timer: ReturnType<typeof setTimeout> } | undefined;
  const announceJoin = (generationId?: number): void => {
    const pending = pendingJoin;
    if (pending === undefined) return;
    pendingJoin = undefined;
    clearTimeout(pending.timer);
    events.joined?.(generationId === undefined ? pending.join : { ...pending.join, generationId });
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
  let restarts = 0;
  let markStarted: () => void = () => undefined;

  /** Listens to one consumer; resolves with the error it crashed with (kafkajs has disconnected it by then). */
  function watch(consumer: Consumer): Promise<Error> {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      announceJoin(); // the previous join, superseded before it was confirmed
      owned = payload.memberAssignment;
      const join: GroupJoin = {
        memberId: payload.memberId,
        isLeader: payload.isLeader,
        assignment: payload.memberAssignment,
        ...(lostAt === undefined ? {} : { reconnectedAfterMs: Date.now() - lostAt }),
      };
      lostAt = undefined;
      failedAttempts = 0;
      restarts = 0;
      const timer = setTimeout(() => announceJoin(), heartbeatInterval + maxWaitTimeInMs + 2000);
      timer.unref();
      pendingJoin = { join, timer };
      markStarted();
    });
    consumer.on(consumer.events.HEARTBEAT, ({ payload }) => {
      if (pendingJoin?.join.memberId === payload.memberId) announceJoin(payload.groupGenerationId);
    });
    return new Promise((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error));
    });
  }

  const runConfig: ConsumerRunConfig = {
    eachBatchAutoResolve: false,
    autoCommit: true,
    autoCommitInterval: 1000,
    autoCommitThreshold: 100,
    ...opts.run,
    eachBatch: async (payload) => {
      if (pendingJoin !== undefined) await confirmJoin(payload);
      await opts.eachBatch(payload);
    },
  };

  /** The topics may not exist yet (an init step or a producer creates them): wait for them instead of failing. */
  async function subscribeWhenTopicsExist(consumer: Consumer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
        return;
      } catch (err) {
        if (stopRequested || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
        if (attempt === 1) events.starting?.(`waiting for topic ${topics.join(', ')} to exist`);
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
      if (!stopRequested) await subscribeWhenTopicsExist(consumer);
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
      if (opts.leaveOnStop !== false) await consumer.disconnect().catch(() => undefined);
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
      const reason = describeFailure(end.error);
      if (!isBrokerUnavailable(end.error)) {
        if (!opts.restartOn?.(end.error)) throw end.error;
        restarts++;
        const delay = reconnectDelayMs(restarts, reconnectInitialMs, reconnectMaxMs);
        logger.error({ err: reason, attempt: restarts, retryInMs: delay }, 'the consumer failed: restarting it');
        events.restarting?.(restarts, delay, reason);
        await pause(delay);
        continue;
      }
      if (lostAt === undefined) {
        lostAt = Date.now();
        logger.warn({ err: reason }, 'lost the Kafka broker: reconnecting until it is back');
        events.disconnected?.(reason);
      }
      failedAttempts++;
      const delay = reconnectDelayMs(failedAttempts, reconnectInitialMs, reconnectMaxMs);
      events.reconnecting?.(failedAttempts, delay, reason);
      await pause(delay);
    }
  }

  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    start() {
      started ??= new Promise<void>((resolve, reject) => {
        let running = false;
        markStarted = () => {
          running = true;
          resolve();
        };
        events.starting?.(`topic ${topics.join(', ')}`);
        run().then(
          () => resolve(),
          (err: unknown) => {
            announceJoin();
            const error = err instanceof Error ? err : new Error(String(err));
            const reason = describeFailure(err);
            logger.error(
              { err: reason, stack: error.stack },
              'the consumer failed for a reason other than the broker being away',
            );
            events.crashed?.(reason, error);
            if (running) opts.onFatal?.(error);
            else reject(error);
          },
        );
      });
      return started;
    },
    stop() {
      stopped ??= (async () => {
        announceJoin();
        events.stopping?.();
        stopRequested = true;
        signalStop();
        markStarted();
        if (opts.leaveOnStop === false) {
          events.stopped?.({ clean: false, detail: 'let go without the last commit and without leaving the group' });
          return;
        }
        const deadline = Date.now() + stopTimeoutMs;
        const last = current;
        if (last === undefined) {
          events.stopped?.({ clean: true });
          return;
        }
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
        if (left === 'ok') events.stopped?.({ clean: true });
        else if (left === undefined)
          events.stopped?.({
            clean: false,
            detail: `no clean leave within ${stopTimeoutMs} ms (the broker does not answer): uncommitted events come again`,
          });
        else events.stopped?.({ clean: false, detail: left });
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
