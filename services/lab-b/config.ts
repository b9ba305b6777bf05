// Lab B's env config, read once with zod (names in services/lab-b/README.md). Every service reads the same variables;
// PORT's default and INSTANCE's default depend on the service.
import { z } from 'zod';
import { AppError } from '../shared/app-error.js';
import { brokenFlags, parseBrokenMode, type BrokenFlags } from './broken-modes.js';
import type { LabBService } from './schema.js';

export const DEFAULT_PORTS: Readonly<Partial<Record<LabBService, number>>> = {
  auth: 8101,
  vacation: 8102,
  users: 8103,
  reports: 8104,
};

const Port = z.coerce.number().int().min(0).max(65535);
const Millis = z.coerce.number().int().min(0).max(600_000);

export const LabBEnv = z.object({
  AMQP_URL: z
    .string()
    .default('amqp://guest:guest@127.0.0.1:5672')
    .refine((u) => /^amqps?:\/\//.test(u), 'must be an amqp:// URL'),
  DATABASE_URL: z
    .string()
    .default('postgres://postgres@127.0.0.1:5432/lab_b')
    .refine((u) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(u), 'must be a postgres:// URL naming a database'),
  PORT: Port.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  INSTANCE: z.string().min(1).optional(),
  LAB_BROKEN_MODE: z.string().optional(),
  LAB_B_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
    .default(''),
  AMQP_PREFETCH: z.coerce.number().int().min(1).max(1000).default(10),
  AMQP_HEARTBEAT_S: z.coerce.number().int().min(0).max(600).default(10),
  AMQP_RECONNECT_MIN_MS: Millis.default(500),
  AMQP_RECONNECT_MAX_MS: Millis.default(10_000),
  PUBLISH_TIMEOUT_MS: Millis.default(5000),
  WORK_DELAY_MS: Millis.default(0),
});

export interface LabBConfig {
  service: LabBService;
  instance: string;
  amqpUrl: string;
  databaseUrl: string;
  port: number;
  host: string;
  /** prepended to every exchange and queue name */
  prefix: string;
  prefetch: number;
  heartbeatS: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  publishTimeoutMs: number;
  workDelayMs: number;
  broken: BrokenFlags;
}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(clean);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new AppError('CONFIG_ERROR', `bad configuration: ${problems.join('; ')}`, {
    variables: result.error.issues.map((i) => i.path.join('.')),
  });
}

export function labBConfigFromEnv(service: LabBService, env: NodeJS.ProcessEnv = process.env): LabBConfig {
  const e = parseEnv(LabBEnv, env);
  const mode = parseBrokenMode(e.LAB_BROKEN_MODE);
  return {
    service,
    instance: e.INSTANCE ?? (service === 'notification' ? `notification-${process.pid}` : service),
    amqpUrl: e.AMQP_URL,
    databaseUrl: e.DATABASE_URL,
    port: e.PORT ?? DEFAULT_PORTS[service] ?? 0,
    host: e.HOST,
    prefix: e.LAB_B_PREFIX,
    prefetch: e.AMQP_PREFETCH,
    heartbeatS: e.AMQP_HEARTBEAT_S,
    reconnectMinMs: Math.max(1, e.AMQP_RECONNECT_MIN_MS),
    reconnectMaxMs: Math.max(e.AMQP_RECONNECT_MIN_MS, e.AMQP_RECONNECT_MAX_MS),
    publishTimeoutMs: Math.max(100, e.PUBLISH_TIMEOUT_MS),
    workDelayMs: e.WORK_DELAY_MS,
    broken: brokenFlags(mode, service),
  };
}
