// Lab D's console module: how its instances are run (env), what their stdout lines and the topic's records say
// (facts for the entity store), its outbox, faults, load, its checks (invariants 1–11) and its own requests.
//
// Settings (env, all optional; settings.ts describes each): EVENTSCOPE_LOMS_PORT, EVENTSCOPE_LOMS_URL,
// EVENTSCOPE_LOMS_DATABASE_URL, EVENTSCOPE_ORDER_TOPIC, EVENTSCOPE_ORDER_KEY_FIELD, EVENTSCOPE_NOTIFIER_GROUP,
// EVENTSCOPE_STATUS_SPELLINGS (payed=paid), EVENTSCOPE_EVENT_FIELDS (order_id=orderId,…),
// EVENTSCOPE_CONSUMER_LOG_PATTERN, EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS, EVENTSCOPE_NOTIFIER_HEARTBEAT_MS.
//
// Every instance reaches Postgres and Kafka through the console's link proxies (main/console/faults/link-registry.ts
// routes the env given here): check 8 cuts loms' link to Postgres.
import { AppError } from '../../../../services/shared/app-error.js';
import {
  ORDER_EVENTS_TOPIC,
  OUTBOX_TABLE,
  RELAY_ADMIN_PATHS,
  RelayStatus,
  parseNotifierLine,
} from '../../../../services/lab-d/schema.js';
import type { LabContext, LabModule, ParsedLine } from '../types.js';
import { LAB_D_MANIFEST } from './manifest.js';
import { orderUnit } from './load.js';
import { scanOrderRecord } from './scan.js';
import { readSettings } from './settings.js';
import { LAB_D_CHECK_LIST } from './checks/catalog.js';
import { evenSpreadCheck, perOrderOrderingCheck, sequencesCheck, topicShapeCheck } from './checks/record-checks.js';
import { processingErrorsCheck } from './checks/processing-errors.js';
import { gracefulShutdownCheck, resumeCheck, twoOfThreeActiveCheck } from './checks/group-checks.js';
import { noEventWithoutCommitCheck, outageCheck, producerShutdownCheck } from './checks/producer-checks.js';
import type { LabDCheckDeps } from './checks/support.js';

export function createLabD(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const topic = settings.topic;
  const group = settings.group;
  const databaseUrl = (ctx: LabContext) => settings.lomsDatabaseUrl ?? ctx.endpoints().postgres.url;
  const lomsInstance = LAB_D_MANIFEST.services.find((s) => s.kind === 'loms')?.instances[0] ?? 'loms';
  const checkDeps: LabDCheckDeps = {
    settings,
    databaseUrl,
    // loms' link to Postgres (check 8 cuts it): the newest proxy of its current run (the database it was started for)
    lomsDbLink: (ctx) => ctx.links?.proxies(lomsInstance, 'postgres')?.at(-1),
  };
  const checks = [
    topicShapeCheck(checkDeps),
    sequencesCheck(checkDeps),
    perOrderOrderingCheck(checkDeps),
    evenSpreadCheck(checkDeps),
    twoOfThreeActiveCheck(checkDeps),
    resumeCheck(checkDeps),
    outageCheck(checkDeps),
    noEventWithoutCommitCheck(checkDeps),
    gracefulShutdownCheck(checkDeps),
    processingErrorsCheck(checkDeps),
    producerShutdownCheck(checkDeps),
  ];
  const implemented = new Set(checks.map((c) => c.id));
  const manifest = {
    ...LAB_D_MANIFEST,
    topics: LAB_D_MANIFEST.topics.map((t) => (t.name === ORDER_EVENTS_TOPIC ? { ...t, name: topic } : t)),
    groups: [group],
    services: LAB_D_MANIFEST.services.map((s) => (s.kind === 'loms' ? { ...s, port: settings.lomsPort } : s)),
    checks: LAB_D_CHECK_LIST.filter((c) => implemented.has(c.id)),
  };
  const lomsUrl = () => settings.lomsUrl;

  const relay = async (action: keyof typeof RELAY_ADMIN_PATHS): Promise<RelayStatus> => {
    const path = RELAY_ADMIN_PATHS[action];
    let res: Response;
    try {
      res = await fetch(`${lomsUrl()}${path}`, {
        method: action === 'status' ? 'GET' : 'POST',
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new AppError('BROKER_UNAVAILABLE', `loms does not answer (${(err as Error).message}); start loms first`, {
        path,
      });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw new AppError('INTERNAL', `loms answered ${res.status} on ${path}`, { body });
    const parsed = RelayStatus.safeParse(body);
    if (!parsed.success) throw new AppError('INTERNAL', `loms answered ${path} with an unexpected body`, { body });
    return parsed.data;
  };

  const parseLine = (kind: string, _instance: string, text: string): ParsedLine | undefined => {
    if (kind !== 'notifier') return undefined;
    const line = parseNotifierLine(text);
    if (line === undefined) return undefined;
    if (line.type === 'event') {
      return {
        kind: 'event',
        facts: [
          {
            entity: String(line.order_id),
            step: 'processed',
            status: line.status,
            at: Date.parse(line.ts),
            actor: line.instance,
            where: { kind: 'record', topic: line.topic, partition: line.partition, offset: line.offset },
            latencyMs: line.latency_ms,
          },
        ],
      };
    }
    if (line.type === 'error') return { kind: 'error' };
    if (line.state === 'joined')
      return {
        kind: 'lifecycle',
        member: { groupId: line.group_id, assignment: line.assignment ?? {}, generationId: line.generation_id ?? null },
      };
    if (['disconnected', 'reconnecting', 'crashed', 'stopped'].includes(line.state))
      return { kind: 'lifecycle', member: { groupId: line.group_id, assignment: null, generationId: null } };
    return { kind: 'lifecycle' };
  };

  return {
    manifest,
    env(ctx, kind, instance): Record<string, string> {
      const brokers = ctx.endpoints().kafka.brokers.join(',');
      if (kind === 'loms') {
        return {
          KAFKA_BROKERS: brokers,
          PORT: String(settings.lomsPort),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl(ctx),
          LOMS_TOPIC: topic,
        };
      }
      return {
        KAFKA_BROKERS: brokers,
        NOTIFIER_GROUP_ID: group,
        NOTIFIER_INSTANCE: instance,
        NOTIFIER_TOPIC: topic,
        ...settings.notifierEnv,
      };
    },
    parseLine,
    scanners: { [topic]: scanOrderRecord },
    handledBy: { group, step: 'processed' },
    outboxes: [
      {
        name: 'loms',
        table: OUTBOX_TABLE,
        columns: {
          id: 'id',
          entity: 'aggregate_id',
          status: "payload->>'status'",
          createdAt: 'created_at',
          sentAt: 'sent_at',
        },
        step: 'committed',
      },
    ],
    databaseUrl,
    faults: [
      { id: 'relay-pause', run: async () => `relay paused: ${(await relay('pause')).pending} rows pending` },
      { id: 'relay-resume', run: async () => `relay resumed: ${(await relay('resume')).pending} rows pending` },
      {
        id: 'duplicate-event',
        run: async (ctx, args) => {
          const source =
            args.partition !== undefined && args.offset !== undefined
              ? { partition: Number(args.partition), offset: String(args.offset) }
              : undefined;
          const r = await ctx.records.duplicate(topic, source);
          return `sent a copy of an order event to ${r.topic} p${r.partition}@${r.offset} (key ${r.key ?? 'none'})`;
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
          return `sent a poison record to ${r.topic} p${r.partition}@${r.offset}`;
        },
      },
    ],
    checks,
    load: { unit: (_ctx, outcome, run) => orderUnit(lomsUrl(), outcome, run) },
    requests: {
      'lab-d:relay-status': () => relay('status'),
      'lab-d:relay-pause': () => relay('pause'),
      'lab-d:relay-resume': () => relay('resume'),
    },
  };
}
