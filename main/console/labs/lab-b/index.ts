// Lab B's console module: how its instances are run (env), what their stdout lines say (facts of a vacation request's
// timeline, events and errors: lines.ts), its load (load.ts) and its checks (invariants 1–6 of LABS.md: checks/). Lab B
// has no Kafka: its facts come from the lines, the broker (AMQP) and the lab's rows; its faults (faults.ts) restart the
// broker, stop a consumer, and publish an unroutable and a poison message.
//
// Settings (env, all optional; settings.ts describes each): EVENTSCOPE_LAB_B_PREFIX, EVENTSCOPE_LAB_B_DATABASE_URL,
// EVENTSCOPE_LAB_B_AUTH_PORT, EVENTSCOPE_LAB_B_VACATION_PORT, EVENTSCOPE_LAB_B_USERS_PORT, EVENTSCOPE_LAB_B_REPORTS_PORT,
// EVENTSCOPE_LAB_B_WORK_DELAY_MS.
import type { LabContext, LabModule } from '../types.js';
import { labBFaults } from './faults.js';
import { createLineReader } from './lines.js';
import { createLabBLoad } from './load.js';
import { DEFAULT_EXCHANGE, LAB_B_MANIFEST } from './manifest.js';
import { HTTP_KINDS, labDatabaseUrl, readSettings, type HttpKind } from './settings.js';
import { auditCheck } from './checks/audit-check.js';
import { LAB_B_CHECK_LIST } from './checks/catalog.js';
import { poisonCheck, redeliveryCheck } from './checks/delivery-checks.js';
import { durabilityCheck } from './checks/durability-check.js';
import { routingCheck, unroutableCheck } from './checks/routing-checks.js';
import type { LabBCheckDeps } from './checks/support.js';

const isHttp = (kind: string): kind is HttpKind => (HTTP_KINDS as readonly string[]).includes(kind);

export function createLabB(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const { prefix, ports } = settings;
  const named = (name: string) => `${prefix}${name}`;
  const databaseUrl = (ctx: LabContext) => settings.databaseUrl ?? labDatabaseUrl(ctx.endpoints().postgres.url);
  const url = (kind: HttpKind) => `http://127.0.0.1:${ports[kind]}`;
  const checkDeps: LabBCheckDeps = { prefix, databaseUrl, url };
  const checks = [
    routingCheck(checkDeps),
    auditCheck(checkDeps),
    durabilityCheck(checkDeps),
    redeliveryCheck(checkDeps),
    unroutableCheck(checkDeps),
    poisonCheck(checkDeps),
  ];
  const implemented = new Set(checks.map((c) => c.id));
  const manifest = {
    ...LAB_B_MANIFEST,
    checks: LAB_B_CHECK_LIST.filter((c) => implemented.has(c.id)),
    services: LAB_B_MANIFEST.services.map((s) => (isHttp(s.kind) ? { ...s, port: ports[s.kind] } : s)),
    // the services prefix every exchange and queue name (the default exchange has none)
    exchanges: LAB_B_MANIFEST.exchanges.map((x) => ({
      ...x,
      name: x.name === DEFAULT_EXCHANGE ? x.name : named(x.name),
      queues: x.queues.map(named),
    })),
  };
  const unit = createLabBLoad(() => ({ auth: url('auth'), vacation: url('vacation') }));

  return {
    manifest,
    env(ctx, kind, instance): Record<string, string> {
      return {
        AMQP_URL: ctx.endpoints().rabbitmq.url,
        DATABASE_URL: databaseUrl(ctx),
        HOST: '127.0.0.1',
        INSTANCE: instance,
        LAB_B_PREFIX: prefix,
        // a broker that comes back (a restart, check 3) is seen within 2 s, not after a backoff of up to 10 s
        AMQP_RECONNECT_MAX_MS: '2000',
        ...(isHttp(kind) ? { PORT: String(ports[kind]) } : {}),
        // the work queue's consumers only: a delay in users or vacation.users would slow every new user's way to vacation
        ...(settings.workDelayMs === undefined || kind !== 'notification'
          ? {}
          : { WORK_DELAY_MS: String(settings.workDelayMs) }),
      };
    },
    parseLine: createLineReader({ prefix }),
    databaseUrl,
    faults: labBFaults(prefix),
    checks,
    load: { unit: (_ctx, outcome, run) => unit(outcome, run) },
  };
}
