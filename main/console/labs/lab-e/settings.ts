// Lab E's settings, read once from the console's env with the lab's defaults (every name optional), so that tests and
// parallel consoles can run the lab on topics, groups, databases and ports of their own.
//
//   EVENTSCOPE_LAB_E_PREFIX               prefix of every topic and consumer group (none), passed as LAB_E_PREFIX
//   EVENTSCOPE_LAB_E_DATABASE_PREFIX      the services' databases are <prefix>_auth, _tasks, _accounting, _analytics
//                                         on the stack's Postgres (lab_e)
//   EVENTSCOPE_LAB_E_GATEWAY_PORT …       the HTTP ports of gateway, auth, tasks, accounting, analytics
//   EVENTSCOPE_LAB_E_ANALYTICS_PORT       (8201 … 8205)
//   EVENTSCOPE_LAB_E_JWT_SECRET           the HS256 key auth signs with and the gateway checks (≥ 16 characters);
//                                         unset: one made up when the console starts (tokens last as long as it)
//   EVENTSCOPE_LAB_E_TASK_CREATED_VERSION which TaskCreated version tasks writes (2; 1 is the jira id in the title)
//   EVENTSCOPE_LAB_E_CLOSE_DAY_EVERY_MS   accounting's clock: close the day every N ms (0: only on request)
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { DEFAULT_PORTS, LAB_E_SERVICES, type LabEService } from '../../../../services/lab-e/schema.js';

const Port = z.coerce.number().int().min(1).max(65535);

const Env = z.object({
  EVENTSCOPE_LAB_E_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  EVENTSCOPE_LAB_E_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,48}$/, 'a lower-case Postgres name of at most 49 characters')
    .default('lab_e'),
  EVENTSCOPE_LAB_E_GATEWAY_PORT: Port.default(DEFAULT_PORTS.gateway),
  EVENTSCOPE_LAB_E_AUTH_PORT: Port.default(DEFAULT_PORTS.auth),
  EVENTSCOPE_LAB_E_TASKS_PORT: Port.default(DEFAULT_PORTS.tasks),
  EVENTSCOPE_LAB_E_ACCOUNTING_PORT: Port.default(DEFAULT_PORTS.accounting),
  EVENTSCOPE_LAB_E_ANALYTICS_PORT: Port.default(DEFAULT_PORTS.analytics),
  EVENTSCOPE_LAB_E_JWT_SECRET: z.string().min(16).optional(),
  EVENTSCOPE_LAB_E_TASK_CREATED_VERSION: z.enum(['1', '2']).default('2'),
  EVENTSCOPE_LAB_E_CLOSE_DAY_EVERY_MS: z.coerce.number().int().min(0).default(0),
});

export interface LabESettings {
  prefix: string;
  databasePrefix: string;
  ports: Readonly<Record<LabEService, number>>;
  jwtSecret: string;
  taskCreatedVersion: '1' | '2';
  closeDayEveryMs: number;
}

export function readSettings(env: NodeJS.ProcessEnv): LabESettings {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in Env.shape && v !== ''));
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad Lab E configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const e = parsed.data;
  const ports = {
    gateway: e.EVENTSCOPE_LAB_E_GATEWAY_PORT,
    auth: e.EVENTSCOPE_LAB_E_AUTH_PORT,
    tasks: e.EVENTSCOPE_LAB_E_TASKS_PORT,
    accounting: e.EVENTSCOPE_LAB_E_ACCOUNTING_PORT,
    analytics: e.EVENTSCOPE_LAB_E_ANALYTICS_PORT,
  } satisfies Record<LabEService, number>;
  const taken = new Map<number, string>();
  for (const s of LAB_E_SERVICES) {
    const other = taken.get(ports[s]);
    if (other !== undefined)
      throw new AppError('CONFIG_ERROR', `bad Lab E configuration: ${other} and ${s} both on port ${ports[s]}`, {
        variables: [`EVENTSCOPE_LAB_E_${other.toUpperCase()}_PORT`, `EVENTSCOPE_LAB_E_${s.toUpperCase()}_PORT`],
      });
    taken.set(ports[s], s);
  }
  return {
    prefix: e.EVENTSCOPE_LAB_E_PREFIX,
    databasePrefix: e.EVENTSCOPE_LAB_E_DATABASE_PREFIX,
    ports,
    jwtSecret: e.EVENTSCOPE_LAB_E_JWT_SECRET ?? randomBytes(32).toString('base64url'),
    taskCreatedVersion: e.EVENTSCOPE_LAB_E_TASK_CREATED_VERSION,
    closeDayEveryMs: e.EVENTSCOPE_LAB_E_CLOSE_DAY_EVERY_MS,
  };
}
