// The console core in one composition function: explicit dependencies in, one handler per contract request and one
// event stream out. No module-level state: two consoles in one process do not share anything.
import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { AppError, toAppError } from '../../services/shared/app-error.js';
import { kafkaLogCreator } from '../../services/shared/kafka-log.js';
import type { Logger } from '../../services/shared/logger.js';
import type { StackProvider } from './stack/types.js';
import type { OutboxState, ParsedRequestOf, RequestName, ResponseOf, ServiceLogLine } from './contract/console-api.js';
import type { ConsoleConfig } from './config/console-config.js';
import { createEventHub, createBatcher, type EventListener } from './events/event-hub.js';
import { createSupervisor, type Supervisor } from './supervisor/supervisor.js';
import { createTimelineStore } from './timeline/timeline-store.js';
import { createKafkaObserver, type KafkaObserver } from './observe/kafka-observer.js';
import { createOutboxObserver, type OutboxObserver } from './observe/outbox-observer.js';
import { createTailBuffer, createTopicTail, type TailBuffer, type TopicTail } from './observe/topic-tail.js';
import { createFaults, type Faults } from './faults/faults.js';
import { createLoadGenerator } from './load/load-generator.js';
import { createDispatcher, type Dispatcher } from './api/dispatch.js';

export type ConsoleHandlers = { [C in RequestName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

export interface ConsoleDeps {
  config: ConsoleConfig;
  provider: StackProvider;
  logger: Logger;
  mode: 'electron' | 'web';
  version: string;
  /** kafkajs client for the observers (default: a client on the provider's brokers) */
  kafkaFactory?: (brokers: string[], clientId: string) => Kafka;
  poolFactory?: (url: string) => pg.Pool;
  /** how the supervisor runs a service (see SupervisorDeps.serviceArgs); default: tsx on services/cli.ts */
  serviceArgs?: (kind: 'loms' | 'notifier') => string[];
}

export interface Console {
  readonly handlers: ConsoleHandlers;
  /** validates and runs one request (hosts call this with untrusted input) */
  readonly dispatch: Dispatcher;
  readonly subscribe: (listener: EventListener) => () => void;
  /** starts the observers when the stack already answers (idempotent, never throws) */
  start(): Promise<void>;
  /** stops load, services, observers (not the stack: stack:down does that) */
  stop(): Promise<void>;
  readonly observerGroupId: string;
}

interface Observing {
  brokers: string;
  kafka: Kafka;
  admin: Admin;
  kafkaObserver: KafkaObserver;
  tail: TopicTail;
  pool: pg.Pool;
  outbox: OutboxObserver;
  faults: Faults;
}

const defaultKafka = (logger: Logger) => (brokers: string[], clientId: string) =>
  new Kafka({
    clientId,
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger.child({ part: 'kafkajs' })),
  });

export function createConsole(deps: ConsoleDeps): Console {
  const { config, provider, logger } = deps;
  const hub = createEventHub((err, name) => logger.error({ err, name }, 'event listener failed'));
  const wants = () => hub.listenerCount() > 0;
  const observerGroupId = `eventscope-observer-${randomBytes(4).toString('hex')}`;
  const kafkaFactory = deps.kafkaFactory ?? defaultKafka(logger);
  const poolFactory =
    deps.poolFactory ??
    ((url: string) =>
      new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000, idleTimeoutMillis: 10_000 }));
  let pollIntervalMs = config.pollIntervalMs;

  /** the background parts whose last report was an error */
  const failing = new Set<string>();
  const pushError = (source: string, err: unknown) => {
    const e = toAppError(err);
    failing.add(source);
    hub.emit('console:error', { source, error: e.toJSON(), at: Date.now() });
  };
  /** a part's health report: an error, or undefined once it works (said once, after an error) */
  const reportHealth = (source: string) => (err: unknown) => {
    if (err !== undefined) pushError(source, err);
    else if (failing.delete(source)) hub.emit('console:recovered', { source, at: Date.now() });
  };

  provider.onHealth((health) => hub.emit('stack:health', { health }));

  const timeline = createTimelineStore({
    cap: config.timelineCap,
    batchMs: config.batchMs,
    wantBatches: wants,
    onBatch: (seq, updated, evicted, size) => hub.emit('timeline:batch', { seq, updated, evicted, size }),
  });

  const logBatcher = createBatcher<ServiceLogLine>({
    intervalMs: config.batchMs,
    maxItems: 500,
    onFlush: (seq, lines) => hub.emit('services:log', { seq, lines }),
  });

  const databaseUrl = () => config.lomsDatabaseUrl ?? provider.endpoints().postgres.url;
  const lomsBaseUrl = () => `http://127.0.0.1:${config.lomsPort}`;

  const supervisor: Supervisor = createSupervisor({
    repoRoot: config.repoRoot,
    ...(deps.serviceArgs === undefined ? {} : { serviceArgs: deps.serviceArgs }),
    logger: logger.child({ part: 'supervisor' }),
    serviceEnv: () => ({
      kafkaBrokers: provider.endpoints().kafka.brokers,
      databaseUrl: databaseUrl(),
      lomsPort: config.lomsPort,
      topic: config.orderTopic,
      notifierGroupId: config.notifierGroupId,
    }),
    onState: (instance) => hub.emit('services:state', { instance }),
    onLog: (line) => {
      if (wants()) logBatcher.add(line);
    },
    onNotifierLine: (line) => {
      if (line.type === 'event') {
        timeline.addProcessed(
          String(line.order_id),
          line.status,
          Date.parse(line.ts),
          line.instance,
          line.partition,
          Number(line.offset),
          line.latency_ms,
        );
      }
    },
  });

  const load = createLoadGenerator({ lomsBaseUrl, onProgress: (progress) => hub.emit('load:progress', { progress }) });

  // --- observers: built when the stack answers, rebuilt when its brokers change ---
  let observing: Observing | undefined;
  let tailBuffer: TailBuffer | undefined;
  let observeChain: Promise<void> = Promise.resolve();

  const startObserving = (): Promise<void> => {
    observeChain = observeChain
      .then(async () => {
        const endpoints = provider.endpoints();
        const brokers = endpoints.kafka.brokers.join(',');
        if (observing !== undefined && observing.brokers === brokers) return;
        if (observing !== undefined) await stopObservingNow();
        const kafka = kafkaFactory(endpoints.kafka.brokers, 'eventscope-console');
        const admin = kafka.admin({ retry: { retries: 1 } });
        tailBuffer = createTailBuffer({
          capacity: config.tailCapacity,
          orderTopic: config.orderTopic,
          timeline,
          batchMs: config.batchMs,
          wantBatches: wants,
          onBatch: (seq, records, dropped) => hub.emit('tail:batch', { seq, records, dropped }),
        });
        const buffer = tailBuffer;
        const tail = createTopicTail({
          kafka,
          groupId: observerGroupId,
          buffer,
          logger: logger.child({ part: 'tail' }),
          onHealth: reportHealth('tail'),
        });
        const kafkaObserver = createKafkaObserver({
          admin,
          logger: logger.child({ part: 'kafka-observer' }),
          pollIntervalMs,
          hideGroup: (g) => g === observerGroupId || g.startsWith('eventscope-observer-'),
          generationFor: (g) => supervisor.lastGeneration(g),
          keysSeen: (t, p) => buffer.keysSeen(t, p),
          onPartitionsDiff: (seq, upsert, removed) => hub.emit('kafka:snapshot-diff', { seq, upsert, removed }),
          onGroupsDiff: (seq, upsert, removed, rebalances) =>
            hub.emit('groups:diff', { seq, upsert, removed, rebalances }),
          onGroupProgress: (groupId, lags) => {
            if (groupId !== config.notifierGroupId) return;
            for (const l of lags) {
              if (l.topic === config.orderTopic && l.committedOffset !== null)
                timeline.setGroupProgress(l.topic, l.partition, Number(l.committedOffset), l.lag === 0);
            }
          },
          onTopics: (topics) => void tail.follow(topics),
          onHealth: reportHealth('kafka-observer'),
        });
        const pool = poolFactory(databaseUrl());
        pool.on('error', (err) => logger.warn({ err: err.message }, 'outbox pool error'));
        const outbox = createOutboxObserver({
          pool,
          logger: logger.child({ part: 'outbox-observer' }),
          pollIntervalMs,
          backfillRows: config.timelineCap,
          onDiff: (seq, changes) => hub.emit('outbox:diff', { seq, changes }),
          onCommitted: (orderId, status, at, outboxId, sentAt) =>
            timeline.addCommitted(orderId, status, at, outboxId, sentAt),
          onSent: (orderId, outboxId, sentAt) => timeline.markSent(orderId, outboxId, sentAt),
        });
        const faults = createFaults({
          lomsBaseUrl,
          producer: () =>
            kafka.producer({
              allowAutoTopicCreation: false,
              createPartitioner: Partitioners.DefaultPartitioner,
              retry: { retries: 3 },
            }),
          tail: () => tailBuffer,
        });
        observing = { brokers, kafka, admin, kafkaObserver, tail, pool, outbox, faults };
        kafkaObserver.start();
        outbox.start();
        logger.info({ brokers, observerGroupId }, 'observers started');
      })
      .catch((err: unknown) => {
        logger.error({ err: toAppError(err).message }, 'observers could not start');
        pushError('observe', err);
      });
    return observeChain;
  };

  const stopObservingNow = async () => {
    const o = observing;
    observing = undefined;
    if (o === undefined) return;
    await Promise.allSettled([o.kafkaObserver.stop(), o.tail.stop(), o.outbox.stop(), o.faults.stop()]);
    await o.pool.end().catch(() => undefined);
  };
  const stopObserving = (): Promise<void> => {
    observeChain = observeChain
      .then(stopObservingNow)
      .catch((err: unknown) => logger.warn({ err: toAppError(err).message }, 'stopping observers failed'));
    return observeChain;
  };

  const needObserving = async (): Promise<Observing> => {
    await startObserving();
    if (observing === undefined)
      throw new AppError('KAFKA_UNAVAILABLE', 'the console is not observing a stack yet: start the stack first');
    return observing;
  };

  const empty = {} as Record<string, never>;

  const handlers: ConsoleHandlers = {
    'console:info': () =>
      Promise.resolve({
        mode: deps.mode,
        version: deps.version,
        provider: provider.kind,
        pollIntervalMs,
        observerGroupId,
        topics: observing?.tail.topics ?? [],
        timelineCap: timeline.cap,
      }),
    'stack:up': async () => {
      const r = await provider.up();
      await startObserving();
      return { health: r.health, millisToHealthy: r.millisToHealthy };
    },
    'stack:down': async () => {
      await load.stop();
      await supervisor.stopAll();
      await stopObserving();
      await provider.down();
      return empty;
    },
    'stack:status': async () => ({ provider: provider.kind, health: await provider.status() }),
    'stack:logs': async ({ component, lines }) => ({ lines: await provider.logs(component, lines) }),
    'stack:stop-component': async ({ component }) => {
      await provider.stopComponent(component);
      return empty;
    },
    'stack:start-component': async ({ component }) => {
      await provider.startComponent(component);
      return empty;
    },
    'services:list': () => Promise.resolve({ instances: supervisor.list() }),
    'services:start': async ({ instance }) => ({ instance: await supervisor.start(instance) }),
    'services:stop': async ({ instance }) => ({ instance: await supervisor.stop(instance) }),
    'services:kill': async ({ instance }) => ({ instance: await supervisor.kill(instance) }),
    'services:restart': async ({ instance }) => ({ instance: await supervisor.restart(instance) }),
    'services:logs': ({ instance, lines }) => Promise.resolve({ lines: supervisor.logs(instance, lines) }),
    'relay:pause': async () => (await needObserving()).faults.relay('pause'),
    'relay:resume': async () => (await needObserving()).faults.relay('resume'),
    'relay:status': async () => (await needObserving()).faults.relay('status'),
    'kafka:produce-raw': async (req) => {
      const o = await needObserving();
      return req.kind === 'duplicate'
        ? o.faults.produceDuplicate(req.topic, req.source)
        : o.faults.producePoison(req.topic, req.key, req.value);
    },
    'kafka:snapshot': () =>
      Promise.resolve(observing?.kafkaObserver.partitionsSnapshot() ?? { seq: 0, partitions: [] }),
    'groups:snapshot': () => Promise.resolve(observing?.kafkaObserver.groupsSnapshot() ?? { seq: 0, groups: [] }),
    'groups:rebalances': ({ groupId, limit }) =>
      Promise.resolve({ rebalances: observing?.kafkaObserver.rebalances(groupId, limit) ?? [] }),
    'outbox:snapshot': () =>
      Promise.resolve(observing?.outbox.snapshot() ?? { seq: 0, state: null as OutboxState | null }),
    'outbox:history': ({ sinceMs }) => Promise.resolve({ samples: observing?.outbox.history(sinceMs) ?? [] }),
    'observe:set-interval': ({ pollIntervalMs: ms }) => {
      pollIntervalMs = ms;
      observing?.kafkaObserver.setPollInterval(ms);
      observing?.outbox.setPollInterval(ms);
      return Promise.resolve({ pollIntervalMs });
    },
    'topics:tail-page': (q) => Promise.resolve(tailBuffer?.page(q) ?? { records: [], nextBefore: null }),
    'timeline:get': ({ orderId }) => Promise.resolve({ timeline: timeline.get(orderId) }),
    'timeline:flagged': ({ flag, limit }) => Promise.resolve(timeline.flagged(flag, limit)),
    'timeline:recent': ({ prefix, limit }) =>
      Promise.resolve({ items: timeline.recent(prefix, limit), size: timeline.size, cap: timeline.cap }),
    'load:start': (req) => Promise.resolve(load.start(req)),
    'load:stop': async () => ({ progress: await load.stop() }),
    'load:status': () => Promise.resolve({ progress: load.status() }),
  };

  const dispatch = createDispatcher(handlers, logger.child({ part: 'dispatch' }));

  return {
    handlers,
    dispatch,
    subscribe: (listener) => hub.subscribe(listener),
    observerGroupId,
    async start() {
      try {
        const health = await provider.status();
        const kafka = health.find((h) => h.name === 'kafka');
        if (kafka?.state === 'healthy') await startObserving();
        else logger.info('the stack does not answer yet: observers start after stack:up');
      } catch (err) {
        logger.warn({ err: toAppError(err).message }, 'stack status failed at start');
      }
    },
    async stop() {
      await load.stop();
      await supervisor.stopAll();
      await stopObserving();
      timeline.stop();
      logBatcher.stop();
    },
  };
}
