import { describe, expect, it } from 'vitest';
import type { LoadRun } from '../../load/load-generator.js';
import { createLabELoad } from './load.js';

/** a gateway in memory: accounts, tasks with an assignee, a reshuffle that moves every open task to the next worker */
function fakeGateway(opts: { noWorkerFor?: number; movedMeanwhile?: boolean; foreign?: boolean } = {}) {
  const accounts = new Map<string, { id: string; role: string }>();
  const tokens = new Map<string, string>();
  const tasks = new Map<string, { assignee: string; done: boolean }>();
  let refusals = opts.noWorkerFor ?? 0;
  let n = 0;
  const calls: string[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const respond = (input: string | URL | Request, init?: RequestInit): Response => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = (typeof init?.body === 'string' ? JSON.parse(init.body) : {}) as Record<string, string>;
    const auth = new Headers(init?.headers).get('authorization')?.slice('Bearer '.length);
    const me = auth === undefined ? undefined : tokens.get(auth);
    calls.push(`${init?.method} ${url.pathname}`);
    const workers = [...accounts.values()].filter((a) => a.role === 'worker').map((a) => a.id);
    if (url.pathname === '/auth/signup') {
      if (accounts.has(body.email!)) return json(409, { code: 'CONFLICT' });
      accounts.set(body.email!, { id: `acc-${++n}`, role: body.role! });
      return json(201, { public_id: `acc-${n}` });
    }
    if (url.pathname === '/auth/login') {
      const a = accounts.get(body.email!)!;
      tokens.set(`tok-${a.id}`, a.id);
      return json(200, { token: `tok-${a.id}`, public_id: a.id, role: a.role });
    }
    if (url.pathname === '/tasks') {
      if (refusals-- > 0) return json(409, { code: 'CONFLICT', message: 'no worker' });
      const id = `task-${++n}`;
      const told = opts.foreign ? 'someone-else' : workers[0]!;
      tasks.set(id, { assignee: opts.movedMeanwhile ? workers[2]! : told, done: false });
      return json(201, { public_id: id, assignee_public_id: told });
    }
    if (url.pathname === '/tasks/reshuffle') {
      const moved = [...tasks.entries()]
        .filter(([, t]) => !t.done)
        .map(([id, t]) => {
          t.assignee = workers[(workers.indexOf(t.assignee) + 1) % workers.length]!;
          return { public_id: id, assignee_public_id: t.assignee };
        });
      return json(200, { reassigned: moved.length, tasks: moved });
    }
    const done = /^\/tasks\/([^/]+)\/complete$/.exec(url.pathname);
    if (done) {
      const t = tasks.get(done[1]!)!;
      if (t.assignee !== me) return json(403, { code: 'UNAUTHORIZED' });
      t.done = true;
      return json(200, { public_id: done[1], status: 'done' });
    }
    return json(404, {});
  };
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) =>
    Promise.resolve(respond(input, init))) as typeof fetch;
  return { fetchImpl, tasks, calls };
}

describe('Lab E load', () => {
  it('signs the crew up once, waits for tasks to know a worker, and completes, reshuffles or leaves tasks open', async () => {
    const gw = fakeGateway({ noWorkerFor: 2 });
    const run: LoadRun = { random: () => 0.5, fetch: gw.fetchImpl };
    const load = createLabELoad(() => 'http://gateway');
    expect(await load.unit('complete', run)).toBe('complete');
    expect(await load.unit('create', run)).toBe('create');
    expect(await load.unit('reshuffle', run)).toBe('reshuffle');
    expect(gw.calls.filter((c) => c.endsWith('/auth/signup'))).toHaveLength(5);
    expect(gw.calls.filter((c) => c === 'POST /tasks')).toHaveLength(5); // two 409s first
    expect([...gw.tasks.values()].map((t) => t.done)).toEqual([true, false, true]);
  });

  it('finds the worker a task moved to meanwhile; leaves open a task of a worker not in the crew', async () => {
    const moved = fakeGateway({ movedMeanwhile: true });
    const load = createLabELoad(() => 'http://gateway');
    expect(await load.unit('complete', { random: () => 0.5, fetch: moved.fetchImpl })).toBe('complete');
    expect(moved.calls.filter((c) => c.endsWith('/complete'))).toHaveLength(3); // 403 for the first two workers
    const foreign = fakeGateway({ foreign: true });
    const other = createLabELoad(() => 'http://gateway');
    expect(await other.unit('complete', { random: () => 0.5, fetch: foreign.fetchImpl })).toBe('create');
    expect([...foreign.tasks.values()].map((t) => t.done)).toEqual([false]);
  });

  it('logs the crew in when it exists already (an earlier console run)', async () => {
    const gw = fakeGateway();
    const run: LoadRun = { random: () => 0.5, fetch: gw.fetchImpl };
    expect(await createLabELoad(() => 'http://gateway').unit('complete', run)).toBe('complete');
    expect(await createLabELoad(() => 'http://gateway').unit('complete', run)).toBe('complete');
    expect(gw.calls.filter((c) => c.endsWith('/auth/login'))).toHaveLength(10);
  });
});
