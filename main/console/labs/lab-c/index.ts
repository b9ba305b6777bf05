// Lab C's console module: how its seven instances are run (env: brokers, one database per service on the stack's
// Postgres, Redis and its channel, each replica's port and instance name, the gateway's upstreams), what their stdout
// lines say (facts of an order's timeline: lines.ts), its two outboxes (one per service database), its faults (record
// faults here, the cases of invariant 2 and the database links in faults.ts) and its checks (checks.ts,
// active-checks.ts). Settings: settings.ts.
//
// Each service's replicas reach its database through a link proxy the module owns (main/console/faults/link-proxy.ts,
// one per service, listening from the module's creation, unref'd; not listening yet: the direct URL): check 4 and the
// db-link faults cut it. Payments started while a kill or race fault runs get the test hook's pause (LAB_C_PAUSE_MS).
import { AppError } from '../../../../services/shared/app-error.js';
import { withDatabase } from '../../../../services/shared/database.js';
import {
  LAB_C_SERVICES,
  ORDERS_TOPIC,
  ORDERS_GROUP,
  PAYMENTS_GROUP,
  PAYMENTS_TOPIC,
  TOPIC_PARTITIONS,
} from '../../../../services/lab-c/schema.js';
import { LinkProxy, targetOf } from '../../faults/link-proxy.js';
import type { LabContext, LabModule } from '../types.js';
import { outageCheck, sseCheck } from './active-checks.js';
import { labCChecks } from './checks.js';
import { LabCLineLog, labCFaults } from './faults.js';
import { createLabCLoad } from './load.js';
import { readInboxes, readMoney } from './panels.js';
import { createLineParser } from './lines.js';
import { INSTANCES, STEPS, labCManifest } from './manifest.js';
import { readSettings } from './settings.js';

export interface LabCDeps {
  /** each service's link to its database (default: proxies of the module's own, listening from now on) */
  links?: { orders: LinkProxy; payments: LinkProxy };
}

export function createLabC(env: NodeJS.ProcessEnv = process.env, deps: LabCDeps = {}): LabModule {
  const settings = readSettings(env);
  const { prefix } = settings;
  const manifest = labCManifest({ prefix, gatewayPort: settings.gatewayPort });
  const lineLog = new LabCLineLog();
  const parser = createLineParser((instance, line) => lineLog.observe(instance, line));
  const databaseOf = (ctx: LabContext, s: 'orders' | 'payments') =>
    withDatabase(ctx.endpoints().postgres.url, `${settings.databasePrefix}_${s}`);
  const links = deps.links ?? { orders: new LinkProxy(), payments: new LinkProxy() };
  if (deps.links === undefined)
    for (const l of Object.values(links))
      l.start()
        .then(() => l.unref())
        .catch(() => undefined); // not listening: the service gets the direct URL and check 4 says it cannot cut it
  /** whether the service's replicas were last started through its link */
  const linkUsed = { orders: false, payments: false };
  let pauseMs = 0;
  const openForMs = settings.fundsWindowMs + settings.finalGraceMs;
  const urlOf = (instance: string): string | undefined => {
    const o = (INSTANCES.orders as readonly string[]).indexOf(instance);
    if (o >= 0) return `http://127.0.0.1:${settings.ordersPorts[o]}`;
    const p = (INSTANCES.payments as readonly string[]).indexOf(instance);
    if (p >= 0) return `http://127.0.0.1:${settings.paymentsPorts[p]}`;
    return instance === 'gateway' ? `http://127.0.0.1:${settings.gatewayPort}` : undefined;
  };
  const load = createLabCLoad(() => `http://127.0.0.1:${settings.gatewayPort}`);
  const activeDeps = {
    urlOf,
    ordersDatabaseUrl: (ctx: LabContext) => databaseOf(ctx, 'orders'),
    paymentsLink: () => (linkUsed.payments ? links.payments : undefined),
    openForMs,
  };
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
      const service = kind === 'orders' ? 'orders' : 'payments';
      const direct = databaseOf(ctx, service);
      links[service].retarget(targetOf(direct));
      linkUsed[service] = links[service].ready;
      const vars: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: String(ports[index]),
        INSTANCE: instance,
        KAFKA_BROKERS: ep.kafka.brokers.join(','),
        LAB_C_PREFIX: prefix,
        DATABASE_URL: linkUsed[service] ? links[service].via(direct) : direct,
        LAB_C_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
      };
      if (kind === 'orders') {
        vars.REDIS_URL = ep.redis.url;
        vars.LAB_C_SSE_CHANNEL = settings.sseChannel;
        if (settings.sseUnsubscribed.includes(instance)) vars.LAB_C_SSE_SUBSCRIBE = 'false';
      } else {
        vars.LAB_C_FUNDS_WINDOW_MS = String(settings.fundsWindowMs);
        if (pauseMs > 0) vars.LAB_C_PAUSE_MS = String(pauseMs);
      }
      return vars;
    },
    parseLine: (kind, instance, text) => parser.parse(kind, instance, text),
    // each service's outbox in its own database (the Outbox view's backlog); the timeline's committed and payment
    // steps come from the services' lines (lines.ts), so the rows give it no facts of their own
    outboxes: (['orders', 'payments'] as const).map((service) => ({
      name: service,
      table: `${service}_outbox`,
      columns: { id: 'id', entity: 'aggregate_id', status: 'event_type', createdAt: 'created_at', sentAt: 'sent_at' },
      step: service === 'orders' ? STEPS.committed : STEPS.payment,
      databaseUrl: (ctx: LabContext) => databaseOf(ctx, service),
      timeline: false,
    })),
    load: { unit: (_ctx, outcome, run) => load.unit(outcome, run) },
    requests: {
      'lab-c:inbox': (ctx) =>
        readInboxes([
          {
            service: 'payments',
            databaseUrl: databaseOf(ctx, 'payments'),
            table: 'payments_inbox',
            outbox: 'payments_outbox',
            group: `${prefix}${PAYMENTS_GROUP}`,
            topic: topics[0]!,
            duplicatesRejected: lineLog.duplicates.payments,
          },
          {
            service: 'orders',
            databaseUrl: databaseOf(ctx, 'orders'),
            table: 'orders_inbox',
            outbox: 'orders_outbox',
            group: `${prefix}${ORDERS_GROUP}`,
            topic: topics[1]!,
            duplicatesRejected: lineLog.duplicates.orders,
          },
        ]),
      'lab-c:money': (ctx) => readMoney(databaseOf(ctx, 'payments')),
    },
    // the link proxies it made itself (ones a test passes in are the test's to stop)
    dispose: async () => {
      if (deps.links === undefined) await Promise.allSettled([links.orders.stop(), links.payments.stop()]);
    },
    checks: [
      ...labCChecks({
        ordersDatabaseUrl: (ctx) => databaseOf(ctx, 'orders'),
        paymentsDatabaseUrl: (ctx) => databaseOf(ctx, 'payments'),
        openForMs,
      }),
      outageCheck(activeDeps),
      sseCheck(activeDeps),
    ],
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
      ...labCFaults({
        log: lineLog,
        setPause: (ms) => (pauseMs = ms),
        links,
        linkUsed: (s) => linkUsed[s],
        ordersTopic: topics[0]!,
        paymentsGroup: `${prefix}${PAYMENTS_GROUP}`,
        partitions: TOPIC_PARTITIONS,
        ordersDatabaseUrl: (ctx) => databaseOf(ctx, 'orders'),
        paymentsDatabaseUrl: (ctx) => databaseOf(ctx, 'payments'),
        urlOf,
      }),
    ],
  };
}
