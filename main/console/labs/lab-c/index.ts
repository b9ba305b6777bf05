// Lab C's console module: how its seven instances are run (env: brokers, one database per service on the stack's
// Postgres, Redis and its channel, each replica's port and instance name, the gateway's upstreams), what their stdout
// lines say (facts of an order's timeline: lines.ts), its record faults and its passive checks (checks.ts). Settings:
// settings.ts. The other checks, load and the Inbox/Money panels are next (issue 12).
import { AppError } from '../../../../services/shared/app-error.js';
import { withDatabase } from '../../../../services/shared/database.js';
import { LAB_C_SERVICES, ORDERS_TOPIC, PAYMENTS_TOPIC } from '../../../../services/lab-c/schema.js';
import type { LabContext, LabModule } from '../types.js';
import { labCChecks } from './checks.js';
import { createLineParser } from './lines.js';
import { INSTANCES, labCManifest } from './manifest.js';
import { readSettings } from './settings.js';

export function createLabC(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const { prefix } = settings;
  const manifest = labCManifest({ prefix, gatewayPort: settings.gatewayPort });
  const parser = createLineParser();
  const databaseOf = (ctx: LabContext, s: 'orders' | 'payments') =>
    withDatabase(ctx.endpoints().postgres.url, `${settings.databasePrefix}_${s}`);
  const topics = [`${prefix}${ORDERS_TOPIC}`, `${prefix}${PAYMENTS_TOPIC}`];
  const urls = (ports: readonly number[]) => ports.map((p) => `http://127.0.0.1:${p}`).join(',');

  /** a lab topic by its name with or without the prefix (orders-events by default) */
  const topicArg = (value: string | number | boolean | undefined): string => {
    if (value === undefined || value === '') return topics[0]!;
    const name = String(value);
    if (topics.includes(name)) return name;
    if (topics.includes(`${prefix}${name}`)) return `${prefix}${name}`;
    throw new AppError('INVALID_INPUT', `topic: not a Lab C topic: ${name} (known: ${topics.join(', ')})`, {
      field: 'topic',
      known: topics,
    });
  };

  return {
    manifest,
    env(ctx, kind, instance) {
      if (!(LAB_C_SERVICES as readonly string[]).includes(kind))
        throw new AppError('INVALID_INPUT', `Lab C has no service ${kind}`, { field: 'kind' });
      const ep = ctx.endpoints();
      if (kind === 'gateway')
        return {
          HOST: '127.0.0.1',
          PORT: String(settings.gatewayPort),
          LAB_C_ORDERS_URLS: urls(settings.ordersPorts),
          LAB_C_PAYMENTS_URLS: urls(settings.paymentsPorts),
        };
      const replicas: readonly string[] = kind === 'orders' ? INSTANCES.orders : INSTANCES.payments;
      const index = replicas.indexOf(instance);
      if (index < 0) throw new AppError('INVALID_INPUT', `Lab C has no instance ${instance} of ${kind}`);
      const ports = kind === 'orders' ? settings.ordersPorts : settings.paymentsPorts;
      const vars: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: String(ports[index]),
        INSTANCE: instance,
        KAFKA_BROKERS: ep.kafka.brokers.join(','),
        LAB_C_PREFIX: prefix,
        DATABASE_URL: databaseOf(ctx, kind === 'orders' ? 'orders' : 'payments'),
        LAB_C_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
      };
      if (kind === 'orders') {
        vars.REDIS_URL = ep.redis.url;
        vars.LAB_C_SSE_CHANNEL = settings.sseChannel;
      } else vars.LAB_C_FUNDS_WINDOW_MS = String(settings.fundsWindowMs);
      return vars;
    },
    parseLine: (kind, instance, text) => parser.parse(kind, instance, text),
    checks: labCChecks({
      ordersDatabaseUrl: (ctx) => databaseOf(ctx, 'orders'),
      paymentsDatabaseUrl: (ctx) => databaseOf(ctx, 'payments'),
      openForMs: settings.fundsWindowMs + settings.finalGraceMs,
    }),
    faults: [
      {
        id: 'duplicate-event',
        run: async (ctx, args) => {
          const topic = topicArg(args.topic);
          const source =
            args.partition !== undefined && args.offset !== undefined
              ? { partition: Number(args.partition), offset: String(args.offset) }
              : undefined;
          const r = await ctx.records.duplicate(topic, source);
          return `re-sent an event on ${r.topic} p${r.partition}@${r.offset} (key ${r.key ?? 'none'}): its consumers' inbox must reject it`;
        },
      },
      {
        id: 'poison-event',
        run: async (ctx, args) => {
          const topic = topicArg(args.topic);
          const r = await ctx.records.poison(
            topic,
            args.key === undefined ? undefined : String(args.key),
            args.value === undefined ? undefined : String(args.value),
          );
          return `sent a poison record to ${r.topic} p${r.partition}@${r.offset}: its consumers log it, count it and skip it`;
        },
      },
    ],
  };
}
