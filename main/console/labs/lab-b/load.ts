// Lab B's unit of load, over the services' HTTP APIs: a user (one of a small pool the driver registers as it goes) logs
// in and files a vacation request, which is then approved, rejected or cancelled (or approved, then cancelled); or a
// login with a wrong password (auth answers 401 and publishes auth.login.failed: both audit queues get a copy).
//
// A user registered a moment ago is not known to vacation yet (its copy comes from users.events through `users`):
// filing answers 404 naming user_id until it arrives, so the unit tries again for a few seconds.
import { randomBytes } from 'node:crypto';
import type { LoadRun } from '../../load/load-generator.js';

export interface LabBUrls {
  auth: string;
  vacation: string;
}

interface User {
  email: string;
  password: string;
  userId: string;
}

/** users a driver keeps: enough for a spread of requests, few enough that each logs in often */
const POOL = 10;
/** how long a unit waits for vacation to learn a new user */
const USER_KNOWN_WITHIN_MS = 10_000;

async function call(
  run: LoadRun,
  method: 'POST' | 'PUT',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await run.fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = await res.json().catch(() => undefined);
  return { status: res.status, json };
}

const field = (json: unknown, name: string): unknown => (json as Record<string, unknown> | undefined)?.[name];

function expectStatus(what: string, r: { status: number; json: unknown }, status: number): void {
  if (r.status !== status) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.json)}`);
}

/** A date `days` days after 2030-01-01 (YYYY-MM-DD). */
function day(days: number): string {
  return new Date(Date.UTC(2030, 0, 1) + days * 86_400_000).toISOString().slice(0, 10);
}

export function createLabBLoad(urls: () => LabBUrls): (outcome: string, run: LoadRun) => Promise<string> {
  const pool: User[] = [];

  const register = async (run: LoadRun): Promise<User> => {
    const user = {
      email: `load-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}@example.test`,
      password: randomBytes(9).toString('base64url'),
    };
    const r = await call(run, 'POST', `${urls().auth}/auth/register`, user);
    expectStatus('register', r, 201);
    const userId = field(r.json, 'user_id');
    if (typeof userId !== 'string') throw new Error(`register answered no user_id: ${JSON.stringify(r.json)}`);
    const u = { ...user, userId };
    if (pool.length < POOL) pool.push(u);
    return u;
  };

  const someUser = async (run: LoadRun): Promise<User> =>
    pool.length < POOL ? register(run) : pool[Math.floor(run.random() * pool.length)]!;

  const file = async (run: LoadRun, user: User): Promise<string> => {
    const start = 1 + Math.floor(run.random() * 300);
    const body = { user_id: user.userId, from: day(start), to: day(start + 1 + Math.floor(run.random() * 14)) };
    const deadline = Date.now() + USER_KNOWN_WITHIN_MS;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const r = await call(run, 'POST', `${urls().vacation}/vacations`, body);
      const id = field(r.json, 'id');
      if (r.status === 201 && typeof id === 'string') return id;
      const unknownUser = r.status === 404 && field(field(r.json, 'details'), 'field') === 'user_id';
      if (!unknownUser || Date.now() + wait > deadline)
        throw new Error(`filing answered ${r.status}: ${JSON.stringify(r.json)}`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  const move = async (run: LoadRun, id: string, action: 'approve' | 'reject' | 'cancel') =>
    expectStatus(
      action,
      await call(run, 'POST', `${urls().vacation}/vacations/${encodeURIComponent(id)}/${action}`),
      200,
    );

  return async (outcome, run) => {
    if (outcome === 'login-failed') {
      const known = pool.length > 0 ? pool[Math.floor(run.random() * pool.length)]! : undefined;
      const email = known?.email ?? `nobody-${randomBytes(4).toString('hex')}@example.test`;
      const r = await call(run, 'POST', `${urls().auth}/auth/login`, { email, password: 'not-the-password' });
      expectStatus('a login with a wrong password', r, 401);
      return outcome;
    }
    if (!['approve', 'reject', 'cancel', 'approve-cancel'].includes(outcome))
      throw new Error(`no such outcome: ${outcome}`);
    const user = await someUser(run);
    expectStatus(
      'login',
      await call(run, 'POST', `${urls().auth}/auth/login`, { email: user.email, password: user.password }),
      200,
    );
    const id = await file(run, user);
    if (outcome === 'approve' || outcome === 'reject' || outcome === 'cancel') await move(run, id, outcome);
    else {
      await move(run, id, 'approve');
      await move(run, id, 'cancel');
    }
    return outcome;
  };
}
