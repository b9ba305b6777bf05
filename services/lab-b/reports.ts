// reports (port 8104): the seed's "reports and statistics" use case. Consumes its own copies of `auth.events`
// (`reports.auth`, bound `auth.login.*`) and `vacation.events` (`reports.vacation`, bound `vacation.request.#`) into a
// small read model: logins per day by outcome, and each vacation request's latest status. `GET /reports` →
// `{"logins":[{"day","outcome","count"}],"vacations":{"submitted":n,"approved":n,"rejected":n,"cancelled":n}}`.
import { AppError } from '../shared/app-error.js';
import type { LabBConfig } from './config.js';
import { decodeJson, LabBRuntime, type LabBDeps, type LabBHandle } from './runtime.js';
import { LoginEvent, QUEUES, TABLES, VACATION_STATUSES, VacationStatusChanged } from './schema.js';

export function createReports(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);

  rt.useConsumer<LoginEvent>({
    queue: rt.topo.name(QUEUES.reportsAuth),
    entity: 'login',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.reportsAuth),
    decode: (msg) => {
      const value = decodeJson(msg, LoginEvent);
      return { value, eventId: value.event_id, entityId: value.event_id };
    },
    handle: async (e, { tx }) => {
      await tx.query(
        `INSERT INTO ${TABLES.reportLogins} (day, outcome, count) VALUES (($1::timestamptz AT TIME ZONE 'UTC')::date, $2, 1)
         ON CONFLICT (day, outcome) DO UPDATE SET count = ${TABLES.reportLogins}.count + 1`,
        [e.at, e.outcome],
      );
    },
  });

  rt.useConsumer<VacationStatusChanged>({
    queue: rt.topo.name(QUEUES.reportsVacation),
    entity: 'vacation',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.reportsVacation),
    decode: (msg) => {
      const value = decodeJson(msg, VacationStatusChanged);
      return { value, eventId: value.event_id, entityId: value.request_id };
    },
    handle: async (e, { tx }) => {
      // the latest change wins, whatever the order they arrive in
      await tx.query(
        `INSERT INTO ${TABLES.reportVacations} (request_id, status, at) VALUES ($1, $2, $3)
         ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at
         WHERE ${TABLES.reportVacations}.at <= EXCLUDED.at`,
        [e.request_id, e.to_status, e.at],
      );
    },
  });

  const app = rt.http();
  app.get('/healthz', () => ({ ok: true }));
  app.get('/reports', async () => {
    try {
      const [logins, vacations] = await Promise.all([
        rt.pool.query<{ day: string; outcome: string; count: number }>(
          `SELECT to_char(day, 'YYYY-MM-DD') AS day, outcome, count FROM ${TABLES.reportLogins} ORDER BY day, outcome`,
        ),
        rt.pool.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM ${TABLES.reportVacations} GROUP BY status`,
        ),
      ]);
      const byStatus = Object.fromEntries(VACATION_STATUSES.map((s) => [s, 0])) as Record<string, number>;
      for (const r of vacations.rows) byStatus[r.status] = r.n;
      return { logins: logins.rows, vacations: byStatus };
    } catch (err) {
      throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
    }
  });

  return {
    start: () => rt.start(),
    stop: () => rt.stop(),
    get url() {
      return rt.url;
    },
  };
}
