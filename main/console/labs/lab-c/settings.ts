// Lab C's settings, read once from the console's env with the lab's defaults (every name optional), so that tests and
// parallel consoles can run the lab on topics, groups, databases, a Redis channel and ports of their own.
//
//   EVENTSCOPE_LAB_C_PREFIX            prefix of every topic and consumer group (none), passed as LAB_C_PREFIX
//   EVENTSCOPE_LAB_C_DATABASE_PREFIX   the services' databases are <prefix>_orders and <prefix>_payments (lab_c)
//   EVENTSCOPE_LAB_C_GATEWAY_PORT      the gateway's port (8090)
//   EVENTSCOPE_LAB_C_ORDERS_PORTS      the three orders replicas' ports (8091,8092,8093)
//   EVENTSCOPE_LAB_C_PAYMENTS_PORTS    the three payments replicas' ports (8094,8095,8096)
//   EVENTSCOPE_LAB_C_SSE_CHANNEL       the Redis channel of the SSE fan-out (sse-updates)
//   EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS   how long an under-funded order waits for a top-up (15000, the seed's 15 s)
//   EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS the consumer groups' session timeout (10000)
//   EVENTSCOPE_LAB_C_FINAL_GRACE_MS    check 1: how long past the funds window an order may still be open (10000)
//   EVENTSCOPE_LAB_C_SSE_UNSUBSCRIBED  orders replicas started without subscribing to the SSE channel (none): the
//                                      bad-setup case of invariant 5 (orders-3: its streams get no other replica's update)
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { DEFAULT_PORTS, SSE_CHANNEL } from '../../../../services/lab-c/schema.js';

const Port = z.coerce.number().int().min(1).max(65535);
const Ports = z
  .string()
  .transform((s) => s.split(',').map((p) => Number(p.trim())))
  .refine((l) => l.length === 3 && l.every((p) => Number.isInteger(p) && p > 0 && p < 65536), 'three ports, a,b,c');

const Env = z.object({
  EVENTSCOPE_LAB_C_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  EVENTSCOPE_LAB_C_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,48}$/, 'a lower-case Postgres name of at most 49 characters')
    .default('lab_c'),
  EVENTSCOPE_LAB_C_GATEWAY_PORT: Port.default(DEFAULT_PORTS.gateway),
  EVENTSCOPE_LAB_C_ORDERS_PORTS: Ports.default([...DEFAULT_PORTS.orders]),
  EVENTSCOPE_LAB_C_PAYMENTS_PORTS: Ports.default([...DEFAULT_PORTS.payments]),
  EVENTSCOPE_LAB_C_SSE_CHANNEL: z.string().min(1).default(SSE_CHANNEL),
  EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  EVENTSCOPE_LAB_C_FINAL_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  EVENTSCOPE_LAB_C_SSE_UNSUBSCRIBED: z
    .string()
    .transform((s) => s.split(',').map((i) => i.trim()))
    .refine((l) => l.every((i) => /^orders-[123]$/.test(i)), 'orders replicas, e.g. orders-3')
    .default([]),
});

export interface LabCSettings {
  prefix: string;
  databasePrefix: string;
  gatewayPort: number;
  ordersPorts: readonly number[];
  paymentsPorts: readonly number[];
  sseChannel: string;
  fundsWindowMs: number;
  sessionTimeoutMs: number;
  finalGraceMs: number;
  /** orders replicas that do not subscribe to the SSE channel (the bad-setup case of invariant 5) */
  sseUnsubscribed: readonly string[];
}

export function readSettings(env: NodeJS.ProcessEnv): LabCSettings {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in Env.shape && v !== ''));
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad Lab C configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const e = parsed.data;
  const all = [
    e.EVENTSCOPE_LAB_C_GATEWAY_PORT,
    ...e.EVENTSCOPE_LAB_C_ORDERS_PORTS,
    ...e.EVENTSCOPE_LAB_C_PAYMENTS_PORTS,
  ];
  if (new Set(all).size !== all.length)
    throw new AppError('CONFIG_ERROR', `bad Lab C configuration: two instances on one port (${all.join(', ')})`, {
      variables: ['EVENTSCOPE_LAB_C_GATEWAY_PORT', 'EVENTSCOPE_LAB_C_ORDERS_PORTS', 'EVENTSCOPE_LAB_C_PAYMENTS_PORTS'],
    });
  return {
    prefix: e.EVENTSCOPE_LAB_C_PREFIX,
    databasePrefix: e.EVENTSCOPE_LAB_C_DATABASE_PREFIX,
    gatewayPort: e.EVENTSCOPE_LAB_C_GATEWAY_PORT,
    ordersPorts: e.EVENTSCOPE_LAB_C_ORDERS_PORTS,
    paymentsPorts: e.EVENTSCOPE_LAB_C_PAYMENTS_PORTS,
    sseChannel: e.EVENTSCOPE_LAB_C_SSE_CHANNEL,
    fundsWindowMs: e.EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS,
    sessionTimeoutMs: e.EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS,
    finalGraceMs: e.EVENTSCOPE_LAB_C_FINAL_GRACE_MS,
    sseUnsubscribed: e.EVENTSCOPE_LAB_C_SSE_UNSUBSCRIBED,
  };
}
