// auth (port 8101): register and log in. `POST /auth/register` stores the user (scrypt hash) and publishes
// `{user_id, email}` on the default exchange with routing key `user_registered`, as the seed's code does; `POST
// /auth/login` answers 200 `{token}` or 401 and publishes `auth.login.succeeded|failed` to `auth.events`. The publish
// is confirmed before the answer: a broker that does not take the event makes the request 503 (a registration is
// rolled back; a login is refused, since it could not be audited). A returned (unroutable) event is reported on stdout
// and the answer stays the same: the fact that nobody listens is the broker's, not the caller's.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../shared/app-error.js';
import type { LabBConfig } from './config.js';
import { LabBRuntime, type LabBDeps, type LabBHandle } from './runtime.js';
import { QUEUES, ROUTING_KEYS, TABLES, type LoginEvent, type UserRegistered } from './schema.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scrypt(password, Buffer.from(salt, 'base64url'), want.length);
  return got.length === want.length && timingSafeEqual(got, want);
}

const Credentials = {
  type: 'object',
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
    password: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;
const RegisterBody = {
  ...Credentials,
  properties: { ...Credentials.properties, password: { type: 'string', minLength: 6, maxLength: 200 } },
} as const;

interface CredentialsBody {
  email: string;
  password: string;
}

export function createAuth(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);
  const authEvents = rt.topo.exchange('auth');
  rt.usePublisher(async (ch) => {
    await rt.topo.declareExchange(ch, 'auth');
    await rt.topo.declareUserRegistered(ch);
  });

  const app = rt.http();
  app.get('/healthz', () => ({ ok: true }));

  app.post<{ Body: CredentialsBody }>('/auth/register', { schema: { body: RegisterBody } }, async (req, reply) => {
    const email = req.body.email.trim().toLowerCase();
    const userId = uuidv7();
    const hash = await hashPassword(req.body.password);
    const client = await rt.pool.connect().catch((err: unknown) => {
      throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
    });
    try {
      await client.query('BEGIN');
      const inserted = await client.query(
        `INSERT INTO ${TABLES.users} (id, email, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING`,
        [userId, email, hash],
      );
      if (inserted.rowCount === 0) {
        await client.query('ROLLBACK');
        throw new AppError('CONFLICT', `email ${email} is already registered`, { field: 'email' });
      }
      const event: UserRegistered = { user_id: userId, email };
      // rolled back when the broker does not take it (the throw below skips the COMMIT)
      await rt.publish(
        { exchange: '', routingKey: rt.topo.name(QUEUES.userRegistered), body: event, eventId: uuidv7() },
        'user',
        userId,
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return reply.status(201).send({ user_id: userId });
  });

  app.post<{ Body: CredentialsBody }>('/auth/login', { schema: { body: Credentials } }, async (req, reply) => {
    const email = req.body.email.trim().toLowerCase();
    const found = await rt.pool
      .query<{ id: string; password_hash: string }>(`SELECT id, password_hash FROM ${TABLES.users} WHERE email = $1`, [
        email,
      ])
      .catch((err: unknown) => {
        throw new AppError('DB_ERROR', `Postgres is unavailable: ${(err as Error).message}`);
      });
    const user = found.rows[0];
    const ok = user !== undefined && (await verifyPassword(req.body.password, user.password_hash));
    const event: LoginEvent = {
      event_id: uuidv7(),
      user_id: user?.id ?? null,
      email,
      outcome: ok ? 'succeeded' : 'failed',
      at: new Date().toISOString(),
    };
    await rt.publish(
      {
        exchange: authEvents,
        routingKey: ok ? ROUTING_KEYS.loginSucceeded : ROUTING_KEYS.loginFailed,
        body: event,
        eventId: event.event_id,
      },
      'login',
      event.event_id,
    );
    if (!ok || user === undefined)
      throw new AppError('UNAUTHORIZED', 'wrong email or password', { event_id: event.event_id });
    const token = randomBytes(32).toString('base64url');
    await rt.pool.query(`INSERT INTO auth_tokens (token, user_id) VALUES ($1, $2)`, [token, user.id]);
    return reply.status(200).send({ token, user_id: user.id, event_id: event.event_id });
  });

  return {
    start: () => rt.start(),
    stop: () => rt.stop(),
    get url() {
      return rt.url;
    },
  };
}
