// Lab E's env config, read once with zod (names documented in README.md). Each service reads the shared variables and
// its own; `all` reads every service's.
import { z } from 'zod';
import { AppError } from '../shared/app-error.js';
import { parseKafkaLinks } from '../shared/kafka-links.js';
import { parseBrokenMode, type BrokenModeId } from './broken-modes.js';
import { withDatabase } from './db.js';
import { DEFAULT_DATABASES, DEFAULT_PORTS, type LabEService } from './schema.js';
import type { AccountingConfig } from './services/accounting.js';
import type { AnalyticsConfig } from './services/analytics.js';
import type { AuthConfig } from './services/auth.js';
import type { GatewayConfig } from './services/gateway.js';
import type { TasksConfig } from './services/tasks.js';

/** a development secret: set LAB_E_JWT_SECRET anywhere that matters */
export const DEV_JWT_SECRET = 'eventscope-lab-e-development-secret';

const Brokers = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine((l) => l.length > 0 && l.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), 'must be host:port[,host:port…]');
const Port = z.coerce.number().int().min(0).max(65535);
const PgUrl = z.string().refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL');
const HttpUrl = z.url();

const Shared = z.object({
  KAFKA_BROKERS: Brokers,
  KAFKA_LINKS: z.string().default(''),
  HOST: z.string().min(1).default('127.0.0.1'),
  LAB_E_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  LAB_E_PG_URL: PgUrl.default('postgres://postgres@127.0.0.1:5432/postgres'),
  LAB_E_JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  LAB_BROKEN_MODE: z.string().optional(),
  LAB_E_GATEWAY_PORT: Port.default(DEFAULT_PORTS.gateway),
  LAB_E_AUTH_PORT: Port.default(DEFAULT_PORTS.auth),
  LAB_E_TASKS_PORT: Port.default(DEFAULT_PORTS.tasks),
  LAB_E_ACCOUNTING_PORT: Port.default(DEFAULT_PORTS.accounting),
  LAB_E_ANALYTICS_PORT: Port.default(DEFAULT_PORTS.analytics),
  LAB_E_AUTH_DATABASE_URL: PgUrl.optional(),
  LAB_E_TASKS_DATABASE_URL: PgUrl.optional(),
  LAB_E_ACCOUNTING_DATABASE_URL: PgUrl.optional(),
  LAB_E_ANALYTICS_DATABASE_URL: PgUrl.optional(),
  LAB_E_AUTH_URL: HttpUrl.optional(),
  LAB_E_TASKS_URL: HttpUrl.optional(),
  LAB_E_ACCOUNTING_URL: HttpUrl.optional(),
  LAB_E_ANALYTICS_URL: HttpUrl.optional(),
  LAB_E_TASK_CREATED_VERSION: z.enum(['1', '2']).default('2'),
  LAB_E_CLOSE_DAY_EVERY_MS: z.coerce.number().int().min(0).default(0),
  LAB_E_CLOSE_DAY_AT: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)')
    .optional(),
});
type SharedEnv = z.output<typeof Shared>;

function parseEnv(env: NodeJS.ProcessEnv): SharedEnv & { brokenMode: BrokenModeId | undefined } {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = Shared.safeParse(clean);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad configuration: ${problems.join('; ')}`, {
      variables: result.error.issues.map((i) => i.path.join('.')),
    });
  }
  return { ...result.data, brokenMode: parseBrokenMode(result.data.LAB_BROKEN_MODE) };
}

type DbService = keyof typeof DEFAULT_DATABASES;
const UPPER = {
  gateway: 'GATEWAY',
  auth: 'AUTH',
  tasks: 'TASKS',
  accounting: 'ACCOUNTING',
  analytics: 'ANALYTICS',
} as const satisfies Record<LabEService, string>;
const DB_UPPER = {
  auth: 'AUTH',
  tasks: 'TASKS',
  accounting: 'ACCOUNTING',
  analytics: 'ANALYTICS',
} as const satisfies Record<DbService, string>;

function common(e: ReturnType<typeof parseEnv>, service: LabEService) {
  return {
    port: e[`LAB_E_${UPPER[service]}_PORT`],
    host: e.HOST,
    brokers: e.KAFKA_BROKERS,
    ...(e.KAFKA_LINKS === '' ? {} : { kafkaLinks: parseKafkaLinks(e.KAFKA_LINKS) }),
    prefix: e.LAB_E_PREFIX,
    ...(e.brokenMode ? { brokenMode: e.brokenMode } : {}),
  };
}

function databaseUrl(e: ReturnType<typeof parseEnv>, service: DbService): string {
  return e[`LAB_E_${DB_UPPER[service]}_DATABASE_URL`] ?? withDatabase(e.LAB_E_PG_URL, DEFAULT_DATABASES[service]);
}

export interface LabEConfigs {
  gateway: GatewayConfig;
  auth: AuthConfig;
  tasks: TasksConfig;
  accounting: AccountingConfig;
  analytics: AnalyticsConfig;
}

export function labEConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LabEConfigs {
  const e = parseEnv(env);
  const upstream = (s: DbService): string =>
    e[`LAB_E_${DB_UPPER[s]}_URL`] ?? `http://127.0.0.1:${e[`LAB_E_${DB_UPPER[s]}_PORT`]}`;
  return {
    gateway: {
      ...common(e, 'gateway'),
      jwtSecret: e.LAB_E_JWT_SECRET,
      upstreams: {
        auth: upstream('auth'),
        tasks: upstream('tasks'),
        accounting: upstream('accounting'),
        analytics: upstream('analytics'),
      },
    },
    auth: { ...common(e, 'auth'), databaseUrl: databaseUrl(e, 'auth'), jwtSecret: e.LAB_E_JWT_SECRET },
    tasks: {
      ...common(e, 'tasks'),
      databaseUrl: databaseUrl(e, 'tasks'),
      taskCreatedVersion: e.LAB_E_TASK_CREATED_VERSION === '1' ? 1 : 2,
    },
    accounting: {
      ...common(e, 'accounting'),
      databaseUrl: databaseUrl(e, 'accounting'),
      closeDayEveryMs: e.LAB_E_CLOSE_DAY_EVERY_MS,
      ...(e.LAB_E_CLOSE_DAY_AT ? { closeDayAt: e.LAB_E_CLOSE_DAY_AT } : {}),
    },
    analytics: { ...common(e, 'analytics'), databaseUrl: databaseUrl(e, 'analytics') },
  };
}
