// users (port 8103): consumes the seed's `user_registered` queue and creates the profile row; `GET /users/{id}` reads a
// profile, `PUT /users/{id}` changes it. Each creation and change is published to `users.events` (`user.created`,
// `user.updated`) inside the transaction of the change: a broker that does not confirm it rolls the change back (the
// HTTP answer is 503; a consumed registration is requeued and comes again).
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../shared/app-error.js';
import type { LabBConfig } from './config.js';
import { decodeJson, LabBRuntime, messageIdOf, type LabBDeps, type LabBHandle } from './runtime.js';
import { QUEUES, ROUTING_KEYS, TABLES, UserRegistered, type UserChanged } from './schema.js';

interface ProfileRow {
  user_id: string;
  email: string;
  display_name: string | null;
  department: string | null;
  version: number;
  updated_at: Date;
}

const PutBody = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
    display_name: { type: ['string', 'null'], maxLength: 200 },
    department: { type: ['string', 'null'], maxLength: 200 },
  },
} as const;
const IdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

function profileJson(r: ProfileRow): Record<string, unknown> {
  return {
    user_id: r.user_id,
    email: r.email,
    display_name: r.display_name,
    department: r.department,
    version: r.version,
    updated_at: r.updated_at.toISOString(),
  };
}

export function createUsers(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);
  const usersEvents = rt.topo.exchange('users');
  rt.usePublisher((ch) => rt.topo.declareExchange(ch, 'users'));

  const publishChange = async (row: ProfileRow, routingKey: string): Promise<void> => {
    const event: UserChanged = {
      event_id: uuidv7(),
      user_id: row.user_id,
      email: row.email,
      display_name: row.display_name,
      department: row.department,
      version: row.version,
      at: new Date().toISOString(),
    };
    await rt.publish({ exchange: usersEvents, routingKey, body: event, eventId: event.event_id }, 'user', row.user_id);
  };

  rt.useConsumer<UserRegistered>({
    queue: rt.topo.name(QUEUES.userRegistered),
    entity: 'user',
    declare: async (ch) => {
      await rt.topo.declareDeadLetter(ch);
      await rt.topo.declareUserRegistered(ch);
    },
    decode: (msg) => {
      const value = decodeJson(msg, UserRegistered);
      // the seed's own publish sets no message id: the registration is then known by its user id
      return { value, eventId: messageIdOf(msg) ?? `user_registered:${value.user_id}`, entityId: value.user_id };
    },
    handle: async (value, { tx }) => {
      const created = await tx.query<ProfileRow>(
        `INSERT INTO ${TABLES.profiles} (user_id, email) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING RETURNING *`,
        [value.user_id, value.email],
      );
      const row = created.rows[0];
      if (row !== undefined) await publishChange(row, ROUTING_KEYS.userCreated);
    },
  });

  const app = rt.http();
  app.get('/healthz', () => ({ ok: true }));

  app.get<{ Params: { id: string } }>('/users/:id', { schema: { params: IdParams } }, async (req) => {
    const found = await rt.pool
      .query<ProfileRow>(`SELECT * FROM ${TABLES.profiles} WHERE user_id = $1`, [req.params.id])
      .catch((err: unknown) => {
        throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
      });
    const row = found.rows[0];
    if (row === undefined) throw new AppError('NOT_FOUND', `no user ${req.params.id}`);
    return profileJson(row);
  });

  app.put<{
    Params: { id: string };
    Body: { email?: string; display_name?: string | null; department?: string | null };
  }>('/users/:id', { schema: { params: IdParams, body: PutBody } }, async (req) => {
    const b = req.body;
    let client: pg.PoolClient;
    try {
      client = await rt.pool.connect();
    } catch (err) {
      throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
    }
    try {
      await client.query('BEGIN');
      const updated = await client.query<ProfileRow>(
        `UPDATE ${TABLES.profiles} SET
             email = CASE WHEN $2 THEN $3 ELSE email END,
             display_name = CASE WHEN $4 THEN $5 ELSE display_name END,
             department = CASE WHEN $6 THEN $7 ELSE department END,
             version = version + 1, updated_at = now()
           WHERE user_id = $1 RETURNING *`,
        [
          req.params.id,
          'email' in b,
          b.email?.trim().toLowerCase() ?? null,
          'display_name' in b,
          b.display_name ?? null,
          'department' in b,
          b.department ?? null,
        ],
      );
      const row = updated.rows[0];
      if (row === undefined) throw new AppError('NOT_FOUND', `no user ${req.params.id}`);
      await publishChange(row, ROUTING_KEYS.userUpdated);
      await client.query('COMMIT');
      return profileJson(row);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
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
