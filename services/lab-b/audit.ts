// audit: consumes `audit.auth` (bound `auth.login.*` on `auth.events`) and writes one audit row per login event, and
// `security.failed-logins` (bound `auth.login.failed` only: the same failed login reaches both queues, fan-out) into
// its own table. Each row commits with the seen-store mark of its event id, so a redelivered event adds no second row.
import type { LabBConfig } from './config.js';
import { decodeJson, LabBRuntime, type LabBDeps, type LabBHandle } from './runtime.js';
import { LoginEvent, QUEUES, TABLES } from './schema.js';

export function createAudit(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);
  const decode = (msg: Parameters<typeof decodeJson>[0]) => {
    const value = decodeJson(msg, LoginEvent);
    return { value, eventId: value.event_id, entityId: value.event_id };
  };

  rt.useConsumer<LoginEvent>({
    queue: rt.topo.name(QUEUES.auditAuth),
    entity: 'login',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.auditAuth),
    decode,
    handle: async (e, { tx, delivery }) => {
      await tx.query(
        `INSERT INTO ${TABLES.audit} (event_id, user_id, email, outcome, at, redelivered) VALUES ($1, $2, $3, $4, $5, $6)`,
        [e.event_id, e.user_id, e.email, e.outcome, e.at, delivery.redelivered],
      );
    },
  });

  rt.useConsumer<LoginEvent>({
    queue: rt.topo.name(QUEUES.failedLogins),
    entity: 'login',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.failedLogins),
    decode,
    handle: async (e, { tx }) => {
      await tx.query(`INSERT INTO ${TABLES.failedLogins} (event_id, email, at) VALUES ($1, $2, $3)`, [
        e.event_id,
        e.email,
        e.at,
      ]);
    },
  });

  return {
    start: () => rt.start(),
    stop: () => rt.stop(),
    get url() {
      return rt.url;
    },
  };
}
