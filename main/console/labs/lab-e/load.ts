// Lab E's unit of load, through the gateway: a crew (a few workers and a manager) signs up once per console (or logs in
// when the accounts exist from an earlier run), then each unit is one task created by the manager and, by the mix,
// completed by its assignee, reshuffled (every open task) and then completed, or left open.
import type { LoadRun } from '../../load/load-generator.js';

const WORKERS = 4;
const PASSWORD = 'popug-load-password';
/** tasks learns the workers from auth's events: until it has, a new task is a 409 (no worker); retried this long */
const NO_WORKER_PATIENCE_MS = 15_000;

interface Account {
  publicId: string;
  token: string;
}
interface Crew {
  manager: Account;
  workers: Map<string, Account>;
}
interface Task {
  public_id: string;
  assignee_public_id: string;
}

async function call(
  run: LoadRun,
  url: string,
  method: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await run.fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = await res.json().catch(() => undefined);
  return { status: res.status, json };
}

const failed = (what: string, r: { status: number; json: unknown }) =>
  new Error(`${what} answered ${r.status}: ${JSON.stringify(r.json)}`);

async function account(run: LoadRun, base: string, email: string, role: string, fullName: string): Promise<Account> {
  const signup = await call(run, `${base}/auth/signup`, 'POST', undefined, {
    email,
    password: PASSWORD,
    full_name: fullName,
    role,
  });
  if (signup.status !== 201 && signup.status !== 409) throw failed(`signup of ${email}`, signup);
  const login = await call(run, `${base}/auth/login`, 'POST', undefined, { email, password: PASSWORD });
  const body = login.json as { token?: unknown; public_id?: unknown } | undefined;
  if (login.status !== 200 || typeof body?.token !== 'string' || typeof body.public_id !== 'string')
    throw failed(`login of ${email}`, login);
  return { publicId: body.public_id, token: body.token };
}

export interface LabELoad {
  unit(outcome: string, run: LoadRun): Promise<string>;
}

export function createLabELoad(gatewayUrl: () => string, now: () => number = Date.now): LabELoad {
  let crew: Promise<Crew> | undefined;

  const crewOf = (run: LoadRun): Promise<Crew> => {
    crew ??= (async () => {
      const base = gatewayUrl();
      const manager = await account(run, base, 'load-manager@popug.load', 'manager', 'Load Manager');
      const workers = new Map<string, Account>();
      for (let i = 1; i <= WORKERS; i++) {
        const w = await account(run, base, `load-worker-${i}@popug.load`, 'worker', `Load Worker ${i}`);
        workers.set(w.publicId, w);
      }
      return { manager, workers };
    })();
    crew.catch(() => (crew = undefined));
    return crew;
  };

  const createTask = async (run: LoadRun, c: Crew): Promise<Task> => {
    const base = gatewayUrl();
    const until = now() + NO_WORKER_PATIENCE_MS;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const r = await call(run, `${base}/tasks`, 'POST', c.manager.token, {
        title: `load task ${Math.floor(run.random() * 1e6)}`,
        description: 'made by the console load',
      });
      const t = r.json as Partial<Task> | undefined;
      if (r.status === 201 && typeof t?.public_id === 'string' && typeof t.assignee_public_id === 'string')
        return t as Task;
      if (r.status !== 409 || now() + wait > until) throw failed('POST /tasks', r);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  /**
   * Completes by its assignee. A reshuffle of another unit may have moved the task in between (403 for the one this
   * unit knew): the other workers of the crew are tried, in up to three rounds (units reshuffling at once can move it
   * again behind the one being tried; CI saw a unit miss it in one round). False: its assignee is not one of the crew
   * (an account someone else made), the task stays open.
   */
  const complete = async (run: LoadRun, c: Crew, task: Task): Promise<boolean> => {
    const first = c.workers.get(task.assignee_public_id);
    const order = [...(first ? [first] : []), ...[...c.workers.values()].filter((w) => w !== first)];
    for (let round = 0; round < 3; round++)
      for (const worker of order) {
        const r = await call(run, `${gatewayUrl()}/tasks/${task.public_id}/complete`, 'POST', worker.token);
        if (r.status === 200) return true;
        if (r.status !== 403) throw failed(`POST /tasks/${task.public_id}/complete`, r);
      }
    return false;
  };

  return {
    async unit(outcome, run) {
      const c = await crewOf(run);
      const task = await createTask(run, c);
      if (outcome === 'create') return 'create';
      if (outcome === 'reshuffle') {
        const r = await call(run, `${gatewayUrl()}/tasks/reshuffle`, 'POST', c.manager.token);
        const moved = (r.json as { tasks?: Task[] } | undefined)?.tasks;
        if (r.status !== 200 || !Array.isArray(moved)) throw failed('POST /tasks/reshuffle', r);
        const now = moved.find((t) => t.public_id === task.public_id) ?? task;
        return (await complete(run, c, now)) ? 'reshuffle' : 'create';
      }
      return (await complete(run, c, task)) ? 'complete' : 'create';
    },
  };
}
