// Lab A's console module: how its instances are run (env: the stack's Kafka, MongoDB and Redis; the topic, group,
// database and Redis prefix of the settings), what their stdout lines say (facts of a presentation's timeline:
// lines.ts), its record faults and its checks (so far invariant 2: checks/). The other invariants' checks, the Read
// model panel and the multi-broker cluster come next (issue 13). Settings: settings.ts.
import { AppError } from '../../../../services/shared/app-error.js';
import { PRESENTATION_EVENTS_TOPIC, PROJECTOR_GROUP_ID } from '../../../../services/lab-a/schema.js';
import type { LabModule } from '../types.js';
import { orderCheck } from './checks/order-check.js';
import { createLineParser } from './lines.js';
import { API_KIND, labAManifest, PROJECTOR_KIND } from './manifest.js';
import { readSettings } from './settings.js';
import { clusterFaults, kafkaNodesOf, withCluster } from './cluster.js';

export function createLabA(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const topic = `${settings.prefix}${PRESENTATION_EVENTS_TOPIC}`;
  const groupId = `${settings.prefix}${PROJECTOR_GROUP_ID}`;
  const kafkaNodes = kafkaNodesOf(env);
  const manifest = withCluster(labAManifest(settings), kafkaNodes);
  const parseLine = createLineParser({ groupId });

  return {
    manifest,
    env(ctx, kind, instance) {
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
          TOPIC_REPLICATION_FACTOR: String(settings.replication),
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
    checks: [orderCheck(topic)],
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
