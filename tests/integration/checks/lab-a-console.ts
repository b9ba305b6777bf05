// Helpers for Lab A's checks tests: a console on Lab A with names of its own (topic and group prefix, MongoDB database,
// Redis prefix, API port), its API and projector run as child processes, instances restarted in a broken mode (and
// waited for: the API until it answers, the projector until it joined its group again), commands sent to the API,
// checks run through the contract, on the shared stack or another provider (a cluster of the test's own), and cleanup
// of the topic, groups, database and Redis keys.
import type { Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { createClient } from 'redis';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import { loadConsoleConfig } from '../../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../../main/console/create-console.js';
import { createLabA } from '../../../main/console/labs/lab-a/index.js';
import type { CheckResult, RequestName, ResponseOf } from '../../../main/console/contract/console-api.js';
import type { LabModule } from '../../../main/console/labs/types.js';
import type { StackProvider } from '../../../main/console/stack/types.js';
import { endpoints, uniqueName } from '../support/index.js';
import { callerOf, freePort, sharedStackProvider } from '../support/test-provider.js';
import { REPO_ROOT } from '../lab-d/harness.js';

export const API = 'presentations-api';
export const PROJECTOR = 'projector-1';

export interface LabAConsole {
  console: Console;
  lab: LabModule;
  prefix: string;
  db: string;
  apiUrl: string;
  call<C extends RequestName>(name: C, request?: unknown): Promise<ResponseOf<C>>;
  /** restarts (or starts) instances in these modes (null: correct) and waits until each is ready */
  start(modes: Partial<Record<typeof API | typeof PROJECTOR, string | null>>): Promise<void>;
  /** creates `n` presentations and updates each twice through the API (every answer 202) */
  changes(n: number): Promise<string[]>;
  runChecks(ids: string[], timeoutMs?: number): Promise<CheckResult[]>;
  stop(): Promise<void>;
}

export async function startLabAConsole(
  admin: Admin,
  name = 'checks-a',
  env: NodeJS.ProcessEnv = {},
  /** the stack (default: the shared one, as the global setup brought it up) */
  provider: StackProvider = sharedStackProvider(['kafka', 'mongodb', 'redis']),
): Promise<LabAConsole> {
  const prefix = `${uniqueName(name)}.`;
  const db = uniqueName(`es_${name.replace(/-/g, '_')}`, '_').slice(0, 50);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const lab = createLabA({
    EVENTSCOPE_LAB_A_PREFIX: prefix,
    EVENTSCOPE_LAB_A_MONGODB_DB: db,
    EVENTSCOPE_LAB_A_REDIS_PREFIX: prefix,
    EVENTSCOPE_LAB_A_API_PORT: String(port),
    ...env,
  });
  const console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '500' }),
    provider,
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [lab],
  });
  const done: CheckResult[] = [];
  console_.subscribe((e) => {
    if (e.name === 'checks:done') done.push(e.payload.result);
  });
  await console_.start();
  const call = callerOf(() => console_);
  await call('labs:select', { lab: 'lab-a' });

  const ready = async (instance: string, since: number): Promise<void> => {
    await waitFor(
      async () => {
        const state = (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
        const { lines } = await call('services:logs', { instance, lines: 300 });
        if (state === 'exited' || state === 'stopped')
          throw new Error(`${instance} ${state}: ${lines.map((l) => l.text).join('\n')}`);
        if (instance === API) return state === 'running' || undefined;
        return lines.some((l) => l.at >= since && l.kind === 'lifecycle' && l.text.includes('"joined"')) || undefined;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: `${instance} ready` },
    );
  };

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (res.status !== 202) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; version: number };
  };

  return {
    console: console_,
    lab,
    prefix,
    db,
    apiUrl,
    call,
    async start(modes) {
      const since = Date.now();
      const entries = Object.entries(modes);
      const list = (await call('services:list')).instances;
      // the API first: it creates the topic the projector subscribes to
      for (const [instance, brokenMode] of entries) {
        const running = list.find((i) => i.instance === instance)?.state === 'running';
        await call(running ? 'services:restart' : 'services:start', { instance, brokenMode });
        await ready(instance, since);
      }
    },
    async changes(n) {
      const ids = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          send('POST', '/presentations', { title: `t${i}`, speaker: 'Ada', conference: 'Matrix', duration_min: 30 }),
        ),
      );
      for (const step of [1, 2])
        await Promise.all(ids.map(({ id }) => send('PUT', `/presentations/${id}`, { duration_min: 30 + step })));
      return ids.map((x) => x.id);
    },
    async runChecks(ids, timeoutMs = 120_000) {
      const { runId } = await call('checks:run', { checks: ids });
      return waitFor(
        () => {
          const mine = done.filter((r) => r.runId === runId);
          return mine.length === ids.length ? mine : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `checks ${ids.join(', ')}` },
      );
    },
    async stop() {
      await console_.stop();
      const mongo = new MongoClient(endpoints().mongodb.url, { serverSelectionTimeoutMS: 5000 });
      await mongo
        .connect()
        .then(() => mongo.db(db).dropDatabase())
        .catch(() => undefined);
      await mongo.close().catch(() => undefined);
      const redis = createClient({ url: endpoints().redis.url });
      await redis.connect().then(
        async () => {
          const keys: string[] = [];
          for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
          if (keys.length > 0) await redis.del(keys);
          await redis.quit();
        },
        () => undefined,
      );
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    },
  };
}
