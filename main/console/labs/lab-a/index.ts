// Lab A's console module: how its instances are run (env: the stack's Kafka, MongoDB and Redis; the topic, group,
// database and Redis prefix of the settings), what their stdout lines say (facts of a presentation's timeline:
// lines.ts), its record faults, its checks of invariants 1–5 (checks/; 5 stops and starts a node of the lab's
// Kafka cluster) and its own requests for the Read model panel (read-model.ts: windows, MongoDB against Redis,
// Replay). The API reaches Kafka through link proxies the module owns (links.ts): check 4 cuts them. Settings:
// settings.ts.
import { AppError } from '../../../../services/shared/app-error.js';
import { PRESENTATION_EVENTS_TOPIC, PROJECTOR_GROUP_ID } from '../../../../services/lab-a/schema.js';
import type { LinkProxy } from '../../faults/link-proxy.js';
import type { LabContext, LabModule, ParsedLine } from '../types.js';
import { clusterCheck } from './checks/cluster-check.js';
import { orderCheck } from './checks/order-check.js';
import { redisCheck } from './checks/redis-check.js';
import { replayCheck } from './checks/replay-check.js';
import { readMongo, readRedis, withStores } from './checks/support.js';
import { windowCheck } from './checks/window-check.js';
import { createLineParser } from './lines.js';
import { createApiKafkaLinks } from './links.js';
import { API_KIND, labAManifest, PROJECTOR_KIND, STEPS } from './manifest.js';
import { compareStores, createWindowBuffer, replay, ReplayRefused, windowStats } from './read-model.js';
import { readSettings } from './settings.js';
import { clusterFaults, kafkaNodesOf, withCluster } from './cluster.js';

export interface LabADeps {
  /** the API's Kafka links (default: proxies of the module's own, listening from now on) */
  kafkaLinks?: readonly LinkProxy[];
}

export function createLabA(env: NodeJS.ProcessEnv = process.env, deps: LabADeps = {}): LabModule {
  const settings = readSettings(env);
  const topic = `${settings.prefix}${PRESENTATION_EVENTS_TOPIC}`;
  const groupId = `${settings.prefix}${PROJECTOR_GROUP_ID}`;
  const kafkaNodes = kafkaNodesOf(env);
  const manifest = withCluster(labAManifest(settings, kafkaNodes), kafkaNodes);
  const links = createApiKafkaLinks(deps.kafkaLinks);
  const parseLines = createLineParser({ groupId });
  /** the consistency windows of the projected facts, for the Read model panel */
  const windows = createWindowBuffer();
  const parseLine = (kind: string, instance: string, text: string): ParsedLine | undefined => {
    const parsed = parseLines(kind, instance, text);
    for (const f of parsed?.facts ?? [])
      if (f.step === STEPS.projected && f.latencyMs !== null) windows.add(f.latencyMs);
    return parsed;
  };
  /** the console's lab context, as the last instance start or fault gave it: the cluster check's node control */
  let labContext: LabContext | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new AppError('INTERNAL', `the console gives Lab A no ${what} here`);
    return value;
  };
  const compare = (ctx: LabContext, limit: number) =>
    withStores(ctx, async ({ mongo, redis }) => {
      const rows = compareStores(
        await readMongo(mongo, settings.mongoDb),
        await readRedis(redis, settings.redisPrefix),
      );
      return {
        rows: rows.slice(0, limit),
        total: rows.length,
        differ: rows.filter((r) => !r.same).length,
        writeThrough: settings.writeThrough,
        at: Date.now(),
      };
    });

  return {
    manifest,
    env(ctx, kind, instance) {
      labContext = ctx;
      const stack = ctx.endpoints();
      const common = {
        KAFKA_BROKERS: stack.kafka.brokers.join(','),
        PRESENTATIONS_TOPIC: topic,
        MONGODB_URL: stack.mongodb.url,
        MONGODB_DB: settings.mongoDb,
      };
      if (kind === API_KIND)
        return {
          ...common,
          HOST: '127.0.0.1',
          PORT: String(settings.apiPort),
          API_INSTANCE: instance,
          REDIS_URL: stack.redis.url,
          REDIS_PREFIX: settings.redisPrefix,
          WRITE_THROUGH: settings.writeThrough ? '1' : '0',
          TOPIC_REPLICATION_FACTOR: settings.replication === undefined ? 'auto' : String(settings.replication),
          KAFKA_ACK_TIMEOUT_MS: String(settings.ackTimeoutMs),
          ...links.env(stack.kafka.brokers),
        };
      if (kind === PROJECTOR_KIND)
        return {
          ...common,
          PROJECTOR_GROUP_ID: groupId,
          PROJECTOR_INSTANCE: instance,
          PROJECTOR_SESSION_TIMEOUT_MS: '10000',
        };
      throw new AppError('INVALID_INPUT', `Lab A has no service ${kind}`, { field: 'kind' });
    },
    parseLine,
    dispose: () => links.stop(),
    checks: [
      windowCheck(settings),
      orderCheck(topic),
      replayCheck(settings, topic, groupId),
      redisCheck({ settings, topic, group: groupId, apiLinks: () => links.inUse() }),
      clusterCheck({ settings, topic, nodeControl: () => labContext?.stack }),
    ],
    requests: {
      'lab-a:windows': () => Promise.resolve({ ...windowStats(windows.values()), boundMs: settings.window.boundMs }),
      'lab-a:compare': (ctx, { limit }) => compare(ctx, limit ?? 200),
      'lab-a:replay': (ctx) =>
        withStores(ctx, ({ mongo }) =>
          replay({
            kafka: need(ctx.kafka, 'Kafka client')(),
            services: need(ctx.services, 'services'),
            mongo,
            db: settings.mongoDb,
            topic,
            group: groupId,
            projectorKind: PROJECTOR_KIND,
            deadline: Date.now() + 90_000,
            signal: AbortSignal.timeout(90_000),
          }).catch((err: unknown) => {
            if (err instanceof ReplayRefused) throw new AppError('CONFLICT', err.message);
            throw err;
          }),
        ),
    },
    faults: [
      {
        id: 'duplicate-event',
        run: async (ctx, args) => {
          const source =
            args.partition !== undefined && args.offset !== undefined
              ? { partition: Number(args.partition), offset: String(args.offset) }
              : undefined;
          const r = await ctx.records.duplicate(topic, source);
          return `replayed an event on ${r.topic} p${r.partition}@${r.offset} (key ${r.key ?? 'none'}): the projector should skip it as not newer`;
        },
      },
      {
        id: 'poison-event',
        run: async (ctx, args) => {
          const r = await ctx.records.poison(
            topic,
            args.key === undefined ? undefined : String(args.key),
            args.value === undefined ? undefined : String(args.value),
          );
          return `sent a poison record to ${r.topic} p${r.partition}@${r.offset}: the projector logs, counts and skips it`;
        },
      },
      ...clusterFaults(kafkaNodes),
    ],
  };
}
