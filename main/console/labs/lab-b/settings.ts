// Lab B's settings, read once from the env with the lab's defaults (every name optional), so that tests and a student's
// setup can run the services under their own names and ports:
//
//   EVENTSCOPE_LAB_B_PREFIX          prepended to every exchange and queue name (LAB_B_PREFIX of the services; '')
//   EVENTSCOPE_LAB_B_DATABASE_URL    the lab's database (default: database `lab_b` on the stack's Postgres; the services
//                                    create it when missing)
//   EVENTSCOPE_LAB_B_AUTH_PORT       auth's HTTP port (8101)
//   EVENTSCOPE_LAB_B_VACATION_PORT   vacation's HTTP port (8102)
//   EVENTSCOPE_LAB_B_USERS_PORT      users' HTTP port (8103)
//   EVENTSCOPE_LAB_B_REPORTS_PORT    reports' HTTP port (8104)
//   EVENTSCOPE_LAB_B_WORK_DELAY_MS   a pause before each message's work in notification-1 and notification-2, the work
//                                    queue's consumers (their WORK_DELAY_MS; to see unacked messages, e.g. to kill a
//                                    consumer holding some)
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { DEFAULT_PORTS } from '../../../../services/lab-b/config.js';

/** The lab's database on the stack's Postgres when no URL is set. */
export const LAB_B_DATABASE = 'lab_b';

/** the kinds with an HTTP API, and their settings' names */
export const HTTP_KINDS = ['auth', 'vacation', 'users', 'reports'] as const;
export type HttpKind = (typeof HTTP_KINDS)[number];

const Port = z.coerce.number().int().min(1).max(65535);

const Env = z.object({
  EVENTSCOPE_LAB_B_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
    .default(''),
  EVENTSCOPE_LAB_B_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, 'must be a postgres:// URL naming a database')
    .optional(),
  EVENTSCOPE_LAB_B_AUTH_PORT: Port.default(DEFAULT_PORTS.auth ?? 8101),
  EVENTSCOPE_LAB_B_VACATION_PORT: Port.default(DEFAULT_PORTS.vacation ?? 8102),
  EVENTSCOPE_LAB_B_USERS_PORT: Port.default(DEFAULT_PORTS.users ?? 8103),
  EVENTSCOPE_LAB_B_REPORTS_PORT: Port.default(DEFAULT_PORTS.reports ?? 8104),
  EVENTSCOPE_LAB_B_WORK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).optional(),
});

export interface LabBSettings {
  prefix: string;
  /** undefined: database `lab_b` on the stack's Postgres */
  databaseUrl: string | undefined;
  ports: Record<HttpKind, number>;
  workDelayMs: number | undefined;
}

export function readSettings(env: NodeJS.ProcessEnv): LabBSettings {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in Env.shape && v !== ''));
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad Lab B configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const e = parsed.data;
  return {
    prefix: e.EVENTSCOPE_LAB_B_PREFIX,
    databaseUrl: e.EVENTSCOPE_LAB_B_DATABASE_URL,
    ports: {
      auth: e.EVENTSCOPE_LAB_B_AUTH_PORT,
      vacation: e.EVENTSCOPE_LAB_B_VACATION_PORT,
      users: e.EVENTSCOPE_LAB_B_USERS_PORT,
      reports: e.EVENTSCOPE_LAB_B_REPORTS_PORT,
    },
    workDelayMs: e.EVENTSCOPE_LAB_B_WORK_DELAY_MS,
  };
}

/** The stack's Postgres URL with its database replaced by the lab's. */
export function labDatabaseUrl(serverUrl: string, database = LAB_B_DATABASE): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
