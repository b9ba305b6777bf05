// vacation (port 8102): `POST /vacations {user_id, from, to}` → 201 `{id, status: "submitted"}`,
// `POST /vacations/{id}/approve|reject|cancel` → 200 `{id, status}` (409 for a transition the status machine does not
// allow, 404 for an unknown id), `GET /vacations/{id}`. Every status change (the creation too, from null) is published
// to `vacation.events` as `vacation.request.status_changed` inside the change's transaction: a broker that does not
// confirm it rolls the change back (503). It keeps a local copy of the users it needs from `users.events`
// (`user.created`, `user.updated`; queue `vacation.users`): a request for a user it does not know is 404.
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../shared/app-error.js';
import type { LabBConfig } from './config.js';
import { decodeJson, LabBRuntime, type LabBDeps, type LabBHandle } from './runtime.js';
import {
  canMove,
  QUEUES,
  ROUTING_KEYS,
  TABLES,
  UserChanged,
  VACATION_ACTIONS,
  VACATION_NEXT,
  type VacationAction,
  type VacationStatus,
  type VacationStatusChanged,
} from './schema.js';

interface RequestRow {
  id: string;
  user_id: string;
  from_date: string;
  to_date: string;
  status: VacationStatus;
  created_at: Date;
  updated_at: Date;
}

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const CreateBody = {
  type: 'object',
  required: ['user_id', 'from', 'to'],
  properties: { user_id: { type: 'string', minLength: 1, maxLength: 100 }, from: DATE, to: DATE },
} as const;
const IdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

function validDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function requestJson(r: RequestRow): Record<string, unknown> {
  return { id: r.id, user_id: r.user_id, from: r.from_date, to: r.to_date, status: r.status };
}

export function createVacation(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);
  const vacationEvents = rt.topo.exchange('vacation');
  rt.usePublisher((ch) => rt.topo.declareExchange(ch, 'vacation'));

  rt.useConsumer<UserChanged>({
    queue: rt.topo.name(QUEUES.vacationUsers),
    entity: 'user',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.vacationUsers),
    decode: (msg) => {
      const value = decodeJson(msg, UserChanged);
      return { value, eventId: value.event_id, entityId: value.user_id };
    },
    handle: async (u, { tx }) => {
      await tx.query(
        `INSERT INTO ${TABLES.vacationUsers} (user_id, email, version) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, version = EXCLUDED.version, updated_at = now()
         WHERE ${TABLES.vacationUsers}.version < EXCLUDED.version`,
        [u.user_id, u.email, u.version],
      );
    },
  });

  /** runs `work` in a transaction; the change's event is published (confirmed) before the COMMIT */
  const inTx = async <T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> => {
    let client: pg.PoolClient;
    try {
      client = await rt.pool.connect();
    } catch (err) {
      throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
    }
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };

  const publishChange = async (row: RequestRow, from: VacationStatus | null): Promise<void> => {
    const event: VacationStatusChanged = {
      event_id: uuidv7(),
      request_id: row.id,
      user_id: row.user_id,
      from_status: from,
      to_status: row.status,
      at: new Date().toISOString(),
    };
    await rt.publish(
      {
        exchange: vacationEvents,
        routingKey: ROUTING_KEYS.vacationStatusChanged,
        body: event,
        eventId: event.event_id,
      },
      'vacation',
      row.id,
    );
  };

  const app = rt.http();
  app.get('/healthz', () => ({ ok: true }));

  app.post<{ Body: { user_id: string; from: string; to: string } }>(
    '/vacations',
    { schema: { body: CreateBody } },
    async (req, reply) => {
      const { user_id: userId, from, to } = req.body;
      if (!validDate(from)) throw new AppError('INVALID_INPUT', 'from: not a date (YYYY-MM-DD)', { field: 'from' });
      if (!validDate(to)) throw new AppError('INVALID_INPUT', 'to: not a date (YYYY-MM-DD)', { field: 'to' });
      if (to < from) throw new AppError('INVALID_INPUT', 'to: must not be before from', { field: 'to' });
      const row = await inTx(async (tx) => {
        const known = await tx.query(`SELECT 1 FROM ${TABLES.vacationUsers} WHERE user_id = $1`, [userId]);
        if (known.rowCount === 0)
          throw new AppError('NOT_FOUND', `user ${userId} is not known to vacation (yet: users.events brings it)`, {
            field: 'user_id',
          });
        const inserted = await tx.query<RequestRow>(
          `INSERT INTO ${TABLES.vacations} (id, user_id, from_date, to_date, status) VALUES ($1, $2, $3, $4, 'submitted')
           RETURNING id, user_id, to_char(from_date, 'YYYY-MM-DD') AS from_date, to_char(to_date, 'YYYY-MM-DD') AS to_date,
                     status, created_at, updated_at`,
          [uuidv7(), userId, from, to],
        );
        const created = inserted.rows[0] as RequestRow;
        await publishChange(created, null);
        return created;
      });
      return reply.status(201).send({ id: row.id, status: row.status });
    },
  );

  app.get<{ Params: { id: string } }>('/vacations/:id', { schema: { params: IdParams } }, async (req) => {
    const found = await rt.pool
      .query<RequestRow>(
        `SELECT id, user_id, to_char(from_date, 'YYYY-MM-DD') AS from_date, to_char(to_date, 'YYYY-MM-DD') AS to_date,
                status, created_at, updated_at FROM ${TABLES.vacations} WHERE id = $1`,
        [req.params.id],
      )
      .catch((err: unknown) => {
        throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
      });
    const row = found.rows[0];
    if (row === undefined) throw new AppError('NOT_FOUND', `no vacation request ${req.params.id}`);
    return requestJson(row);
  });

  for (const action of Object.keys(VACATION_ACTIONS) as VacationAction[]) {
    const to = VACATION_ACTIONS[action];
    app.post<{ Params: { id: string } }>(`/vacations/:id/${action}`, { schema: { params: IdParams } }, async (req) => {
      const row = await inTx(async (tx) => {
        const found = await tx.query<{ status: VacationStatus }>(
          `SELECT status FROM ${TABLES.vacations} WHERE id = $1 FOR UPDATE`,
          [req.params.id],
        );
        const current = found.rows[0]?.status;
        if (current === undefined) throw new AppError('NOT_FOUND', `no vacation request ${req.params.id}`);
        if (!canMove(current, to))
          throw new AppError('CONFLICT', `cannot ${action} a request that is ${current}`, {
            from: current,
            to,
            allowed: [...VACATION_NEXT[current]],
          });
        const updated = await tx.query<RequestRow>(
          `UPDATE ${TABLES.vacations} SET status = $2, updated_at = now() WHERE id = $1
           RETURNING id, user_id, to_char(from_date, 'YYYY-MM-DD') AS from_date, to_char(to_date, 'YYYY-MM-DD') AS to_date,
                     status, created_at, updated_at`,
          [req.params.id, to],
        );
        const changed = updated.rows[0] as RequestRow;
        await publishChange(changed, current);
        return changed;
      });
      return { id: row.id, status: row.status };
    });
  }

  return {
    start: () => rt.start(),
    stop: () => rt.stop(),
    get url() {
      return rt.url;
    },
  };
}
