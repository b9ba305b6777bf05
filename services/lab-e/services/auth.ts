// auth: accounts and logins. Signup and role changes commit with their events (outbox): AccountCreated and
// AccountUpdated (CUD) to accounts-stream, AccountRoleChanged (business) to accounts. Login gives a JWT (jose).
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../shared/app-error.js';
import type { Migration } from '../db.js';
import { INBOX_OUTBOX_SQL } from '../db.js';
import { signToken } from '../jwt.js';
import { createService, type CommonConfig, type LabEServiceHandle, type ServiceDeps, UUID_SCHEMA } from '../runtime.js';
import { ROLES, type Role } from '../schema.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface AuthConfig extends CommonConfig {
  databaseUrl: string;
  jwtSecret: string;
  tokenTtlSeconds?: number;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        public_id uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        full_name text NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ${INBOX_OUTBOX_SQL}
    `,
  },
];

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

interface AccountRow {
  public_id: string;
  email: string;
  password_hash: string;
  full_name: string;
  role: Role;
}

export function createAuth(config: AuthConfig, deps: ServiceDeps = {}): LabEServiceHandle {
  return createService({
    service: 'auth',
    config,
    deps,
    migrations: MIGRATIONS,
    setup: (ctx) => ({
      routes(app) {
        app.post<{ Body: { email: string; password: string; full_name: string; role: Role } }>(
          '/auth/signup',
          {
            schema: {
              body: {
                type: 'object',
                required: ['email', 'password', 'full_name', 'role'],
                additionalProperties: false,
                properties: {
                  email: { type: 'string', format: 'email', maxLength: 200 },
                  password: { type: 'string', minLength: 6, maxLength: 200 },
                  full_name: { type: 'string', minLength: 1, maxLength: 200 },
                  role: { type: 'string', enum: [...ROLES] },
                },
              },
            },
          },
          async (req, reply) => {
            const { email, password, full_name, role } = req.body;
            const publicId = uuidv7();
            const hash = await hashPassword(password);
            await ctx.tx(async (client) => {
              const { rowCount } = await client.query(
                `INSERT INTO accounts (public_id, email, password_hash, full_name, role) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (email) DO NOTHING`,
                [publicId, email.toLowerCase(), hash, full_name, role],
              );
              if (rowCount !== 1)
                throw new AppError('CONFLICT', `email: ${email} is already signed up`, { field: 'email' });
              await ctx.writer.add(client, {
                topic: ctx.topics.accountsStream,
                key: publicId,
                entityKind: 'account',
                name: 'AccountCreated',
                version: 1,
                data: { public_id: publicId, email: email.toLowerCase(), full_name, role },
              });
            });
            return reply.status(201).send({ public_id: publicId });
          },
        );

        app.post<{ Body: { email: string; password: string } }>(
          '/auth/login',
          {
            schema: {
              body: {
                type: 'object',
                required: ['email', 'password'],
                properties: { email: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
              },
            },
          },
          async (req) => {
            const { rows } = await ctx.pool.query<AccountRow>('SELECT * FROM accounts WHERE email = $1', [
              req.body.email.toLowerCase(),
            ]);
            const account = rows[0];
            if (account === undefined || !(await checkPassword(req.body.password, account.password_hash)))
              throw new AppError('UNAUTHORIZED', 'email or password is wrong');
            const token = await signToken(
              config.jwtSecret,
              { publicId: account.public_id, role: account.role },
              config.tokenTtlSeconds,
            );
            return { token, public_id: account.public_id, role: account.role };
          },
        );

        app.put<{ Params: { public_id: string }; Body: { role: Role } }>(
          '/accounts/:public_id/role',
          {
            schema: {
              params: { type: 'object', properties: { public_id: UUID_SCHEMA } },
              body: {
                type: 'object',
                required: ['role'],
                properties: { role: { type: 'string', enum: [...ROLES] } },
              },
            },
          },
          async (req) => {
            const { public_id } = req.params;
            const { role } = req.body;
            return ctx.tx(async (client) => {
              const { rows } = await client.query<AccountRow>(
                'SELECT * FROM accounts WHERE public_id = $1 FOR UPDATE',
                [public_id],
              );
              const account = rows[0];
              if (account === undefined) throw new AppError('NOT_FOUND', `account ${public_id} not found`);
              if (account.role === role) return { public_id, role, changed: false };
              await client.query('UPDATE accounts SET role = $2, updated_at = now() WHERE public_id = $1', [
                public_id,
                role,
              ]);
              await ctx.writer.add(client, {
                topic: ctx.topics.accounts,
                key: public_id,
                entityKind: 'account',
                name: 'AccountRoleChanged',
                version: 1,
                data: { public_id, old_role: account.role, role },
              });
              await ctx.writer.add(client, {
                topic: ctx.topics.accountsStream,
                key: public_id,
                entityKind: 'account',
                name: 'AccountUpdated',
                version: 1,
                data: { public_id, email: account.email, full_name: account.full_name, role },
              });
              return { public_id, role, changed: true };
            });
          },
        );
      },
    }),
  });
}
