// Lab B's console module: how its instances are run (env), what their stdout lines say (facts of a vacation request's
// timeline, events and errors: lines.ts), its load (load.ts). Lab B has no Kafka: its facts come from the lines only.
// Checks, faults and a RabbitMQ observer are still to come (faults: nothing of the services' HTTP API publishes an
// unroutable or a poison message yet).
//
// Settings (env, all optional; settings.ts describes each): EVENTSCOPE_LAB_B_PREFIX, EVENTSCOPE_LAB_B_DATABASE_URL,
// EVENTSCOPE_LAB_B_AUTH_PORT, EVENTSCOPE_LAB_B_VACATION_PORT, EVENTSCOPE_LAB_B_USERS_PORT, EVENTSCOPE_LAB_B_REPORTS_PORT,
// EVENTSCOPE_LAB_B_WORK_DELAY_MS.
import type { LabContext, LabModule } from '../types.js';
import { createLineReader } from './lines.js';
import { createLabBLoad } from './load.js';
import { DEFAULT_EXCHANGE, LAB_B_MANIFEST } from './manifest.js';
import { HTTP_KINDS, labDatabaseUrl, readSettings, type HttpKind } from './settings.js';

const isHttp = (kind: string): kind is HttpKind => (HTTP_KINDS as readonly string[]).includes(kind);

export function createLabB(env: NodeJS.ProcessEnv = process.env): LabModule {
  const settings = readSettings(env);
  const { prefix, ports } = settings;
  const named = (name: string) => `${prefix}${name}`;
  const databaseUrl = (ctx: LabContext) => settings.databaseUrl ?? labDatabaseUrl(ctx.endpoints().postgres.url);
  const manifest = {
    ...LAB_B_MANIFEST,
    services: LAB_B_MANIFEST.services.map((s) => (isHttp(s.kind) ? { ...s, port: ports[s.kind] } : s)),
    // the services prefix every exchange and queue name (the default exchange has none)
    exchanges: LAB_B_MANIFEST.exchanges.map((x) => ({
      ...x,
      name: x.name === DEFAULT_EXCHANGE ? x.name : named(x.name),
      queues: x.queues.map(named),
    })),
  };
  const url = (kind: HttpKind) => `http://127.0.0.1:${ports[kind]}`;
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
        ...(isHttp(kind) ? { PORT: String(ports[kind]) } : {}),
        ...(settings.workDelayMs === undefined ? {} : { WORK_DELAY_MS: String(settings.workDelayMs) }),
      };
    },
    parseLine: createLineReader({ prefix }),
    databaseUrl,
    faults: [],
    checks: [],
    load: { unit: (_ctx, outcome, run) => unit(outcome, run) },
  };
}
