// The console's configuration, read once from env (zod) by a composition root and passed down explicitly.
import { z } from 'zod';
import { AppError } from '../../../services/shared/app-error.js';
import { NOTIFIER_GROUP_ID, ORDER_EVENTS_TOPIC } from '../../../services/lab-d/schema.js';

export interface ConsoleConfig {
  /** the checkout (dev) or unpacked app (packaged) root: services/, docker/ and dist/renderer are resolved from it */
  repoRoot: string;
  /** observers' poll interval (EVENTSCOPE_POLL_MS, default 1000) */
  pollIntervalMs: number;
  /** entities the timeline keeps (EVENTSCOPE_TIMELINE_CAP, default 100 000) */
  timelineCap: number;
  /** records the tail keeps for paging (EVENTSCOPE_TAIL_CAPACITY, default 10 000) */
  tailCapacity: number;
  /** push batching window, 16–100 ms (EVENTSCOPE_BATCH_MS, default 50) */
  batchMs: number;
  /** loms' HTTP port when the console runs it (EVENTSCOPE_LOMS_PORT, default 8084, the course's) */
  lomsPort: number;
  /** Lab D's database (EVENTSCOPE_LOMS_DATABASE_URL); default: the stack's Postgres URL */
  lomsDatabaseUrl: string | undefined;
  orderTopic: string;
  notifierGroupId: string;
  /** web mode's port on 127.0.0.1 (EVENTSCOPE_WEB_PORT; default 0 = a free port chosen by the OS) */
  webPort: number;
}

const Env = z.object({
  EVENTSCOPE_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  EVENTSCOPE_TIMELINE_CAP: z.coerce.number().int().min(100).max(5_000_000).default(100_000),
  EVENTSCOPE_TAIL_CAPACITY: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  EVENTSCOPE_BATCH_MS: z.coerce.number().int().min(16).max(100).default(50),
  EVENTSCOPE_LOMS_PORT: z.coerce.number().int().min(1).max(65535).default(8084),
  EVENTSCOPE_LOMS_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  EVENTSCOPE_ORDER_TOPIC: z.string().min(1).default(ORDER_EVENTS_TOPIC),
  EVENTSCOPE_NOTIFIER_GROUP: z.string().min(1).default(NOTIFIER_GROUP_ID),
  EVENTSCOPE_WEB_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

export function loadConsoleConfig(repoRoot: string, env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('EVENTSCOPE_') && v !== undefined && v !== ''),
  );
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const e = parsed.data;
  return {
    repoRoot,
    pollIntervalMs: e.EVENTSCOPE_POLL_MS,
    timelineCap: e.EVENTSCOPE_TIMELINE_CAP,
    tailCapacity: e.EVENTSCOPE_TAIL_CAPACITY,
    batchMs: e.EVENTSCOPE_BATCH_MS,
    lomsPort: e.EVENTSCOPE_LOMS_PORT,
    lomsDatabaseUrl: e.EVENTSCOPE_LOMS_DATABASE_URL,
    orderTopic: e.EVENTSCOPE_ORDER_TOPIC,
    notifierGroupId: e.EVENTSCOPE_NOTIFIER_GROUP,
    webPort: e.EVENTSCOPE_WEB_PORT,
  };
}
