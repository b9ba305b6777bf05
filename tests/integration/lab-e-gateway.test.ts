// Lab E gateway: the 401/403 matrix of LABS.md by role and route (ROUTE_ACCESS), the assignee-only complete, a worker
// seeing only their own tasks, 400 naming the field for bad bodies, and the open-gateway broken mode.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTE_ACCESS, type Role, type RouteAccess } from '../../services/lab-e/schema.js';
import { startLabE, waitFor, type Account, type LabE } from './lab-e/harness.js';

let lab: LabE;
const accounts = {} as Record<Role, Account>;

beforeAll(async () => {
  lab = await startLabE();
  for (const role of ROLES) accounts[role] = await lab.signup(role);
  // tasks must know the worker before it can assign anything
  await waitFor(
    async () =>
      (
        await lab.query('tasks', "SELECT 1 FROM accounts WHERE role = 'worker' AND public_id = $1", [
          accounts.worker.public_id,
        ])
      ).length === 1,
    { what: 'tasks to learn the worker' },
  );
});

afterAll(async () => {
  await lab?.stop();
});

const ABSENT = '01900000-0000-7000-8000-000000000000';

function request(route: RouteAccess): { path: string; body?: unknown } {
  const path = route.path.replace(':public_id', ABSENT);
  switch (`${route.method} ${route.path}`) {
    case 'POST /auth/signup':
    case 'POST /auth/login':
      return { path, body: {} };
    case 'PUT /accounts/:public_id/role':
      return { path, body: { role: 'worker' } };
    case 'POST /tasks':
      return { path, body: { title: 'matrix task', description: 'from the 401/403 matrix' } };
    default:
      return { path };
  }
}

describe('Lab E gateway', () => {
  it('answers 401 without or with a bad token and 403 for a role the route does not list, on every route', async () => {
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(accounts.admin.public_id)
      .setIssuer('lab-e-auth')
      .setAudience('lab-e')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret-of-this-lab-at-all'));
    const problems: string[] = [];
    const rows: string[] = [];
    for (const route of ROUTE_ACCESS) {
      const { path, body } = request(route);
      const callers: { who: string; token?: string; expect: 'pass' | 401 | 403 }[] = [
        { who: 'no token', expect: route.access === 'anyone' ? 'pass' : 401 },
        { who: 'garbage token', token: 'not.a.jwt', expect: route.access === 'anyone' ? 'pass' : 401 },
        { who: 'forged token', token: forged, expect: route.access === 'anyone' ? 'pass' : 401 },
        ...ROLES.map((role) => ({
          who: role,
          token: accounts[role].token,
          expect:
            route.access === 'anyone' || route.access === 'signed-in' || route.access.includes(role)
              ? ('pass' as const)
              : (403 as const),
        })),
      ];
      const cells: string[] = [];
      for (const c of callers) {
        const res = await lab.call(route.method, path, {
          ...(c.token ? { token: c.token } : {}),
          ...(body ? { body } : {}),
        });
        cells.push(`${c.who}=${res.status}`);
        const ok =
          c.expect === 'pass' ? res.status !== 401 && res.status !== 403 && res.status < 500 : res.status === c.expect;
        if (!ok)
          problems.push(
            `${route.method} ${route.path} as ${c.who}: ${res.status} ${JSON.stringify(res.body)} (expected ${c.expect})`,
          );
        if (c.expect !== 'pass') expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
      }
      rows.push(`${route.method} ${route.path}: ${cells.join(' ')}`);
    }
    expect(problems, rows.join('\n')).toEqual([]);
  });

  it('only the assignee completes a task (403 for anyone else, even an admin); a worker sees only their own tasks', async () => {
    const other = await lab.signup('worker');
    await waitFor(
      async () =>
        (await lab.query('tasks', 'SELECT 1 FROM accounts WHERE public_id = $1', [other.public_id])).length === 1,
      { what: 'tasks to learn the second worker' },
    );
    const created = await lab.call<{ public_id: string; assignee_public_id: string }>('POST', '/tasks', {
      token: accounts.manager.token,
      body: { title: 'whose task', description: '' },
    });
    expect(created.status).toBe(201);
    const assignee = [accounts.worker, other].find((a) => a.public_id === created.body.assignee_public_id)!;
    const notAssignee = assignee === other ? accounts.worker : other;
    expect(assignee, 'assigned to one of the two workers').toBeDefined();

    for (const who of [notAssignee, accounts.admin, accounts.manager]) {
      const res = await lab.call('POST', `/tasks/${created.body.public_id}/complete`, { token: who.token });
      expect(res.status, `complete as ${who.role}`).toBe(403);
    }
    const mine = await lab.call<{ tasks: { assignee_public_id: string; public_id: string }[] }>('GET', '/tasks/mine', {
      token: notAssignee.token,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.tasks.every((t) => t.assignee_public_id === notAssignee.public_id)).toBe(true);
    expect(mine.body.tasks.map((t) => t.public_id)).not.toContain(created.body.public_id);
    const theirs = await lab.call<{ tasks: { public_id: string }[] }>('GET', '/tasks/mine', { token: assignee.token });
    expect(theirs.body.tasks.map((t) => t.public_id)).toContain(created.body.public_id);

    const done = await lab.call('POST', `/tasks/${created.body.public_id}/complete`, { token: assignee.token });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done' });
    const again = await lab.call('POST', `/tasks/${created.body.public_id}/complete`, { token: assignee.token });
    expect(again.status).toBe(409);
  });

  it('answers 400 naming the field for a bad body, 404 and 405 in the same error shape', async () => {
    const cases: { method: string; path: string; token?: string; body: unknown; field: string }[] = [
      {
        method: 'POST',
        path: '/auth/signup',
        body: { email: 'a@b.c', password: 'secret-1', full_name: 'x' },
        field: 'role',
      },
      {
        method: 'POST',
        path: '/auth/signup',
        body: { email: 'a@b.c', password: 'secret-1', full_name: 'x', role: 'boss' },
        field: 'role',
      },
      {
        method: 'POST',
        path: '/auth/signup',
        body: { email: 'nope', password: 'secret-1', full_name: 'x', role: 'worker' },
        field: 'email',
      },
      {
        method: 'POST',
        path: '/tasks',
        token: accounts.manager.token,
        body: { title: 42, description: '' },
        field: 'title',
      },
      { method: 'POST', path: '/tasks', token: accounts.manager.token, body: { description: '' }, field: 'title' },
      { method: 'POST', path: '/tasks', token: accounts.manager.token, body: '{"title": ', field: 'body' },
      {
        method: 'PUT',
        path: `/accounts/${ABSENT}/role`,
        token: accounts.admin.token,
        body: { role: 'popug' },
        field: 'role',
      },
      {
        method: 'PUT',
        path: '/accounts/not-a-uuid/role',
        token: accounts.admin.token,
        body: { role: 'worker' },
        field: 'public_id',
      },
    ];
    for (const c of cases) {
      const res = await lab.call(c.method, c.path, { ...(c.token ? { token: c.token } : {}), body: c.body });
      expect(res.status, `${c.method} ${c.path} ${JSON.stringify(c.body)}`).toBe(400);
      expect(res.body).toMatchObject({ code: 'INVALID_INPUT', details: { field: c.field } });
      expect(String(res.body.message)).toContain(c.field);
    }
    expect((await lab.call('GET', '/no/such/route')).status).toBe(404);
    const wrongMethod = await lab.call('DELETE', '/tasks/mine', { token: accounts.worker.token });
    expect([404, 405]).toContain(wrongMethod.status);
    expect(wrongMethod.body).toHaveProperty('code');
  });

  it('open-gateway (broken mode): a valid token is enough, no 403 anywhere; still 401 without one', async () => {
    const open = await lab.gatewayWith('open-gateway');
    try {
      const get = (path: string, token?: string) =>
        fetch(`${open.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(
          (r) => r.status,
        );
      expect(await get('/analytics', accounts.worker.token)).toBe(200);
      expect(await get('/accounting/summary', accounts.worker.token)).toBe(200);
      expect(await get('/tasks/mine', accounts.admin.token)).toBe(200);
      expect(await get('/analytics')).toBe(401);
    } finally {
      await open.stop();
    }
  });
});
