// The console's configuration, read once from env (zod) by a composition root and passed down explicitly.
import { z } from 'zod';
import { AppError } from '../../../services/shared/app-error.js';

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
  /** the lab selected at start (EVENTSCOPE_LAB; default: the registry's first); each lab reads its own settings */
  lab: string | undefined;
  /** web mode's port on 127.0.0.1 (EVENTSCOPE_WEB_PORT; default 0 = a free port chosen by the OS) */
  webPort: number;
}

const Env = z.object({
  EVENTSCOPE_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  EVENTSCOPE_TIMELINE_CAP: z.coerce.number().int().min(100).max(5_000_000).default(100_000),
  EVENTSCOPE_TAIL_CAPACITY: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  EVENTSCOPE_BATCH_MS: z.coerce.number().int().min(16).max(100).default(50),
  EVENTSCOPE_LAB: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a lab id such as lab-b')
    .optional(),
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
    lab: e.EVENTSCOPE_LAB,
    webPort: e.EVENTSCOPE_WEB_PORT,
  };
}
