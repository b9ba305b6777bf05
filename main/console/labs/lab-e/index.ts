// Lab E's console module: how its five instances are run (env: brokers, one database per service on the stack's
// Postgres, ports, the gateway's upstreams, one JWT secret per console), what their stdout lines and the
// tasks-lifecycle records say (facts of a task's timeline), its faults, its checks (invariants 1–8, checks/), its
// load and its own requests (the Schemas and Ledger panels: contract.ts, panels.ts). Settings: settings.ts.
import { AppError } from '../../../../services/shared/app-error.js';
import { withDatabase } from '../../../../services/lab-e/db.js';
import {
  DEFAULT_DATABASES,
  GROUPS,
  LAB_E_SERVICES,
  TOPICS,
  topicNames,
  type LabEService,
} from '../../../../services/lab-e/schema.js';
import type { LabContext, LabModule } from '../types.js';
import { createLineParser } from './lines.js';
import { createLabELoad } from './load.js';
import { labEManifest, STEPS } from './manifest.js';
import { scanLifecycleRecord } from './scan.js';
import { readSettings } from './settings.js';
import { assigneeWorkersCheck, schemaValidCheck } from './checks/record-checks.js';
import {
  duplicatesAndOrderCheck,
  feePerAssignmentCheck,
  ledgerBalanceCheck,
  priceFixedCheck,
  taskCreatedVersionsCheck,
} from './checks/accounting-checks.js';
import { gatewayAccessCheck } from './checks/gateway-checks.js';
import { labEFaults } from './checks/faults.js';
import { CrewCache, type LabECheckDeps } from './checks/support.js';
import { ConsoleAccountant, SchemaStatsCounter, readLedger, registryView, schemaDiff } from './panels.js';

type DbService = keyof typeof DEFAULT_DATABASES;
const DB_SERVICES = Object.keys(DEFAULT_DATABASES) as DbService[];
const UPPER = (s: LabEService) => s.toUpperCase();

export function createLabE(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const { prefix, ports } = settings;
  const topics = topicNames(prefix);
  const manifest = labEManifest({ prefix, ports });
  const url = (s: LabEService) => `http://127.0.0.1:${ports[s]}`;
  /** a service's own database on the stack's Postgres */
  const databaseOf = (ctx: LabContext, s: DbService) =>
    withDatabase(ctx.endpoints().postgres.url, `${settings.databasePrefix}_${s}`);
  // the Schemas panel's counts per topic, from every line of the services
  const stats = new SchemaStatsCounter(topics, prefix);
  const parser = createLineParser({
    lifecycleTopic: topics.tasksLifecycle,
    streamTopic: topics.tasksStream,
    onLine: (line) => stats.add(line),
  });
  const accountant = new ConsoleAccountant(() => url('gateway'));
  const load = createLabELoad(() => url('gateway'));

  const checkDeps: LabECheckDeps = {
    topics,
    groups: {
      tasks: `${prefix}${GROUPS.tasks}`,
      accounting: `${prefix}${GROUPS.accounting}`,
      analytics: `${prefix}${GROUPS.analytics}`,
    },
    gatewayUrl: () => url('gateway'),
    accountingDatabaseUrl: (ctx) => databaseOf(ctx, 'accounting'),
    crew: new CrewCache(),
  };
  const checks = [
    schemaValidCheck(checkDeps),
    priceFixedCheck(checkDeps),
    feePerAssignmentCheck(checkDeps),
    ledgerBalanceCheck(checkDeps),
    duplicatesAndOrderCheck(checkDeps),
    taskCreatedVersionsCheck(checkDeps),
    gatewayAccessCheck(checkDeps),
    assigneeWorkersCheck(checkDeps),
  ];

  /** a lab topic by its name with or without the prefix (tasks-lifecycle by default) */
  const topicArg = (value: string | number | boolean | undefined): string => {
    if (value === undefined || value === '') return topics.tasksLifecycle;
    const name = String(value);
    const all = Object.values(topics);
    if (all.includes(name)) return name;
    if (Object.values<string>(TOPICS).includes(name)) return `${prefix}${name}`;
    throw new AppError('INVALID_INPUT', `topic: not a Lab E topic: ${name} (known: ${all.join(', ')})`, {
      field: 'topic',
      known: all,
    });
  };

  return {
    manifest,
    env(ctx, kind) {
      if (!(LAB_E_SERVICES as readonly string[]).includes(kind))
        throw new AppError('INVALID_INPUT', `Lab E has no service ${kind}`, { field: 'kind' });
      const vars: Record<string, string> = {
        KAFKA_BROKERS: ctx.endpoints().kafka.brokers.join(','),
        HOST: '127.0.0.1',
        LAB_E_PREFIX: prefix,
        LAB_E_PG_URL: ctx.endpoints().postgres.url,
        LAB_E_JWT_SECRET: settings.jwtSecret,
        LAB_E_TASK_CREATED_VERSION: settings.taskCreatedVersion,
        LAB_E_CLOSE_DAY_EVERY_MS: String(settings.closeDayEveryMs),
        // the console's own env reaches the child too: set what it would otherwise read from there
        LAB_E_CLOSE_DAY_AT: '',
      };
      for (const s of LAB_E_SERVICES) vars[`LAB_E_${UPPER(s)}_PORT`] = String(ports[s]);
      for (const s of DB_SERVICES) {
        vars[`LAB_E_${UPPER(s)}_DATABASE_URL`] = databaseOf(ctx, s);
        vars[`LAB_E_${UPPER(s)}_URL`] = url(s);
      }
      return vars;
    },
    parseLine: (kind, instance, text) => parser.parse(kind, instance, text),
    scanners: { [topics.tasksLifecycle]: scanLifecycleRecord },
    handledBy: { group: `${prefix}${GROUPS.accounting}`, step: STEPS.handled },
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
          return `replayed an event on ${r.topic} p${r.partition}@${r.offset} (key ${r.key ?? 'none'}): its consumers should log it as a duplicate`;
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
          return `sent a poison record to ${r.topic} p${r.partition}@${r.offset}: its consumers dead-letter it`;
        },
      },
      ...labEFaults(checkDeps, { topicArg, lastTask: () => parser.lastTask() }),
    ],
    checks,
    load: { unit: (_ctx, outcome, run) => load.unit(outcome, run) },
    requests: {
      'lab-e:schemas': () => Promise.resolve(registryView(prefix)),
      'lab-e:schema-diff': (_ctx, { event, from, to }) => Promise.resolve(schemaDiff(event, from, to)),
      'lab-e:schema-stats': () => Promise.resolve(stats.snapshot()),
      'lab-e:ledger': (ctx) => readLedger(databaseOf(ctx, 'accounting')),
      'lab-e:close-day': (ctx) => accountant.closeDay(databaseOf(ctx, 'accounting')),
    },
  };
}
