// Lab D's settings, read once from the env with the lab's defaults, so that the checks judge a student's services too:
// where loms listens, its database, the topic, the field the record key holds, the notifiers' group, how a student
// spells a status (`payed` → `paid`) and names the event's fields, and how a student's consumers log what they
// processed. Every name is optional.
//
//   EVENTSCOPE_LOMS_PORT                   port the console runs loms on (8084)
//   EVENTSCOPE_LOMS_URL                    loms' base URL for the checks (http://127.0.0.1:<port>; a student's service)
//   EVENTSCOPE_LOMS_DATABASE_URL           loms' database (the stack's Postgres)
//   EVENTSCOPE_ORDER_TOPIC                 the order events topic (loms.order-events)
//   EVENTSCOPE_ORDER_KEY_FIELD             the event field the record key holds (order_id)
//   EVENTSCOPE_NOTIFIER_GROUP              the consumers' group id (notifier)
//   EVENTSCOPE_STATUS_SPELLINGS            a student's spelling=the lab's status, comma-separated (payed=paid)
//   EVENTSCOPE_EVENT_FIELDS                the lab's field=a student's field, comma-separated (order_id=orderId,status=state)
//   EVENTSCOPE_CONSUMER_LOG_PATTERN        a regular expression over a consumer's stdout lines that captures the order id
//                                          and the status of each processed event (named groups `order` and `status`,
//                                          else groups 1 and 2); without it only our notifiers' JSON lines are read
//   EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS the notifiers' session timeout (the notifier's default, 10000), passed to the
//                                          notifiers the console runs as NOTIFIER_SESSION_TIMEOUT_MS when set; checks 5
//                                          and 9 judge takeovers by it
//   EVENTSCOPE_NOTIFIER_HEARTBEAT_MS       the notifiers' heartbeat, passed as NOTIFIER_HEARTBEAT_MS when set
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { NOTIFIER_GROUP_ID, ORDER_EVENTS_TOPIC, ORDER_STATUSES } from '../../../../services/lab-d/schema.js';

/** The event's fields the checks read, by the lab's name. */
export const EVENT_FIELDS = ['order_id', 'status', 'moment'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

const pairs = (what: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const out: Record<string, string> = {};
      for (const part of text.split(',').map((p) => p.trim())) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        if (eq <= 0 || eq === part.length - 1) {
          ctx.addIssue({ code: 'custom', message: `${what}: "${part}" is not name=value` });
          return z.NEVER;
        }
        out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
      }
      return out;
    })
    .optional();

const Env = z.object({
  EVENTSCOPE_LOMS_PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  EVENTSCOPE_LOMS_URL: z
    .string()
    .regex(/^https?:\/\//, 'must be an http:// URL')
    .optional(),
  EVENTSCOPE_LOMS_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  EVENTSCOPE_ORDER_TOPIC: z.string().min(1).default(ORDER_EVENTS_TOPIC),
  EVENTSCOPE_ORDER_KEY_FIELD: z.string().min(1).default('order_id'),
  EVENTSCOPE_NOTIFIER_GROUP: z.string().min(1).default(NOTIFIER_GROUP_ID),
  EVENTSCOPE_STATUS_SPELLINGS: pairs('status spellings'),
  EVENTSCOPE_EVENT_FIELDS: pairs('event fields'),
  EVENTSCOPE_CONSUMER_LOG_PATTERN: z
    .string()
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a regular expression')
    .optional(),
  EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).optional(),
  EVENTSCOPE_NOTIFIER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).optional(),
});

export interface LabDSettings {
  lomsPort: number;
  lomsUrl: string;
  /** undefined: the stack's Postgres */
  lomsDatabaseUrl: string | undefined;
  topic: string;
  keyField: string;
  group: string;
  /** a student's spelling → the lab's status (`payed` → `paid`) */
  statusSpellings: Record<string, string>;
  /** the lab's field → the field a student's events carry */
  fields: Record<EventField, string>;
  /** captures (order, status) of a processed event in a consumer's stdout line */
  consumerLogPattern: RegExp | undefined;
  /** the notifiers' session timeout the checks judge takeovers by (the notifier's own default: 10 s) */
  sessionTimeoutMs: number;
  /** what the console passes to the notifiers it runs (only what was set) */
  notifierEnv: Record<string, string>;
}

export function readSettings(env: NodeJS.ProcessEnv): LabDSettings {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in Env.shape && v !== ''));
  const parsed = Env.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_ERROR', `bad Lab D configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  const e = parsed.data;
  const fieldMap = e.EVENTSCOPE_EVENT_FIELDS ?? {};
  const unknown = Object.keys(fieldMap).filter((f) => !(EVENT_FIELDS as readonly string[]).includes(f));
  const spellings = { payed: 'paid', ...(e.EVENTSCOPE_STATUS_SPELLINGS ?? {}) };
  const badTarget = Object.entries(spellings).filter(([, to]) => !(ORDER_STATUSES as readonly string[]).includes(to));
  if (unknown.length > 0 || badTarget.length > 0)
    throw new AppError(
      'CONFIG_ERROR',
      `bad Lab D configuration: ${[
        ...unknown.map((f) => `EVENTSCOPE_EVENT_FIELDS: ${f} is not one of ${EVENT_FIELDS.join(', ')}`),
        ...badTarget.map(([from, to]) => `EVENTSCOPE_STATUS_SPELLINGS: ${from}=${to}: ${to} is not a Lab D status`),
      ].join('; ')}`,
      {
        variables: [
          ...(unknown.length ? ['EVENTSCOPE_EVENT_FIELDS'] : []),
          ...(badTarget.length ? ['EVENTSCOPE_STATUS_SPELLINGS'] : []),
        ],
      },
    );
  return {
    lomsPort: e.EVENTSCOPE_LOMS_PORT,
    lomsUrl: (e.EVENTSCOPE_LOMS_URL ?? `http://127.0.0.1:${e.EVENTSCOPE_LOMS_PORT}`).replace(/\/+$/, ''),
    lomsDatabaseUrl: e.EVENTSCOPE_LOMS_DATABASE_URL,
    topic: e.EVENTSCOPE_ORDER_TOPIC,
    keyField: e.EVENTSCOPE_ORDER_KEY_FIELD,
    group: e.EVENTSCOPE_NOTIFIER_GROUP,
    statusSpellings: spellings,
    fields: {
      order_id: fieldMap.order_id ?? 'order_id',
      status: fieldMap.status ?? 'status',
      moment: fieldMap.moment ?? 'moment',
    },
    consumerLogPattern:
      e.EVENTSCOPE_CONSUMER_LOG_PATTERN === undefined ? undefined : new RegExp(e.EVENTSCOPE_CONSUMER_LOG_PATTERN),
    sessionTimeoutMs: e.EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS ?? 10_000,
    notifierEnv: {
      ...(e.EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS === undefined
        ? {}
        : { NOTIFIER_SESSION_TIMEOUT_MS: String(e.EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS) }),
      ...(e.EVENTSCOPE_NOTIFIER_HEARTBEAT_MS === undefined
        ? {}
        : { NOTIFIER_HEARTBEAT_MS: String(e.EVENTSCOPE_NOTIFIER_HEARTBEAT_MS) }),
    },
  };
}

/** The lab's status for a student's spelling (undefined: not a Lab D status). */
export function canonicalStatus(settings: LabDSettings, raw: string): string | undefined {
  const s = settings.statusSpellings[raw] ?? raw;
  return (ORDER_STATUSES as readonly string[]).includes(s) ? s : undefined;
}
