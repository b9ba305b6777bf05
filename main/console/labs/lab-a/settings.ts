// Lab A's settings, read once from the console's env with the lab's defaults (every name optional), so that tests and
// parallel consoles can run the lab on a topic, group, database, Redis prefix and port of their own.
//
//   EVENTSCOPE_LAB_A_PREFIX        prefix of the topic and the consumer group (none)
//   EVENTSCOPE_LAB_A_MONGODB_DB    the projector's database on the stack's MongoDB (lab_a)
//   EVENTSCOPE_LAB_A_REDIS_PREFIX  prefix of the API's Redis keys (none)
//   EVENTSCOPE_LAB_A_API_PORT      the presentations API's HTTP port (8001)
//   EVENTSCOPE_LAB_A_REPLICATION   the topic's replication factor when the API creates it (default min(2, brokers):
//                                  2 on the lab's cluster as in the seed, 1 on a one-broker stack)
//   EVENTSCOPE_LAB_A_WRITE_THROUGH 1: the API writes Redis after each ack (default 1)
//   EVENTSCOPE_LAB_A_ACK_TIMEOUT_MS how long the API waits for Kafka's ack before it answers 503 (5000)
//   EVENTSCOPE_LAB_A_WINDOW_BOUND_MS check 1: every change readable in MongoDB within this (5000)
//   EVENTSCOPE_LAB_A_WINDOW_RATE   check 1: commands per second (50)
//   EVENTSCOPE_LAB_A_WINDOW_COMMANDS check 1: commands sent (100)
//   EVENTSCOPE_LAB_A_API_URL       the presentations API the checks drive (http://127.0.0.1:<API_PORT>)
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { API_DEFAULT_PORT, DEFAULT_MONGODB_DB } from '../../../../services/lab-a/schema.js';

const Env = z.object({
  EVENTSCOPE_LAB_A_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  EVENTSCOPE_LAB_A_MONGODB_DB: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,60}$/, 'a MongoDB database name')
    .default(DEFAULT_MONGODB_DB),
  EVENTSCOPE_LAB_A_REDIS_PREFIX: z.string().default(''),
  EVENTSCOPE_LAB_A_API_PORT: z.coerce.number().int().min(1).max(65535).default(API_DEFAULT_PORT),
  EVENTSCOPE_LAB_A_REPLICATION: z.coerce.number().int().min(1).max(5).optional(),
  EVENTSCOPE_LAB_A_WRITE_THROUGH: z.enum(['0', '1']).default('1'),
  EVENTSCOPE_LAB_A_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  EVENTSCOPE_LAB_A_WINDOW_BOUND_MS: z.coerce.number().int().min(10).max(120_000).default(5000),
  EVENTSCOPE_LAB_A_WINDOW_RATE: z.coerce.number().min(0.1).max(1000).default(50),
  EVENTSCOPE_LAB_A_WINDOW_COMMANDS: z.coerce.number().int().min(1).max(10_000).default(100),
  EVENTSCOPE_LAB_A_API_URL: z.url().optional(),
});

export interface LabASettings {
  prefix: string;
  mongoDb: string;
  redisPrefix: string;
  apiPort: number;
  /** the topic's replication factor; undefined: min(2, brokers in the cluster), which the API works out */
  replication: number | undefined;
  writeThrough: boolean;
  ackTimeoutMs: number;
  /** check 1 (consistency window): the bound, the rate and how many commands */
  window: { boundMs: number; rate: number; commands: number };
  /** the API the checks drive */
  apiUrl: string;
}

export function readSettings(env: NodeJS.ProcessEnv): LabASettings {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('EVENTSCOPE_LAB_A_') && v));
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.');
    throw new AppError('CONFIG_ERROR', `${name}: ${issue.message}`, { variables: [name] });
  }
  const e = parsed.data;
  return {
    prefix: e.EVENTSCOPE_LAB_A_PREFIX,
    mongoDb: e.EVENTSCOPE_LAB_A_MONGODB_DB,
    redisPrefix: e.EVENTSCOPE_LAB_A_REDIS_PREFIX,
    apiPort: e.EVENTSCOPE_LAB_A_API_PORT,
    replication: e.EVENTSCOPE_LAB_A_REPLICATION,
    writeThrough: e.EVENTSCOPE_LAB_A_WRITE_THROUGH === '1',
    ackTimeoutMs: e.EVENTSCOPE_LAB_A_ACK_TIMEOUT_MS,
    window: {
      boundMs: e.EVENTSCOPE_LAB_A_WINDOW_BOUND_MS,
      rate: e.EVENTSCOPE_LAB_A_WINDOW_RATE,
      commands: e.EVENTSCOPE_LAB_A_WINDOW_COMMANDS,
    },
    apiUrl: (e.EVENTSCOPE_LAB_A_API_URL ?? `http://127.0.0.1:${e.EVENTSCOPE_LAB_A_API_PORT}`).replace(/\/$/, ''),
  };
}
