// Lab B's HTTP contract and the flows behind it, against the real RabbitMQ and Postgres: register → users → vacation's
// copy of the user; logins → one audit row per login event, a failed login fanned out to both bound queues; the
// vacation status machine (201/200/404/409) with one notification per change; the reports read model; 400 naming the
// field, 404/405 for unknown routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../services/shared/wait.js';
import { LabBWorld, ofType, type RunningService } from './lab-b/harness.js';

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('lab-b HTTP contract', () => {
  let w: LabBWorld;
  let auth: RunningService;
  let users: RunningService;
  let audit: RunningService;
  let vacation: RunningService;
  let notification: RunningService;
  let reports: RunningService;

  beforeAll(async () => {
    w = await LabBWorld.create();
    // consumers first: they declare the queues the publishers' events are routed to
    [audit, users, notification, reports] = await Promise.all([
      w.start('audit'),
      w.start('users'),
      w.start('notification', { INSTANCE: 'notification-1' }),
      w.start('reports'),
    ]);
    [auth, vacation] = await Promise.all([w.start('auth'), w.start('vacation')]);
  });

  afterAll(async () => {
    await w?.dispose();
  });

  it('registers (201, 409 for a taken email, 400 naming the field) and the user reaches users and vacation', async () => {
    const created = await call(auth.url, 'POST', '/auth/register', { email: 'Ann@Example.org', password: 'secret1' });
    expect(created.status).toBe(201);
    const userId = created.json.user_id as string;
    expect(typeof userId).toBe('string');

    const again = await call(auth.url, 'POST', '/auth/register', { email: 'ann@example.org', password: 'other12' });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('CONFLICT');

    const noPassword = await call(auth.url, 'POST', '/auth/register', { email: 'bob@example.org' });
    expect(noPassword.status).toBe(400);
    expect(noPassword.json).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'password' } });
    const badEmail = await call(auth.url, 'POST', '/auth/register', { email: 'nope', password: 'secret1' });
    expect(badEmail.json).toMatchObject({ details: { field: 'email' } });
    const notJson = await call(auth.url, 'POST', '/auth/register', '{"email":');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ details: { field: 'body' } });

    // the seed's shape on the default exchange, confirmed
    const pub = ofType(auth.lines, 'published').find((l) => l.entity_id === userId);
    expect(pub).toMatchObject({
      exchange: '',
      routing_key: w.name('user_registered'),
      confirmed: true,
      entity: 'user',
    });

    const profile = await waitFor(
      async () => {
        const r = await call(users.url, 'GET', `/users/${userId}`);
        return r.status === 200 ? r.json : undefined;
      },
      { timeoutMs: 10_000, what: 'the profile' },
    );
    expect(profile).toMatchObject({ user_id: userId, email: 'ann@example.org', version: 1 });

    const put = await call(users.url, 'PUT', `/users/${userId}`, { display_name: 'Ann', department: 'QA' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ display_name: 'Ann', department: 'QA', version: 2 });
    expect((await call(users.url, 'PUT', '/users/nobody', { display_name: 'X' })).status).toBe(404);
    const badPut = await call(users.url, 'PUT', `/users/${userId}`, { email: 42 });
    expect(badPut.status).toBe(400);
    expect(badPut.json).toMatchObject({ details: { field: 'email' } });

    // vacation's local copy, from users.events (user.created, then user.updated with version 2)
    await waitFor(
      async () =>
        (await w.query(`SELECT 1 FROM vacation_users WHERE user_id = $1 AND version = 2`, [userId])).length === 1,
      { timeoutMs: 10_000, what: "vacation's copy of the user at version 2" },
    );
  });

  it('logs in (200 with a token, 401) and audits one row per login event; a failed login reaches both queues', async () => {
    await call(auth.url, 'POST', '/auth/register', { email: 'carl@example.org', password: 'secret1' });
    const ok = await call(auth.url, 'POST', '/auth/login', { email: 'carl@example.org', password: 'secret1' });
    expect(ok.status).toBe(200);
    expect(typeof ok.json.token).toBe('string');
    const wrong = await call(auth.url, 'POST', '/auth/login', { email: 'carl@example.org', password: 'wrong' });
    expect(wrong.status).toBe(401);
    const nobody = await call(auth.url, 'POST', '/auth/login', { email: 'nobody@example.org', password: 'x' });
    expect(nobody.status).toBe(401);
    expect((await call(auth.url, 'POST', '/auth/login', { password: 'x' })).json).toMatchObject({
      details: { field: 'email' },
    });

    const logins = ofType(auth.lines, 'published').filter((l) => l.entity === 'login');
    expect(logins.map((l) => l.routing_key)).toEqual([
      'auth.login.succeeded',
      'auth.login.failed',
      'auth.login.failed',
    ]);
    expect(logins.every((l) => l.confirmed && l.mandatory && l.persistent)).toBe(true);
    const ids = logins.map((l) => l.event_id as string);

    const rows = await waitFor(
      async () => {
        const r = await w.query<{ event_id: string; outcome: string }>(`SELECT event_id, outcome FROM audit_events`);
        return r.length >= 3 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'three audit rows' },
    );
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.outcome === 'failed')).toHaveLength(2);

    // fan-out: each failed login acked on audit.auth AND security.failed-logins; the success only on audit.auth
    await waitFor(() => ofType(audit.lines, 'acked').length >= 5, { timeoutMs: 10_000, what: 'five acks in audit' });
    const acked = ofType(audit.lines, 'acked');
    const onQueue = (q: string) =>
      acked
        .filter((a) => a.queue === w.name(q))
        .map((a) => a.event_id)
        .sort();
    expect(onQueue('audit.auth')).toEqual([...ids].sort());
    expect(onQueue('security.failed-logins')).toEqual(ids.slice(1).sort());
    expect(await w.query(`SELECT event_id FROM security_failed_logins`)).toHaveLength(2);
    expect(audit.bad).toEqual([]);
  });

  it('moves a vacation request through its status machine, 409 for any other transition, one notification each', async () => {
    const reg = await call(auth.url, 'POST', '/auth/register', { email: 'dana@example.org', password: 'secret1' });
    const userId = reg.json.user_id as string;
    const created = await waitFor(
      async () => {
        const r = await call(vacation.url, 'POST', '/vacations', {
          user_id: userId,
          from: '2026-07-01',
          to: '2026-07-10',
        });
        return r.status === 201 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'vacation to know the user' },
    );
    expect(created.json.status).toBe('submitted');
    const id = created.json.id as string;

    expect(
      (await call(vacation.url, 'POST', '/vacations', { user_id: 'ghost', from: '2026-07-01', to: '2026-07-02' }))
        .status,
    ).toBe(404);
    const backwards = await call(vacation.url, 'POST', '/vacations', {
      user_id: userId,
      from: '2026-07-10',
      to: '2026-07-01',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.json).toMatchObject({ details: { field: 'to' } });
    const noFrom = await call(vacation.url, 'POST', '/vacations', { user_id: userId, to: '2026-07-01' });
    expect(noFrom.json).toMatchObject({ details: { field: 'from' } });

    expect((await call(vacation.url, 'POST', `/vacations/${id}/approve`)).json).toMatchObject({ status: 'approved' });
    const reject = await call(vacation.url, 'POST', `/vacations/${id}/reject`);
    expect(reject.status).toBe(409);
    expect(reject.json).toMatchObject({ code: 'CONFLICT', details: { from: 'approved', to: 'rejected' } });
    expect((await call(vacation.url, 'POST', `/vacations/${id}/cancel`)).status).toBe(200);
    expect((await call(vacation.url, 'POST', `/vacations/${id}/approve`)).status).toBe(409);
    expect((await call(vacation.url, 'POST', `/vacations/nope/cancel`)).status).toBe(404);
    expect((await call(vacation.url, 'GET', `/vacations/${id}`)).json).toMatchObject({
      status: 'cancelled',
      from: '2026-07-01',
      to: '2026-07-10',
    });

    const sent = await waitFor(
      () => {
        const n = ofType(notification.lines, 'notification_sent').filter((l) => l.request_id === id);
        return n.length >= 3 ? n : undefined;
      },
      { timeoutMs: 10_000, what: 'three notifications' },
    );
    expect(sent.map((n) => [n.from_status, n.to_status])).toEqual([
      [null, 'submitted'],
      ['submitted', 'approved'],
      ['approved', 'cancelled'],
    ]);
    const published = ofType(vacation.lines, 'published').filter((l) => l.entity_id === id);
    expect(sent.map((n) => n.event_id)).toEqual(published.map((p) => p.event_id));

    const report = await waitFor(
      async () => {
        const r = await call(reports.url, 'GET', '/reports');
        const v = r.json.vacations as Record<string, number>;
        return v.cancelled === 1 ? r.json : undefined;
      },
      { timeoutMs: 10_000, what: 'the report to count the cancelled request' },
    );
    expect(report.vacations).toEqual({ submitted: 0, approved: 0, rejected: 0, cancelled: 1 });
    const logins = report.logins as { outcome: string; count: number }[];
    expect(logins.reduce((n, l) => n + l.count, 0)).toBe(3);
  });

  it('answers 404 for an unknown route and 405 for a known path with another method', async () => {
    expect((await call(auth.url, 'GET', '/nowhere')).status).toBe(404);
    const r = await call(auth.url, 'GET', '/auth/login');
    expect(r.status).toBe(405);
    expect(r.json.code).toBe('INVALID_INPUT');
    for (const s of [auth, users, vacation, notification, reports]) expect(s.bad).toEqual([]);
  });
});
