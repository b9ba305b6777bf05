// The console core in one composition function: explicit dependencies in, one handler per contract request and one
// event stream out. No module-level state: two consoles in one process do not share anything. The core knows no lab:
// it runs the selected lab's module (main/console/labs/) and starts each observer as its component becomes healthy.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createClient as createRedisClient } from 'redis';
import { AppError, toAppError } from '../../services/shared/app-error.js';
import { kafkaLogCreator } from '../../services/shared/kafka-log.js';
import type { Logger } from '../../services/shared/logger.js';
import type { ComponentName, StackProvider } from './stack/types.js';
import type { ConnectionProfile } from './contract/profiles.js';
import { parseProfile, type ProfileStore } from './config/profile-store.js';
import { ExternalStackProvider } from './stack/external/provider.js';
import { profileComponents } from './stack/external/profile-endpoints.js';
import { testProfile } from './stack/external/test-profile.js';
import { kafkaClientSecurity, securityKey, type KafkaSecurity } from './stack/kafka-security.js';
import { SwitchableStackProvider } from './stack/switchable.js';
import {
  REQUEST_NAMES,
  type ConsoleInfo,
  type FaultInfo,
  type ParsedRequestOf,
  type RequestName,
  type ResponseOf,
  type ReadModelSnapshot,
  type RedisKeyValue,
  type ServiceLogLine,
} from './contract/console-api.js';
import type { ConsoleConfig } from './config/console-config.js';
import { createEventHub, createBatcher, type EventListener } from './events/event-hub.js';
import { createSupervisor, type Supervisor } from './supervisor/supervisor.js';
import { createLinkRegistry } from './faults/link-registry.js';
import { LINK_FAULTS, linkFault } from './faults/link-faults.js';
import { createLinkHandlers } from './faults/link-requests.js';
import { createTimelineStore, type TimelineStore } from './timeline/timeline-store.js';
import { createKafkaObserver, type KafkaObserver } from './observe/kafka-observer.js';
import { createLagHistory, lagHistoryOf } from './observe/lag-history.js';
import { BROWSE_GROUP_PREFIX, createMessageBrowser, type MessageBrowser } from './observe/message-browser.js';
import { createRecordTimestamps } from './observe/record-timestamps.js';
import { createOutboxObserver, type OutboxObserver } from './observe/outbox-observer.js';
import { createRabbitmqObserver, type RabbitmqObserver } from './observe/rabbitmq-observer.js';
import { createMongoObserver, type MongoObserver } from './observe/mongo-observer.js';
import { createRedisObserver, type RedisObserver } from './observe/redis-observer.js';
import { createManagementClient, managementUrlOf } from './stack/rabbitmq-management.js';
import { createTailBuffer, createTopicTail, type TailBuffer, type TopicTail } from './observe/topic-tail.js';
import { tailTopicsOf } from './observe/tail-topics.js';
import { createFaults, type Faults } from './faults/faults.js';
import { createLoadGenerator } from './load/load-generator.js';
import { createCheckRunner } from './checks/check-runner.js';
import { createDispatcher, type Dispatcher } from './api/dispatch.js';
import { createLabRegistry } from './labs/registry.js';
import { timelineLabOf } from './labs/timeline-lab.js';
import type { LabContext, LabModule, OutboxSpec } from './labs/types.js';
import { cacheDir } from './stack/paths.js';
import { readVersions } from './stack/versions.js';
import { createSessionLog, createSystemHandlers } from './system/system-requests.js';

export type ConsoleHandlers = { [C in RequestName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

export interface ConsoleDeps {
  config: ConsoleConfig;
  provider: StackProvider;
  logger: Logger;
  mode: 'electron' | 'web';
  version: string;
  /** the labs it can run (the composition roots pass `defaultLabs(env)`; tests add fixtures) */
  labs: readonly LabModule[];
  /** kafkajs client for the observers (default: a client on the provider's brokers, with their SASL/TLS) */
  kafkaFactory?: (brokers: string[], clientId: string, security?: KafkaSecurity) => Kafka;
  /** saved connection profiles (profiles:* requests; absent: they answer that this host keeps none) */
  profiles?: ProfileStore;
  poolFactory?: (url: string) => pg.Pool;
  /** how the supervisor runs `<lab>/<service>` (see SupervisorDeps.serviceArgs); default: tsx on services/cli.ts */
  serviceArgs?: (service: string) => string[];
  /** the services' working folder (see SupervisorDeps.cwd) */
  serviceCwd?: string;
  /** where report:export writes (default: exports/ in the app's data folder, EVENTSCOPE_HOME or .cache/) */
  reportsDir?: string;
}

export interface Console {
  readonly handlers: ConsoleHandlers;
  /** validates and runs one request (hosts call this with untrusted input) */
  readonly dispatch: Dispatcher;
  readonly subscribe: (listener: EventListener) => () => void;
  /** starts the observers of the components that already answer (idempotent, never throws) */
  start(): Promise<void>;
  /** stops load, services, observers (not the stack: stack:down does that) */
  stop(): Promise<void>;
  readonly observerGroupId: string;
}

/** The Kafka side: built when Kafka is healthy, rebuilt when its brokers change. */
interface KafkaPart {
  brokers: string;
  /** the brokers and their login (securityKey): a change rebuilds every client */
  key: string;
  kafka: Kafka;
  admin: Admin;
  kafkaObserver: KafkaObserver;
  tail: TopicTail;
  faults: Faults;
  browser: MessageBrowser;
}
/** The RabbitMQ side: the management API observer, built when RabbitMQ is healthy, rebuilt when its API moves. */
interface RabbitmqPart {
  managementUrl: string;
  observer: RabbitmqObserver;
}
/** The Postgres side: the lab's outbox observers, built when Postgres is healthy, rebuilt when the lab changes. */
interface PostgresPart {
  key: string;
  /** one pool per distinct database URL of the lab's outboxes */
  pools: pg.Pool[];
  /** in the order of the lab's `outboxes` */
  outboxes: { spec: OutboxSpec; observer: OutboxObserver }[];
}

/** The MongoDB side: the lab's read-model collections, built when MongoDB is healthy, rebuilt when the lab changes. */
interface MongoPart {
  key: string;
  client: MongoClient;
  observer: MongoObserver;
  problem: string | null;
}
/** The Redis side: the lab's read-model key prefixes, built when Redis is healthy, rebuilt when the lab changes. */
interface RedisPart {
  key: string;
  client: ReturnType<typeof createRedisClient>;
  observer: RedisObserver;
  prefixes: readonly string[];
  problem: string | null;
}

const defaultKafka = (logger: Logger) => (brokers: string[], clientId: string, security?: KafkaSecurity) =>
  new Kafka({
    clientId,
    brokers,
    ...kafkaClientSecurity(security),
    connectionTimeout: 2000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger.child({ part: 'kafkajs' })),
  });

export function createConsole(deps: ConsoleDeps): Console {
  const { config, logger } = deps;
  // the host's provider until a connection profile is connected (profiles:connect), then that profile's
  const provider = new SwitchableStackProvider(deps.provider);
  /** the connected profile (null: the host's own stack) */
  let connected: ConnectionProfile | null = null;
  const registry = createLabRegistry(deps.labs);
  const hub = createEventHub((err, name) => logger.error({ err, name }, 'event listener failed'));
  const wants = () => hub.listenerCount() > 0;
  const observerGroupId = `eventscope-observer-${randomBytes(4).toString('hex')}`;
  const kafkaFactory = deps.kafkaFactory ?? defaultKafka(logger);
  const poolFactory =
    deps.poolFactory ??
    ((url: string) =>
      new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000, idleTimeoutMillis: 10_000 }));
  let pollIntervalMs = config.pollIntervalMs;
  let lab: LabModule = registry.get(config.lab ?? registry.ids[0]!);
  const labTopicNames = () => lab.manifest.topics.map((t) => t.name);

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

  const makeTimeline = (m: LabModule): TimelineStore =>
    createTimelineStore({
      lab: timelineLabOf(m),
      cap: config.timelineCap,
      batchMs: config.batchMs,
      wantBatches: wants,
      onBatch: (seq, updated, evicted, size) => hub.emit('timeline:batch', { seq, updated, evicted, size }),
    });
  let timeline = makeTimeline(lab);

  const logBatcher = createBatcher<ServiceLogLine>({
    intervalMs: config.batchMs,
    maxItems: 500,
    onFlush: (seq, lines) => hub.emit('services:log', { seq, lines }),
  });

  let kafkaPart: KafkaPart | undefined;
  let postgresPart: PostgresPart | undefined;
  let rabbitmqPart: RabbitmqPart | undefined;
  let mongoPart: MongoPart | undefined;
  let redisPart: RedisPart | undefined;
  let tailBuffer: TailBuffer | undefined;
  /** the broken modes tried and the checks that ran meanwhile, for the report */
  const session = createSessionLog();

  const needKafka = (): KafkaPart => {
    if (kafkaPart === undefined)
      throw new AppError('KAFKA_UNAVAILABLE', 'the console is not observing Kafka yet: start the stack first');
    return kafkaPart;
  };
  /** lag per group and partition over the last 30 minutes, one sample per poll (groups:lag-history) */
  const lagHistory = createLagHistory({ pollIntervalMs: config.pollIntervalMs });
  /** every instance's links to the brokers and databases it uses (link faults) */
  const links = createLinkRegistry({
    onChange: (link) => hub.emit('links:changed', { link }),
    onError: (message) => logger.warn(message),
  });
  const context: LabContext = {
    links,
    endpoints: () => provider.endpoints(),
    logger: logger.child({ part: 'lab' }),
    records: {
      duplicate: (topic, source) => needKafka().faults.produceDuplicate(topic, source),
      poison: (topic, key, value) => needKafka().faults.producePoison(topic, key, value),
    },
    stack: { restart: (c) => restart(c), stopNode: (c, n) => stopNode(c, n), startNode: (c, n) => startNode(c, n) },
  };

  provider.onHealth((health) => {
    hub.emit('stack:health', { health });
    if (health.state === 'healthy') void observe([health.name]);
  });

  const supervisor: Supervisor = createSupervisor({
    repoRoot: config.repoRoot,
    lab,
    context,
    links,
    ...(deps.serviceArgs === undefined ? {} : { serviceArgs: deps.serviceArgs }),
    ...(deps.serviceCwd === undefined ? {} : { cwd: deps.serviceCwd }),
    logger: logger.child({ part: 'supervisor' }),
    onState: (instance) => {
      session.onState(instance);
      hub.emit('services:state', { instance });
    },
    onLog: (line) => {
      if (wants()) logBatcher.add(line);
    },
    onFacts: (facts) => {
      for (const f of facts) timeline.addFact(f);
    },
  });

  context.services = {
    list: () => supervisor.list(),
    start: (instance, brokenMode) => supervisor.start(instance, brokenMode),
    stop: (instance) => supervisor.stop(instance),
  };
  context.kafka = () => kafkaForChecks();

  /** the provider's restart (only what it started), else stop then start */
  const restart = async (c: ComponentName): Promise<void> => {
    if (provider.restartComponent !== undefined) return provider.restartComponent(c);
    await provider.stopComponent(c);
    await provider.startComponent(c);
  };

  /** one node of a component of several (a Kafka cluster's `kafka-2`); providers without clusters refuse */
  const stopNode = async (c: ComponentName, node: string): Promise<void> => {
    if (provider.stopNode === undefined)
      throw new AppError('INVALID_INPUT', `the ${provider.kind} provider does not stop single nodes`, {
        field: 'node',
      });
    await provider.stopNode(c, node);
  };
  const startNode = async (c: ComponentName, node: string): Promise<void> => {
    if (provider.startNode === undefined)
      throw new AppError('INVALID_INPUT', `the ${provider.kind} provider does not start single nodes`, {
        field: 'node',
      });
    await provider.startNode(c, node);
  };

  const load = createLoadGenerator({ onProgress: (progress) => hub.emit('load:progress', { progress }) });

  /** a client for checks: their own admins and consumers, on the stack's brokers as they are now */
  let checkKafka: { brokers: string; kafka: Kafka } | undefined;
  const kafkaForChecks = (): Kafka => {
    const { brokers, security } = provider.endpoints().kafka;
    const key = `${brokers.join(',')} ${securityKey(security)}`;
    if (checkKafka?.brokers !== key)
      checkKafka = { brokers: key, kafka: kafkaFactory(brokers, 'eventscope-checks', security) };
    return checkKafka.kafka;
  };
  const checks = createCheckRunner({
    lab: () => lab,
    logger: logger.child({ part: 'checks' }),
    context: (extra) => ({
      ...context,
      ...extra,
      kafka: kafkaForChecks,
      services: {
        list: () => supervisor.list(),
        start: (instance, brokenMode) => supervisor.start(instance, brokenMode),
        stop: (instance) => supervisor.stop(instance),
        kill: (instance) => supervisor.kill(instance),
        logs: (instance) => supervisor.logs(instance, 100_000),
      },
      stack: { stop: (c) => provider.stopComponent(c), start: (c) => provider.startComponent(c), restart },
    }),
    onProgress: (runId, check, message, fraction) => hub.emit('checks:progress', { runId, check, message, fraction }),
    onResult: (result) => {
      session.onCheck(result);
      hub.emit('checks:done', { result });
    },
  });

  // --- observers: each part starts when its component is healthy (and the lab uses it), one change at a time ---
  let observeChain: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>): Promise<void> => {
    observeChain = observeChain.then(work).catch((err: unknown) => {
      logger.error({ err: toAppError(err).message }, 'observers could not start');
      pushError('observe', err);
    });
    return observeChain;
  };

  const startKafka = async () => {
    const endpoints = provider.endpoints();
    const brokers = endpoints.kafka.brokers.join(',');
    const key = `${brokers} ${securityKey(endpoints.kafka.security)}`;
    if (kafkaPart !== undefined && kafkaPart.key === key) return;
    if (kafkaPart !== undefined) await stopKafka();
    const kafka = kafkaFactory(endpoints.kafka.brokers, 'eventscope-console', endpoints.kafka.security);
    const admin = kafka.admin({ retry: { retries: 1 } });
    tailBuffer = createTailBuffer({
      capacity: config.tailCapacity,
      timeline: () => timeline,
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
      offsetsAdmin: () => kafka.admin({ retry: { retries: 1 } }),
      recordTimestamps: createRecordTimestamps({
        kafka,
        groupPrefix: `${observerGroupId}-lag-`,
        logger: logger.child({ part: 'record-timestamps' }),
      }),
      logger: logger.child({ part: 'kafka-observer' }),
      pollIntervalMs,
      hideGroup: (g) =>
        g === observerGroupId || g.startsWith('eventscope-observer-') || g.startsWith(BROWSE_GROUP_PREFIX),
      generationFor: (g) => supervisor.lastGeneration(g),
      keysSeen: (t, p) => buffer.keysSeen(t, p),
      onPartitionsDiff: (seq, upsert, removed) => hub.emit('kafka:snapshot-diff', { seq, upsert, removed }),
      onGroupsDiff: (seq, upsert, removed, rebalances) => hub.emit('groups:diff', { seq, upsert, removed, rebalances }),
      onGroupProgress: (groupId, lags) => {
        lagHistory.record(groupId, lags, Date.now());
        if (groupId !== lab.handledBy?.group) return;
        for (const l of lags) {
          if (timeline.follows(l.topic) && l.committedOffset !== null)
            timeline.setGroupProgress(l.topic, l.partition, Number(l.committedOffset), l.lag === 0);
        }
      },
      // on a big cluster the views show the lab's topics and groups (the rest is polled every 10th time), and the
      // record tail follows only the lab's topics (tail-topics.ts)
      hot: () => ({ topics: labTopicNames(), groups: lab.manifest.groups }),
      onTopics: (topics) => void tail.follow(tailTopicsOf(topics, labTopicNames())),
      onHealth: reportHealth('kafka-observer'),
    });
    const faults = createFaults({
      producer: () =>
        kafka.producer({
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: { retries: 3 },
        }),
      tail: () => tailBuffer,
    });
    const browser = createMessageBrowser({ kafka });
    kafkaPart = { brokers, key, kafka, admin, kafkaObserver, tail, faults, browser };
    kafkaObserver.start();
    logger.info({ brokers, observerGroupId }, 'kafka observers started');
  };
  const stopKafka = async () => {
    const k = kafkaPart;
    kafkaPart = undefined;
    if (k === undefined) return;
    await Promise.allSettled([k.kafkaObserver.stop(), k.tail.stop(), k.faults.stop(), k.browser.stop()]);
  };

  const startRabbitmq = async () => {
    const managementUrl = managementUrlOf(provider.endpoints().rabbitmq);
    if (rabbitmqPart !== undefined && rabbitmqPart.managementUrl === managementUrl) return;
    await stopRabbitmq();
    const management = createManagementClient(managementUrl);
    const observer = createRabbitmqObserver({
      management,
      logger: logger.child({ part: 'rabbitmq-observer' }),
      pollIntervalMs,
      onDiff: (diff) => hub.emit('rabbitmq:diff', diff),
      onHealth: reportHealth('rabbitmq-observer'),
    });
    rabbitmqPart = { managementUrl, observer };
    observer.start();
    logger.info({ management: management.endpoint }, 'rabbitmq observer started');
  };
  const stopRabbitmq = async () => {
    const r = rabbitmqPart;
    rabbitmqPart = undefined;
    if (r !== undefined) await r.observer.stop();
  };

  const startPostgres = async () => {
    const specs = lab.outboxes ?? [];
    if (specs.length === 0) return stopPostgres();
    const fallback = lab.databaseUrl?.(context) ?? provider.endpoints().postgres.url;
    const urls = specs.map((spec) => spec.databaseUrl?.(context) ?? fallback);
    const key = `${lab.manifest.id} ${urls.join(' ')}`;
    if (postgresPart !== undefined && postgresPart.key === key) return;
    await stopPostgres();
    const poolOf = new Map<string, pg.Pool>();
    for (const url of urls)
      if (!poolOf.has(url)) {
        const pool = poolFactory(url);
        pool.on('error', (err) => logger.warn({ err: err.message }, 'outbox pool error'));
        poolOf.set(url, pool);
      }
    const store = () => timeline;
    const outboxes = specs.map((spec, i) => {
      const feedsTimeline = spec.timeline !== false;
      const observer = createOutboxObserver({
        pool: poolOf.get(urls[i]!)!,
        spec,
        statuses: lab.manifest.entity.statuses,
        logger: logger.child({ part: 'outbox-observer', outbox: spec.name }),
        pollIntervalMs,
        backfillRows: config.timelineCap,
        // every outbox's diffs are pushed under its name (its own seq)
        onDiff: (seq, changes) => hub.emit('outbox:diff', { seq, changes, outbox: spec.name }),
        ...(feedsTimeline
          ? {
              onCommitted: (entity: string, status: string, at: number, rowId: string, sentAt: number | null) =>
                store().addFact({
                  entity,
                  step: spec.step,
                  status,
                  at,
                  actor: null,
                  where: { kind: 'row', table: spec.table, id: rowId, sentAt },
                  latencyMs: null,
                }),
              onSent: (entity: string, rowId: string, sentAt: number) =>
                store().markSent(entity, spec.table, rowId, sentAt),
            }
          : {}),
      });
      return { spec, observer };
    });
    postgresPart = { key, pools: [...poolOf.values()], outboxes };
    for (const o of outboxes) o.observer.start();
    logger.info(
      { lab: lab.manifest.id, outboxes: specs.map((s) => s.table), databases: poolOf.size },
      'outbox observers started',
    );
  };
  const stopPostgres = async () => {
    const p = postgresPart;
    postgresPart = undefined;
    if (p === undefined) return;
    await Promise.allSettled(p.outboxes.map((o) => o.observer.stop()));
    await Promise.allSettled(p.pools.map((pool) => pool.end()));
  };

  /** the outbox of the selected lab by its name (the first without one); unknown names are INVALID_INPUT */
  const outboxNamed = (name: string | undefined) => {
    const specs = lab.outboxes ?? [];
    const i = name === undefined ? 0 : specs.findIndex((s) => s.name === name);
    if (i < 0) {
      const known = specs.map((s) => s.name);
      throw new AppError('INVALID_INPUT', `${lab.manifest.id} has no outbox ${name} (known: ${known.join(', ')})`, {
        field: 'name',
        known,
      });
    }
    return postgresPart?.outboxes[i]?.observer;
  };
  const outboxSnapshot = (): ResponseOf<'outbox:snapshot'> => {
    const outboxes = (lab.outboxes ?? []).map((spec, i) => ({
      name: spec.name,
      table: spec.table,
      ...(postgresPart?.outboxes[i]?.observer.snapshot() ?? { seq: 0, state: null }),
    }));
    const first = outboxes[0];
    return { seq: first?.seq ?? 0, state: first?.state ?? null, outboxes };
  };

  const startMongodb = async () => {
    const specs = lab.manifest.readModels?.mongodb ?? [];
    if (specs.length === 0) return stopMongodb();
    const url = provider.endpoints().mongodb.url;
    const key = `${lab.manifest.id} ${url} ${JSON.stringify(specs)}`;
    if (mongoPart !== undefined && mongoPart.key === key) return;
    await stopMongodb();
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000, maxPoolSize: 2 });
    const health = reportHealth('mongodb-observer');
    const part: MongoPart = {
      key,
      client,
      problem: null,
      observer: createMongoObserver({
        client,
        collections: specs,
        logger: logger.child({ part: 'mongodb-observer' }),
        pollIntervalMs,
        onDiff: (seq, changed) => hub.emit('readmodel:mongodb-diff', { seq, changed }),
        onProblem: (message) => {
          part.problem = message;
          health(message === null ? undefined : new AppError('DB_ERROR', `MongoDB read model: ${message}`));
        },
      }),
    };
    mongoPart = part;
    part.observer.start();
    logger.info(
      { lab: lab.manifest.id, collections: specs.map((s) => `${s.db}.${s.collection}`) },
      'mongodb observer started',
    );
  };
  const stopMongodb = async () => {
    const m = mongoPart;
    mongoPart = undefined;
    if (m === undefined) return;
    await m.observer.stop();
    await m.client.close().catch(() => undefined);
  };

  const startRedis = async () => {
    const prefixes = (lab.manifest.readModels?.redis ?? []).map((r) => r.prefix);
    if (prefixes.length === 0) return stopRedis();
    const url = provider.endpoints().redis.url;
    const key = `${lab.manifest.id} ${url} ${JSON.stringify(prefixes)}`;
    if (redisPart !== undefined && redisPart.key === key) return;
    await stopRedis();
    const client = createRedisClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 3000) },
    });
    client.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis observer: connection error'));
    await client.connect();
    const health = reportHealth('redis-observer');
    const part: RedisPart = {
      key,
      client,
      prefixes,
      problem: null,
      observer: createRedisObserver({
        client,
        prefixes,
        logger: logger.child({ part: 'redis-observer' }),
        pollIntervalMs,
        onDiff: (seq, changed) => hub.emit('readmodel:redis-diff', { seq, changed }),
        onProblem: (message) => {
          part.problem = message;
          health(message === null ? undefined : new AppError('DB_ERROR', `Redis read model: ${message}`));
        },
      }),
    };
    redisPart = part;
    part.observer.start();
    logger.info({ lab: lab.manifest.id, prefixes }, 'redis observer started');
  };
  const stopRedis = async () => {
    const r = redisPart;
    redisPart = undefined;
    if (r === undefined) return;
    await r.observer.stop();
    await r.client.quit().catch(() => r.client.destroy());
  };

  const readModelSnapshot = (): ReadModelSnapshot => {
    const m = mongoPart?.observer.snapshot();
    const r = redisPart?.observer.snapshot();
    return {
      mongodb: {
        seq: m?.seq ?? 0,
        observing: mongoPart !== undefined,
        problem: mongoPart?.problem ?? null,
        items: m?.collections ?? [],
      },
      redis: {
        seq: r?.seq ?? 0,
        observing: redisPart !== undefined,
        problem: redisPart?.problem ?? null,
        items: r?.prefixes ?? [],
      },
    };
  };
  const redisValue = async (key: string): Promise<RedisKeyValue> => {
    const r = redisPart;
    if (r === undefined)
      throw new AppError('DB_ERROR', 'the console is not observing Redis for this lab: start the stack first');
    if (!r.prefixes.some((p) => key.startsWith(p)))
      throw new AppError(
        'INVALID_INPUT',
        `key: not under a prefix ${lab.manifest.id} names (${r.prefixes.join(', ')})`,
        {
          field: 'key',
        },
      );
    const v = await r.observer.value(key);
    if (v.type === 'none' || v.type === 'string' || v.type === 'hash' || v.type === 'list' || v.type === 'set')
      return v as RedisKeyValue;
    return { key, type: 'other', redisType: v.type };
  };
  const mongoDigest = (db: string | undefined, collection: string) => {
    const spec = (lab.manifest.readModels?.mongodb ?? []).find(
      (s) => s.collection === collection && (db === undefined || s.db === db),
    );
    if (spec === undefined)
      throw new AppError(
        'INVALID_INPUT',
        `collection: ${lab.manifest.id} names no read model ${db ?? ''}.${collection}`,
        {
          field: 'collection',
        },
      );
    if (mongoPart === undefined)
      throw new AppError('DB_ERROR', 'the console is not observing MongoDB for this lab: start the stack first');
    return mongoPart.observer.digest(spec.db, spec.collection);
  };

  /** starts the observers of these healthy components that the selected lab uses */
  const observe = (healthy: readonly ComponentName[]): Promise<void> =>
    serially(async () => {
      // a plain cluster profile is observed whole, whatever the lab uses
      const uses = new Set<string>([
        ...lab.manifest.components,
        ...(connected !== null && connected.lab === undefined ? profileComponents(connected) : []),
      ]);
      if (healthy.includes('kafka') && uses.has('kafka')) await startKafka();
      if (healthy.includes('postgres') && uses.has('postgres')) await startPostgres();
      if (healthy.includes('rabbitmq') && uses.has('rabbitmq')) await startRabbitmq();
      if (healthy.includes('mongodb') && uses.has('mongodb')) await startMongodb();
      if (healthy.includes('redis') && uses.has('redis')) await startRedis();
    });
  const observeHealthy = async () => {
    const health = await provider.status();
    await observe(health.filter((h) => h.state === 'healthy').map((h) => h.name));
  };
  const stopObserving = () =>
    serially(async () => {
      await Promise.allSettled([stopKafka(), stopPostgres(), stopRabbitmq(), stopMongodb(), stopRedis()]);
    });

  const info = (): ConsoleInfo => ({
    mode: deps.mode,
    version: deps.version,
    provider: provider.kind,
    pollIntervalMs,
    observerGroupId,
    topics: kafkaPart?.tail.topics ?? [],
    timelineCap: timeline.cap,
    labs: registry.manifests,
    lab: lab.manifest.id,
  });

  const linkHandlers = createLinkHandlers(links);

  /** the lab's own faults, then the link faults every lab has (stopping a broker or killing an instance have their
   * own requests) */
  const faultList = (): FaultInfo[] => {
    const own = lab.manifest.faults.map(({ id, label, description, args }) => ({
      id,
      label,
      description,
      ...(args === undefined ? {} : { args }),
    }));
    const ids = new Set(own.map((f) => f.id));
    return [...own, ...LINK_FAULTS.map((f) => f.info).filter((f) => !ids.has(f.id))];
  };

  const runFault = async (id: string, args: Record<string, string | number | boolean>): Promise<string> => {
    const own = lab.faults?.find((f) => f.id === id);
    if (own !== undefined) return own.run(context, args);
    const link = linkFault(id);
    if (link !== undefined) return link.run(linkHandlers, args);
    const known = faultList().map((f) => f.id);
    throw new AppError('INVALID_INPUT', `${lab.manifest.id} has no fault ${id} (known: ${known.join(', ')})`, {
      field: 'fault',
      known,
    });
  };

  const selectLab = async (id: string) => {
    const next = registry.get(id);
    if (next === lab) return;
    await checks.stop();
    await load.stop();
    await supervisor.setLab(next);
    await links.clear();
    checks.reset();
    lab = next;
    timeline.stop();
    timeline = makeTimeline(next);
    await serially(async () => {
      await Promise.allSettled([stopPostgres(), stopMongodb(), stopRedis()]);
    });
    hub.emit('labs:selected', { lab: next.manifest.id });
    await observeHealthy().catch((err: unknown) =>
      logger.warn({ err: toAppError(err).message }, 'stack status failed'),
    );
  };

  /** a lab's own request: it must belong to the selected lab */
  const labRequest =
    <C extends RequestName>(name: C) =>
    (request: ParsedRequestOf<C>): Promise<ResponseOf<C>> => {
      const handler = lab.requests?.[name];
      if (handler === undefined)
        return Promise.reject(
          new AppError('INVALID_INPUT', `${String(name)} is not a request of ${lab.manifest.id}, the selected lab`),
        );
      return handler(context, request);
    };

  const empty = {} as Record<string, never>;

  // the System view's graph, the architecture export and the report, over the parts as they are now
  const system = createSystemHandlers(
    {
      graphInput: () => ({
        manifest: lab.manifest,
        instances: supervisor.list(),
        partitions: kafkaPart?.kafkaObserver.partitionsSnapshot().partitions ?? [],
        groups: kafkaPart?.kafkaObserver.groupsSnapshot().groups ?? [],
        rabbit: rabbitmqPart?.observer.snapshot() ?? null,
        outboxes: (lab.outboxes ?? []).map((spec, i) => ({
          table: spec.table,
          state: postgresPart?.outboxes[i]?.observer.snapshot().state ?? null,
        })),
        readModels: mongoPart !== undefined || redisPart !== undefined ? readModelSnapshot() : null,
        links: links.list(),
      }),
      timeline: {
        get: (id) => timeline.get(id),
        recent: (limit) => timeline.recent(undefined, limit),
        flagged: (limit) => timeline.flagged(undefined, limit).items,
        get size() {
          return timeline.size;
        },
        get cap() {
          return timeline.cap;
        },
      },
      checks: () => checks.list(),
      health: () => provider.status(),
      versions: () => ({
        Eventscope: deps.version,
        'Node.js': process.version,
        'Apache Kafka': readVersions().kafka,
        'mongo-java-server (the local MongoDB-wire server)': readVersions().mongoJavaServer,
      }),
      console: () => ({ version: deps.version, mode: deps.mode, provider: provider.kind }),
      reportsDir: deps.reportsDir ?? path.join(cacheDir(), 'exports'),
      progress: (p) => hub.emit('report:progress', p),
    },
    session,
  );

  const needProfiles = (): ProfileStore => {
    if (deps.profiles === undefined)
      throw new AppError('CONFIG_ERROR', 'this console keeps no connection profiles (no config folder was given)');
    return deps.profiles;
  };
  /** a lab profile must have every component its lab uses */
  const checkProfileLab = (p: ConnectionProfile) => {
    if (p.lab === undefined) return;
    if (!registry.ids.includes(p.lab))
      throw new AppError('INVALID_INPUT', `profile.lab: no lab ${p.lab} (known: ${registry.ids.join(', ')})`, {
        field: 'profile.lab',
      });
    const missing = registry.get(p.lab).manifest.components.filter((c) => p[c] === undefined);
    if (missing.length > 0)
      throw new AppError(
        'INVALID_INPUT',
        `profile.${missing[0]}: ${p.lab} uses ${missing.join(', ')}, which this profile does not name`,
        { field: `profile.${missing[0]}`, fields: missing.map((c) => `profile.${c}`) },
      );
  };
  const profileRequests = {
    'profiles:list': () => {
      const store = deps.profiles;
      return Promise.resolve({
        profiles: store?.list() ?? [],
        connected: connected?.name ?? null,
        secretStore: store?.secretStore ?? 'file',
      });
    },
    'profiles:save': ({ profile, clearSecrets }) => {
      const store = needProfiles();
      checkProfileLab(parseProfile(profile));
      return Promise.resolve({ saved: store.save(profile, clearSecrets) });
    },
    'profiles:delete': ({ name }) => Promise.resolve({ deleted: needProfiles().delete(name) }),
    'profiles:test': async ({ name, profile, timeoutMs }) => {
      const store = deps.profiles;
      const resolved =
        profile !== undefined
          ? (store?.withStoredSecrets(profile) ?? parseProfile(profile))
          : needProfiles().resolve(name!);
      const results = await testProfile(resolved, timeoutMs);
      return { ok: results.every((r) => r.ok), results };
    },
    'profiles:connect': async ({ name }) => {
      const next = name === null ? null : needProfiles().resolve(name);
      if (next !== null) checkProfileLab(next);
      await load.stop();
      await supervisor.stopAll();
      await stopObserving();
      connected = next;
      provider.use(next === null ? undefined : ExternalStackProvider.fromProfile(next));
      if (next?.lab !== undefined) await selectLab(next.lab);
      logger.info({ profile: next?.name ?? null }, next === null ? 'back on the host stack' : 'profile connected');
      await observeHealthy().catch((err: unknown) =>
        logger.warn({ err: toAppError(err).message }, 'stack status failed after connect'),
      );
      return { connected: connected?.name ?? null, lab: lab.manifest.id };
    },
  } satisfies Partial<ConsoleHandlers>;

  const core = {
    'console:info': () => Promise.resolve(info()),
    'labs:select': async ({ lab: id }) => {
      await selectLab(id);
      return info();
    },
    'stack:up': async () => {
      const r = await provider.up({ lab: lab.manifest.id, kafkaNodes: lab.manifest.kafka?.nodes ?? 1 });
      await observeHealthy();
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
    'stack:restart-component': async ({ component }) => {
      await restart(component);
      return empty;
    },
    'stack:stop-node': async ({ component, node }) => {
      await stopNode(component, node);
      return empty;
    },
    'stack:start-node': async ({ component, node }) => {
      await startNode(component, node);
      return empty;
    },
    'services:list': () => Promise.resolve({ instances: supervisor.list() }),
    'services:start': async ({ instance, brokenMode }) => ({ instance: await supervisor.start(instance, brokenMode) }),
    'services:stop': async ({ instance }) => ({ instance: await supervisor.stop(instance) }),
    'services:kill': async ({ instance }) => ({ instance: await supervisor.kill(instance) }),
    'services:restart': async ({ instance, brokenMode }) => ({
      instance: await supervisor.restart(instance, brokenMode),
    }),
    'services:logs': ({ instance, lines }) => Promise.resolve({ lines: supervisor.logs(instance, lines) }),
    'checks:list': () => Promise.resolve({ checks: checks.list() }),
    'checks:run': ({ checks: ids }) => {
      const r = checks.run(ids);
      r.done.catch((err: unknown) => logger.error({ err: toAppError(err).message }, 'check run failed'));
      return Promise.resolve({ runId: r.runId, checks: r.checks });
    },
    'checks:result': ({ check }) => {
      if (!lab.manifest.checks.some((c) => c.id === check))
        return Promise.reject(
          new AppError('INVALID_INPUT', `${lab.manifest.id} has no check ${check}`, { field: 'check' }),
        );
      return Promise.resolve({ result: checks.result(check) });
    },
    ...linkHandlers,
    'faults:list': () => Promise.resolve({ faults: faultList() }),
    'faults:run': async ({ fault, args }) => ({ result: await runFault(fault, args ?? {}) }),
    'kafka:produce-raw': async (req) => {
      const k = needKafka();
      return req.kind === 'duplicate'
        ? k.faults.produceDuplicate(req.topic, req.source)
        : k.faults.producePoison(req.topic, req.key, req.value);
    },
    'kafka:snapshot': () =>
      Promise.resolve(kafkaPart?.kafkaObserver.partitionsSnapshot() ?? { seq: 0, partitions: [] }),
    'groups:snapshot': () => Promise.resolve(kafkaPart?.kafkaObserver.groupsSnapshot() ?? { seq: 0, groups: [] }),
    'groups:rebalances': ({ groupId, limit }) =>
      Promise.resolve({ rebalances: kafkaPart?.kafkaObserver.rebalances(groupId, limit) ?? [] }),
    'groups:lag-history': ({ groupId, sinceMs }) =>
      Promise.resolve(
        lagHistoryOf(lagHistory, kafkaPart?.kafkaObserver.rebalances(groupId, 200) ?? [], groupId, sinceMs, Date.now()),
      ),
    'rabbitmq:snapshot': () =>
      Promise.resolve(
        rabbitmqPart?.observer.snapshot() ?? {
          seq: 0,
          node: null,
          endpoint: null,
          reachable: false,
          exchanges: [],
          queues: [],
          bindings: [],
          connections: [],
          channels: [],
          consumers: [],
        },
      ),
    'outbox:snapshot': () => Promise.resolve(outboxSnapshot()),
    'outbox:history': ({ sinceMs, name }) =>
      Promise.resolve().then(() => ({ samples: outboxNamed(name)?.history(sinceMs) ?? [] })),
    'observe:set-interval': ({ pollIntervalMs: ms }) => {
      pollIntervalMs = ms;
      kafkaPart?.kafkaObserver.setPollInterval(ms);
      rabbitmqPart?.observer.setPollInterval(ms);
      for (const o of postgresPart?.outboxes ?? []) o.observer.setPollInterval(ms);
      mongoPart?.observer.setPollInterval(ms);
      redisPart?.observer.setPollInterval(ms);
      return Promise.resolve({ pollIntervalMs });
    },
    'readmodel:snapshot': () => Promise.resolve(readModelSnapshot()),
    'readmodel:digest': ({ db, collection }) => mongoDigest(db, collection),
    'readmodel:value': ({ key }) => redisValue(key),
    'topics:browse': (q) => needKafka().browser.browse(q),
    'topics:produce': (r) => needKafka().browser.produce(r),
    'topics:tail-page': (q) => Promise.resolve(tailBuffer?.page(q) ?? { records: [], nextBefore: null }),
    'timeline:get': ({ lab: id, entity }) => {
      registry.get(id); // an undeclared lab is refused
      if (id !== lab.manifest.id) return Promise.resolve({ timeline: null });
      if (!new RegExp(lab.manifest.entity.idPattern).test(entity))
        return Promise.reject(
          new AppError(
            'INVALID_INPUT',
            `entity: ${lab.manifest.entity.noun} ids look like ${lab.manifest.entity.idExample}`,
            { field: 'entity' },
          ),
        );
      return Promise.resolve({ timeline: timeline.get(entity) });
    },
    'timeline:flagged': ({ flag, limit }) => Promise.resolve(timeline.flagged(flag, limit)),
    'timeline:recent': ({ prefix, limit }) =>
      Promise.resolve({ items: timeline.recent(prefix, limit), size: timeline.size, cap: timeline.cap }),
    'load:start': (req) => {
      const m = registry.get(req.lab);
      const driver = m.load;
      const spec = m.manifest.load;
      if (m !== lab) throw new AppError('INVALID_INPUT', `${req.lab} is not the selected lab`, { field: 'lab' });
      if (driver === undefined || spec === null)
        throw new AppError('INVALID_INPUT', `${req.lab} has no load driver`, { field: 'lab' });
      const known = spec.mix.map((x) => x.id);
      const unknown = Object.keys(req.mix ?? {}).filter((k) => !known.includes(k));
      if (unknown.length > 0)
        throw new AppError('INVALID_INPUT', `mix: unknown outcome ${unknown.join(', ')} (known: ${known.join(', ')})`, {
          field: 'mix',
          known,
        });
      if (req.rate > spec.maxRate)
        throw new AppError('INVALID_INPUT', `rate: at most ${spec.maxRate}/s for ${req.lab}`, { field: 'rate' });
      const mix = req.mix ?? Object.fromEntries(spec.mix.map((x) => [x.id, x.weight]));
      return Promise.resolve(
        load.start({
          lab: req.lab,
          rate: req.rate,
          count: req.count,
          durationSec: req.durationSec,
          mix,
          unit: (outcome, run) => driver.unit(context, outcome, run),
        }),
      );
    },
    'load:stop': async () => ({ progress: await load.stop() }),
    'load:status': () => Promise.resolve({ progress: load.status() }),
    ...system,
  } satisfies Partial<ConsoleHandlers>;

  // every lab's own requests (the contract's names that are not the core's): each answers while its lab is selected
  const labHandlers = Object.fromEntries(
    REQUEST_NAMES.filter((name) => !Object.hasOwn(core, name) && !Object.hasOwn(profileRequests, name)).map((name) => [
      name,
      labRequest(name),
    ]),
  );
  const handlers = { ...labHandlers, ...core, ...profileRequests } as unknown as ConsoleHandlers;

  const dispatch = createDispatcher(handlers, logger.child({ part: 'dispatch' }));

  return {
    handlers,
    dispatch,
    subscribe: (listener) => hub.subscribe(listener),
    observerGroupId,
    async start() {
      try {
        await observeHealthy();
      } catch (err) {
        logger.warn({ err: toAppError(err).message }, 'stack status failed at start');
      }
    },
    async stop() {
      await checks.stop();
      await load.stop();
      await supervisor.stopAll();
      await links.stop();
      await stopObserving();
      timeline.stop();
      logBatcher.stop();
      await Promise.allSettled(deps.labs.map((m) => m.dispose?.() ?? Promise.resolve()));
    },
  };
}
